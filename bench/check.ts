import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFunctions, mentionsAuxApi, readSource } from '../src/check/index.js';

/**
 * The C checker's front end over a large generated directory of C: reading, the pre-filter, and
 * (for files that use the auxiliary bus) parsing and function discovery. The checker issue's
 * targets are for the whole check: at least 1,000 files/s where most files do not use the bus, at
 * least 50 files/s over files that do; the path analysis still to come will add to the second.
 */

/** A driver-like C file of about `functions` functions; `aux` makes half of them use the bus. */
function generated(i: number, functions: number, aux: boolean): string {
  const out = [`// generated file ${i}`, '#include <linux/module.h>', `struct dev${i} { int id; struct device *dev; };`];
  for (let f = 0; f < functions; f++) {
    const usesBus = aux && f % 2 === 0;
    out.push(
      `static int fn_${i}_${f}(struct dev${i} *d, int n)`,
      '{',
      '\tint ret, k;',
      '\tfor (k = 0; k < n; k++) {',
      '\t\tif (d->id == k)',
      '\t\t\tcontinue;',
      '\t\tret = helper(d, k);',
      '\t\tif (ret < 0)',
      '\t\t\tgoto err;',
      '\t}',
      ...(usesBus
        ? ['\tret = auxiliary_device_init(&d->adev);', '\tif (ret)', '\t\tgoto err;', '\tret = auxiliary_device_add(&d->adev);', '\tif (ret) {', '\t\tauxiliary_device_uninit(&d->adev);', '\t\tgoto err;', '\t}']
        : ['\tswitch (n) {', '\tcase 1: return 1;', '\tdefault: break;', '\t}']),
      '\treturn 0;',
      'err:',
      '\treturn ret;',
      '}',
    );
  }
  return out.join('\n');
}

/** One measured directory: files per second through the front end. */
export interface CheckBenchRow {
  name: string;
  files: number;
  auxFiles: number;
  seconds: number;
  filesPerSecond: number;
  target: number;
  met: boolean;
}

async function run(dir: string): Promise<{ files: number; auxFiles: number; seconds: number }> {
  const names = readdirSync(dir);
  const t = performance.now();
  let auxFiles = 0;
  for (const name of names) {
    const src = await readSource(join(dir, name));
    if (src.kind !== 'source' || !mentionsAuxApi(src.text)) continue;
    auxFiles++;
    const r = await discoverFunctions(src);
    if (r.kind !== 'functions' || r.auxApiCallers.length === 0) throw new Error(`${name}: expected its bus-using functions to be found: ${JSON.stringify(r).slice(0, 200)}`);
  }
  return { files: names.length, auxFiles, seconds: (performance.now() - t) / 1000 };
}

/**
 * Two generated directories of `files` files of about 20 functions each: one where 1 file in 20
 * uses the auxiliary bus, one where every file does.
 */
export async function benchCheck(files: number, log: (line: string) => void): Promise<CheckBenchRow[]> {
  const rows: CheckBenchRow[] = [];
  for (const [name, share, target] of [['mostly not using the bus (1 in 20 does)', 20, 1000], ['every file using the bus', 1, 50]] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'auxbus-bench-check-'));
    try {
      for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.c`), generated(i, 20, i % share === 0));
      await run(dir); // warm-up: the grammar loads once, the JIT settles
      const r = await run(dir);
      const row = { name, files: r.files, auxFiles: r.auxFiles, seconds: r.seconds, filesPerSecond: r.files / r.seconds, target, met: r.files / r.seconds >= target };
      rows.push(row);
      log(`${name.padEnd(40)} ${String(r.files).padStart(6)} files (${r.auxFiles} parsed)  ${row.filesPerSecond.toFixed(0).padStart(7)} files/s  (target ${target}: ${row.met ? 'met' : 'NOT met'}; parsing and function discovery only, path analysis not yet built)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
