import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * How long `auxbus` takes to start: a few commands run as processes, each against `node -e 0`
 * run the same number of times in the same run (the baseline: Node starting and doing nothing).
 * kbuild starts one checker process per file, so `check --kbuild` on a clean file is the figure
 * that matters most; `--version` loads no command at all.
 */

const BIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CLEAN = fileURLToPath(new URL('../../test/fixtures/check/corpus/double-free-ok-1.c', import.meta.url));

/**
 * One command's mean time and its ratio to `node -e 0`.
 * @example const r: StartupResult = { command: 'auxbus --version', ms: 150, baselineMs: 120, ratio: 1.25 };
 */
export interface StartupResult {
  command: string;
  ms: number;
  baselineMs: number;
  ratio: number;
  target?: number;
  met?: boolean;
}

function mean(args: string[], runs: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    try {
      execFileSync(process.execPath, args, { stdio: 'ignore' });
    } catch {
      // A command that reports findings exits 1; only the time counts here.
    }
  }
  return Number(process.hrtime.bigint() - t) / 1e6 / runs;
}

/**
 * Runs each command `runs` times, interleaved with the baseline so that both see the same load.
 * @example for (const r of benchStartup(10, console.log)) console.log(r.ratio)
 */
export function benchStartup(runs: number, log: (line: string) => void): StartupResult[] {
  if (!existsSync(BIN)) throw new Error(`npm run bench startup: ${BIN} is missing; build first (npm run build)`);
  const commands: Array<[string, string[], number | undefined]> = [
    ['auxbus --version', ['--version'], 1.5],
    ['auxbus --help', ['--help'], undefined],
    ['auxbus explain double-free', ['explain', 'double-free'], undefined],
    ['auxbus check --kbuild -D__KERNEL__ CLEAN.c', ['check', '--kbuild', '-D__KERNEL__', CLEAN], undefined],
  ];
  const out: StartupResult[] = [];
  for (const [command, args, target] of commands) {
    const baselineMs = mean(['-e', '0'], runs);
    const ms = mean([BIN, ...args], runs);
    const r: StartupResult = { command, ms, baselineMs, ratio: ms / baselineMs, ...(target === undefined ? {} : { target, met: ms / baselineMs <= target }) };
    log(`  ${command.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms  node -e 0: ${baselineMs.toFixed(0).padStart(4)} ms  ratio ${r.ratio.toFixed(2)}×${target === undefined ? '' : ` (target ≤ ${target}×: ${r.met ? 'met' : 'NOT met'})`}`);
    out.push(r);
  }
  return out;
}
