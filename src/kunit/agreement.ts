import { firstFailure, type KtapRun } from './ktap.js';
import type { KunitSuite } from './types.js';
import { VIOLATIONS } from '../../machines/index.js';
import { expectedSymptom, judgeSymptom, type ViolationCase } from './violations.js';

/** How one generated case fared on the kernel. */
export interface CaseVerdict {
  name: string;
  /**
   * `agrees`: every expectation held (a violation: the kernel showed what the model says);
   * `disagrees`: one did not; `missing`: the kernel never reported the case; `not-judged`: the
   * configuration cannot show it (a KASAN report without KASAN).
   */
  outcome: 'agrees' | 'disagrees' | 'missing' | 'not-judged';
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
  notJudged: number;
  verdicts: CaseVerdict[];
}

/** What one violation case's boot showed. */
export interface ViolationBoot {
  name: string;
  /** Its console lines after the suite started (the case's log, up to a crash if it crashed). */
  log: string[];
  /** The kernel reported the case (it did not crash first). */
  reported: boolean;
  /** It ran in a kernel with KASAN (a KASAN report can be judged). */
  kasan: boolean;
  /** The first of the case's own expectations that failed (a return, a kref, a callback), if any. */
  failed?: string;
}

/**
 * A use-after-release whose transitions are all taken while the device is live (a call its release
 * makes while it runs, a delete that drops the last references midway): its memory is still valid
 * at the call, so KASAN has nothing to see there.
 */
const memoryValid = (v: ViolationCase) => v.code === 'use-after-release' && v.covers.length > 0 && v.covers.every((t) => t.startsWith('device.live.'));

/**
 * Matches a suite's cases with the kernel's KTAP results: a case agrees when the kernel ran it
 * and every expectation held.
 * @example agreement(suite, parseKtap(boot.output), '6.12.118', 'plain').agreeing
 */
export function agreement(suite: KunitSuite, run: KtapRun, kernel: string, config: string, violations: readonly ViolationBoot[] = []): Agreement {
  const ours = new Set([suite.name, `${suite.name}_deferred`]);
  const results = new Map(run.suites.filter((s) => ours.has(s.name)).flatMap((s) => s.cases.map((c) => [c.name, c] as const)));
  const paths = [
    ...[...suite.cases, ...suite.examples.cases].map((k) => ({
      name: k.name,
      path: [
        ...(k.example ? [`example ${k.example.scenario}, explored path ${k.example.path}`] : []),
        ...k.steps.map((s, i) => `${i + 1}. ${s.teardown ? '(teardown) ' : ''}${s.text}${s.inject ? ` (${s.inject}() fails)` : ''}`),
      ],
    })),
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
  for (const v of [...suite.violations, ...suite.examples.violations]) {
    const path = [
      `violation ${v.code} (${VIOLATIONS[v.code].bugClass})${v.example ? `: example ${v.example.scenario}, explored path ${v.example.path}` : ''}`,
      ...v.steps.map((s, i) => `${i + 1}. ${s.text}${s.inject ? ` (${s.inject}() fails)` : ''}`),
    ];
    const boot = violations.find((b) => b.name === v.name);
    if (boot === undefined) continue;
    const late = v.steps[v.steps.length - 1]!.event.type === 'RELEASE';
    if (expectedSymptom(v.code, late, memoryValid(v)).kind === 'kasan' && !boot.kasan) {
      verdicts.push({ name: v.name, outcome: 'not-judged', first: 'a KASAN report: boot --config kasan', path });
      continue;
    }
    const j = judgeSymptom(v.code, boot.log, boot.reported, late, v.name, memoryValid(v));
    // The symptom may agree while a call before or at the misuse did not do what the model says.
    if (j.agrees && boot.failed) verdicts.push({ name: v.name, outcome: 'disagrees', first: boot.failed, path });
    else verdicts.push({ name: v.name, outcome: j.agrees ? 'agrees' : 'disagrees', first: j.saw, path });
  }
  const count = (o: CaseVerdict['outcome']) => verdicts.filter((v) => v.outcome === o).length;
  return {
    kernel, config, cases: verdicts.length - count('not-judged'), agreeing: count('agrees'), disagreeing: count('disagrees'),
    missing: count('missing'), notJudged: count('not-judged'), verdicts,
  };
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
  const violations = a.verdicts.filter((v) => v.path[0]?.startsWith('violation ') === true && v.outcome !== 'missing');
  if (violations.length > 0) {
    out.push('', '| violation | the misusing call | agrees | what the kernel printed at it |', '|---|---|---|---|');
    for (const v of violations) {
      const call = v.path[v.path.length - 1]!.replace(/^\d+\. /, '');
      out.push(`| ${v.path[0]!.replace(/^violation /, '')} | ${call} | ${v.outcome === 'agrees' ? 'yes' : v.outcome === 'not-judged' ? 'not judged' : 'NO'} | ${(v.first ?? '').replace(/\|/g, '\\|')} |`);
    }
  }
  if (a.notJudged > 0) out.push('', `${a.notJudged} violation case(s) not judged: this configuration cannot show their symptom`);
  for (const v of a.verdicts.filter((x) => x.outcome === 'disagrees' || x.outcome === 'missing')) {
    out.push('', `${v.outcome === 'missing' ? 'NOT REPORTED' : 'DISAGREES'}: ${v.name}${v.first ? `: ${v.first}` : ''}`);
    for (const p of v.path) out.push(`    ${p}`);
  }
  return out.join('\n');
}
