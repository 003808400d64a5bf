import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** This checkout's root. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where global-setup.ts compiles the package for these tests: the same tsc build as dist/, in a
 * folder of its own (inside the package, so that package.json and node_modules resolve as from dist/).
 * Its name carries a hash of the checkout's path: git worktrees that share one node_modules (a
 * symlink) would otherwise build into, and test, the same folder.
 */
export const BUILD_DIR = `${ROOT}node_modules/.cache/auxbus-test-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`;

/** The compiled `auxbus` binary (package.json `bin`, built by global-setup.ts). */
export const BIN = `${BUILD_DIR}/src/cli/main.js`;

/** The compiled diagrams script behind `npm run diagrams` / `diagrams:check`. */
export const DIAGRAMS_MAIN = `${BUILD_DIR}/src/diagrams/main.js`;

/** What a run of the binary gave. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `auxbus ARGS` as a real process. Colour variables from the caller's environment are
 * removed so that each test sets exactly what it means to.
 */
export function auxbus(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Run {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  // With a timeout, a command that hangs is killed (status null) instead of hanging the suite.
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...base, ...env }, maxBuffer: 256 * 1024 * 1024, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, which a user's mistake must never print. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** An ANSI escape sequence. */
export const ANSI = /\u001b\[/;
