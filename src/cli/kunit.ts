import { writeFile } from 'node:fs/promises';
import { FileError, UsageError } from '../errors.js';
import { agreement, formatAgreement } from '../kunit/agreement.js';
import { suiteCoverage } from '../kunit/coverage.js';
import { kernelRecord } from '../kunit/record.js';
import { kunitSuite } from '../kunit/cases.js';
import { emitKunitC } from '../kunit/emit.js';
import { failedExpectation, parseKtap } from '../kunit/ktap.js';
import { bootSuite, execSuite, KERNEL_CONFIGS, SUITE_FILE, warningsW1, type KernelConfig } from '../kunit/run.js';
import type { ViolationBoot } from '../kunit/agreement.js';
import type { KunitSuite } from '../kunit/types.js';
import type { WorkTree } from '../kunit/tree.js';
import { ensureBuildTools, findKernelTree, KernelTreeError, workTree } from '../kunit/tree.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print, type Io } from './output.js';

/**
 * `auxbus kunit`: the model's paths as a KUnit suite in C, and (with --run) the suite built into
 * a UML kernel and booted, with the model's agreement with that kernel as a table.
 */

/** What to show of a build or boot that ran no suite: the compiler's errors, else the last lines. */
export function buildFailure(output: string): string {
  const lines = output.split('\n');
  const errors = lines.filter((l) => /: (error|fatal error):/.test(l));
  return (errors.length > 0 ? errors.slice(0, 10) : lines.filter((l) => l.trim() !== '').slice(-15)).join('\n');
}

/** The configurations of the main boot (the deferred cases always boot with kobject-release). */
export const MAIN_CONFIGS: readonly KernelConfig[] = ['kasan', 'plain'];

/** Boots each violation case alone and keeps the console lines from its suite's start. */
function violationBoots(tree: WorkTree, suite: KunitSuite, main: KernelConfig): ViolationBoot[] {
  return [...suite.violations, ...suite.examples.violations].map((v) => {
    const config: KernelConfig = suite.worlds[v.world]!.deferredRelease ? 'kobject-release' : main;
    const boot = execSuite(tree, config, `${suite.name}_violations.${v.name}`);
    const lines = boot.output.split('\n');
    const start = lines.findIndex((l) => l.includes(`# Subtest: ${suite.name}_violations`));
    const result = parseKtap(boot.output).suites.flatMap((s) => s.cases).find((k) => k.name === v.name);
    const failed = result === undefined ? '' : failedExpectation(result);
    return {
      name: v.name, log: start >= 0 ? lines.slice(start + 1) : lines, reported: result !== undefined,
      kasan: KERNEL_CONFIGS[config].includes('CONFIG_KASAN=y' as never), ...(failed ? { failed } : {}),
    };
  });
}

