import { VIOLATIONS, type ViolationCode } from '../../machines/index.js';
import type { Agreement } from './agreement.js';
import type { SuiteCoverage } from './coverage.js';
import type { KunitSuite } from './types.js';

/**
 * A run of the suite on a kernel, kept as data (`auxbus kunit --run --record FILE`) so docs/kunit.md's
 * table is generated from what a kernel really printed, not copied by hand.
 */
export interface KernelRecord {
  kernel: string;
  config: string;
  cases: number;
  agreeing: number;
  /** How the cases divide: transition cases (immediate, deferred), fail-nth sweeps, violation cases. */
  made: { transitions: number; deferred: number; sweeps: number; violations: number };
  coverage: Array<Pick<SuiteCoverage, 'machine' | 'taken' | 'total'>>;
  w1Warnings: number;
  /** Per violation code: its cases, how many agree, and the first line the kernel printed at one. */
  misuses: Array<{ code: ViolationCode; bugClass: string; cases: number; agreeing: number; saw: string }>;
}

/** Kernel addresses and offsets vary from build to build: `+0x2a/0x3b0`, `(00000000d96c4eb3)`. */
const stable = (line: string) => line.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '').replace(/\(0{4,}[0-9a-f]+\)/g, '(...)').replace(/\s+/g, ' ').trim();

/**
 * The record of one run.
 * @example kernelRecord(suite, agreement(suite, run, '6.12.118', 'kasan'), suiteCoverage(suite), 0).agreeing
 */
export function kernelRecord(suite: KunitSuite, a: Agreement, coverage: readonly SuiteCoverage[], w1Warnings: number): KernelRecord {
  const deferred = suite.cases.filter((k) => suite.worlds[k.world]!.deferredRelease).length;
  const byCode = new Map<ViolationCode, KernelRecord['misuses'][number]>();
  for (const v of suite.violations) {
    const verdict = a.verdicts.find((x) => x.name === v.name);
    const m = byCode.get(v.code) ?? { code: v.code, bugClass: VIOLATIONS[v.code].bugClass, cases: 0, agreeing: 0, saw: '' };
    m.cases++;
    if (verdict?.outcome === 'agrees') m.agreeing++;
    // The first case that showed something (a silent one says so).
    if ((m.saw === '' || m.saw.startsWith('nothing')) && verdict?.first) m.saw = stable(verdict.first);
    byCode.set(v.code, m);
  }
  return {
    kernel: a.kernel, config: a.config, cases: a.cases, agreeing: a.agreeing,
    made: { transitions: suite.cases.length - deferred, deferred, sweeps: suite.sweeps.length, violations: suite.violations.length },
    coverage: coverage.map(({ machine, taken, total }) => ({ machine, taken, total })),
    w1Warnings,
    misuses: [...byCode.values()],
  };
}

/**
 * docs/kunit.md's account of a recorded run: the counts, the transitions taken, and what the kernel
 * printed for each violation code.
 * @example recordMarkdown(JSON.parse(readFileSync('docs/kernel-agreement.json', 'utf8')))
 */
export function recordMarkdown(r: KernelRecord): string {
  const m = r.made;
  const cov = r.coverage.map((c) => `${c.machine} ${c.taken}/${c.total}`).join(', ');
  const out = [
    `Measured on Linux ${r.kernel} (ARCH=um, ${r.config}): **${r.agreeing} of ${r.cases} cases agree** ` +
      `(${m.transitions} transition cases, ${m.deferred} with the release deferred, ${m.sweeps} fail-nth sweeps, ${m.violations} violation cases); ` +
      `transitions taken: ${cov}; the suite compiles with ${r.w1Warnings === 0 ? 'no' : r.w1Warnings} \`W=1\` warning${r.w1Warnings === 1 ? '' : 's'}. ` +
      'What the kernel printed, for each violation code (its first case that showed something):',
    '',
    '| violation | cases | agree | the kernel |',
    '|---|--:|--:|---|',
  ];
  for (const x of r.misuses) out.push(`| \`${x.code}\` (${x.bugClass}) | ${x.cases} | ${x.agreeing} | ${x.saw.replace(/\|/g, '\\|')} |`);
  return out.join('\n');
}
