import { initialTransition, transition, type AnyStateNode, type EventObject } from 'xstate';
import { errnoName, isViolationCode, type ViolationCode } from '../../machines/index.js';
import { isMachineName, MACHINE_NAMES, machineEntry, type MachineName } from '../catalog.js';
import { PathInputError } from '../errors.js';
import { deviceEventsOf } from '../explore/world/project.js';
import { AuxbusError, dataField, describeValue, ParameterError, requireObject, type WorldEvent, type WorldParamsInput } from '../../machines/index.js';
import { isArray } from '../../machines/common/checks.js';
import { transitionId } from '../paths/index.js';
import { violationNodeId } from './edges.js';

/**
 * A path replayed on a machine, step by step, with XState's pure `transition` and
 * `machine.getTransitionData`: which transition each step takes, from which atomic state to
 * which, and what it returns and raises. The trace overlay draws it; the path export uses the
 * same replay, so both tell the same story.
 */

/** One replayed step. */
export interface TraceStep {
  /** 1-based position in the path. */
  n: number;
  event: EventObject;
  /** Atomic state before and after. */
  from: string;
  to: string;
  /** Transition ids taken (empty when the event is ignored). */
  transitions: string[];
  ignored: boolean;
  returns?: number;
  errno?: string;
  violations: ViolationCode[];
  /** Ids of the violation nodes (see the DOT renderer) this step ends in, for targetless violations. */
  violationNodes: string[];
  /** Kernel log lines the step prints. */
  kernelLog: Array<{ level: string; text: string }>;
  /** The machine's state value after the step, dotted (`live.refcounted.added.bound`). */
  state: string;
  /** The machine's context after the step. */
  context: unknown;
}

/** A replayed path. */
export interface Trace {
  machine: MachineName;
  /** Atomic state the path starts in. */
  start: string;
  steps: TraceStep[];
}

/** A path as read from a file: its events and, when the file says so, machine and input. */
export interface PathInput {
  machine?: MachineName;
  input?: unknown;
  events: EventObject[];
}

type Snap = { value: unknown; context: unknown; _nodes: AnyStateNode[] };

const atomicOf = (s: Snap) => s._nodes.filter((n) => n.type === 'atomic' || n.type === 'final').map((n) => n.id).join(' & ');

/** A state value as a dotted name: `{ live: { refcounted: 'initialized' } }` → `live.refcounted.initialized`. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}.${stateName(v)}`).join(' & ');
  }
  return String(value);
}

/**
 * The most steps a trace may have. Why a limit: the drawing lists every step in its legend, and
 * Graphviz lays out a table of that many rows; past a few thousand the picture is unreadable and
 * the layout takes tens of seconds (40,000 steps crashed it). Longer paths are for the explorers.
 */
export const MAX_TRACE_STEPS = 2000;

const isPrimitive = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;

function checkEvent(name: MachineName, e: unknown, n: number): EventObject {
  const { machine, eventFields } = machineEntry(name);
  const known = knownEvents(name, machine.events as string[]);
  const type = isRecord(e) ? dataField(e, 'type', `step ${n}`) : undefined;
  if (typeof type !== 'string') {
    throw new PathInputError(`step ${n}: ${describeValue(e)} is not an event`, `an object with a "type" (${known.join(', ')})`);
  }
  if (!known.includes(type)) {
    throw new PathInputError(`step ${n}: event type ${describeValue(type)} is not an event of the ${name} machine`, `one of ${known.join(', ')}`);
  }
  const fields = eventFields[type] ?? [];
  // Only the fields the event has, as plain values: what is drawn and replayed is bounded, and no
  // getter or deep structure of the input is walked later.
  const event: Record<string, unknown> = { type };
  const missing: string[] = [];
  for (const f of fields) {
    const v = dataField(e as object, f, `step ${n}: ${type}.${f}`);
    if (v === undefined) {
      missing.push(f);
      continue;
    }
    const ok = isPrimitive(v) || (Array.isArray(v) && v.length <= 1024 && v.every(isPrimitive));
    if (!ok) throw new PathInputError(`step ${n}: ${type}.${f} is ${describeValue(v)}`, 'a boolean, number, string, or a short array of them');
    event[f] = Array.isArray(v) ? [...v] : v;
  }
  if (missing.length) {
    throw new PathInputError(`step ${n}: ${type} lacks ${missing.join(', ')}`, `${type} with fields ${fields.join(', ')}`);
  }
  return event as EventObject;
}

