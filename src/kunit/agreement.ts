import { firstFailure, type KtapRun } from './ktap.js';
import type { KunitSuite } from './types.js';

/** How one generated case fared on the kernel. */
export interface CaseVerdict {
  name: string;
  /** `agrees`: every expectation held; `disagrees`: one did not; `missing`: the kernel never reported the case. */
  outcome: 'agrees' | 'disagrees' | 'missing';
  /** The first observation that differs (the failed expectation, in one line), for a disagreement. */
  first?: string;
  /** The case's path, a call per line. */
  path: string[];
}

/** The model against one kernel. */
export interface Agreement {
  /** The kernel's version, e.g. `6.12.118`. */
  kernel: string;
  config: string;
  cases: number;
  agreeing: number;
  disagreeing: number;
  missing: number;
  verdicts: CaseVerdict[];
}

/**
 * Matches a suite's cases with the kernel's KTAP results: a case agrees when the kernel ran it
 * and every expectation held.
 * @example agreement(suite, parseKtap(boot.output), '6.12.118', 'plain').agreeing
 */
export function agreement(suite: KunitSuite, run: KtapRun, kernel: string, config: string): Agreement {
  const results = new Map(run.suites.filter((s) => s.name === suite.name).flatMap((s) => s.cases.map((c) => [c.name, c] as const)));
  const paths = [
    ...suite.cases.map((k) => ({ name: k.name, path: k.steps.map((s, i) => `${i + 1}. ${s.teardown ? '(teardown) ' : ''}${s.text}`) })),
    ...suite.sweeps.map((sw) => ({
      name: sw.name,
      path: [`fail-nth sweep of ${sw.title}`, ...sw.prefix.map((s, i) => `${i + 1}. ${s.text}`), ...sw.outcomes.map((o, k) => `outcome ${k}: ${o.variants.join(', ')}`)],
    })),
  ];
  const verdicts: CaseVerdict[] = paths.map((k) => {
    const path = k.path;
    const r = results.get(k.name);
    if (r === undefined) return { name: k.name, outcome: 'missing', path };
    if (r.result === 'ok') return { name: k.name, outcome: 'agrees', path };
    return { name: k.name, outcome: 'disagrees', first: firstFailure(r) || (r.result === 'skip' ? 'skipped by the kernel' : 'failed'), path };
  });
  const count = (o: CaseVerdict['outcome']) => verdicts.filter((v) => v.outcome === o).length;
  return { kernel, config, cases: verdicts.length, agreeing: count('agrees'), disagreeing: count('disagrees'), missing: count('missing'), verdicts };
}

/**
 * The agreement as a table and, for each case that does not agree, the first differing
 * observation and its path.
 */
export function formatAgreement(a: Agreement): string {
  const pct = a.cases === 0 ? 0 : (100 * a.agreeing) / a.cases;
  const out = [
    `Linux ${a.kernel} (ARCH=um, ${a.config})`,
    '',
    '| cases run | agreeing | disagreeing | not reported |',
    '|----------:|---------:|------------:|-------------:|',
    `| ${a.cases - a.missing} | ${a.agreeing} (${pct.toFixed(pct === 100 ? 0 : 1)}%) | ${a.disagreeing} | ${a.missing} |`,
  ];
  for (const v of a.verdicts.filter((x) => x.outcome !== 'agrees')) {
    out.push('', `${v.outcome === 'missing' ? 'NOT REPORTED' : 'DISAGREES'}: ${v.name}${v.first ? `: ${v.first}` : ''}`);
    for (const p of v.path) out.push(`    ${p}`);
  }
  return out.join('\n');
}
