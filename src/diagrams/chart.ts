import { initialTransition, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { errnoName, isViolationCode, ParameterError, requireObject, VIOLATIONS, type ViolationCode } from '../../machines/index.js';
import { machineEntry, type MachineName } from '../catalog.js';
import { transitionId } from '../paths/index.js';

/**
 * A machine definition read as data: the state tree and every transition, each classified
 * (success, error return, violation) and labelled. The DOT, Mermaid and trace renderers all draw
 * from this one reading, so they cannot disagree about what the machine says.
 */

/** How a transition is drawn: plain, an error return (the call fails as documented), or a contract breach. */
export type TransitionKind = 'ok' | 'error' | 'violation';

/** One state node of the chart. */
export interface ChartState {
  /** The XState id, e.g. `device.live.refcounted.added`. */
  id: string;
  /** The key within its parent, e.g. `added`. */
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Id of the initial child of a compound state. */
  initial?: string;
  description?: string;
  tags: string[];
  children: ChartState[];
  /** Id of the parent state (undefined for the root). */
  parent?: string;
}

/** One transition definition of the chart. */
export interface ChartTransition {
  /** Stable name, `transitionId` of src/paths: `device.live.allocated:INIT#2`. */
  id: string;
  event: string;
  source: string;
  /** Target state id; undefined for a targetless transition (the state does not change). */
  target?: string;
  guard?: string;
  /** Named actions worth showing (bookkeeping such as `flag` and log lines left out). */
  actions: string[];
  /** The value the call returns: a number, `'computed'` when the machine computes it, or undefined. */
  returns?: number | 'computed';
  /** The errno name of a negative return, e.g. `EINVAL`. */
  errno?: string;
  /** Violation codes raised; `'unknown'` when a code could not be read statically. */
  violations: Array<ViolationCode | 'unknown'>;
  /** Kernel log lines the transition prints. */
  logs: number;
  kind: TransitionKind;
  description?: string;
}

/** A whole machine read as data. */
export interface Chart {
  name: MachineName;
  /** The machine's id (root state id). */
  id: string;
  root: ChartState;
  /** Every state below the root, in document order. */
  states: ChartState[];
  transitions: ChartTransition[];
  /** Event type → kernel call. */
  calls: Readonly<Record<string, string>>;
  /** Every violation code some transition raises, in table order of first appearance. */
  violationCodes: ViolationCode[];
}

type ActionLike = string | { type?: string; params?: unknown } | ((...args: unknown[]) => unknown);

/** Name of a guard as the machine wrote it (`{ type: 'name' }`, a string, or a function). */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    const g = guard as { type: string; guards?: unknown[]; guard?: unknown };
    if (g.type === 'xstate.not' && g.guard) return `!${guardName(g.guard)}`;
    return g.type;
  }
  return 'guard';
}

function actionType(a: ActionLike): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'function') return (a as { type?: string }).type ?? (a.name || 'action');
  return a.type ?? 'action';
}

/** Actions that are bookkeeping of another effect shown on the same label. */
const HIDDEN_ACTIONS = new Set(['flag', 'kernelLog', 'returns', 'violation']);

/**
 * Reads a `params` that the machine computes from `{ context, event }` against the initial
 * context, to learn the parts that do not depend on them (a violation's code). Undefined when
 * the function cannot run without a real event.
 */
function evalParams(params: unknown, context: unknown, eventType: string): Record<string, unknown> | undefined {
  if (typeof params !== 'function') return params as Record<string, unknown> | undefined;
  try {
    return (params as (a: unknown) => Record<string, unknown>)({ context, event: { type: eventType } });
  } catch {
    return undefined;
  }
}

function readTransition(t: AnyTransitionDefinition, context: unknown): ChartTransition {
  const actions: string[] = [];
  const violations: Array<ViolationCode | 'unknown'> = [];
  let returns: number | 'computed' | undefined;
  let logs = 0;
  for (const a of t.actions as ActionLike[]) {
    const type = actionType(a);
    const rawParams = typeof a === 'object' ? a.params : undefined;
    if (type === 'returns') {
      const p = typeof rawParams === 'function' ? undefined : (rawParams as { value?: unknown } | undefined);
      returns = typeof p?.value === 'number' ? p.value : 'computed';
    } else if (type === 'violation') {
      const code = evalParams(rawParams, context, t.eventType)?.code;
      violations.push(typeof code === 'string' && isViolationCode(code) ? code : 'unknown');
    } else if (type === 'kernelLog') {
      logs++;
    }
    if (!HIDDEN_ACTIONS.has(type)) actions.push(type);
  }
  const errno = typeof returns === 'number' && returns < 0 ? errnoName(returns) ?? String(returns) : undefined;
  const target = t.target?.[0]?.id;
  const kind: TransitionKind = violations.length > 0 ? 'violation' : errno ? 'error' : 'ok';
  const out: ChartTransition = { id: transitionId(t), event: t.eventType, source: t.source.id, actions, violations, logs, kind };
  if (target !== undefined) out.target = target;
  const guard = guardName(t.guard);
  if (guard !== undefined) out.guard = guard;
  if (returns !== undefined) out.returns = returns;
  if (errno !== undefined) out.errno = errno;
  if (t.description) out.description = t.description;
  return out;
}

