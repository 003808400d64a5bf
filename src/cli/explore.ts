import { DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY } from '../explore/memory.js';
import { ROUTINE_BUDGET_STOP, ROUTINE_MAX_CALLS_DEFAULT, ROUTINE_MAX_FAULTS_LIMIT, ROUTINE_MAX_RUNS_DEFAULT, ROUTINE_MAX_RUNS_LIMIT } from '../explore/routine/index.js';
import { UsageError } from '../errors.js';
import { EXIT, type Command } from './command.js';
import { exploreRoutines } from './explore-routine.js';
import { exploreWorldCommand, WORLD_OPTIONS } from './explore-world.js';
import { parseOrHelp } from './help.js';
import type { Io } from './output.js';

/**
 * `auxbus explore`: proves a driver's routines on every failure path or shows the path that
 * breaks them. The routine mode (explore-routine.ts) is the default; `--world` explores a
 * composed world exhaustively (explore-world.ts).
 */

/** The `explore` command. */
export const explore: Command = {
  name: 'explore',
  summary: 'run a driver\'s create and teardown routines on every failure path (fail-nth) and report each problem with its path',
  usage: 'auxbus explore [--example NAME ... | --all] [MODULE.js ...] [--max-faults K] [--max-runs N] [--max-calls N] [--max-memory SIZE] [--deferred-release] [--quiet] [--json]\n       auxbus explore --list\n       auxbus explore --world [--devices K] [--ids M] [--drivers ok,fails] [--faults] [--deferred-release] [--code any|routine|MISUSE] [--max-states N] [--max-memory SIZE] [--store exact|compact] [--quiet] [--json [--paths]]',
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
    'create(k, ctx), ok?(result, ctx), teardown?(k, ctx, result) } (see docs/runtime.md).\n\n' +
    'With --world it explores a composed world instead: K devices sharing one IDA of M ids, aux\n' +
    'drivers, every fault if asked, in every interleaving, breadth first (symmetric device slots\n' +
    'are reduced). --code says whose calls: any call (misuse included), the documented routine,\n' +
    'or the routine with one misuse. Each violation reachable is printed with its shortest path;\n' +
    'exit 1 when there is one.\n\n' +
    'Memory: both modes stop cleanly at --max-memory (default 4G: the resident set the exploration\n' +
    'adds to the process), with what they explored. Nearing it, --world first drops its step caches,\n' +
    'then turns its visited set to hash compaction (64-bit fingerprints of the states, as Spin\'s;\n' +
    'the report prints the probability that a state was missed), then stops and reports the states\n' +
    'found and expanded and the largest queue. The routine mode also stops a scenario after\n' +
    `${ROUTINE_BUDGET_STOP} runs that all hit --max-calls (a routine that loops on the kernel) and says so.\n` +
    'Progress goes to stderr: a line rewritten on a terminal, else a line every few seconds\n' +
    '(--quiet: none).\n\n' +
    'Exit status: 0 explored completely, nothing found; 1 a problem or violation found (even if a\n' +
    'bound stopped it); 2 usage or input error; 4 a bound (--max-memory, --max-states, --max-runs,\n' +
    'the call budget) stopped it before it was complete, nothing found on what it explored.',
  options: [
    { name: 'example', type: 'string', multiple: true, valueName: 'NAME', description: 'explore a bundled example (repeat for several)' },
    { name: 'all', type: 'boolean', description: 'explore every bundled example' },
    { name: 'list', type: 'boolean', description: 'list the bundled examples and exit' },
    { name: 'max-faults', type: 'string', valueName: 'K', integer: { min: 1, max: ROUTINE_MAX_FAULTS_LIMIT }, default: '1', description: 'most failing calls per path' },
    { name: 'max-runs', type: 'string', valueName: 'N', integer: { min: 1, max: ROUTINE_MAX_RUNS_LIMIT }, description: `most runs per scenario (default ${ROUTINE_MAX_RUNS_DEFAULT}); the report says when it was reached` },
    { name: 'max-calls', type: 'string', valueName: 'N', integer: { min: 1, max: 2 ** 31 - 1 }, description: `most kernel calls in one run (default ${ROUTINE_MAX_CALLS_DEFAULT}); a routine looping past it is reported as an exception on that path` },
    { name: 'max-memory', type: 'string', valueName: 'SIZE', description: `most memory the exploration may add, in bytes or with K, M, G (default ${DEFAULT_MAX_MEMORY / 2 ** 30}G, at least ${MIN_MAX_MEMORY / 2 ** 20}M); reached, it stops with what it explored (exit 4)` },
    { name: 'quiet', type: 'boolean', description: 'no progress lines on stderr' },
    { name: 'json', type: 'boolean', description: 'print { version, clean, explorations: [...] } as JSON' },
    ...WORLD_OPTIONS,
  ],
  positionals: Number.POSITIVE_INFINITY,
  notes:
    'examples:\n' +
    '  auxbus explore --list\n' +
    '  auxbus explore --example double-free-add-failure\n' +
    '  auxbus explore --all --json > findings.json\n' +
    '  auxbus explore build/my-driver.js --max-faults 2\n' +
    '  auxbus explore --world --devices 3 --faults --drivers ok --code routine\n' +
    '  auxbus explore --world --devices 2 --code kfree-after-uninit\n' +
    '  auxbus explore --example double-free-add-failure --deferred-release\n' +
    '  auxbus explore --world --devices 2 --faults --code routine --deferred-release\n' +
    '  auxbus explore --world --devices 6 --ids 16 --faults --drivers ok,fails,ok --ref-bound 4 --max-memory 2G',
  async run(argv: string[], io: Io) {
    const args = parseOrHelp(explore, argv, io);
    if (!args) return EXIT.ok;
    // Modules are explored by the routine mode only: --list and --world take none.
    if ((args.flags.list || args.flags.world) && args.positionals.length > 0) {
      throw new UsageError(`unexpected argument with --${args.flags.list ? 'list' : 'world'}: ${args.positionals.join(' ')} (modules are explored without --list and --world)`, 'auxbus explore --help');
    }
    if (args.flags.world) return exploreWorldCommand(args, io);
    return exploreRoutines(args, io);
  },
};
