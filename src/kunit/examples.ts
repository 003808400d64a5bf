import {
  allocNeedsMemory, createWorld, lowestFree, resolveWorldParams, stepWorld,
  type ViolationCode, type WorldAddFault, type WorldEvent, type WorldParams,
} from '../../machines/index.js';
import { explore } from '../explore/routine/explore.js';
import type { AnyScenario } from '../explore/routine/scenario.js';
import type { RoutineExploration, RoutinePath, RoutineStep } from '../explore/routine/types.js';
import type { FaultSite } from '../runtime/faults.js';
import { recording } from './coverage.js';
import { cleanTeardown, predictSteps, replayWorld, step } from './predict.js';
import type { KunitCase, KunitStep } from './types.js';
import { expectedSymptom, type ViolationCase } from './violations.js';

/**
 * The bundled examples on the kernel: every path the routine explorer runs a driver's routines on
 * (`explore(scenario)`, one per fail-nth) is translated into a path of the composed world whose
 * parameters are the example's (one device slot, the IDA range its `ida_alloc` asks for, the
 * release callback it sets, its auxiliary drivers, faults on). The translation is checked by
 * replaying it: the world must find what the explorer found on that path (the same violations and
 * leaks at the same calls, the same kernel callbacks, the same calls failing and what create
 * returned). Then the world's path is a case like the others (predict.ts, emit.ts): its failing
 * call is made to fail on the kernel with fail-nth, and after every call the case expects what
 * the model predicts. A path that ends in a violation becomes a violation case (a boot of its own).
 */

/** INT_MAX: what `ida_alloc()` asks for as its top id (§4). */
const INT_MAX = 2 ** 31 - 1;

/** Where a case makes its call fail with fail-nth: the routine explorer's fault sites the harness can find on a kernel. */
export type InjectedSite = Extract<FaultSite, 'kzalloc' | 'ida_alloc' | 'dev_set_name' | 'device_add' | 'probe'>;

/** Where a case comes from: the example, the explored path, and the routine's calls on it. */
export interface ExampleOrigin {
  /** The example's name, e.g. `double-free-add-failure`. */
  scenario: string;
  /** The path's id in `explore(scenario)` (0: no call fails). */
  path: number;
  /** The calls made to fail: fail-nth of the routine (counted from create), the fault site and the routine's call. */
  faults: Array<{ nth: number; site: FaultSite; call: string }>;
  /** The routine's own calls (depth 0), in order, with `   <- fails (site)` on the failing one. */
  calls: string[];
  /** What create returned, as a report shows it. */
  created: string;
}

/** A path left out, and why. */
export interface ExampleOmission {
  scenario: string;
  path: number;
  /** The name its case would have had. */
  name: string;
  reason: string;
}

/**
 * What a path shows that the world must show too (the translation check), each thing at the world
 * call that stands for the routine's call (`c<event index>`; `end` for the end check).
 */
export interface ExampleVerdict {
  /** Violations and leaks, in order, each at its call. */
  findings: string[];
  /** The kernel's callbacks into the code (probe, remove, release), each at the call that made them. */
  callbacks: string[];
  /** The calls that failed (returned an error, or NULL from kzalloc). */
  failed: string[];
  /** What create returned when it failed with an errno (a NULL kzalloc is the examples' -ENOMEM); null otherwise. */
  errno: number | null;
}

/** One explored path as a path of the example's world. */
export interface ExampleTranslation {
  origin: ExampleOrigin;
  name: string;
  params: WorldParams;
  /** The world's events, END last. */
  events: WorldEvent[];
  /** The world event each of the routine's calls (depth 0, by step) is, or is part of; calls the harness makes itself are not in it. */
  eventOf: Map<number, number>;
  /** Each event the routine made fail with a fault, and its site. */
  injected: Array<{ event: number; site: FaultSite }>;
}

