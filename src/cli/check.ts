import { relative, resolve } from 'node:path';
import { VIOLATION_CODES, type ViolationCode } from '../../machines/index.js';
import {
  addFileCheck, applyBaseline, checkPaths, CheckPathError, DEFAULT_MAX_PATHS, DEFAULT_MAX_STEPS, formatGcc, readBaseline, toCheckJson, toSarif, touches, writeBaseline,
  type CheckRun,
} from '../check/index.js';
import { checkBytes } from '../check/file-check.js';
import { MAX_CHECK_JOBS } from '../check/files.js';
import { UsageError } from '../errors.js';
import { writeFileWhole } from '../write-file.js';
import { packageInfo } from '../package-info.js';
import { gitTopLevel, readDiff, readStdin } from './check-input.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { splitKbuildArgs, type CompilerFlags } from './kbuild.js';
import { colorEnabled, progress, type Io } from './output.js';

/**
 * `auxbus check`: the model's verdict on C. Every function that creates or tears down auxiliary
 * devices is run path by path on the model; the findings come out as gcc's analyzer prints its
 * warnings, as JSON or as SARIF. It reads files, directories, standard input, a patch or a git
 * range, and the command line kbuild gives a checker (`make C=1 CHECK=...`).
 */

const HINT = 'auxbus check --help';

