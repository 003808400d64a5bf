import { requireObject } from '../../machines/index.js';
import { requireChart, relativeName, stateById, violationTitle, type Chart, type ChartState, type TransitionKind } from './chart.js';
import { layoutChart, lineEvents, type DrawnEdge, type Junction, type LabelLine, type ViolationNode } from './edges.js';
import type { Trace, TraceStep } from './trace.js';
import { wrap } from '../text.js';

/**
 * The chart as Graphviz DOT: compound states as clusters with an initial point each, atomic
 * states as rounded boxes listing their internal transitions, merged edges labelled
 * `EVENT [guard] / action`, error returns orange and dashed, violations red (targetless ones as
 * edges to a small red node naming the code and bug class), junction points where several
 * states share a label, and a legend table of the kernel call behind each event. With a trace,
 * the base chart is greyed and each step of the path is drawn on top as a numbered edge.
 */

/** Colours and fonts, in one place. */
export const STYLE = Object.freeze({
  font: 'Helvetica',
  ink: '#1f2933',
  muted: '#616e7c',
  stateFill: '#f5f7fa',
  clusterLine: '#9aa5b1',
  ok: '#323f4b',
  error: '#c05621',
  violation: '#c81e1e',
  violationFill: '#fde8e8',
  violationHit: '#f8b4b4',
  trace: '#1a56db',
  traceFill: '#e1effe',
  grey: '#c3c9d0',
  greyText: '#9aa5b1',
});