/** The C identifier of a path's case: `example_<scenario>_nth<n>` (`_nofault` for the path with no failing call). */
export function exampleCaseName(scenario: string, path: RoutinePath): string {
  const base = `example_${scenario.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;
  return path.faults.length === 0 ? `${base}_nofault` : `${base}_nth${path.faults.map((f) => f.nth).join('_')}`;
}

/** A routine call split into its object, operation and arguments (`IDA ida: ida_alloc(0, 2147483647)`). */
function parseCall(call: string): { target: string; op: string; args: string } {
  const m = /^(?:(.+): )?([A-Za-z_][A-Za-z0-9_ ]*)\((.*)\)$/.exec(call);
  return m ? { target: m[1] ?? '', op: m[2]!, args: m[3]! } : { target: '', op: call, args: '' };
}

/** The top-level (depth 0) call each step belongs to. */
function topSteps(steps: readonly RoutineStep[]): Map<number, number> {
  const top = new Map<number, number>();
  let current = 0;
  for (const s of steps) {
    if (s.depth === 0) current = s.step;
    top.set(s.step, current);
  }
  return top;
}

/** The add fault a routine fault site is in the world. */
const ADD_FAULT: Partial<Record<FaultSite, WorldAddFault>> = { dev_set_name: 'name-nomem', device_add: 'device-add-nomem', probe: 'bind-nomem' };

/** What the example's world is: read from every path of its exploration. */
function exampleParams(x: RoutineExploration): WorldParams | string {
  let range: { min: number; max: number } | undefined;
  let present = false;
  let shape: { freesId: boolean; freesContainer: boolean } | undefined;
  let odd: string | undefined;
  const drivers: string[] = [];
  const removed = new Set<string>();
  const probed = new Set<string>();
  for (const p of x.paths) {
    p.steps.forEach((s, i) => {
      const c = parseCall(s.call);
      if (c.op === 'ida_alloc') {
        const [min, max] = c.args.split(', ').map(Number);
        range ??= { min: min!, max: max! };
      }
      if (c.op === 'set release') present = true;
      if (c.op === 'auxiliary_driver_register' && !drivers.includes(c.target)) drivers.push(c.target);
      if (c.op === 'probe') probed.add(c.args);
      if (c.op === 'remove') removed.add(c.args);
      if (c.op === 'release') {
        const inner: string[] = [];
        for (let j = i + 1; j < p.steps.length && p.steps[j]!.depth > s.depth; j++) inner.push(parseCall(p.steps[j]!.call).op);
        // A world's release reads adev->id and frees it, and frees the container: nothing else.
        const other = inner.find((op) => !['read', 'ida_free', 'kfree'].includes(op));
        if (other !== undefined) odd ??= `its release callback calls ${other}() (a world's release frees the id and the container, nothing else)`;
        const now = { freesId: inner.includes('ida_free'), freesContainer: inner.includes('kfree') };
        if (shape !== undefined && JSON.stringify(shape) !== JSON.stringify(now)) odd ??= 'its release callback does different things on different paths';
        shape ??= now;
      }
    });
  }
  // Whether each driver's probe binds: it does if a remove of it was ever seen (nothing the example shows otherwise).
  const probe = drivers.map((t) => {
    const name = [...probed, ...removed].find((n) => t.endsWith(`.${JSON.parse(n) as string}`));
    return name === undefined || removed.has(name) || !probed.has(name) ? 'ok' as const : 'fails' as const;
  });
  if (odd !== undefined) return odd;
  if (drivers.length > 3) return `it registers ${drivers.length} auxiliary drivers (a world has at most 3)`;
  try {
    return resolveWorldParams({
      devices: 1,
      idaRange: range ?? { min: 0, max: 0 },
      drivers: probe.map((pr) => ({ probe: pr })),
      refBound: 1,
      release: { present, ...(shape ?? { freesId: true, freesContainer: true }) },
      faults: true,
      deferredRelease: x.options.release === 'deferred',
    });
  } catch (e) {
    return `its world cannot be made: ${(e as Error).message}`;
  }
}

/**
 * The world's events for one explored path, or why it has none: each call the routine made at
 * depth 0 is a world call (the callbacks the kernel makes inside them, and the release callback's
 * own calls, are the world's to make), END last.
 */