/** The `kunit` command. */
export const kunit: Command = {
  name: 'kunit',
  summary: 'generate a KUnit suite from the model; with --run, build and boot it on a kernel tree',
  usage: 'auxbus kunit [--out FILE] | auxbus kunit --run [--kernel DIR|TARBALL] [--config plain] [--jobs N] [--json]',
  description:
    'Generates KUnit cases from the model\'s composed world: for every transition of the device,\n' +
    'IDA and driver machines that a correct path reaches, the shortest such path, then the shortest\n' +
    'correct teardown. After every call a case expects what the model predicts the kernel shows:\n' +
    'the return value, the probe / remove / release callbacks in order, each live device\'s kref and\n' +
    'registration, how many times release ran, the IDA\'s lowest free id and emptiness. The paths\n' +
    'the routine explorer runs the bundled examples on (one per fail-nth) are cases too, their\n' +
    'failing call made to fail with fail-nth.\n\n' +
    `With --run the suite is written into a copy of a kernel tree (${SUITE_FILE}, with a Kconfig\n` +
    'entry that selects AUXILIARY_BUS), built for ARCH=um with kunit.py and booted; the table says\n' +
    'how many cases agree, and for each that does not, the first observation that differs and the\n' +
    'path. The tree is --kernel, else $KERNEL_SRC, else Debian\'s linux-source package under\n' +
    '/usr/src (installed with apt-get when missing and run as root). The copy and its builds are\n' +
    'kept in $AUXBUS_CACHE (default ~/.cache/auxbus-model). Two kernels are built: the main one\n' +
    '(--config, KASAN by default) runs the cases, the fail-nth sweeps and each violation case in a\n' +
    'boot of its own; one with CONFIG_DEBUG_KOBJECT_RELEASE runs the cases of deferred release. The\n' +
    'first run takes about 15 minutes on 2 cores, later runs about 3. The tree you give is never\n' +
    'changed.',
  options: [
    { name: 'out', type: 'string', short: 'o', valueName: 'FILE', description: 'write the suite to FILE instead of stdout' },
    { name: 'run', type: 'boolean', description: 'build and boot the suite on a kernel and print the agreement' },
    { name: 'kernel', type: 'string', valueName: 'DIR|TARBALL', description: 'the kernel tree (default $KERNEL_SRC, else Debian\'s package)' },
    { name: 'config', type: 'string', values: MAIN_CONFIGS, default: 'kasan', description: 'kernel configuration to boot (plain builds faster but cannot show KASAN reports)' },
    { name: 'jobs', type: 'string', valueName: 'N', integer: { min: 1, max: 256 }, description: 'parallel make jobs (default 2)' },
    { name: 'json', type: 'boolean', description: 'with --run: the agreement as JSON' },
    { name: 'record', type: 'string', valueName: 'FILE', description: 'with --run: keep the run\'s counts and each misuse\'s kernel line in FILE (what npm run readme shows)' },
  ],
  notes:
    'exit codes with --run: 0 every case agrees, 1 a case disagrees or was not reported (or the\n' +
    'suite warns under W=1), 2 no usable kernel tree or a failed build.\n\n' +
    'examples:\n' +
    '  auxbus kunit -o drivers/base/test/auxbus-model-test.c\n' +
    '  auxbus kunit --run\n' +
    '  auxbus kunit --run --kernel ~/src/linux\n' +
    '  auxbus kunit --run --record docs/kernel-agreement.json   (npm run kernel:record)',
  async run(argv, io: Io) {
    const args = parseOrHelp(kunit, argv, io);
    if (!args) return EXIT.ok;
    const hint = 'auxbus kunit --help';
    const runIt = args.flags.run === true;
    if (!runIt) {
      for (const f of ['kernel', 'jobs', 'json', 'record'] as const) if (args.flags[f] !== undefined) throw new UsageError(`--${f} needs --run`, hint);
    }
    if (runIt && args.flags.out !== undefined) throw new UsageError('--out writes the suite; --run builds and boots it: choose one', hint);
    const suite = kunitSuite();
    const c = emitKunitC(suite);
    if (!runIt) {
      const out = args.flags.out as string | undefined;
      if (out === undefined) {
        io.stdout.write(c);
        return EXIT.ok;
      }
      try {
        await writeFile(out, c);
      } catch (e) {
        throw new FileError(out, 'write', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
      print(io, `wrote ${out}: ${suite.cases.length} cases, ${suite.sweeps.length} fail-nth sweeps, ${suite.violations.length} violation cases and ${suite.examples.cases.length + suite.examples.violations.length} of the bundled examples' paths (${suite.examples.violations.length} of them violation cases)`);
      return EXIT.ok;
    }
    const config = args.flags.config as KernelConfig;
    const jobs = (args.flags.jobs as number | undefined) ?? 2;
    const say = (s: string) => io.stderr.write(`auxbus kunit: ${s}\n`);
    const source = findKernelTree(args.flags.kernel as string | undefined, io.env, say);
    ensureBuildTools(io.env, say);
    const tree = workTree(source, undefined, say);
    say(`Linux ${tree.version}: building and booting ${suite.cases.length} cases, ${suite.examples.cases.length} of the bundled examples' paths and ${suite.sweeps.length} fail-nth sweeps (${config}); a first build takes 5-10 minutes`);
    const boot = bootSuite(tree, c, { config, jobs, filter: `${suite.name}.*` });
    const run = parseKtap(boot.output);
    const deferred = [...suite.cases, ...suite.examples.cases, ...suite.violations, ...suite.examples.violations].some((k) => suite.worlds[k.world]!.deferredRelease);
    if (deferred) {
      say('the cases of deferred release, with CONFIG_DEBUG_KOBJECT_RELEASE (a build of its own)');
      const late = parseKtap(bootSuite(tree, c, { config: 'kobject-release', jobs, filter: `${suite.name}_deferred.*` }).output);
      run.suites.push(...late.suites);
    }
    if (run.suites.length === 0) {
      throw new KernelTreeError(`the kernel did not run the suite (kunit.py exit ${boot.status}):\n${buildFailure(boot.output)}`);
    }
    say(`${suite.violations.length + suite.examples.violations.length} violations (${suite.examples.violations.length} of the bundled examples' paths), each in a boot of its own`);
    const a = agreement(suite, run, tree.version, deferred ? `${config}; deferred release: kobject-release` : config, violationBoots(tree, suite, config));
    const warnings = warningsW1(tree, config, jobs);
    const coverage = suiteCoverage(suite);
    if (args.flags.json) print(io, JSON.stringify({ ...a, seconds: boot.seconds, w1Warnings: warnings, coverage }, null, 2));
    else {
      print(io, formatAgreement(a));
      print(io, `\ntransitions the suite takes: ${coverage.map((c) => `${c.machine} ${c.taken}/${c.total}`).join(', ')} (--json lists the others)`);
      print(io, warnings.length === 0 ? '\nW=1: the suite compiles with no warning' : `\nW=1: ${warnings.length} warning(s):\n${warnings.join('\n')}`);
    }
    const record = args.flags.record as string | undefined;
    if (record !== undefined) {
      try {
        await writeFile(record, `${JSON.stringify(kernelRecord(suite, a, coverage, warnings.length), null, 2)}\n`);
      } catch (e) {
        throw new FileError(record, 'write', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
    }
    return a.agreeing === a.cases && warnings.length === 0 ? EXIT.ok : EXIT.findings;
  },
};