/** Options of {@link toDot}. */
export interface DotOptions {
  /** Overlay a replayed path (see {@link Trace}). */
  trace?: Trace;
  /** Show each state's description under its name (default true). */
  descriptions?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const table = (rows: string[], attrs = 'border="0" cellborder="0" cellspacing="0" cellpadding="0"') => `<<table ${attrs}>${rows.join('')}</table>>`;


const kindColour = (kind: TransitionKind) => (kind === 'violation' ? STYLE.violation : kind === 'error' ? STYLE.error : STYLE.ok);

/** Lines longer than this break before their effects and their violation, to keep edge labels narrow. */
const LABEL_WIDTH = 36;

function lineHtml(line: LabelLine, dim: boolean, size?: number): string {
  const colour = dim ? STYLE.greyText : kindColour(line.kind);
  const sized = size ? ` point-size="${size}"` : '';
  const head = `${lineEvents(line)}${line.rest}`;
  const viol = line.violations.map((v) => `⇒ ${violationTitle(v)}`).join(' ');
  const long = head.length + viol.length > LABEL_WIDTH;
  const br = '<br align="left"/>';
  const cut = long ? head.indexOf(' / ') : -1;
  const text = cut > 0 ? `${esc(head.slice(0, cut))}${br}   ${esc(head.slice(cut + 1))}` : esc(head);
  const violHtml = viol ? `${long ? `${br}   ` : ' '}<b>${esc(viol)}</b>` : '';
  return `<tr><td align="left" balign="left"><font${sized} color="${colour}">${text}${violHtml}</font></td></tr>`;
}

function stateLabel(s: ChartState, internal: LabelLine[], descriptions: boolean, dim: boolean): string {
  const tags = s.tags.length ? `<font point-size="8" color="${STYLE.muted}">  ${esc(s.tags.map((t) => `#${t}`).join(' '))}</font>` : '';
  const rows = [`<tr><td align="left"><b>${esc(s.key)}</b>${tags}</td></tr>`];
  if (descriptions && s.description) {
    for (const l of wrap(s.description, 40)) rows.push(`<tr><td align="left"><font point-size="8" color="${STYLE.muted}"><i>${esc(l)}</i></font></td></tr>`);
  }
  if (internal.length) rows.push('<hr/>', ...internal.map((l) => lineHtml(l, dim, 9)));
  return table(rows, 'border="0" cellborder="0" cellspacing="0" cellpadding="1"');
}

const isInside = (chart: Chart, inner: string, outer: string) => {
  for (let s = stateById(chart, inner); s; s = s.parent ? stateById(chart, s.parent) : undefined) if (s.id === outer) return true;
  return false;
};

/** Where an edge from `id` starts: a compound state leaves from its last atomic descendant, clipped at its cluster. */
function tailOf(chart: Chart, id: string, target: string): string[] {
  const s = stateById(chart, id);
  if (!s || s.children.length === 0) return [id];
  let last = s;
  while (last.children.length > 0) last = last.children[last.children.length - 1]!;
  return isInside(chart, target, id) ? [last.id] : [last.id, `ltail=${q(`cluster_${id}`)}`];
}

/** Where an edge into `id` ends: a compound state is entered at its initial point, clipped at its cluster. */
function headOf(chart: Chart, id: string, source: string): string[] {
  const s = stateById(chart, id);
  if (!s || s.children.length === 0) return [id];
  return isInside(chart, source, id) ? [`init:${id}`] : [`init:${id}`, `lhead=${q(`cluster_${id}`)}`];
}

function edge(tail: string[], head: string[], attrs: string[]): string {
  const [from, ...ta] = tail;
  const [to, ...ha] = head;
  return `${q(from!)} -> ${q(to!)} [${[...attrs, ...ta, ...ha].join(', ')}];`;
}

function kindAttrs(kinds: TransitionKind[], dim: boolean, toViolation: boolean): string[] {
  // Parallel transitions of different kinds share one edge, drawn as parallel lines, one per kind.
  const attrs = [`color="${dim ? STYLE.grey : kinds.map(kindColour).join(':')}"`];
  if (kinds.length === 1 && kinds[0] === 'error') attrs.push('style=dashed');
  attrs.push(`class="${toViolation ? 'edge-to-violation' : kinds.map((k) => `edge-${k}`).join(' ')}"`);
  return attrs;
}

/**
 * The label, and a hover text (SVG title) with the spec sections the transitions cite in their
 * `description`, so a reader can check an edge against kernel-auxbus.md.
 */
function labelOf(chart: Chart, lines: LabelLine[], dim: boolean): string[] {
  const ids = new Set(lines.flatMap((l) => l.transitions));
  const cites = [...new Set(chart.transitions.filter((t) => ids.has(t.id) && t.description).map((t) => `${t.event}: ${t.description}`))];
  const attrs = [`label=${table(lines.map((l) => lineHtml(l, dim)))}`];
  if (cites.length) attrs.push(`tooltip=${q(cites.join(' · '))}`);
  return attrs;
}

function edgeDot(chart: Chart, e: DrawnEdge, dim: boolean): string {
  const head = e.toViolation ? [e.target] : headOf(chart, e.target, e.source);
  return edge(tailOf(chart, e.source, e.target), head, [...labelOf(chart, e.lines, dim), ...kindAttrs(e.kinds, dim, e.toViolation)]);
}

function junctionDot(chart: Chart, j: Junction, dim: boolean): string[] {
  const ins = j.sources.map((s) => edge(tailOf(chart, s, j.target), [j.id], [...kindAttrs(j.kinds, dim, j.toViolation), 'arrowhead=none']));
  const head = j.toViolation ? [j.target] : headOf(chart, j.target, j.sources[0]!);
  return [...ins, edge([j.id], head, [...labelOf(chart, j.lines, dim), ...kindAttrs(j.kinds, dim, j.toViolation)])];
}

function violationNodeDot(v: ViolationNode, hit: boolean, dim: boolean): string {
  const colour = dim && !hit ? STYLE.grey : STYLE.violation;
  const fill = hit ? STYLE.violationHit : dim ? '#ffffff' : STYLE.violationFill;
  const font = dim && !hit ? STYLE.greyText : STYLE.violation;
  return `${q(v.id)} [label=${q(violationTitle(v.code))}, shape=box, style="rounded,filled", fillcolor="${fill}", color="${colour}", fontcolor="${font}", fontsize=9, height=0.25, margin="0.06,0.02", class="violation", id=${q(`violation-${v.code}-${v.placeIn}`)}];`;
}

/**
 * One trace step as text: `INIT(parent=true name=true) → live.refcounted.initialized, returns 0`.
 * @example traceStepText(chart, trace.steps[0])
 */
export function traceStepText(chart: Chart, s: TraceStep): string {
  const payload = Object.entries(s.event).filter(([k]) => k !== 'type').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  const parts = [`${s.event.type}${payload ? `(${payload})` : ''} → ${s.to.split(' & ').map((id) => relativeName(chart, id)).join(' & ')}`];
  if (s.ignored) parts.push('no transition (event ignored)');
  if (s.returns !== undefined) parts.push(`returns ${s.errno ? `-${s.errno}` : s.returns}`);
  for (const v of s.violations) parts.push(`violation ${violationTitle(v)}`);
  return parts.join(', ');
}

function legendDot(chart: Chart, trace?: Trace): string {
  const row = (a: string, b: string) => `<tr><td align="left">${a}</td><td align="left">${b}</td></tr>`;
  const gap = '<tr><td colspan="2"> </td></tr>';
  const events = [...new Set(chart.transitions.map((t) => t.event))];
  const rows = [
    `<tr><td align="left" colspan="2"><b>Event → kernel call</b></td></tr>`,
    ...events.map((ev) => row(`<b>${esc(ev)}</b>`, esc(chart.calls[ev] ?? ''))),
    gap,
    row(`<font color="${STYLE.ok}"><b>———</b></font>`, 'success, or a call that returns nothing'),
    row(`<font color="${STYLE.error}"><b>- - -</b></font>`, 'error return (-errno): the kernel working as documented'),
    row(`<font color="${STYLE.violation}"><b>———</b></font>`, 'contract violation: code (bug class); auxbus explain CODE tells more'),
    row('<b>[guard] / action</b>', 'the guard that selects the transition / the effects it names'),
    row('<b>•</b>', 'initial state (a point); a small point joins edges that share one label'),
    row('<b>box text</b>', 'internal transitions: the event is handled, the state does not change'),
  ];
  if (trace) {
    rows.push(gap, `<tr><td align="left" colspan="2"><b>Trace</b>: ${trace.steps.length} steps from ${esc(relativeName(chart, trace.start))}</td></tr>`);
    for (const s of trace.steps) {
      const colour = s.violations.length ? STYLE.violation : STYLE.trace;
      rows.push(row(`<font color="${colour}"><b>${s.n}</b></font>`, `<font color="${s.violations.length ? STYLE.violation : STYLE.ink}">${esc(traceStepText(chart, s))}</font>`));
    }
  }
  return `legend [shape=plain, fontsize=9, label=${table(rows, `border="1" color="${STYLE.clusterLine}" cellborder="0" cellspacing="0" cellpadding="2"`)}];`;
}

/** Every node drawn inside a state: atomic descendants, initial points, violation nodes and junctions placed there. */
function nodesIn(s: ChartState, placed: Array<{ id: string; placeIn: string }>): string[] {
  if (s.children.length === 0) return [s.id];
  return [`init:${s.id}`, ...s.children.flatMap((c) => nodesIn(c, placed)), ...placed.filter((v) => v.placeIn === s.id).map((v) => v.id)];
}

/**
 * Invisible edges that keep sibling compound states in document order, top to bottom (live
 * above dead), so that the lifecycle reads downwards, and the legend below everything. A pair
 * with a transition going back up is left to the layout.
 */
function ordering(chart: Chart, placed: Array<{ id: string; placeIn: string }>): string[] {
  const out: string[] = [];
  const invisible = (from: string, to: string) => out.push(`${q(from)} -> ${q(to)} [style=invis, weight=0];`);
  const visit = (s: ChartState) => {
    const compound = s.children.filter((c) => c.children.length > 0);
    for (let i = 0; i + 1 < compound.length; i++) {
      const [upper, lower] = [compound[i]!, compound[i + 1]!];
      const goesBack = chart.transitions.some((t) => t.target !== undefined && isInside(chart, t.source, lower.id) && isInside(chart, t.target, upper.id));
      if (!goesBack) nodesIn(upper, placed).forEach((n) => invisible(n, `init:${lower.id}`));
    }
    s.children.forEach(visit);
  };
  visit(chart.root);
  const last = chart.root.children[chart.root.children.length - 1];
  const bottom = last && last.children.length > 0 ? nodesIn(last, placed) : nodesIn(chart.root, placed);
  bottom.forEach((n) => invisible(n, 'legend'));
  return out;
}

/**
 * Renders a chart (optionally with a trace) as DOT. Same chart → same text.
 * @example toDot(readChart('driver')).startsWith('// Generated') // true
 */
export function toDot(chart: Chart, options: DotOptions = {}): string {
  requireChart(chart, 'toDot(chart)');
  requireObject('toDot(options)', options, 'an object { trace?, descriptions?, ... }');
  const { trace } = options;
  const descriptions = options.descriptions ?? true;
  const dim = trace !== undefined;
  const layout = layoutChart(chart, { junctions: true });
  const visited = new Set(trace ? [trace.start, ...trace.steps.flatMap((s) => [...s.from.split(' & '), ...s.to.split(' & ')])] : []);
  const hit = new Set(trace?.steps.flatMap((s) => s.violationNodes) ?? []);
  const placed = [...layout.violationNodes, ...layout.junctions];
  const out: string[] = [];
  out.push(`// Generated from the ${chart.name} machine by auxbus-model (src/diagrams). Do not edit: run npm run diagrams.`);
  out.push(`digraph ${q(chart.id)} {`);
  const subtitle = `generated from machines/${chart.name}/ by auxbus-model: ${chart.states.length} states, ${chart.transitions.length} transitions`;
  out.push(`  graph [rankdir=TB, compound=true, newrank=true, fontname="${STYLE.font}", fontsize=14, fontcolor="${STYLE.ink}", labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.4, pad=0.25, bgcolor="white", label=<<b>${esc(chart.name)} machine</b>${trace ? ' with a trace' : ''}<br/><font point-size="9" color="${STYLE.muted}">${esc(subtitle)}</font>>];`);
  out.push(`  node [fontname="${STYLE.font}", fontsize=11, fontcolor="${STYLE.ink}", shape=box, style="rounded,filled", fillcolor="${STYLE.stateFill}", color="${STYLE.ok}", margin="0.1,0.04"];`);
  out.push(`  edge [fontname="${STYLE.font}", fontsize=9, arrowsize=0.7, color="${STYLE.ok}"];`);

  const emitState = (s: ChartState, indent: string) => {
    const label = stateLabel(s, layout.internal.get(s.id) ?? [], descriptions, dim);
    const on = visited.has(s.id);
    if (s.children.length > 0) {
      out.push(`${indent}subgraph ${q(`cluster_${s.id}`)} {`);
      out.push(`${indent}  label=${label};`);
      out.push(`${indent}  style="rounded,filled"; fillcolor="${on ? STYLE.traceFill : '#ffffff'}"; color="${STYLE.clusterLine}"; fontsize=11; id=${q(`state-${s.id}`)};`);
      emitChildren(s, `${indent}  `);
      out.push(`${indent}}`);
    } else {
      const extra = [s.type === 'final' ? 'peripheries=2' : '', on ? `color="${STYLE.trace}", penwidth=1.6` : ''].filter(Boolean);
      out.push(`${indent}${q(s.id)} [label=${label}, fillcolor="${on ? STYLE.traceFill : STYLE.stateFill}", id=${q(`state-${s.id}`)}${extra.map((a) => `, ${a}`).join('')}];`);
    }
  };
  const emitChildren = (s: ChartState, indent: string) => {
    if (s.initial) {
      out.push(`${indent}${q(`init:${s.id}`)} [shape=point, style=filled, width=0.11, color="${STYLE.ink}", fillcolor="${STYLE.ink}", label="", class="initial"];`);
      out.push(`${indent}${edge([`init:${s.id}`], headOf(chart, s.initial, s.id), [`color="${dim ? STYLE.grey : STYLE.ink}"`, 'class="edge-initial"'])}`);
    }
    for (const c of s.children) emitState(c, indent);
    for (const v of layout.violationNodes.filter((x) => x.placeIn === s.id)) out.push(`${indent}${violationNodeDot(v, hit.has(v.id), dim)}`);
    // The trace's start marker sits beside the state it points at, not at the top of the chart.
    if (trace && (stateById(chart, trace.start)?.parent ?? chart.id) === s.id) {
      out.push(`${indent}"trace:start" [shape=circle, width=0.16, label="", style=filled, fillcolor="${STYLE.trace}", color="${STYLE.trace}", class="trace-start"];`);
    }
    for (const j of layout.junctions.filter((x) => x.placeIn === s.id)) {
      const colour = dim ? STYLE.grey : kindColour(j.kinds[j.kinds.length - 1]!);
      out.push(`${indent}${q(j.id)} [shape=point, style=filled, width=0.07, color="${colour}", fillcolor="${colour}", label="", class="junction"];`);
    }
  };
  emitChildren(chart.root, '  ');
  for (const e of layout.edges) out.push(`  ${edgeDot(chart, e, dim)}`);
  for (const j of layout.junctions) for (const line of junctionDot(chart, j, dim)) out.push(`  ${line}`);
  if (trace) {
    out.push(`  "trace:start" -> ${q(trace.start)} [color="${STYLE.trace}", penwidth=2.4, fontcolor="${STYLE.trace}", label=<<b>start</b>>, class="trace-start"];`);
    // Steps that take the same edge with the same event are one drawn edge listing their numbers:
    // Graphviz's layout grows faster than linearly in parallel labelled edges (a 1,000-step trace
    // over 8 edges took 8 s), and the legend below still lists every step.
    const drawn = new Map<string, { tail: string; head: string; colour: string; type: string; steps: number[] }>();
    for (const s of trace.steps) {
      const colour = s.violations.length ? STYLE.violation : STYLE.trace;
      const tail = s.from.split(' & ')[0]!;
      const head = s.violationNodes[0] ?? s.to.split(' & ')[0]!;
      const key = `${tail}\n${head}\n${colour}\n${s.event.type}`;
      const edge = drawn.get(key);
      if (edge) edge.steps.push(s.n);
      else drawn.set(key, { tail, head, colour, type: s.event.type, steps: [s.n] });
    }
    for (const e of drawn.values()) {
      out.push(`  ${q(e.tail)} -> ${q(e.head)} [color="${e.colour}", penwidth=2.6, fontcolor="${e.colour}", fontsize=11, label=<<b>${stepList(e.steps)}</b> ${esc(e.type)}>, id="trace-step-${e.steps[0]}", class="trace-step"];`);
    }
  }
  out.push(`  ${legendDot(chart, trace)}`);
  for (const line of ordering(chart, placed)) out.push(`  ${line}`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Step numbers of one drawn edge: the first few, then how many more (the legend has them all). */
function stepList(steps: readonly number[]): string {
  const shown = steps.slice(0, 6).join(', ');
  return steps.length > 6 ? `${shown} … (+${steps.length - 6})` : shown;
}