function translateSteps(p: RoutinePath): Pick<ExampleTranslation, 'events' | 'eventOf' | 'injected'> | string {
  const events: WorldEvent[] = [];
  const eventOf = new Map<number, number>();
  const injected: ExampleTranslation['injected'] = [];
  const drivers: string[] = [];
  let containers = 0;
  let ids = 0;
  let idWritten = false;
  const fields = new Set<string>();
  const top = p.steps.filter((s) => s.depth === 0);
  const push = (e: WorldEvent, s: RoutineStep) => {
    if (s.failed !== null) injected.push({ event: events.length, site: s.failed });
    eventOf.set(s.step, events.length);
    events.push(e);
  };
  for (let i = 0; i < top.length; i++) {
    const s = top[i]!;
    const c = parseCall(s.call);
    const device = c.target.startsWith('auxiliary device ');
    switch (c.op) {
      case 'ida_init':
        if (s.phase !== 'setup') return 'it makes its IDA outside setup (the harness makes it before the case)';
        continue;
      case 'auxiliary_driver_register': {
        if (!drivers.includes(c.target)) drivers.push(c.target);
        // The sweeps make register fail; a case makes only kzalloc, ida_alloc and add fail (emit.ts).
        if (s.failed !== null) return `its auxiliary_driver_register() fails (in ${s.failed}): a case makes only kzalloc, ida_alloc and add fail`;
        push({ type: 'DRV_REGISTER', drv: drivers.indexOf(c.target), fault: 'none' }, s);
        continue;
      }
      case 'auxiliary_driver_unregister':
        push({ type: 'DRV_UNREGISTER', drv: drivers.indexOf(c.target) }, s);
        continue;
      case 'kzalloc':
        if (++containers > 1) return 'it allocates a second container (the example\'s world has one device slot)';
        push({ type: 'KZALLOC', dev: 0, fail: s.failed === 'kzalloc' }, s);
        continue;
      case 'ida_alloc':
        if (++ids > 1) return 'it allocates a second id (each slot of a world allocates one)';
        push({ type: 'IDA_ALLOC', dev: 0, fail: s.failed === 'ida_alloc' }, s);
        continue;
      case 'write': {
        const field = JSON.parse(c.args) as string;
        // The id the code allocated becomes the device's when it is written (model.md §4.4): the
        // world does that at the allocation, and the harness writes adev->id there.
        if (field === 'id' && !idWritten && containers === 1 && ids === 1) {
          idWritten = true;
          continue;
        }
        // The harness fills in the name and the parent when it allocates the container, as a driver does before init.
        if ((field === 'name' || field === 'dev.parent') && !fields.has(field)) {
          fields.add(field);
          continue;
        }
        if (field === 'id') {
          push({ type: 'WRITE_ID', dev: 0 }, s);
          continue;
        }
        return `it writes ${field} again (the world writes only the id)`;
      }
      case 'set release':
        if (fields.has('release')) return 'it sets the release callback twice';
        fields.add('release');
        continue;
      case 'init':
        if (!fields.has('dev.parent')) push({ type: 'INIT', dev: 0, ok: false }, s);
        else if (!fields.has('name')) push({ type: 'INIT_NULL_NAME', dev: 0 }, s);
        else push({ type: 'INIT', dev: 0, ok: true }, s);
        continue;
      case 'add': {
        if (c.args === 'NULL') {
          push({ type: 'ADD_NULL_MODNAME', dev: 0 }, s);
          continue;
        }
        const fault = s.failed === null ? 'none' : ADD_FAULT[s.failed];
        if (fault === undefined) return `its add fails in ${s.failed}, which the world does not inject there`;
        push({ type: 'ADD', dev: 0, fault }, s);
        continue;
      }
      case 'delete': push({ type: 'DELETE', dev: 0 }, s); continue;
      case 'uninit': push({ type: 'UNINIT', dev: 0 }, s); continue;
      case 'get_device': push({ type: 'GET', dev: 0 }, s); continue;
      case 'put_device': push({ type: 'PUT', dev: 0 }, s); continue;
      case 'kfree':
        if (!device) return `it kfree()s ${c.target} (the world has only the device's container)`;
        push({ type: 'KFREE', dev: 0 }, s);
        continue;
      case 'read': {
        if (!device || JSON.parse(c.args) !== 'id') return `it reads ${c.args} of ${c.target} (the world reads only adev->id)`;
        // ida_free(ida, adev->id): the read and the free are one world call.
        const next = top[i + 1];
        if (next !== undefined && parseCall(next.call).op === 'ida_free') {
          push({ type: 'IDA_FREE', dev: 0, via: 'field' }, s);
          eventOf.set(next.step, events.length - 1);
          i++;
          continue;
        }
        push({ type: 'READ_ID', dev: 0 }, s);
        continue;
      }
      case 'ida_free': {
        const id = Number(c.args);
        if (id < 0) push({ type: 'IDA_FREE_NEGATIVE' }, s);
        else if (ids === 1) push({ type: 'IDA_FREE', dev: 0, via: 'saved' }, s);
        else return `it frees id ${id}, which it never allocated`;
        continue;
      }
      case 'ida_destroy': push({ type: 'IDA_DESTROY' }, s); continue;
      default:
        return `the world has no call for ${c.op}() (${s.call})`;
    }
  }
  events.push({ type: 'END' });
  return { events, eventOf, injected };
}