const knownCache = new Map<MachineName, string[]>();
function knownEvents(name: MachineName, events: string[]): string[] {
  let known = knownCache.get(name);
  if (known === undefined) knownCache.set(name, (known = [...new Set(events.filter((t) => !t.startsWith('xstate.')))]));
  return known;
}

/**
 * Replays events from the machine's initial state.
 * @example replay('device', [{ type: 'INIT', parent: true, name: true }]).steps[0].to // 'device.live.refcounted.initialized'
 */
export function replay(name: MachineName, events: readonly unknown[], input?: unknown): Trace {
  if (!isMachineName(name)) throw new ParameterError('replay(name)', name, `one of ${MACHINE_NAMES.join(', ')}`);
  requireObject('replay(events)', events, 'an array of events');
  if (!Array.isArray(events)) throw new ParameterError('replay(events)', events, 'an array of events');
  if (events.length > MAX_TRACE_STEPS) {
    throw new PathInputError(`the path has ${events.length} steps, more than the ${MAX_TRACE_STEPS} a trace may draw`, `a path of at most ${MAX_TRACE_STEPS} steps (cut it, or explore it with auxbus explore)`);
  }
  if (input !== undefined) {
    // requireObject first: a revoked proxy would pass isRecord and fail inside XState.
    requireObject('replay(input)', input, 'an object (the machine\'s input), or nothing');
    if (!isRecord(input)) throw new ParameterError('replay(input)', input, 'an object (the machine\'s input), or nothing');
  }
  const { machine } = machineEntry(name);
  let [snap] = initialTransition(machine, input as never) as unknown as [Snap];
  const start = atomicOf(snap);
  const steps: TraceStep[] = [];
  for (let i = 0; i < events.length; i++) {
    const raw: unknown = events[i];
    const n = i + 1;
    const event = checkEvent(name, raw, n);
    const taken = machine.getTransitionData(snap as never, event as never);
    const [next, actions] = transition(machine, snap as never, event as never) as unknown as [Snap, Array<{ type: string; params?: Record<string, unknown> }>];
    const violations: ViolationCode[] = [];
    const kernelLog: TraceStep['kernelLog'] = [];
    let returns: number | undefined;
    for (const a of actions) {
      if (a.type === 'returns' && typeof a.params?.value === 'number') returns = a.params.value;
      if (a.type === 'violation' && typeof a.params?.code === 'string' && isViolationCode(a.params.code)) violations.push(a.params.code);
      if (a.type === 'kernelLog') kernelLog.push({ level: String(a.params?.level), text: String(a.params?.text) });
    }
    const violationNodes = taken
      .filter((t) => !t.target?.length)
      .flatMap((t) => violations.map((code) => violationNodeId(t.source.parent?.id ?? machine.id, code)));
    const step: TraceStep = {
      n,
      event,
      from: atomicOf(snap),
      to: atomicOf(next),
      transitions: taken.map((t) => transitionId(t)),
      ignored: taken.length === 0,
      violations,
      violationNodes,
      kernelLog,
      state: stateName(next.value),
      context: next.context,
    };
    if (returns !== undefined) {
      step.returns = returns;
      const errno = returns < 0 ? errnoName(returns) : undefined;
      if (errno) step.errno = errno;
    }
    steps.push(step);
    snap = next;
  }
  return { machine: name, start, steps };
}

// isArray: false for a revoked proxy (Array.isArray throws on one), which dataField then refuses.
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !isArray(x);

/**
 * Reads a path from parsed JSON. Accepts: an array of events; an array of steps `{ event }`;
 * a path object `{ steps: [...] }` (an `xstate/graph` path, whose `xstate.init` step is
 * skipped, or one path of `auxbus paths`); or a whole `auxbus paths` export `{ paths: [...] }`,
 * from which `pathNumber` (1-based) picks one.
 * @example readPathInput([{ type: 'KFREE' }]).events.length // 1
 */
