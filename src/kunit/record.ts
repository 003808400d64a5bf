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
  /**
   * Per bundled example: its explored paths run as cases, how many agree, what the kernel printed
   * at each that ends in a misuse, and the paths left out with why (absent in a record made before
   * the examples ran on the kernel).
   */
  examples?: Array<{
    scenario: string;
    cases: number;
    agreeing: number;
    misuses: Array<{ path: string; code: ViolationCode; agrees: boolean; saw: string }>;
    omitted: Array<{ path: string; reason: string }>;
  }>;
}

/** A case's path in its example: `nth3`, or `nofault`. */
const pathOf = (name: string) => name.replace(/^.*_(nth[\d_]+|nofault)$/, '$1');

/** Kernel addresses and offsets vary from build to build: `+0x2a/0x3b0`, `(00000000d96c4eb3)`. */
const stable = (line: string) => line.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '').replace(/\(0{4,}[0-9a-f]+\)/g, '(...)').replace(/\s+/g, ' ').trim();

/**
 * The record of one run.
 * @example kernelRecord(suite, agreement(suite, run, '6.12.118', 'kasan'), suiteCoverage(suite), 0).agreeing
 */
export function kernelRecord(suite: KunitSuite, a: Agreement, coverage: readonly SuiteCoverage[], w1Warnings: number): KernelRecord {
  const deferred = suite.cases.filter((k) => suite.worlds[k.world]!.deferredRelease).length;
  const byCode = new Map<ViolationCode, KernelRecord['misuses'][number]>();
  const examples = new Map<string, NonNullable<KernelRecord['examples']>[number]>();
  const example = (scenario: string) => {
    const e = examples.get(scenario) ?? { scenario, cases: 0, agreeing: 0, misuses: [], omitted: [] };
    examples.set(scenario, e);
    return e;
  };
  for (const k of [...suite.examples.cases, ...suite.examples.violations]) {
    const e = example(k.example!.scenario);
    const verdict = a.verdicts.find((x) => x.name === k.name);
    e.cases++;
    if (verdict?.outcome === 'agrees') e.agreeing++;
  }
  for (const v of suite.examples.violations) {
    const verdict = a.verdicts.find((x) => x.name === v.name);
    example(v.example!.scenario).misuses.push({ path: pathOf(v.name), code: v.code, agrees: verdict?.outcome === 'agrees', saw: stable(verdict?.first ?? 'not run') });
  }
  for (const o of suite.examples.omitted) example(o.scenario).omitted.push({ path: pathOf(o.name), reason: o.reason });
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
    ...(examples.size > 0 ? { examples: [...examples.values()] } : {}),
  };
}

/**
 * The README's table of a recorded run: the kernel, the cases and how many agree, the
 * transitions the suite takes.
 * @example recordSummary(JSON.parse(readFileSync('docs/kernel-agreement.json', 'utf8'))).split('\n').length // 3
 */
export function recordSummary(r: KernelRecord): string {
  const cov = r.coverage.map((c) => `${c.machine} ${c.taken}/${c.total}`).join(', ');
  return [
    '| kernel (last recorded run) | cases | agree | transitions taken |',
    '|---|--:|--:|---|',
    `| Linux ${r.kernel}, ARCH=um, ${r.config} | ${r.cases} | ${r.agreeing} (${r.cases === 0 ? 0 : Math.floor((100 * r.agreeing) / r.cases)}%) | ${cov} |`,
  ].join('\n');
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
      `(${m.transitions} transition cases, ${m.deferred} with the release deferred, ${m.sweeps} fail-nth sweeps, ${m.violations} violation cases` +
      `${r.examples ? `, ${r.examples.reduce((n, e) => n + e.cases, 0)} paths of the bundled examples` : ''}); ` +
      `transitions taken: ${cov}; the suite compiles with ${r.w1Warnings === 0 ? 'no' : r.w1Warnings} \`W=1\` warning${r.w1Warnings === 1 ? '' : 's'}. ` +
      'What the kernel printed, for each violation code (its first case that showed something):',
    '',
    '| violation | cases | agree | the kernel |',
    '|---|--:|--:|---|',
  ];
  for (const x of r.misuses) out.push(`| \`${x.code}\` (${x.bugClass}) | ${x.cases} | ${x.agreeing} | ${x.saw.replace(/\|/g, '\\|')} |`);
  if (r.examples !== undefined) {
    const cases = r.examples.reduce((n, e) => n + e.cases, 0);
    const agreeing = r.examples.reduce((n, e) => n + e.agreeing, 0);
    out.push(
      '',
      `The bundled examples' explored paths (one per fail-nth, \`example_<name>_nth<n>\`): **${agreeing} of ${cases} agree**; what the kernel printed where a path ends in a misuse, and the paths left out:`,
      '',
      '| example | paths run | agree | misuse on the kernel | left out |',
      '|---|--:|--:|---|---|',
    );
    for (const e of r.examples) {
      const misuses = e.misuses.map((m) => `${m.path} \`${m.code}\`${m.agrees ? '' : ' (DISAGREES)'}: ${m.saw}`).join('; ') || 'none (clean on every path)';
      const omitted = e.omitted.map((o) => `${o.path}: ${o.reason}`).join('; ') || 'none';
      out.push(`| \`${e.scenario}\` | ${e.cases} | ${e.agreeing} | ${misuses.replace(/\|/g, '\\|')} | ${omitted.replace(/\|/g, '\\|')} |`);
    }
  }
  return out.join('\n');
}