/** The `check` command. */
export const check: Command = {
  name: 'check',
  summary: 'check the error-unwind paths of kernel C that creates or tears down auxiliary devices',
  usage: 'auxbus check FILE|DIR|- ... [--format gcc|json|sarif] [-o FILE] [--diff PATCH|-|RANGE] [--kbuild COMPILER-FLAGS] [--max-paths N] [--max-steps N] [--jobs N] [--allow-partial]',
  description:
    'Parses C files (directories are searched for .c and .h files; - reads C from standard input)\n' +
    'and finds the functions that call the auxiliary-bus API, directly or through helpers of the\n' +
    'same file; a file whose bytes never name the API is skipped unparsed, whatever it is (empty,\n' +
    'binary, huge). Each function is run on the model path by path: every fallible call (kzalloc,\n' +
    'ida_alloc, auxiliary_device_init/add, ...) both succeeds and fails, every branch the code\n' +
    'cannot know both ways, loops a few times. What the machines call a violation, and what a\n' +
    'function leaves unreleased and unreachable when it returns, is a warning in gcc -fanalyzer\'s\n' +
    'shape: a short message, [CWE-n] [auxbus-CODE], then numbered notes for the steps of the path.\n' +
    'Files are checked in worker threads (--jobs); the output does not depend on how many.\n\n' +
    'Code it cannot follow (a macro hiding control flow, a syntax error) is reported as not\n' +
    'analysed, with the reason. A release callback it cannot see (another file\'s, a function\n' +
    'pointer) is assumed unknown: the function is analysed, what depends on what that callback\n' +
    'frees is not reported, and the output says so ("note: assumed"). The one convention it relies\n' +
    'on: a function of another file named to_foo() or x_to_foo() is a container_of wrapper.\n\n' +
    'Each function has a step budget (--max-steps: instructions run over all its paths, a count\n' +
    'rather than a time, so the verdict does not depend on the machine\'s load): a function that\n' +
    'exceeds it (a goto inside a loop multiplies the paths) is reported as "not analysed: budget"\n' +
    'and nothing of it is claimed; the default keeps any function within a few seconds.\n\n' +
    'kbuild: make C=1 CHECK="auxbus check --kbuild" runs it on every compiled file (C=2: every\n' +
    'file). Compiler flags are accepted: -D/-U/-I are read, the rest skipped (the checker reads C\n' +
    'without a preprocessor). There a finding does not fail the build (exit 0), as sparse does.\n\n' +
    'Exit status: 0 no finding and everything analysed, 1 findings, 2 an error (a path that does\n' +
    'not exist, a bad option), 4 no finding but some function (or file) not analysed or only partly:\n' +
    'what was not analysed is not known to be clean (--allow-partial: 0 then). --kbuild: always 0.',
  options: [
    { name: 'format', type: 'string', values: ['gcc', 'json', 'sarif'], valueName: 'gcc|json|sarif', description: 'output format (default gcc): gcc\'s text, JSON { version, clean, files, functions, findings, notAnalysed, assumptions }, or SARIF 2.1.0' },
    { name: 'json', type: 'boolean', description: 'the same as --format json' },
    { name: 'sarif', type: 'boolean', description: 'the same as --format sarif' },
    { name: 'output', short: 'o', type: 'string', valueName: 'FILE', description: 'write the report to FILE (whole or not at all) instead of standard output' },
    { name: 'color', type: 'string', values: ['auto', 'always', 'never'], valueName: 'auto|always|never', description: 'colour the gcc text (default auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces it)' },
    { name: 'diff', type: 'string', valueName: 'PATCH|-|RANGE', description: 'report only findings in functions a change touches: a unified diff file, - (the diff on standard input), or a git range such as HEAD~1..HEAD; with no FILE, checks the changed files' },
    { name: 'ignore', type: 'string', multiple: true, valueName: 'CODE', description: 'leave out findings of this code (auxbus-CODE or CODE; may be repeated)' },
    { name: 'baseline', type: 'string', valueName: 'FILE', description: 'leave out the findings FILE holds (written by --write-baseline); only new ones are reported' },
    { name: 'write-baseline', type: 'string', valueName: 'FILE', description: 'write the findings to FILE as a baseline and exit 0' },
    { name: 'kbuild', type: 'boolean', description: 'called by kbuild (CHECK=): accept compiler flags, findings exit 0' },
    { name: 'max-paths', type: 'string', valueName: 'N', integer: { min: 1, max: 1_000_000 }, description: `most paths run per function (default ${DEFAULT_MAX_PATHS}); the report says when it was reached` },
    { name: 'max-steps', type: 'string', valueName: 'N', integer: { min: 1, max: 2 ** 31 - 1 }, description: `step budget per function, over all its paths (default ${DEFAULT_MAX_STEPS}); past it the function is "not analysed: budget"` },
    { name: 'jobs', short: 'j', type: 'string', valueName: 'N', integer: { min: 1, max: MAX_CHECK_JOBS }, description: 'threads that check files (default: the available parallelism); 1 checks in one thread; the output is the same' },
    { name: 'allow-partial', type: 'boolean', description: 'exit 0, not 4, when there is no finding but something was not analysed or only partly' },
  ],
  positionals: Number.POSITIVE_INFINITY,
  notes:
    'examples:\n' +
    '  auxbus check drivers/foo/foo_aux.c\n' +
    '  auxbus check --diff HEAD~1..HEAD                 # the functions the last commit touches\n' +
    '  git diff | auxbus check --diff -\n' +
    '  make C=1 CHECK="auxbus check --kbuild" drivers/foo/\n' +
    '  auxbus check drivers/ --format sarif -o auxbus.sarif\n' +
    '  auxbus check drivers/ --write-baseline auxbus-baseline.json; auxbus check drivers/ --baseline auxbus-baseline.json\n' +
    'reference: docs/check.md (formats, kbuild, patches, baselines, exit status)',
  async run(argv: string[], io: Io) {
    const kbuild = argv.includes('--kbuild');
    let compiler: CompilerFlags | null = null;
    if (kbuild) ({ argv, compiler } = splitKbuildArgs(argv, check.options));
    const args = parseOrHelp(check, argv, io);
    if (!args) return EXIT.ok;
    const format = chooseFormat(args.flags);
    const ignore = ignoredCodes(args.flags.ignore);
    const diffSpec = args.flags.diff as string | undefined;
    const stdinInput = io.stdin ?? process.stdin;
    if (diffSpec === '-' && args.positionals.includes('-')) throw new UsageError('--diff - and - both read standard input; give the patch or the C as a file', HINT);
    if (args.flags.baseline !== undefined && args.flags['write-baseline'] !== undefined) throw new UsageError('--baseline and --write-baseline are exclusive: write a baseline once, then check against it', HINT);

    const cwd = process.cwd();
    const changed = diffSpec === undefined ? null : await readDiff(diffSpec, cwd, stdinInput);
    let targets = args.positionals;
    if (targets.length === 0 && changed !== null) {
      // Named as a user would type them: relative to the current directory when under it.
      targets = [...changed.keys()].filter((f) => /\.[ch]$/.test(f)).map((f) => (relative(cwd, f).startsWith('..') ? f : relative(cwd, f)));
    }
    if (targets.length === 0 && changed === null) throw new UsageError('no file or directory given; usage: auxbus check FILE|DIR|- ...', HINT);

    const maxPaths = args.flags['max-paths'] === undefined ? undefined : Number(args.flags['max-paths']);
    const maxSteps = args.flags['max-steps'] === undefined ? undefined : Number(args.flags['max-steps']);
    const options = { ...(maxPaths === undefined ? {} : { maxPaths }), ...(maxSteps === undefined ? {} : { maxSteps }) };
    const line = progress(io);
    let result: CheckRun = { files: 0, functions: 0, findings: [], notAnalysed: [], assumptions: [], relevantFiles: 0, paths: 0 };
    try {
      const files = targets.filter((t) => t !== '-');
      const jobs = args.flags.jobs === undefined ? {} : { jobs: Number(args.flags.jobs) };
      if (files.length > 0) result = await checkPaths(files, { ...options, ...jobs, onFile: (file, done) => line.update(`checked ${done} files: ${file}`) });
      // Standard input goes through the same pre-filter as a file.
      if (targets.includes('-')) addFileCheck(result, await checkBytes(await readStdin(stdinInput), '<stdin>', options));
    } catch (e) {
      line.done();
      if (e instanceof CheckPathError) {
        io.stderr.write(`auxbus check: ${e.message}\n`);
        return EXIT.usage;
      }
      throw e;
    }
    line.done();

    const all = result.findings.length;
    let findings = result.findings.filter((f) => !ignore.has(f.code));
    if (changed !== null) findings = findings.filter((f) => touches(f, changed.get(resolve(f.at.file)) ?? new Set()));
    if (args.flags['write-baseline'] !== undefined) {
      const path = args.flags['write-baseline'] as string;
      writeBaseline(path, findings);
      io.stderr.write(`auxbus check: wrote ${findings.length} finding${findings.length === 1 ? '' : 's'} to the baseline ${path}\n`);
      return EXIT.ok;
    }
    let suppressed = 0;
    if (args.flags.baseline !== undefined) ({ findings, suppressed } = applyBaseline(findings, readBaseline(args.flags.baseline as string)));
    const shown: CheckRun = { ...result, findings };

    const out = args.flags.output as string | undefined;
    const version = packageInfo().version;
    let text = '';
    if (format === 'json') text = JSON.stringify({ ...toCheckJson(shown, version), ...(compiler ? { compilerFlags: compiler } : {}) }, null, 2);
    else if (format === 'sarif') text = JSON.stringify(toSarif(shown, version, { root: gitTopLevel(cwd) ?? cwd }), null, 2);
    // Under kbuild the findings go where a compiler's and sparse's do, to stderr: `make -s` hides
    // what its commands print on stdout.
    const sink = kbuild ? io.stderr : io.stdout;
    if (format === 'gcc') text = formatGcc(shown, { color: out === undefined && wantColor(args.flags.color as string | undefined, sink, io.env) });
    if (out !== undefined) writeFileWhole(out, text.endsWith('\n') ? text : `${text}\n`);
    else if (text) sink.write(text.endsWith('\n') ? text : `${text}\n`);
    // Anything not analysed, or only partly, may hide a finding: a run with none is not clean.
    const incomplete = findings.length === 0 && result.notAnalysed.length > 0;
    const allowPartial = args.flags['allow-partial'] === true;
    const partly = result.notAnalysed.filter((n) => n.reason.startsWith('partly analysed')).length;
    if (!kbuild || findings.length > 0) {
      const left = all - findings.length - suppressed;
      io.stderr.write(
        `auxbus check: ${result.files} file${result.files === 1 ? '' : 's'} (${result.relevantFiles} using the auxiliary bus), ` +
        `${result.functions} function${result.functions === 1 ? '' : 's'}, ${result.paths} path${result.paths === 1 ? '' : 's'}: ` +
        `${findings.length} finding${findings.length === 1 ? '' : 's'}, ${result.notAnalysed.length} not analysed${partly > 0 ? ` (${partly} of them partly)` : ''}` +
        (result.assumptions.length > 0 ? `, ${result.assumptions.length} assumption${result.assumptions.length === 1 ? '' : 's'} (release callbacks it cannot see)` : '') +
        (left > 0 ? `, ${left} left out (${[ignore.size > 0 ? '--ignore' : '', changed !== null ? '--diff' : ''].filter(Boolean).join(', ')})` : '') +
        (suppressed > 0 ? `, ${suppressed} in the baseline` : '') +
        (out !== undefined ? `; report written to ${out}` : '') +
        (incomplete && !kbuild
          ? (allowPartial ? '; incomplete, accepted (--allow-partial)' : '; incomplete: what was not analysed is not known to be clean (exit 4; --allow-partial accepts it)')
          : '') + '\n',
      );
    }
    // kbuild stops the build on a checker's non-zero exit; sparse's warnings do not, nor do these.
    if (kbuild) return EXIT.ok;
    if (findings.length > 0) return EXIT.findings;
    return incomplete && !allowPartial ? EXIT.bound : EXIT.ok;
  },
};

function chooseFormat(flags: Record<string, unknown>): 'gcc' | 'json' | 'sarif' {
  const asked = [flags.format as string | undefined, flags.json ? 'json' : undefined, flags.sarif ? 'sarif' : undefined].filter((f) => f !== undefined);
  if (new Set(asked).size > 1) {
    throw new UsageError(flags.json && flags.sarif ? '--json and --sarif are exclusive; choose one output format' : `--format ${String(flags.format)} and ${flags.json ? '--json' : '--sarif'} disagree; choose one output format`, HINT);
  }
  return (asked[0] ?? 'gcc') as 'gcc' | 'json' | 'sarif';
}

function ignoredCodes(raw: unknown): Set<ViolationCode> {
  const out = new Set<ViolationCode>();
  for (const v of (raw as string[] | undefined) ?? []) {
    const code = v.replace(/^auxbus-/, '');
    if (!(VIOLATION_CODES as readonly string[]).includes(code)) throw new UsageError(`--ignore: got "${v}", expected a violation code (${VIOLATION_CODES.join(', ')})`, HINT);
    out.add(code as ViolationCode);
  }
  return out;
}

function wantColor(mode: string | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  return colorEnabled(stream, env);
}

