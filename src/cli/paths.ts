import { MACHINE_NAMES, type MachineName } from '../catalog.js';
import { UsageError } from '../errors.js';
import { exportPaths, pathsToMarkdown, SIMPLE_PATHS_STATE_LIMIT, STRATEGIES, type Strategy } from '../export/paths.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print, progress, type Io } from './output.js';

/**
 * `auxbus paths`: generated test paths of one machine, for use outside this package (e.g. by
 * someone writing KUnit tests for the bus): each path a list of steps with the event, the
 * kernel call, the state reached, the return value and the violations.
 */

/** The `paths` command. */
export const paths: Command = {
  name: 'paths',
  summary: 'export generated test paths of a machine (JSON or Markdown) for tests outside this package',
  usage: 'auxbus paths --machine device|ida|driver|memory [--strategy shortest|simple|transitions] [--format json|md] [--json] [--ref-bound N] [--devm] [--ida-capacity N]',
  description:
    'Generates paths through a machine with xstate/graph (model-based test generation), replays\n' +
    'each on the machine and prints every step: the event, the kernel call it stands for, the\n' +
    'state reached, the return value (-errno by name), the violations raised and the kernel log\n' +
    'lines. Each path starts at the machine\'s initial state. Strategies:\n' +
    Object.entries(STRATEGIES).map(([k, v]) => `  ${k.padEnd(12)}${v}`).join('\n') +
    `\n\nsimple is exponential: it is refused (exit 2) when the model has more than\n${SIMPLE_PATHS_STATE_LIMIT} reachable states, which is always the case for the device machine; use it on the\ndriver machine or the IDA with --ida-capacity 1 or 2.`,
  options: [
    { name: 'machine', type: 'string', values: MACHINE_NAMES, description: 'which machine (required)' },
    { name: 'strategy', type: 'string', values: ['transitions', 'shortest', 'simple'], default: 'transitions', description: 'how paths are chosen' },
    { name: 'format', type: 'string', values: ['json', 'md'], default: 'json', description: 'output format' },
    { name: 'json', type: 'boolean', description: 'same as --format json' },
    { name: 'ref-bound', type: 'string', valueName: 'N', integer: { min: 1, max: 4 }, description: 'device only: most references the caller holds at once (default 2)' },
    { name: 'devm', type: 'boolean', description: 'device only: a devm_kzalloc()ed container (the paths of what only devm memory does)' },
    { name: 'ida-capacity', type: 'string', valueName: 'N', integer: { min: 1, max: 4 }, description: 'ida only: size of the id space (default 2)' },
  ],
  notes:
    'The JSON: { machine, strategy, options, input, initialState, summary, paths: [{ path, finalState,\n' +
    'violations, steps: [{ step, event, call, transitions, from, state, context, returns, errno,\n' +
    'violations, kernelLog }] }] }. A path file is also what `auxbus diagram --trace` draws.\n\n' +
    'examples:\n' +
    '  auxbus paths --machine device > device-paths.json\n' +
    '  auxbus paths --machine driver --strategy simple --format md',
  async run(argv, io: Io) {
    const args = parseOrHelp(paths, argv, io);
    if (!args) return EXIT.ok;
    const hint = 'auxbus paths --help';
    const machine = args.flags.machine as MachineName | undefined;
    if (!machine) throw new UsageError(`--machine is required (one of ${MACHINE_NAMES.join(', ')})`, hint);
    if (args.flags['ref-bound'] !== undefined && machine !== 'device') throw new UsageError('--ref-bound applies to --machine device only', hint);
    if (args.flags.devm && machine !== 'device') throw new UsageError('--devm applies to --machine device only', hint);
    if (args.flags['ida-capacity'] !== undefined && machine !== 'ida') throw new UsageError('--ida-capacity applies to --machine ida only', hint);
    const formatGiven = argv.some((a) => a === '--format' || a.startsWith('--format='));
    if (args.flags.json && formatGiven && args.flags.format === 'md') throw new UsageError('--json and --format md contradict each other', hint);
    const format = args.flags.json ? 'json' : (args.flags.format as 'json' | 'md');
    const strategy = args.flags.strategy as Strategy;
    const p = progress(io);
    p.update(`generating ${strategy} paths of the ${machine} machine...`);
    const options: Parameters<typeof exportPaths>[0] = { machine, strategy };
    if (args.flags['ref-bound'] !== undefined) options.refBound = args.flags['ref-bound'] as number;
    if (args.flags.devm) options.devm = true;
    if (args.flags['ida-capacity'] !== undefined) options.idaCapacity = args.flags['ida-capacity'] as number;
    try {
      const result = exportPaths(options);
      p.done();
      print(io, format === 'json' ? JSON.stringify(result, null, 2) : pathsToMarkdown(result));
    } finally {
      p.done();
    }
    return EXIT.ok;
  },
};
