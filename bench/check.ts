import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPaths, type CheckRun } from '../src/check/index.js';

/**
 * The whole C check (what `auxbus check DIR` does, minus printing) over two large generated
 * directories: each file is read from disk, passed through the pre-filter, and — when it mentions
 * the auxiliary-bus API — masked, parsed, its functions found and lowered, and every path of the
 * functions that create or tear down devices run on the model (checkPaths → checkSource per file,
 * default path bound, in one thread). The targets: at least 1,000 files/s where most files do not use the
 * bus, at least 50 files/s over files that all use it.
 *
 * The bus-using files are the fixture corpus's driver shapes (kzalloc, ida_alloc, init, add, goto
 * unwinding, release callbacks, devm, same-file helpers; 64 files, buggy and correct) with their
 * identifiers renamed per file, followed by ordinary driver functions. Their `expect:` annotations
 * still hold, so the bench also checks that the run found exactly the annotated findings.
 */

const CORPUS_DIR = fileURLToPath(new URL('../../test/fixtures/check/corpus/', import.meta.url));

/** One corpus shape: its text and the findings it is annotated with (`line code`). */
interface Shape {
  name: string;
  text: string;
  prefix: string;
  expected: string[];
}

function corpusShapes(): Shape[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.c')).sort().map((name) => {
    const text = readFileSync(join(CORPUS_DIR, name), 'utf8');
    // The driver's own prefix: that of its first struct (`struct quux_core` → quux, `struct stilt {` → stilt).
    const prefix = /^struct ([a-z][a-z0-9]*)(?:_|\s*\{)/m.exec(text)?.[1];
    if (!prefix) throw new Error(`${name}: no "struct <prefix>_..." or "struct <prefix> {" to rename by`);
    const expected: string[] = [];
    text.split('\n').forEach((line, i) => {
      const m = /\/\*\s*expect:\s*([a-z, -]+?)\s*\*\//.exec(line);
      if (m) for (const code of m[1]!.split(',').map((c) => c.trim()).filter(Boolean)) expected.push(`${i + 1} ${code}`);
    });
    return { name, text, prefix, expected };
  });
}

/** `n` ordinary driver functions (loops, helpers, a switch, early returns) that do not use the bus. */
function ordinaryFunctions(tag: string, n: number): string[] {
  const out = [`struct ${tag}_priv { int id; int n; struct device *dev; u32 *regs; };`];
  for (let f = 0; f < n; f++) {
    out.push(
      '',
      `static int ${tag}_fn${f}(struct ${tag}_priv *p, int n)`,
      '{',
      '\tint ret, k;',
      '',
      '\tfor (k = 0; k < n; k++) {',
      '\t\tif (p->id == k)',
      '\t\t\tcontinue;',
      `\t\tret = ${tag}_helper(p, k);`,
      '\t\tif (ret < 0)',
      '\t\t\tgoto err;',
      '\t}',
      '\tswitch (n) {',
      '\tcase 1:',
      `\t\twritel(${f}, p->regs + k);`,
      '\t\treturn 1;',
      '\tdefault:',
      '\t\tbreak;',
      '\t}',
      '\treturn 0;',
      'err:',
      '\tdev_err(p->dev, "step %d failed: %d\\n", k, ret);',
      '\treturn ret;',
      '}',
    );
  }
  return out;
}

