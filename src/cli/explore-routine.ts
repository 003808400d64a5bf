import { EXAMPLES, findExample } from '../../examples/index.js';
import { UsageError } from '../errors.js';
import { explore, formatExploration, loadScenarios, type AnyScenario, type RoutineExploration } from '../explore/routine/index.js';
import { packageInfo } from '../package-info.js';
import type { ParsedArgs } from './args.js';
import { EXIT } from './command.js';
import { memoryBound } from './memory-bound.js';
import { colors, print, progress, type Colors, type Io } from './output.js';

/**
 * `auxbus explore` in its default mode: the routine explorer (src/explore/routine/) on bundled
 * examples and on scenarios from the user's compiled ES modules. Every input is loaded and
 * checked before anything runs, so a bad one exits 2 with nothing explored.
 */

const HINT = 'auxbus explore --help';

/** One line per bundled example: its name and what it shows. */
export function exampleList(): string {
  const width = Math.max(...EXAMPLES.map((s) => s.name.length)) + 2;
  return EXAMPLES.map((s) => `${s.name.padEnd(width)}${s.description ?? ''}`).join('\n');
}

/** The scenarios the command line names: `--example NAME` (repeatable), `--all`, then each MODULE.js. */
async function targets(args: ParsedArgs): Promise<AnyScenario[]> {
  const names = (args.flags.example as string[] | undefined) ?? [];
  const out: AnyScenario[] = [];
  if (args.flags.all) out.push(...EXAMPLES);
  for (const name of names) {
    const s = findExample(name);
    if (!s) throw new UsageError(`no bundled example "${name}"; examples: ${EXAMPLES.map((e) => e.name).join(', ')}`, 'auxbus explore --list');
    if (!out.includes(s)) out.push(s);
  }
  for (const file of args.positionals) out.push(...(await loadScenarios(file)));
  if (out.length === 0) {
    throw new UsageError('nothing to explore: name a bundled example (--example NAME, --all; --list shows them) or a compiled MODULE.js exporting a scenario', HINT);
  }
  return out;
}

/** Light colour on the report's own lines (headers bold, problems red, an incomplete run yellow). */
function paint(text: string, c: Colors): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('explore ') ? c.bold(l) : l.startsWith('problem ') ? c.red(c.bold(l)) : l.startsWith('  INCOMPLETE') ? c.yellow(l) : l))
    .join('\n');
}

/** Runs the routine mode; returns the exit code (0 clean, 1 problems, 4 a bound stopped a scenario and nothing was found). */
export async function exploreRoutines(args: ParsedArgs, io: Io): Promise<number> {
  if (args.flags.list) {
    print(io, args.flags.json ? JSON.stringify(EXAMPLES.map((e) => ({ name: e.name, description: e.description ?? '' })), null, 2) : exampleList());
    return EXIT.ok;
  }
  const maxMemory = memoryBound(args.flags['max-memory']);
  const scenarios = await targets(args);
  const options = {
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    maxFaults: args.flags['max-faults'] as number,
    ...(args.flags['max-runs'] !== undefined ? { maxRuns: args.flags['max-runs'] as number } : {}),
    ...(args.flags['max-calls'] !== undefined ? { maxCalls: args.flags['max-calls'] as number } : {}),
    release: args.flags['deferred-release'] === true ? 'deferred' as const : 'immediate' as const,
  };
  const p = progress(io, { log: true, quiet: args.flags.quiet === true });
  const results: RoutineExploration[] = [];
  try {
    for (const s of scenarios) {
      p.update(`exploring ${s.name}...`);
      results.push(explore(s, { ...options, onRun: ({ runs, paths }) => { if (runs % 20 === 0) p.update(`exploring ${s.name}: ${runs} runs, ${paths} paths...`); } }));
    }
  } finally {
    p.done();
  }
  const clean = results.every((r) => r.summary.problems === 0);
  if (args.flags.json) {
    print(io, JSON.stringify({ version: packageInfo().version, clean, explorations: results }, null, 2));
  } else {
    const c = colors(io.stdout, io.env);
    print(io, results.map((r) => paint(formatExploration(r), c)).join('\n\n'));
    if (results.length > 1) {
      const bad = results.filter((r) => r.summary.problems > 0);
      print(io, `\n${c.bold(`explored ${results.length} scenarios: ${results.length - bad.length} clean, ${bad.length} with problems${bad.length ? ` (${bad.map((r) => r.scenario.name).join(', ')})` : ''}`)}`);
    }
  }
  if (!clean) return EXIT.findings;
  return results.every((r) => r.summary.complete) ? EXIT.ok : EXIT.bound;
}