/** Where a call of the routine is in the world: `c<event>`, or `routine step <n>` for one the world does not make. */
function at(eventOf: ReadonlyMap<number, number>, top: ReadonlyMap<number, number>, step: number): string {
  const e = eventOf.get(top.get(step) ?? step);
  return e === undefined ? `routine step ${step}` : `c${e}`;
}

/** What the explorer found on a path, as the translation check compares it (`eventOf` from the translation). */
export function routineVerdict(p: RoutinePath, eventOf: ReadonlyMap<number, number>): ExampleVerdict {
  const top = topSteps(p.steps);
  const where = (step: number) => at(eventOf, top, step);
  const findings = [...p.violations.map((f) => `${f.code}@${where(f.step)}`), ...p.leaks.map((f) => `${f.code}@end`)];
  const callbacks = p.steps.filter((s) => s.depth > 0 && ['probe', 'remove', 'release'].includes(parseCall(s.call).op))
    .map((s) => `${parseCall(s.call).op}@${where(s.step)}`);
  // A bind the core fails is swallowed by add (it returns 0): that call does not fail.
  const failed = p.faults.filter((f) => f.site !== 'probe').map((f) => where(f.step));
  const v = p.created?.value;
  return { findings, callbacks, failed, errno: typeof v === 'number' && v < 0 ? v : null };
}

/** What the world finds on the translated path, in the routine's steps. */
export function worldVerdict(t: Pick<ExampleTranslation, 'params' | 'events'>): ExampleVerdict {
  const world = createWorld(t.params);
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  const verdict: ExampleVerdict = { findings: [], callbacks: [], failed: [], errno: null };
  t.events.forEach((e, i) => {
    const r = step(world, s, e);
    s = r.next;
    const at = e.type === 'END' ? 'end' : `c${i}`;
    for (const f of s.findings) verdict.findings.push(`${f.code}@${at}`);
    for (const c of r.calls) if (c.call !== 'kref-saturated') verdict.callbacks.push(`${c.call}@${at}`);
    const nullAlloc = e.type === 'KZALLOC' && e.fail;
    if (nullAlloc || (s.returned !== undefined && s.returned < 0 && e.type !== 'KZALLOC')) {
      verdict.failed.push(at);
      // Every example returns -ENOMEM for a NULL kzalloc, and the errno of any other call that failed.
      verdict.errno = nullAlloc ? -12 : s.returned!;
    }
  });
  return verdict;
}

/** Whether the routine's ida_alloc fault hits an allocation the kernel never makes (model.md §4.7). */
function idaFaultTheKernelCannotMake(t: Pick<ExampleTranslation, 'params' | 'events'>): boolean {
  const i = t.events.findIndex((e) => e.type === 'IDA_ALLOC' && e.fail);
  if (i < 0) return false;
  const before = replayWorld(createWorld(t.params), t.events.slice(0, i)).context.ida.set;
  return !allocNeedsMemory(before, lowestFree(before, t.params.idaRange.min, t.params.idaRange.max));
}

/**
 * Translates one explored path into its world path, checked by replay; a string says why there is none.
 * @example translateExamplePath(explore(scenario), explore(scenario).paths[3]!)
 */
export function translateExamplePath(x: RoutineExploration, p: RoutinePath): ExampleTranslation | string {
  const params = exampleParams(x);
  if (typeof params === 'string') return params;
  if (p.threw !== null) return `the routine threw ${p.threw.name} (${p.threw.message})`;
  if (p.faults.length > 1) return 'two calls fail on it (a case makes one call fail)';
  const steps = translateSteps(p);
  if (typeof steps === 'string') return steps;
  const origin: ExampleOrigin = {
    scenario: x.scenario.name,
    path: p.id,
    faults: p.faults.map((f) => ({ nth: f.nth, site: f.site, call: f.call })),
    calls: p.steps.filter((s) => s.depth === 0).map((s) => `${s.call}${s.failed ? `   <- fails (${s.failed})` : ''}`),
    created: p.created?.text ?? 'nothing',
  };
  const t: ExampleTranslation = { origin, name: exampleCaseName(x.scenario.name, p), params, ...steps };
  if (idaFaultTheKernelCannotMake(t)) {
    // The routine explorer fails every ida_alloc: a driver's IDA may hold ids its routine does not see.
    return 'its ida_alloc() fails on an IDA that holds no id, where the kernel allocates nothing: no fault can fail it (model.md §4.7)';
  }
  const want = routineVerdict(p, t.eventOf);
  const got = worldVerdict(t);
  if (JSON.stringify(got) !== JSON.stringify(want)) return `the world's verdict differs: ${JSON.stringify(got)}, the explorer's ${JSON.stringify(want)}`;
  return t;
}