function readState(node: AnyStateNode, parent?: string): ChartState {
  const children = Object.values(node.states as Record<string, AnyStateNode>).map((c) => readState(c, node.id));
  const state: ChartState = {
    id: node.id,
    key: node.key,
    type: node.type,
    tags: [...node.tags].sort(),
    children,
  };
  if (parent !== undefined) state.parent = parent;
  const initial = node.initial?.target?.[0]?.id;
  if (initial !== undefined) state.initial = initial;
  if (node.description) state.description = node.description;
  return state;
}

/**
 * Reads a machine of the catalog as a chart.
 * @example readChart('device').transitions.length // 75
 */
export function readChart(name: MachineName): Chart {
  const { machine, calls } = machineEntry(name);
  return chartOf(name, machine, calls);
}

/** Reads any state machine as a chart (the catalog supplies the kernel-call table). */
export function chartOf(name: MachineName, machine: AnyStateMachine, calls: Readonly<Record<string, string>>): Chart {
  const [initial] = initialTransition(machine);
  const context = (initial as { context: unknown }).context;
  const root = readState(machine.root);
  const states: ChartState[] = [];
  const walk = (s: ChartState) => s.children.forEach((c) => (states.push(c), walk(c)));
  walk(root);
  const nodes = [machine.root, ...states.map((s) => machine.getStateNodeById(s.id))];
  const transitions = nodes.flatMap((n) => [...n.transitions.values()].flat().map((t) => readTransition(t, context)));
  const seen = new Set<ViolationCode>();
  for (const t of transitions) for (const v of t.violations) if (v !== 'unknown') seen.add(v);
  const violationCodes = Object.keys(VIOLATIONS).filter((c) => seen.has(c as ViolationCode)) as ViolationCode[];
  return { name, id: machine.id, root, states, transitions, calls, violationCodes };
}

/** The state with this id, or undefined. */
export function stateById(chart: Chart, id: string): ChartState | undefined {
  return id === chart.root.id ? chart.root : chart.states.find((s) => s.id === id);
}

/** The state's name relative to the root, e.g. `live.refcounted.added`. */
export function relativeName(chart: Chart, id: string): string {
  return id === chart.id ? chart.id : id.slice(chart.id.length + 1);
}

/**
 * A transition's label text: `EVENT [guard] / action, -EINVAL`.
 * Violations are not part of it: the renderers draw them as their own nodes.
 * @example transitionLabel({ event: 'INIT', guard: 'initNullParent', errno: 'EINVAL', ... }) // 'INIT [initNullParent] / -EINVAL'
 */
export function transitionLabel(t: Pick<ChartTransition, 'event' | 'guard' | 'actions' | 'errno' | 'returns'>, events = t.event): string {
  return `${events}${guardAndEffects(t)}`;
}

/** The part of a label after the event: ` [guard] / effects`. */
export function guardAndEffects(t: Pick<ChartTransition, 'guard' | 'actions' | 'errno' | 'returns'>): string {
  const effects = [...t.actions];
  if (t.errno) effects.push(`-${t.errno}`);
  else if (t.returns === 'computed') effects.push('returns value');
  const guard = t.guard ? ` [${t.guard}]` : '';
  return `${guard}${effects.length ? ` / ${effects.join(', ')}` : ''}`;
}

/** `double-delete (B7)`; `violation (code not static)` for a code the chart could not read. */
export function violationTitle(code: ViolationCode | 'unknown'): string {
  return code === 'unknown' ? 'violation (code computed at run time)' : `${code} (${VIOLATIONS[code].bugClass})`;
}

/**
 * Checks that `chart` is what {@link readChart} returns; throws ParameterError.
 * @example requireChart(readChart('device'), 'toDot(chart)') // passes
 */
export function requireChart(chart: unknown, parameter: string): asserts chart is Chart {
  const expected = 'a chart made by readChart(machine)';
  requireObject(parameter, chart, expected);
  const c = chart as Partial<Chart>;
  if (!Array.isArray(c.transitions) || typeof c.root !== 'object' || c.root === null) throw new ParameterError(parameter, chart, expected);
}
