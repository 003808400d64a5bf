import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuxbusError } from '../../machines/index.js';
import { auxbusWarnings, checkCommand, corpusExpectations, judgeKbuild, KBUILD_PAIR, makeModule, moduleName, prepareX86, writeKbuildModule, type JudgedFile, type MakeRun } from './kbuild-run.js';
import { ensureBuildTools, ensureX86BuildHeaders, findKernelTree, workTree } from './tree.js';

/**
 * `npm run kernel:kbuild`: kbuild runs `auxbus check --kbuild` as its checker on a module made
 * of a buggy corpus file and its correct twin (src/kunit/kbuild-run.ts), with C=1 and then
 * C=2. The kernel tree is the one `auxbus kunit --run` uses (--kernel, else $KERNEL_SRC, else
 * Debian's linux-source package), in the same cache. Exit 0 as expected, 1 a mismatch (each is
 * printed, then make's output), 2 no usable tree, a failed prepare or a bad argument.
 */

const say = (s: string) => process.stderr.write(`kernel:kbuild: ${s}\n`);
/** This checkout: dist/src/kunit/ is three folders below it. */
const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const mainJs = join(root, 'dist', 'src', 'cli', 'main.js');
const corpus = join(root, 'test', 'fixtures', 'check', 'corpus');

/** The tree `--kernel DIR|TARBALL` (or `--kernel=...`) names; undefined without it, null on other arguments. */
function kernelArg(argv: readonly string[]): string | undefined | null {
  if (argv.length === 0) return undefined;
  if (argv.length === 1 && argv[0]!.startsWith('--kernel=')) return argv[0]!.slice('--kernel='.length);
  if (argv.length === 2 && argv[0] === '--kernel') return argv[1]!;
  return null;
}

function main(): number {
  const start = Date.now();
  const kernel = kernelArg(process.argv.slice(2));
  if (kernel === null) {
    say(`usage: npm run kernel:kbuild [-- --kernel DIR|TARBALL] (got ${process.argv.slice(2).join(' ')})`);
    return 2;
  }
  // The tree first: a wrong --kernel or KERNEL_SRC is the likeliest mistake, and the cheapest to report.
  const source = findKernelTree(kernel, process.env, say);
  if (!existsSync(mainJs) || !existsSync(corpus)) {
    say(`${existsSync(mainJs) ? corpus : mainJs} is missing: run from a checkout, built (npm run build)`);
    return 2;
  }
  const files = [KBUILD_PAIR.bad, KBUILD_PAIR.ok].map((name) => ({ name, text: readFileSync(join(corpus, name), 'utf8') }));
  // The pair proves something only if the one expects a finding and the other none.
  if (corpusExpectations(files[0]!.text).length === 0 || corpusExpectations(files[1]!.text).length !== 0) {
    say(`${KBUILD_PAIR.bad} must expect a finding and ${KBUILD_PAIR.ok} none`);
    return 1;
  }
  ensureBuildTools(process.env, say);
  ensureX86BuildHeaders(process.env, say);
  const tree = workTree(source, undefined, say);
  const prepared = prepareX86(tree, 2, say);
  if (prepared.fresh) say(`prepared Linux ${tree.version} (x86_64 defconfig + modules_prepare) in ${prepared.seconds.toFixed(0)} s`);

  const moduleDir = mkdtempSync(join(tmpdir(), 'auxbus-kbuild-'));
  const paths = writeKbuildModule(moduleDir, files);
  const judged: JudgedFile[] = paths.map((path, i) => ({ path, text: files[i]!.text }));
  const check = checkCommand(process.execPath, mainJs);
  say(`module ${moduleDir}: ${files.map((f) => f.name).join(', ')}; CHECK="${check}"`);

  let failed = false;
  for (const c of [1, 2] as const) {
    const run: MakeRun = makeModule(tree, prepared.dir, moduleDir, check, c);
    const problems = judgeKbuild(run, judged);
    for (const f of files) {
      const ko = join(moduleDir, `${moduleName(f.name)}.ko`);
      if (!existsSync(ko)) problems.push(`${basename(ko)} was not built`);
    }
    say(`make C=${c} modules: exit ${run.status} in ${run.seconds.toFixed(1)} s`);
    const warnings = auxbusWarnings(run.stderr);
    for (const f of judged) {
      const name = basename(f.path);
      if (problems.some((p) => p.startsWith(`${name}:`))) continue;
      const mine = warnings.filter((w) => w.file === f.path);
      if (mine.length === 0) say(`  ${name}: checked, nothing from auxbus (its expect: comments name none)`);
      else for (const w of mine) say(`  ${name}: as its expect: comment on line ${w.line} says: ${w.text}`);
    }
    for (const p of problems) say(`  MISMATCH ${p}`);
    if (problems.length > 0) {
      failed = true;
      process.stderr.write(`--- make C=${c} stdout ---\n${run.stdout}--- make C=${c} stderr ---\n${run.stderr}`);
    }
  }
  if (failed) {
    say(`FAILED; the module is kept in ${moduleDir}`);
    return 1;
  }
  rmSync(moduleDir, { recursive: true, force: true });
  say(`ok in ${((Date.now() - start) / 1000).toFixed(1)} s: kbuild ran auxbus check --kbuild on both files (C=1 and C=2), the build succeeded, the findings are the ones the files expect`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  if (!(e instanceof AuxbusError)) throw e;
  say(e.message);
  process.exitCode = 2;
}