/** A translated path as a case (clean) or a violation case (up to its first misuse). */
export function exampleCase(t: ExampleTranslation, world: number): { case: KunitCase } | { violation: ViolationCase } | string {
  const w = createWorld(t.params);
  const first = firstFinding(t);
  // The whole id space is what ida_alloc() asks for: the step says so, as the C calls it.
  const ida = t.params.idaRange.min === 0 && t.params.idaRange.max === INT_MAX;
  const mark = (steps: KunitStep[]) => steps.map((s, i) => {
    const site = t.injected.find((j) => j.event === i)?.site;
    const text = ida && s.event.type === 'IDA_ALLOC' ? s.text.replace('ida_alloc_range()', 'ida_alloc()') : s.text;
    return site === undefined ? { ...s, text } : { ...s, text, inject: site as InjectedSite };
  });
  if (first === undefined) {
    const path = t.events.slice(0, -1);
    // The routine leaves its drivers registered (a module's exit would unregister them): the
    // shortest correct teardown ends the case, as the other cases end.
    const teardown = cleanTeardown(w, replayWorld(w, path));
    if (teardown === null) return 'no correct teardown ends it';
    const steps = predictSteps(w, [...path, ...teardown], path.length);
    if (steps === null) return 'its teardown reports a violation';
    return { case: { name: t.name, world, covers: [], steps: mark(steps), example: t.origin } };
  }
  // Up to and including the call of the first misuse: what follows a misuse is not the model's to predict.
  const events = t.events.slice(0, first.event + 1);
  const steps = predictSteps(w, events, events.length, 'any');
  if (steps === null) return 'it cannot be predicted';
  return { violation: { name: t.name, code: first.code, world, steps: mark(steps), covers: first.covers, example: t.origin } };
}

/**
 * The first misuse on a translated path: the event, the code its kernel log is judged by (the
 * first the kernel shows at that call, else the first), and the transitions that call takes.
 */
function firstFinding(t: ExampleTranslation): { event: number; code: ViolationCode; covers: string[] } | undefined {
  const w = createWorld(t.params);
  let s = w.getInitialSnapshot(undefined as never, undefined as never);
  for (let i = 0; i < t.events.length; i++) {
    const taken = new Set<string>();
    const r = stepWorld(recording(taken), t.params, s.context, t.events[i]!);
    if (r.findings.length > 0) {
      const codes = r.findings.map((f) => f.code);
      return { event: i, code: codes.find((c) => expectedSymptom(c).kind !== 'silent') ?? codes[0]!, covers: [...taken] };
    }
    s = step(w, s, t.events[i]!).next;
  }
  return undefined;
}

/** What the bundled examples give the suite: their cases, violation cases, and the paths left out. */
export interface KunitExamples {
  /** The examples' worlds (cases index them). */
  worlds: WorldParams[];
  cases: KunitCase[];
  violations: ViolationCase[];
  omitted: ExampleOmission[];
}

/**
 * Every explored path of every example as a case: clean paths with the shortest correct teardown,
 * violating ones up to their misuse; the paths the world or a kernel cannot make, with the reason.
 * @example kunitExamples(EXAMPLES).violations.map((v) => v.name) // ['example_double_free_add_failure_nth3', ...]
 */
export function kunitExamples(scenarios: readonly AnyScenario[]): KunitExamples {
  const out: KunitExamples = { worlds: [], cases: [], violations: [], omitted: [] };
  for (const scenario of scenarios) {
    const x = explore(scenario);
    for (const p of x.paths) {
      const name = exampleCaseName(x.scenario.name, p);
      const t = translateExamplePath(x, p);
      if (typeof t === 'string') {
        out.omitted.push({ scenario: x.scenario.name, path: p.id, name, reason: t });
        continue;
      }
      let w = out.worlds.findIndex((q) => JSON.stringify(q) === JSON.stringify(t.params));
      if (w < 0) w = out.worlds.push(t.params) - 1;
      const made = exampleCase(t, w);
      if (typeof made === 'string') out.omitted.push({ scenario: x.scenario.name, path: p.id, name, reason: made });
      else if ('case' in made) out.cases.push(made.case);
      else out.violations.push(made.violation);
    }
  }
  return out;
}
