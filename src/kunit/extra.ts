import {
  createWorld, serializeWorld, stepWorld, worldEventAlphabet,
  type ViolationCode, type WorldEvent, type WorldParams, type WorldSnapshot,
} from '../../machines/index.js';
import { recording } from './coverage.js';
import { cleanTeardown, predictSteps, replayWorld, shortestTeardown, step } from './predict.js';
import type { KunitCase } from './types.js';
import { expectedSymptom, type ViolationCase } from './violations.js';

/**
 * Transitions no explored world takes, because the call that takes them is one the explorer has
 * no reason to offer (a NULL name at init, a field write, ida_destroy, a driver registered
 * without its probe, ...): found breadth first over the world's calls plus its extra calls
 * (`WorldExtraCall`), so that the suite reaches every transition it can make on a kernel.
 */

/** How far the search looks: small worlds reach every extra call within a few steps. */
export const EXTRA_SEARCH = { depth: 8, states: 4000 } as const;

/** The extra calls that make sense from `s`: each on a slot with a container, each driver's. */
export function extraCalls(params: WorldParams, s: WorldSnapshot): WorldEvent[] {
  const c = s.context;
  if (c.ended) return [];
  const out: WorldEvent[] = [];
  c.devices.forEach((d, dev) => {
    if (d === null) {
      out.push({ type: 'KZALLOC_DEVM', dev });
      return;
    }
    // devres releases an entry once: a devm container already freed was freed by devres (a kfree
    // of devm memory frees nothing), and devm_kfree() of it again only WARNs.
    if (d.context.devm && !d.hasTag('freed')) out.push({ type: 'DEVRES_FREE', dev });
    // A NULL parent is the world's own failing init, offered there only with faults.
    if (!params.faults) out.push({ type: 'INIT', dev, ok: false });
    out.push({ type: 'INIT_NULL_NAME', dev }, { type: 'ADD_NULL_MODNAME', dev }, { type: 'WRITE_ID', dev });
    out.push({ type: 'SET_RELEASE', dev, present: true }, { type: 'SET_RELEASE', dev, present: false });
  });
  if (params.devices > 0) out.push({ type: 'IDA_ALLOC_EMPTY_RANGE', dev: 0 });
  out.push({ type: 'IDA_FREE_NEGATIVE' }, { type: 'IDA_DESTROY' });
  c.drivers.forEach((d, drv) => {
    out.push({ type: 'DRV_REGISTER_INCOMPLETE', drv, missing: 'probe' }, { type: 'DRV_REGISTER_INCOMPLETE', drv, missing: 'id_table' });
    // Under another's name only while that one is registered: the harness gives the name back.
    c.drivers.forEach((other, as) => {
      if (as !== drv && other.hasTag('registered') && !d.hasTag('registered')) out.push({ type: 'DRV_REGISTER_AS', drv, as });
    });
  });
  return out;
}

/** What the kernel shows at a misuse that it carries on after, so the calls after it run too. */
const GOES_ON = new Set(['silent', 'warn']);

/**
 * A given path, for a target too deep for the search to afford (three slots' ids): a case if its
 * last step takes a target first. Targets found are removed from `targets`.
 * @example givenPath(resolveWorldParams({ devices: 1 }), [{ type: 'IDA_DESTROY' }], new Set(['ida.empty:DESTROY#0'])).cases.length // 1
 */
export function givenPath(params: WorldParams, events: readonly WorldEvent[], targets: Set<string>): ExtraPaths {
  const world = createWorld(params);
  const out: ExtraPaths = { cases: [], violations: [] };
  if (events.length === 0) return out;
  const before = replayWorld(world, events.slice(0, -1));
  const taken = new Set<string>();
  const r = stepWorld(recording(taken), params, before.context, events[events.length - 1]!);
  const fresh = [...taken].filter((t) => targets.has(t));
  const misused = r.findings.length > 0 || predictSteps(world, events.slice(0, -1)) === null;
  if (fresh.length > 0 && found(world, [...events], misused, fresh, out)) for (const t of fresh) targets.delete(t);
  return out;
}

/** What the search found for one world. */
export interface ExtraPaths {
  /** Clean paths (with their teardown) whose last call before the teardown takes a target first. */
  cases: Array<Omit<KunitCase, 'name' | 'world'>>;
  /** Paths whose last call takes a target first and reports a violation. */
  violations: Array<Omit<ViolationCase, 'name' | 'world'>>;
}

