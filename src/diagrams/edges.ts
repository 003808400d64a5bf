import type { ViolationCode } from '../../machines/index.js';
import { guardAndEffects, stateById, type Chart, type ChartTransition, type TransitionKind } from './chart.js';

/**
 * What a statechart draws, worked out once for every renderer:
 * - transitions with a target become edges, parallel ones (same source and target) merged
 *   into one edge with one line per distinct `[guard] / effects` (events sharing a line are
 *   joined with `|`); an edge whose lines differ in kind keeps every kind for its styling;
 * - targetless transitions that raise a violation become edges to a small violation node
 *   (one per source state and code), placed beside the source;
 * - other targetless transitions (the state does not change) are listed inside the state, as
 *   UML's internal-transitions compartment.
 */

/** One line of a merged label: the events that share a guard and effects. */
export interface LabelLine {
  events: string[];
  /** ` [guard] / effects`, possibly empty. */
  rest: string;
  kind: TransitionKind;
  /** Violations raised on this line (drawn in red after the text). */
  violations: Array<ViolationCode | 'unknown'>;
  /** Transition ids merged into this line. */
  transitions: string[];
}

/**
 * A violation node: a code that targetless transitions raise, drawn next to their sources. One
 * node per code and region (the sources' parent state), so sibling states that raise the same
 * code (double-add from addFailed, added and deleted) share one node.
 */
export interface ViolationNode {
  /** Unique node id, e.g. `violation:device.live.refcounted:double-delete`. */
  id: string;
  code: ViolationCode | 'unknown';
  /** The states whose transitions lead here. */
  sources: string[];
  /** The compound state the node is drawn in (the sources' parent; root id for top level). */
  placeIn: string;
}

/** A drawn edge: from a state to a state or to a violation node. */
export interface DrawnEdge {
  source: string;
  /** A state id, or a violation node id. */
  target: string;
  toViolation: boolean;
  /** The kinds of its lines, in the order ok, error, violation (several when parallel transitions differ). */
  kinds: TransitionKind[];
  lines: LabelLine[];
}

/**
 * A junction (UML's junction pseudostate): edges from several states that carry the very same
 * label to the same target meet in a point, and one labelled edge leaves it. It keeps a label
 * that several states share (e.g. `UNINIT | PUT [lastRefWithRelease]`) from being printed once
 * per state.
 */
export interface Junction {
  /** Node id, e.g. `junction:device.live.dead.released:0`. */
  id: string;
  sources: string[];
  target: string;
  toViolation: boolean;
  kinds: TransitionKind[];
  lines: LabelLine[];
  /** The compound state the point is drawn in: the sources' common parent. */
  placeIn: string;
}

/** Everything a renderer needs to draw the transitions of a chart. */
export interface ChartLayout {
  edges: DrawnEdge[];
  /** Empty unless asked for (see {@link layoutChart}). */
  junctions: Junction[];
  violationNodes: ViolationNode[];
  /** State id → its internal transitions (targetless, no violation). */
  internal: Map<string, LabelLine[]>;
}

function addLine(lines: LabelLine[], t: ChartTransition, violations: Array<ViolationCode | 'unknown'>): void {
  const rest = guardAndEffects(t);
  const key = `${rest}|${violations.join(',')}`;
  const line = lines.find((l) => `${l.rest}|${l.violations.join(',')}` === key);
  if (line) {
    if (!line.events.includes(t.event)) line.events.push(t.event);
    line.transitions.push(t.id);
  } else {
    lines.push({ events: [t.event], rest, kind: t.kind, violations, transitions: [t.id] });
  }
}

/**
 * The id of the violation node for `code` raised by a transition of a state whose parent is
 * `region` (the root id for a top-level state).
 */
export function violationNodeId(region: string, code: ViolationCode | 'unknown'): string {
  return `violation:${region}:${code}`;
}

const KIND_ORDER: TransitionKind[] = ['ok', 'error', 'violation'];