/** A generated file: a corpus shape renamed for file `i` (when it uses the bus), then ordinary functions up to about 20. */
function generated(i: number, shape: Shape | null): { text: string; expected: string[] } {
  const head = [`// generated file ${i}`, '#include <linux/module.h>'];
  if (shape === null) return { text: [...head, ...ordinaryFunctions(`drv${i}`, 20)].join('\n'), expected: [] };
  const renamed = shape.text.replace(new RegExp(`\\b${shape.prefix}_`, 'g'), `${shape.prefix}${i}_`);
  const functions = (renamed.match(/^\{$/gm) ?? []).length; // kernel style: a function's body opens on a line of its own
  // The shape comes first, so its annotated lines keep their numbers.
  return { text: [renamed, ...ordinaryFunctions(`drv${i}`, Math.max(20 - functions, 4))].join('\n'), expected: shape.expected };
}

/** One measured directory. */
export interface CheckBenchRow {
  name: string;
  files: number;
  /** Files that mention the auxiliary-bus API (checked beyond the pre-filter). */
  auxFiles: number;
  /** Functions whose paths were run, and the paths run. */
  functions: number;
  paths: number;
  findings: number;
  /** Findings the corpus annotations of the bus-using files call for. */
  expectedFindings: number;
  /** Files whose findings differ from their annotations, and "not analysed" entries (both 0 when all is well). */
  mismatchedFiles: number;
  notAnalysed: number;
  seconds: number;
  filesPerSecond: number;
  target: number;
  /** filesPerSecond / target. */
  ratio: number;
  met: boolean;
}

function mismatches(run: CheckRun, expected: Map<string, string[]>): number {
  const got = new Map<string, string[]>();
  for (const f of run.findings) got.set(f.at.file, [...(got.get(f.at.file) ?? []), `${f.at.line} ${f.code}`]);
  let bad = 0;
  for (const [file, want] of expected) {
    const have = (got.get(file) ?? []).sort();
    if (have.join('|') !== [...want].sort().join('|')) bad++;
  }
  return bad;
}

/**
 * Writes `files` generated files into a new temporary directory, one in `share` using the bus;
 * returns the directory (the caller removes it) and the findings each bus-using file is annotated with.
 */
export function writeGeneratedDir(files: number, share: number): { dir: string; expected: Map<string, string[]> } {
  const shapes = corpusShapes();
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-bench-check-'));
  const expected = new Map<string, string[]>();
  for (let i = 0; i < files; i++) {
    const usesBus = i % share === 0;
    const g = generated(i, usesBus ? shapes[(i / share) % shapes.length]! : null);
    const file = join(dir, `f${i}.c`);
    writeFileSync(file, g.text);
    if (usesBus) expected.set(file, g.expected);
  }
  return { dir, expected };
}

/**
 * Two generated directories of `files` files of about 20 functions each: one where 1 file in 20
 * uses the auxiliary bus, one where every file does. Each is checked once as a warm-up (the
 * grammar loads, the JIT settles), then measured.
 */
export async function benchCheck(files: number, log: (line: string) => void): Promise<CheckBenchRow[]> {
  const rows: CheckBenchRow[] = [];
  for (const [name, share, target] of [['mostly not using the bus (1 in 20 does)', 20, 1000], ['every file using the bus', 1, 50]] as const) {
    const { dir, expected } = writeGeneratedDir(files, share);
    try {
      // One thread: the cost of a file, as before the pool; the pool's own bench is pool.ts.
      await checkPaths([dir], { jobs: 1 }); // warm-up
      const t = performance.now();
      const run = await checkPaths([dir], { jobs: 1 });
      const seconds = (performance.now() - t) / 1000;
      const filesPerSecond = run.files / seconds;
      const row: CheckBenchRow = {
        name, files: run.files, auxFiles: run.relevantFiles, functions: run.functions, paths: run.paths,
        findings: run.findings.length, expectedFindings: [...expected.values()].reduce((n, e) => n + e.length, 0),
        mismatchedFiles: mismatches(run, expected), notAnalysed: run.notAnalysed.length,
        seconds, filesPerSecond, target, ratio: filesPerSecond / target, met: filesPerSecond >= target,
      };
      rows.push(row);
      log(`${name.padEnd(40)} ${String(row.files).padStart(6)} files (${row.auxFiles} checked past the pre-filter: ${row.functions} functions, ${row.paths} paths)  `
        + `${row.filesPerSecond.toFixed(0).padStart(6)} files/s  ratio ${row.ratio.toFixed(2)}× of target (${target} files/s: ${row.met ? 'met' : 'NOT met'})`);
      const sound = row.mismatchedFiles === 0 && row.notAnalysed === 0;
      log(`${''.padEnd(40)} findings ${row.findings} (annotated ${row.expectedFindings}); files differing from their annotations: ${row.mismatchedFiles}; not analysed: ${row.notAnalysed}${sound ? '' : '  <- the check itself is off'}`);
      if (!sound) {
        const sample = run.notAnalysed.slice(0, 3).map((n) => `${basename(n.file)}:${n.line ?? 1} ${n.reason}`);
        for (const s of sample) log(`${''.padEnd(40)}   not analysed: ${s}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
