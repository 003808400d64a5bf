import type { AnyActorLogic, AnyStateMachine, EventObject } from 'xstate';
import { createTestModel, getAdjacencyMap, getShortestPaths, getSimplePaths, serializeSnapshot } from 'xstate/graph';
import { idaModel, ParameterError, requireObject, type IdaCall, type IdaModelSnapshot, type ViolationCode } from '../../machines/index.js';
import { machineEntry, type MachineName } from '../catalog.js';
import { replay } from '../diagrams/trace.js';
import { ModelTooLargeError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import {
  allTransitions, deviceTraversal, driverTraversal, memoryTraversal, idaMachinePath, idaTestModel, idaTraversal, transitionId,
  type GeneratedPath,
} from '../paths/index.js';

/**
 * Model-based test generation for use outside this package (e.g. KUnit tests of the bus
 * itself): paths from each machine's initial state, generated with `xstate/graph`, each step
 * told as the event, the kernel call it stands for, the state reached, the return value, the
 * violations raised and the kernel log lines. The steps come from replaying each path on the
 * machine (the same replay the trace overlay draws), so the export says what the model says.
 */

/** How paths are chosen. */
export type Strategy = 'shortest' | 'simple' | 'transitions';

/** Every strategy, with what it gives. */
export const STRATEGIES: Readonly<Record<Strategy, string>> = Object.freeze({
  shortest: 'one shortest path to every reachable state (getShortestPaths)',
  transitions:
    'shortest paths that take every (state, event) pair, self-loops included: transition coverage (createTestModel keyed by transition)',
  simple: 'every cycle-free path to every state (getSimplePaths): exponential, refused above the state limit',
});

/** `simple` is refused on models with more reachable states than this (the count of paths explodes past it). */
export const SIMPLE_PATHS_STATE_LIMIT = 16;

/** Options of {@link exportPaths}. */
export interface PathExportOptions {
  machine: MachineName;
  strategy?: Strategy;
  /** Device only: the most references the caller holds at once, 1..4 (default 2). */
  refBound?: number;
  /**
   * Device only: the container is devm_kzalloc()ed on the parent (default false). Its paths take
   * the transitions only devm memory has (a kfree() of it is B4); the others are a kzalloc()ed one's.
   */
  devm?: boolean;
  /** IDA only: size of the id space, 1..4 (default 2). */
  idaCapacity?: number;
}

/** One step of an exported path. */
export interface ExportedStep {
  step: number;
  event: EventObject;
  /** The kernel call the event stands for. */
  call: string;
  /** Transition ids taken (`source:EVENT#n`, see src/paths); empty when the event is ignored. */
  transitions: string[];
  /** State before and after, dotted (`live.refcounted.added.unbound`). */
  from: string;
  state: string;
  /** The machine's context after the step. */
  context: unknown;
  /** The value the call returns (0, an id, -errno), or null for a call that returns nothing. */
  returns: number | null;
  /** `EINVAL` for -22, and so on; null unless the call returns an error. */
  errno: string | null;
  violations: ViolationCode[];
  kernelLog: Array<{ level: string; text: string }>;
}

/** One exported path. */
export interface ExportedPath {
  /** 1-based number, stable for a given machine, strategy and options. */
  path: number;
  finalState: string;
  violations: ViolationCode[];
  steps: ExportedStep[];
}

/** The whole export (the JSON that `auxbus paths --format json` prints). */
export interface PathExport {
  format: 'auxbus-paths/1';
  generator: string;
  machine: MachineName;
  strategy: Strategy;
  options: { refBound?: number; devm?: boolean; idaCapacity?: number };
  /** The machine's input for the initial state: replay a path from `initialTransition(machine, input)`. */
  input: unknown;
  initialState: string;
  summary: {
    paths: number;
    steps: number;
    transitions: { covered: number; total: number; missed: string[] };
    /** Violation code → number of paths that raise it. */
    violations: Record<string, number>;
  };
  paths: ExportedPath[];
}

interface Traversal {
  input?: unknown;
  events: unknown;
  filterEvents?: unknown;
  serializeState?: unknown;
}

type Generated = Array<{ steps: Array<{ event: EventObject; state: unknown }>; state: unknown }>;

/**
 * Where a machine's paths come from: the logic `xstate/graph` traverses (the machine itself, or
 * for the IDA the machine with its id set), how to read a path's machine events, and the input
 * a replay of those events on the machine alone starts from.
 */
interface PathSource {
  logic: AnyActorLogic;
  traversal: Traversal;
  /** Transition-keyed paths (the `transitions` strategy). */
  transitionPaths(): Generated;
  /** The machine events of a generated path, without the init step. */
  events(path: Generated[number]): EventObject[];
  /** The machine's input for a replay (undefined: none). */
  input: unknown;
}

function sourceFor(options: PathExportOptions, machine: AnyStateMachine): PathSource {
  const plainEvents = (p: Generated[number]) => p.steps.map((s) => s.event).filter((e) => e.type !== 'xstate.init');
  if (options.machine === 'ida') {
    // The IDA machine decides from facts its events carry: paths are generated over the machine
    // with its id set (idaModel), and exported as the machine events the calls became.
    const capacity = options.idaCapacity ?? 2;
    return {
      logic: idaModel,
      traversal: idaTraversal({ capacity }),
      transitionPaths: () => idaTestModel({ capacity }).getShortestPaths() as unknown as Generated,
      events: (p) => idaMachinePath(p as unknown as GeneratedPath<IdaModelSnapshot, IdaCall>).steps.slice(1).map((s) => s.event),
      input: undefined,
    };
  }
  const traversal: Traversal = options.machine === 'device'
    ? deviceTraversal({ refBound: options.refBound ?? 2, devm: options.devm ?? false })
    : options.machine === 'memory' ? memoryTraversal() : driverTraversal();
  return {
    logic: machine,
    traversal,
    transitionPaths: () => createTestModel(machine, { ...(traversal as object), serializeTransition } as never).getShortestPaths() as unknown as Generated,
    events: plainEvents,
    input: traversal.input,
  };
}

/**
 * Transition-keyed serialisation for `createTestModel`: the event and the previous state are
 * part of the key, so a transition that leaves the state unchanged (a self-loop, e.g. GET, or
 * a violation) is a target of its own. (The default key drops both when the state value does
 * not change, which loses exactly the self-loops.)
 */
export function serializeTransition(_state: unknown, event: EventObject | undefined, prev?: unknown): string {
  return event ? ` via ${JSON.stringify(event)} from ${prev ? serializeSnapshot(prev as never) : ''}` : '';
}

function generate(machine: AnyStateMachine, strategy: Strategy, source: PathSource): Generated {
  const opts = source.traversal as never;
  if (strategy === 'shortest') return getShortestPaths(source.logic, opts) as unknown as Generated;
  if (strategy === 'transitions') return source.transitionPaths();
  const states = Object.keys(getAdjacencyMap(source.logic, opts)).length;
  if (states > SIMPLE_PATHS_STATE_LIMIT) {
    throw new ModelTooLargeError(
      `simple paths of the ${machine.id} machine`,
      states,
      SIMPLE_PATHS_STATE_LIMIT,
      machine.id === 'ida'
        ? 'use --ida-capacity 2 or less, or --strategy transitions (transition coverage) or shortest'
        : 'use --strategy transitions (transition coverage) or shortest',
    );
  }
  return getSimplePaths(source.logic, opts) as unknown as Generated;
}

/**
 * Generates and replays paths of one machine.
 * @example exportPaths({ machine: 'driver', strategy: 'transitions' }).summary.transitions.missed // []
 */
export function exportPaths(options: PathExportOptions): PathExport {
  requireObject('exportPaths(options)', options, 'an object { machine, strategy?, ... }');
  const strategy = options.strategy ?? 'transitions';
  const { machine, calls } = machineEntry(options.machine);
  if (options.devm !== undefined && options.machine !== 'device') throw new ParameterError('devm', options.devm, 'no devm option: it applies to machine device only');
  const source = sourceFor(options, machine);
  const generated = generate(machine, strategy, source);
  const all = allTransitions(machine).map(transitionId);
  const covered = new Set<string>();
  const violations: Record<string, number> = {};
  let stepCount = 0;
  let initialState = '';
  const paths: ExportedPath[] = generated.map((p, i) => {
    const events = source.events(p);
    const trace = replay(options.machine, events, source.input);
    const steps: ExportedStep[] = [];
    let from = '';
    trace.steps.forEach((s, k) => {
      if (k === 0) from = relativeState(machine, trace.start);
      s.transitions.forEach((t) => covered.add(t));
      steps.push({
        step: s.n,
        event: s.event,
        call: calls[s.event.type] ?? '',
        transitions: s.transitions,
        from,
        state: s.state,
        context: s.context,
        returns: s.returns ?? null,
        errno: s.errno ?? null,
        violations: s.violations,
        kernelLog: s.kernelLog,
      });
      from = s.state;
    });
    initialState ||= relativeState(machine, trace.start);
    stepCount += steps.length;
    const pathViolations = [...new Set(steps.flatMap((s) => s.violations))];
    for (const v of pathViolations) violations[v] = (violations[v] ?? 0) + 1;
    return { path: i + 1, finalState: steps.at(-1)?.state ?? initialState, violations: pathViolations, steps };
  });
  const exportOptions: PathExport['options'] = {};
  if (options.machine === 'device') {
    exportOptions.refBound = options.refBound ?? 2;
    exportOptions.devm = options.devm ?? false;
  }
  if (options.machine === 'ida') exportOptions.idaCapacity = options.idaCapacity ?? 2;
  const { name, version } = packageInfo();
  return {
    format: 'auxbus-paths/1',
    generator: `${name} ${version}`,
    machine: options.machine,
    strategy,
    options: exportOptions,
    input: source.input ?? null,
    initialState,
    summary: {
      paths: paths.length,
      steps: stepCount,
      transitions: { covered: all.filter((t) => covered.has(t)).length, total: all.length, missed: all.filter((t) => !covered.has(t)) },
      violations: Object.fromEntries(Object.entries(violations).sort(([a], [b]) => a.localeCompare(b))),
    },
    paths,
  };
}

function relativeState(machine: AnyStateMachine, atomicId: string): string {
  return atomicId.split(' & ').map((id) => (id.startsWith(`${machine.id}.`) ? id.slice(machine.id.length + 1) : id)).join(' & ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `INIT {parent: true, name: true}` */
function eventText(e: EventObject): string {
  const rest = Object.entries(e).filter(([k]) => k !== 'type');
  return rest.length ? `${e.type} {${rest.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : e.type;
}

/**
 * The export as Markdown: a short header, then one table per path.
 * @example pathsToMarkdown(exportPaths({ machine: 'driver' })).startsWith('# ') // true
 */
export function pathsToMarkdown(x: PathExport): string {
  requireObject('pathsToMarkdown(export)', x, 'the result of exportPaths()');
  if (typeof x.options !== 'object' || x.options === null || typeof x.summary !== 'object' || x.summary === null || !Array.isArray(x.paths)) {
    throw new ParameterError('pathsToMarkdown(export)', x, 'the result of exportPaths() { options, summary, paths, ... }');
  }
  const opts = Object.entries(x.options).map(([k, v]) => `${k} ${v}`).join(', ');
  const t = x.summary.transitions;
  const out = [
    `# ${x.machine} machine: ${x.summary.paths} paths (${x.strategy})`,
    '',
    `Generated by ${x.generator} with \`auxbus paths --machine ${x.machine} --strategy ${x.strategy}\`${opts ? ` (${opts})` : ''}: ${STRATEGIES[x.strategy]}.`,
    `Every path starts in \`${x.initialState}\`, the machine's initial state${x.input ? ` (input \`${JSON.stringify(x.input)}\`)` : ''}. ${x.summary.steps} step${x.summary.steps === 1 ? '' : 's'} in all; they take ${t.covered} of the machine's ${t.total} transitions${t.missed.length ? ` (not taken: ${t.missed.map((m) => `\`${m}\``).join(', ')})` : ''}.`,
    'A step is the event sent, the kernel call it stands for, the state reached, what the call returns and the violations it raises (`auxbus explain CODE`).',
    '',
  ];
  for (const p of x.paths) {
    const v = p.violations.length ? `; raises ${p.violations.map((c) => `\`${c}\``).join(', ')}` : '';
    out.push(`## Path ${p.path}: ends in \`${p.finalState}\`${v}`, '');
    if (p.steps.length === 0) {
      out.push('(no step: the initial state itself)', '');
      continue;
    }
    out.push('| # | event | kernel call | state reached | returns | violations | kernel log |', '|---|---|---|---|---|---|---|');
    for (const s of p.steps) {
      const ret = s.returns === null ? '' : s.errno ? `-${s.errno}` : String(s.returns);
      const log = s.kernelLog.map((l) => `${l.level}: ${l.text}`).join('<br>');
      out.push(`| ${s.step} | \`${cell(eventText(s.event))}\` | \`${cell(s.call)}\` | \`${s.state}\` | ${ret} | ${s.violations.join(', ')} | ${cell(log)} |`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
