import {
  createWorld, resolveWorldParams, VIOLATIONS,
  type Detection, type ViolationCode, type WorldParams, type WorldParamsInput,
} from '../../machines/index.js';
import { exploreWorld } from '../explore/world/explore.js';
import { worldTestPaths } from '../explore/world/paths.js';
import { predictSteps, replayWorld } from './predict.js';
import type { ExampleOrigin } from './examples.js';
import type { KunitStep } from './types.js';

/**
 * Violations on a real kernel: for every violation code the composed worlds reach, its shortest
 * path, run in a kernel of its own (a misuse may corrupt or crash it) built with KASAN; the
 * kernel's log of the case is compared with what the model says the kernel shows at that call.
 */

/** One violation case: the path whose last call commits the misuse. */
export interface ViolationCase {
  /** The C identifier of the case: `v_` and the code. */
  name: string;
  code: ViolationCode;
  /** Index into the suite's worlds. */
  world: number;
  steps: KunitStep[];
  /** The violating transitions its last call is the first path to take. */
  covers: string[];
  /** For a bundled example's path: the example, the path and the routine's calls. */
  example?: ExampleOrigin;
}

/**
 * The worlds violations are looked for in: the default ones, and one per release callback that
 * is not the documented one (no release at all, one that keeps the container, one that keeps the id).
 */
export const VIOLATION_WORLDS: readonly WorldParamsInput[] = Object.freeze([
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], refBound: 2 },
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 2, release: { present: false } },
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 2, release: { freesContainer: false } },
  // Release deferred: a container freed before its release ran is used by the release (B4, B18).
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 2, deferredRelease: true },
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 2, release: { freesContainer: false }, deferredRelease: true },
]);

/**
 * A violation case for every violating transition of the device, IDA and driver machines the
 * worlds reach: the shortest world path whose last call, and only it, takes that transition (so
 * every code a machine raises in these worlds is among them; the codes `auxbus check` judges
 * alone, `machine: 'checker'`, never are), judged by the first code that call reports.
 * @example kunitViolations().cases.map((c) => c.code).includes('double-free') // true
 */
export function kunitViolations(worlds: readonly WorldParamsInput[] = VIOLATION_WORLDS): { worlds: WorldParams[]; cases: ViolationCase[] } {
  const resolved = worlds.map((w) => resolveWorldParams(w));
  const cases: ViolationCase[] = [];
  const taken = new Set<string>();
  const perCode = new Map<ViolationCode, number>();
  resolved.forEach((params, w) => {
    const world = createWorld(params);
    for (const path of worldTestPaths(exploreWorld(params)).paths) {
      const fresh = path.covers.filter((t) => !taken.has(t));
      if (fresh.length === 0) continue;
      const steps = predictSteps(world, path.events, path.events.length, true);
      if (steps === null) continue;
      const code = replayWorld(world, path.events).findings[0]?.code;
      if (code === undefined) continue; // a clean path: the shared suite's
      for (const t of fresh) taken.add(t);
      const n = perCode.get(code) ?? 0;
      perCode.set(code, n + 1);
      cases.push({ name: `v_${code.replace(/-/g, '_')}${n === 0 ? '' : `_${n + 1}`}`, code, world: w, steps, covers: fresh });
    }
  });
  return { worlds: resolved, cases };
}

/** What the kernel must show in a violation case's log, from the violation table. */
export interface ExpectedSymptom {
  /** The first way the kernel notices it (the table's `detection[0]`). */
  kind: Detection;
  /** Log lines that show it (any one suffices); empty for a silent or kmemleak-only misuse. */
  patterns: RegExp[];
}

/** A printf format from the table as a regular expression (`%s`, `%p`, `%d`, ... match anything). */
function formatPattern(text: string): RegExp {
  const parts = text.split(/%[-+ #0]*\d*(?:\.\d+)?(?:l|ll|z|h)?[sdpuxXi]/);
  return new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\.\\\.\\\./g, '.*')).join('.*'));
}

/** Lines of a crash. */
const CRASH = /BUG: kernel NULL pointer dereference|Kernel panic|Segfault|general protection fault|Oops/;

/** Lines that mean a kernel noticed something: a WARN, a BUG (KASAN, NULL dereference), an oops. */
export const ALARM = /^(WARNING:|BUG:|------------\[ cut here \]|Kernel panic|Oops|general protection fault)|refcount_t: |kobject.*is not initialized|tried to (init|add) an? (initialized|uninitialized) object/;