/**
 * The shortest paths over `params`' world, with extra calls, whose last call takes one of the
 * `targets` (transition ids) first. Only clean prefixes are extended (a misuse ends its path, as in
 * the explorer), or with `afterMisuse` also those whose misuses the kernel carries on after (it is
 * silent or WARNs there). Only targets `wanted` are looked for; those found are removed from
 * `targets`.
 * @example extraPaths(resolveWorldParams({ devices: 1 }), new Set(['ida.empty:DESTROY#0'])).cases.length // 1
 */
export function extraPaths(params: WorldParams, targets: Set<string>, afterMisuse = false, wanted: (t: string) => boolean = () => true): ExtraPaths {
  const world = createWorld(params);
  const out: ExtraPaths = { cases: [], violations: [] };
  const initial = world.getInitialSnapshot(undefined as never, undefined as never);
  const seen = new Set([serializeWorld(initial)]);
  // `misused`: a step of the path so far reported a (silent) misuse.
  let frontier: Array<{ s: WorldSnapshot; events: WorldEvent[]; misused: boolean }> = [{ s: initial, events: [], misused: false }];
  const left = () => [...targets].some(wanted);
  for (let depth = 0; depth < EXTRA_SEARCH.depth && frontier.length > 0 && left(); depth++) {
    const next: typeof frontier = [];
    for (const { s, events, misused: before } of frontier) {
      for (const e of [...worldEventAlphabet(params, s), ...extraCalls(params, s)]) {
        const taken = new Set<string>();
        const r = stepWorld(recording(taken), params, s.context, e);
        const fresh = [...taken].filter((t) => targets.has(t) && wanted(t));
        const path = [...events, e];
        const misused = before || r.findings.length > 0;
        if (fresh.length > 0 && found(world, path, misused, fresh, out)) for (const t of fresh) targets.delete(t);
        if (r.state.ended) continue;
        // A misuse ends its path, unless the kernel goes on after it (silent, or a WARN): the search
        // for what follows one.
        if (r.findings.length > 0 && !(afterMisuse && r.findings.every((f) => GOES_ON.has(expectedSymptom(f.code).kind)))) continue;
        const after: WorldSnapshot = { status: 'active', output: undefined, error: undefined, context: r.state, findings: r.findings, returned: r.returned };
        const key = serializeWorld(after);
        if (seen.has(key) || seen.size >= EXTRA_SEARCH.states) continue;
        seen.add(key);
        next.push({ s: after, events: path, misused });
      }
    }
    frontier = next;
  }
  return out;
}

/** Makes a case of `path` (a violation case when its last call misuses); false when it cannot run. */
function found(world: ReturnType<typeof createWorld>, path: WorldEvent[], violates: boolean, covers: string[], out: ExtraPaths): boolean {
  if (violates) {
    const steps = predictSteps(world, path, path.length, 'any');
    const code = judgedCode(world, path);
    if (steps === null || code === undefined) return false;
    out.violations.push({ code, steps, covers });
    return true;
  }
  const s = replayWorld(world, path);
  const teardown = !s.context.ended ? cleanTeardown(world, s) : s.context.drivers.some((d) => d.hasTag('registered')) ? null : [];
  // A state no correct teardown leaves (a devm container freed before its release ran): the case
  // goes on to the first misuse that follows, and is judged by it.
  if (teardown === null) {
    const rest = s.context.ended ? null : untilMisuse(world, s);
    return rest !== null && found(world, [...path, ...rest], true, covers, out);
  }
  const steps = predictSteps(world, [...path, ...teardown], path.length);
  if (steps === null) return false;
  out.cases.push({ covers, steps });
  return true;
}

/** The shortest continuation of releasing calls from `from` whose last step reports a misuse. */
function untilMisuse(world: ReturnType<typeof createWorld>, from: WorldSnapshot): WorldEvent[] | null {
  return shortestTeardown(world, from, (_e, _before, after) => (after.findings.length > 0 ? 'end' : after.context.ended ? 'stop' : 'go'));
}

/**
 * The code a path's kernel log is judged by: the first misuse the kernel shows at its call (those
 * before it are silent there, so they cannot be seen), else the first misuse.
 */
function judgedCode(world: ReturnType<typeof createWorld>, events: readonly WorldEvent[]): ViolationCode | undefined {
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  const codes: ViolationCode[] = [];
  for (const e of events) {
    s = step(world, s, e).next;
    codes.push(...s.findings.map((f) => f.code));
  }
  return codes.find((c) => expectedSymptom(c).kind !== 'silent') ?? codes[0];
}
