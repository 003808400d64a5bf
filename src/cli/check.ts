import { checkPaths, CheckPathError, DEFAULT_MAX_PATHS, DEFAULT_MAX_STEPS, formatGcc, toCheckJson, toSarif } from '../check/index.js';
import { packageInfo } from '../package-info.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print, progress, type Io } from './output.js';

/**
 * `auxbus check`: the model's verdict on C. Every function that creates or tears down auxiliary
 * devices is run path by path on the model; the findings come out as a compiler's warnings, JSON
 * or SARIF.
 */

/** The `check` command. */
export const check: Command = {
  name: 'check',
  summary: 'check the error-unwind paths of kernel C that creates or tears down auxiliary devices',
  usage: 'auxbus check FILE|DIR ... [--json | --sarif] [--max-paths N] [--max-steps N]',
  description:
    'Parses C files (directories are searched for .c and .h files) and finds the functions that\n' +
    'call the auxiliary-bus API, directly or through helpers of the same file. Each is run on the\n' +
    'model path by path: every fallible call (kzalloc, ida_alloc, auxiliary_device_init/add, ...)\n' +
    'both succeeds and fails, every branch the code cannot know both ways, loops a few times. The\n' +
    'calls become the model\'s events; what the machines call a violation, and what a function\n' +
    'leaves unreleased and unreachable when it returns, is reported with the failing call that\n' +
    'selects the path, the code, the bug class and the fix.\n\n' +
    'Code it cannot follow (a macro hiding control flow, a syntax error) is reported as not\n' +
    'analysed, with the reason. A release callback it cannot see (another file\'s, a function\n' +
    'pointer) is assumed unknown: the function is analysed, what depends on what that callback\n' +
    'frees is not reported, and the output says so ("note: assumed"). The one convention it relies\n' +
    'on: a function of another file named to_foo() or x_to_foo() is a container_of wrapper.\n\n' +
    'Each function has a step budget (--max-steps: instructions run over all its paths, a count\n' +
    'rather than a time, so the verdict does not depend on the machine\'s load): a function that\n' +
    'exceeds it (a goto inside a loop multiplies the paths) is reported as "not analysed: budget"\n' +
    'and nothing of it is claimed; the default keeps any function under a second or so.\n\n' +
    'Exit status: 0 no finding, 1 findings, 2 an error (a path that does not exist, a bad option).',
  options: [
    { name: 'json', type: 'boolean', description: 'print { version, clean, files, functions, findings, notAnalysed, assumptions } as JSON' },
    { name: 'sarif', type: 'boolean', description: 'print SARIF 2.1.0 (for code-scanning tools)' },
    { name: 'max-paths', type: 'string', valueName: 'N', integer: { min: 1, max: 1_000_000 }, description: `most paths run per function (default ${DEFAULT_MAX_PATHS}); the report says when it was reached` },
    { name: 'max-steps', type: 'string', valueName: 'N', integer: { min: 1, max: 2 ** 31 - 1 }, description: `step budget per function, over all its paths (default ${DEFAULT_MAX_STEPS}); past it the function is "not analysed: budget"` },
  ],
  positionals: Number.POSITIVE_INFINITY,
  notes:
    'examples:\n' +
    '  auxbus check drivers/foo/foo_aux.c\n' +
    '  auxbus check drivers/ sound/soc/sof/ --sarif > auxbus.sarif\n' +
    '  auxbus check foo.c --json | jq \'.findings[].code\'',
  async run(argv: string[], io: Io) {
    const args = parseOrHelp(check, argv, io);
    if (!args) return EXIT.ok;
    if (args.positionals.length === 0) {
      io.stderr.write('auxbus check: no file or directory given; usage: auxbus check FILE|DIR ...\n');
      return EXIT.usage;
    }
    if (args.flags.json && args.flags.sarif) {
      io.stderr.write('auxbus check: --json and --sarif are exclusive; choose one output format\n');
      return EXIT.usage;
    }
    const maxPaths = args.flags['max-paths'] === undefined ? undefined : Number(args.flags['max-paths']);
    const maxSteps = args.flags['max-steps'] === undefined ? undefined : Number(args.flags['max-steps']);
    const line = progress(io);
    let result;
    try {
      result = await checkPaths(args.positionals, { ...(maxPaths === undefined ? {} : { maxPaths }), ...(maxSteps === undefined ? {} : { maxSteps }), onFile: (file, done) => line.update(`checked ${done} files: ${file}`) });
    } catch (e) {
      line.done();
      if (e instanceof CheckPathError) {
        io.stderr.write(`auxbus check: ${e.message}\n`);
        return EXIT.usage;
      }
      throw e;
    }
    line.done();
    const version = packageInfo().version;
    if (args.flags.json) print(io, JSON.stringify(toCheckJson(result, version), null, 2));
    else if (args.flags.sarif) print(io, JSON.stringify(toSarif(result, version), null, 2));
    else {
      const text = formatGcc(result);
      if (text) print(io, text);
      io.stderr.write(
        `auxbus check: ${result.files} file${result.files === 1 ? '' : 's'} (${result.relevantFiles} using the auxiliary bus), ` +
        `${result.functions} function${result.functions === 1 ? '' : 's'}, ${result.paths} path${result.paths === 1 ? '' : 's'}: ` +
        `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}, ${result.notAnalysed.length} not analysed` +
        (result.assumptions.length > 0 ? `, ${result.assumptions.length} assumption${result.assumptions.length === 1 ? '' : 's'} (release callbacks it cannot see)` : '') + '\n',
      );
    }
    return result.findings.length > 0 ? EXIT.findings : EXIT.ok;
  },
};