export function readPathInput(json: unknown, pathNumber?: number): PathInput {
  if (typeof json === 'object' && json !== null) requireObject('readPathInput(json)', json, 'parsed JSON');
  if (pathNumber !== undefined && (typeof pathNumber !== 'number' || !Number.isInteger(pathNumber) || pathNumber < 1)) {
    throw new ParameterError('readPathInput(pathNumber)', pathNumber, 'a path number from 1, or nothing');
  }
  if (isRecord(json) && Array.isArray(json.violations) && isRecord(json.params)) return worldCounterexample(json, pathNumber);
  const out: PathInput = { events: [] };
  let body: unknown = json;
  if (isRecord(json)) {
    if (typeof json.machine === 'string') {
      if (!isMachineName(json.machine)) throw new PathInputError(`the file names machine ${describeValue(json.machine)}`, MACHINE_NAMES.join(', '));
      out.machine = json.machine;
    }
    if ('input' in json) out.input = json.input;
    if (Array.isArray(json.paths)) {
      const count = json.paths.length;
      if (count === 0) throw new PathInputError('the file holds no paths', 'at least one path');
      if (pathNumber === undefined && count > 1) {
        throw new PathInputError(`the file holds ${count} paths`, `one chosen with --path N (1..${count})`);
      }
      const k = pathNumber ?? 1;
      if (!Number.isInteger(k) || k < 1 || k > count) throw new PathInputError(`path ${k} does not exist`, `a path number from 1 to ${count}`);
      body = json.paths[k - 1];
    } else if (pathNumber !== undefined && pathNumber !== 1) {
      throw new PathInputError(`path ${pathNumber} was asked for but the file holds one path`, '--path 1 or no --path');
    }
    if (isRecord(body) && Array.isArray(body.steps)) body = body.steps;
  }
  if (!Array.isArray(body)) {
    throw new PathInputError('the JSON is not a path', 'an array of events, { steps: [...] }, an auxbus paths export { paths: [...] }, or an auxbus explore --world --json result');
  }
  for (const item of body) {
    const ev = isRecord(item) && isRecord(item.event) ? item.event : item;
    if (isRecord(ev) && ev.type === 'xstate.init') continue;
    out.events.push(ev as EventObject);
  }
  return out;
}

/**
 * A counterexample of `auxbus explore --world --json` (violation N, 1-based), drawn on the device
 * statechart: the events the device of its last step received along the world path.
 */
function worldCounterexample(json: Record<string, unknown>, pathNumber: number | undefined): PathInput {
  const violations = json.violations as unknown[];
  const count = violations.length;
  if (count === 0) throw new PathInputError('the exploration reached no violation', 'an exploration with at least one violation');
  if (pathNumber === undefined && count > 1) throw new PathInputError(`the exploration holds ${count} violations`, `one chosen with --path N (1..${count})`);
  const k = pathNumber ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > count) throw new PathInputError(`violation ${k} does not exist`, `a violation number from 1 to ${count}`);
  const v = violations[k - 1];
  if (!isRecord(v) || !Array.isArray(v.path) || v.path.length === 0 || !v.path.every(isRecord)) {
    throw new PathInputError(`violation ${k} has no path`, 'a violation { code, path: [world events], findings }');
  }
  const path = v.path as WorldEvent[];
  const last = path[path.length - 1] as Record<string, unknown>;
  const finding = Array.isArray(v.findings) ? v.findings.find((f) => isRecord(f) && typeof f.dev === 'number') as { dev: number } | undefined : undefined;
  const dev = typeof last.dev === 'number' ? last.dev : finding?.dev ?? 0;
  const params = json.params as WorldParamsInput;
  try {
    const events = deviceEventsOf(params, path, dev);
    const release = isRecord(params.release) ? params.release : {};
    return { machine: 'device', input: { hasRelease: release.present !== false }, events };
  } catch (e) {
    if (e instanceof AuxbusError) throw new PathInputError(`violation ${k}: ${e.message}`, 'the params and path of an auxbus explore --world --json result');
    throw e;
  }
}