const labelKey = (e: DrawnEdge) =>
  JSON.stringify([e.target, e.kinds, e.lines.map((l) => [l.events, l.rest, l.kind, l.violations])]);

/** The ancestors of a state, innermost first, ending at the root. */
function regionsOf(chart: Chart, id: string): string[] {
  const out: string[] = [];
  for (let s = stateById(chart, id)?.parent; s !== undefined; s = stateById(chart, s)?.parent) out.push(s);
  return out.length ? out : [chart.id];
}

/** Merges edges that share a target and a label into junctions (see {@link Junction}). */
function junctionsOf(chart: Chart, edges: DrawnEdge[]): { edges: DrawnEdge[]; junctions: Junction[] } {
  const groups = new Map<string, DrawnEdge[]>();
  for (const e of edges) groups.set(labelKey(e), [...(groups.get(labelKey(e)) ?? []), e]);
  const junctions: Junction[] = [];
  const merged = new Set<DrawnEdge>();
  for (const group of groups.values()) {
    // Only siblings meet: a junction between distant states would pull them together.
    const parent = regionsOf(chart, group[0]!.source)[0]!;
    if (group.length < 2 || group.some((e) => regionsOf(chart, e.source)[0] !== parent)) continue;
    const first = group[0]!;
    const sources = group.map((e) => e.source);
    const placeIn = parent;
    const id = `junction:${first.target}:${junctions.filter((j) => j.target === first.target).length}`;
    // Same labels, so line i of every edge is the same line; keep every edge's transitions on it.
    const lines = first.lines.map((l, i) => ({ ...l, transitions: group.flatMap((e) => e.lines[i]!.transitions) }));
    junctions.push({ id, sources, target: first.target, toViolation: first.toViolation, kinds: first.kinds, lines, placeIn });
    group.forEach((e) => merged.add(e));
  }
  return { edges: edges.filter((e) => !merged.has(e)), junctions };
}

/**
 * Works out the edges, violation nodes and internal transitions of a chart; with
 * `{ junctions: true }`, edges that share a target and a label meet in junctions.
 * @example layoutChart(readChart('device')).violationNodes.length
 */
export function layoutChart(chart: Chart, options: { junctions?: boolean } = {}): ChartLayout {
  const edges: DrawnEdge[] = [];
  const violationNodes: ViolationNode[] = [];
  const internal = new Map<string, LabelLine[]>();
  const edgeFor = (source: string, target: string, kind: TransitionKind, toViolation: boolean) => {
    let e = edges.find((x) => x.source === source && x.target === target);
    if (!e) edges.push((e = { source, target, toViolation, kinds: [], lines: [] }));
    if (!e.kinds.includes(kind)) e.kinds = KIND_ORDER.filter((k) => k === kind || e!.kinds.includes(k));
    return e;
  };
  for (const t of chart.transitions) {
    if (t.target !== undefined) {
      const e = edgeFor(t.source, t.target, t.kind, false);
      addLine(e.lines, t, t.violations);
    } else if (t.violations.length > 0) {
      const placeIn = stateById(chart, t.source)?.parent ?? chart.id;
      for (const code of t.violations) {
        const id = violationNodeId(placeIn, code);
        let node = violationNodes.find((v) => v.id === id);
        if (!node) violationNodes.push((node = { id, code, sources: [], placeIn }));
        if (!node.sources.includes(t.source)) node.sources.push(t.source);
        const e = edgeFor(t.source, id, 'violation', true);
        addLine(e.lines, t, []);
      }
    } else {
      const lines = internal.get(t.source) ?? [];
      addLine(lines, t, []);
      internal.set(t.source, lines);
    }
  }
  if (!options.junctions) return { edges, junctions: [], violationNodes, internal };
  return { ...junctionsOf(chart, edges), violationNodes, internal };
}

/** `INIT | ADD` for a line's events. */
export function lineEvents(line: LabelLine): string {
  return line.events.join(' | ');
}
