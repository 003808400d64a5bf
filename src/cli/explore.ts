import { ROUTINE_MAX_FAULTS_LIMIT, ROUTINE_MAX_RUNS_DEFAULT, ROUTINE_MAX_RUNS_LIMIT } from '../explore/routine/index.js';
import { EXIT, type Command } from './command.js';
import { exploreRoutines } from './explore-routine.js';
import { parseOrHelp } from './help.js';
import type { Io } from './output.js';

/**
 * `auxbus explore`: proves a driver's routines on every failure path or shows the path that
 * breaks them. The routine mode (explore-routine.ts) is the default and, for now, the only one;
 * an exhaustive mode over a composed world (`--world`) is to be dispatched from `run` below,
 * in a file of its own.
 */

/** The `explore` command. */
export const explore: Command = {
  name: 'explore',
  summary: 'run a driver\'s create and teardown routines on every failure path (fail-nth) and report each problem with its path',
  usage: 'auxbus explore [--example NAME ... | --all] [MODULE.js ...] [--max-faults K] [--max-runs N] [--json]\n       auxbus explore --list',
  description:
    'Runs a scenario (a driver\'s create and teardown routines written against the runtime) on\n' +
    'the simulated kernel: once with no fault, then once per fallible call with that call failing,\n' +
    'as the kernel\'s /proc/<tid>/fail-nth loop does (with --max-faults K, every combination of up\n' +
    'to K failing calls). Teardown runs after every create that succeeded; the end check (what\n' +
    'kmemleak would find) after it. Each distinct problem is printed once, with its violation code\n' +
    'and bug class, the shortest path that shows it step by step (the failed call marked), what\n' +
    'the kernel shows, and the fix; then one line per path.\n\n' +
    'Scenarios come from the bundled examples (--example, --all; --list shows them) or from your\n' +
    'compiled ES modules: a MODULE.js whose default export is a scenario (or an array of them),\n' +
    'or that exports `scenario` or `scenarios`. A scenario is { name, description?, setup?(k),\n' +
    'create(k, ctx), ok?(result, ctx), teardown?(k, ctx, result) } (see the README).',
  options: [
    { name: 'example', type: 'string', multiple: true, valueName: 'NAME', description: 'explore a bundled example (repeat for several)' },
    { name: 'all', type: 'boolean', description: 'explore every bundled example' },
    { name: 'list', type: 'boolean', description: 'list the bundled examples and exit' },
    { name: 'max-faults', type: 'string', valueName: 'K', integer: { min: 1, max: ROUTINE_MAX_FAULTS_LIMIT }, default: '1', description: 'most failing calls per path' },
    { name: 'max-runs', type: 'string', valueName: 'N', integer: { min: 1, max: ROUTINE_MAX_RUNS_LIMIT }, description: `most runs per scenario (default ${ROUTINE_MAX_RUNS_DEFAULT}); the report says when it was reached` },
    { name: 'json', type: 'boolean', description: 'print { version, clean, explorations: [...] } as JSON' },
  ],
  positionals: Number.POSITIVE_INFINITY,
  notes:
    'examples:\n' +
    '  auxbus explore --list\n' +
    '  auxbus explore --example double-free-add-failure\n' +
    '  auxbus explore --all --json > findings.json\n' +
    '  auxbus explore build/my-driver.js --max-faults 2',
  async run(argv: string[], io: Io) {
    const args = parseOrHelp(explore, argv, io);
    if (!args) return EXIT.ok;
    // The world mode (--world) is to be dispatched here, before the default routine mode.
    return exploreRoutines(args, io);
  },
};