/**
 * The symptom the model predicts for `code` at the misusing call: the table's first detection
 * kind and the messages it quotes (a KASAN report for `kasan`, a NULL dereference for `oops`).
 */
export function expectedSymptom(code: ViolationCode, late = false, memoryValid = false): ExpectedSymptom {
  const info = VIOLATIONS[code];
  // KASAN sees only freed memory: a use of a device whose memory is still valid (a call its own
  // release makes while it runs) is noticed by whatever the call trips over: a refcount_t or
  // kobject WARN, or a crash.
  if (memoryValid && info.detection.includes('kasan')) return { kind: 'warn', patterns: [ALARM, CRASH] };
  // A misuse the model reports when a deferred release runs (B18's late release) is judged by
  // what the kernel shows then: the first kind after the silent moment of the misuse itself.
  const kind = late ? info.detection.find((d) => d !== 'silent') ?? 'silent' : info.detection[0]!;
  const quoted = [...info.kernelSymptom.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  switch (kind) {
    case 'kasan': return { kind, patterns: [/BUG: KASAN: /] };
    case 'oops': return { kind, patterns: [CRASH] };
    case 'warn': return { kind, patterns: quoted.length > 0 ? quoted.map(formatPattern) : [/WARNING:|------------\[ cut here \]/] };
    default: return { kind, patterns: [] };
  }
}

/** Which detection kind an alarm line is. */
function alarmKind(line: string): Detection {
  if (/BUG: KASAN: /.test(line)) return 'kasan';
  if (/BUG: kernel NULL pointer dereference|Kernel panic|Segfault|general protection fault|Oops/.test(line)) return 'oops';
  return 'warn';
}

/** How a violation case's log compares with the model. */
export interface SymptomVerdict {
  agrees: boolean;
  /** What the log showed: the first matching line, or the first alarm, or that it was quiet. */
  saw: string;
}

/**
 * Judges a violation case from its console lines and whether the kernel reported the case (it
 * did not when it crashed). A noticed misuse must show one of its lines; a silent one must raise
 * no alarm and not crash the kernel.
 */
export function judgeSymptom(code: ViolationCode, log: readonly string[], reported: boolean, late = false, name?: string, memoryValid = false): SymptomVerdict {
  const want = expectedSymptom(code, late, memoryValid);
  // What the kernel prints after the case reported (its shutdown walking the devices) is later
  // than the call: there a silent misuse may show a kind its table lists after the silent moment.
  const end = name === undefined ? -1 : log.findIndex((l) => new RegExp(`^\\s*(not )?ok \\d+ ${name}\\b`).test(l));
  const during = end < 0 ? log : log.slice(0, end);
  const after = end < 0 ? [] : log.slice(end + 1);
  const alarm = during.find((l) => ALARM.test(l.trim()));
  if (want.patterns.length === 0) {
    if (!reported) return { agrees: false, saw: `the kernel crashed; the model says ${code} is silent at that call` };
    if (alarm) return { agrees: false, saw: `the model says ${code} is silent at that call, the kernel printed: ${alarm.trim()}` };
    const later = after.find((l) => ALARM.test(l.trim()));
    if (later === undefined) return { agrees: true, saw: 'nothing (silent, as the model says)' };
    const kind = alarmKind(later.trim());
    return VIOLATIONS[code].detection.includes(kind)
      ? { agrees: true, saw: `nothing at the call; later, as the model allows (${kind}): ${later.trim()}` }
      : { agrees: false, saw: `the model says ${code} shows ${VIOLATIONS[code].detection.join(', then ')}; after the case the kernel printed: ${later.trim()}` };
  }
  const hit = log.find((l) => want.patterns.some((p) => p.test(l)));
  if (hit) return { agrees: true, saw: hit.trim() };
  if ((want.kind === 'oops' || memoryValid) && !reported) return { agrees: true, saw: 'the kernel crashed (no result for the case)' };
  return { agrees: false, saw: alarm ? `expected ${want.kind} (${want.patterns.map((p) => p.source).join(' | ')}), the kernel printed: ${alarm.trim()}` : `expected ${want.kind} (${want.patterns.map((p) => p.source).join(' | ')}), the kernel printed nothing of it${reported ? '' : ' and crashed'}` };
}
