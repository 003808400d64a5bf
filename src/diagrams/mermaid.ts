import { requireObject } from '../../machines/index.js';
import { requireChart, stateById, violationTitle, type Chart, type ChartState } from './chart.js';
import { layoutChart, lineEvents, type DrawnEdge, type LabelLine } from './edges.js';

/**
 * The chart as a Mermaid `stateDiagram-v2`, which GitHub renders inside Markdown. Mermaid's
 * layout (dagre, the only one GitHub offers) is weaker than Graphviz's, so this version is the
 * overview, shaped for it:
 * - edges show events, guards, error returns and violations, not the named actions (the SVG has
 *   them); internal transitions keep theirs, as they say nothing else;
 * - targetless violations are listed inside their state (`DELETE ⇒ double-delete (B7)`), since
 *   the state does not change, instead of as separate red states;
 * - sibling compound states linked by transitions between their insides (the device's `live`
 *   and `dead`) are drawn flat: dagre would put them side by side instead of one above the
 *   other. Their children inherit their internal transitions, as statechart semantics says.
 */

/** Options of {@link toMermaid}. */
export interface MermaidOptions {
  /** Show named actions on the edges too (default false: the labels stay short). */
  actions?: boolean;
}

/** Mermaid ids: letters, digits and `_`, prefixed so no state can be a Mermaid keyword. */
const mid = (id: string) => `s_${id.replace(/[^A-Za-z0-9]+/g, '_')}`;

/**
 * Label text Mermaid parses safely: no `:` splitting, no `#` entities, no `;`, no braces, and
 * errno signs that do not break a line (`‑EINVAL` uses a non-breaking hyphen).
 */
const text = (s: string) =>
  s.replace(/[#;{}]/g, ' ').replace(/:/g, '∶').replace(/"/g, "'").replace(/-(?=[A-Z])/g, '‑');

function lineText(line: LabelLine, actions: boolean): string {
  let rest = line.rest;
  if (!actions) {
    const [guard, effects] = rest.split(' / ');
    const kept = (effects ?? '').split(', ').filter((e) => e.startsWith('-') || e === 'returns value');
    rest = `${guard ?? ''}${kept.length ? ` / ${kept.join(', ')}` : ''}`;
  }
  const viol = line.violations.map((v) => ` ⇒ ${violationTitle(v)}`).join('');
  return text(`${lineEvents(line)}${rest}${viol}`);
}

const descendants = (s: ChartState): string[] => s.children.flatMap((c) => [c.id, ...descendants(c)]);

/** Compound states drawn flat: siblings with transitions between their insides. */
function flattened(chart: Chart): Set<string> {
  const flat = new Set<string>();
  const visit = (s: ChartState) => {
    const compound = s.children.filter((c) => c.children.length > 0);
    for (const a of compound) {
      const inside = new Set([a.id, ...descendants(a)]);
      for (const b of compound) {
        if (a === b) continue;
        const other = new Set([b.id, ...descendants(b)]);
        const linked = chart.transitions.some((t) => t.target !== undefined && inside.has(t.source) && other.has(t.target));
        if (linked) flat.add(a.id).add(b.id);
      }
    }
    s.children.forEach(visit);
  };
  visit(chart.root);
  return flat;
}

/**
 * Renders a chart as Mermaid `stateDiagram-v2` text. Same chart → same text.
 * @example toMermaid(readChart('driver')).split('\n')[0] // '---'
 */
export function toMermaid(chart: Chart, options: MermaidOptions = {}): string {
  requireChart(chart, 'toMermaid(chart)');
  requireObject('toMermaid(options)', options, 'an object { actions?, ... }');
  const actions = options.actions ?? false;
  const layout = layoutChart(chart);
  const internal = layout.internal;
  // Targetless violations become internal lines of their source.
  for (const e of layout.edges.filter((x) => x.toViolation)) {
    const node = layout.violationNodes.find((v) => v.id === e.target)!;
    internal.set(e.source, [...(internal.get(e.source) ?? []), ...e.lines.map((l) => ({ ...l, violations: [node.code] }))]);
  }
  const flat = flattened(chart);
  // A flattened state's children inherit its internal lines; edges in or out of it move to its children.
  // A child's unguarded transition on an event shadows its parent's (statechart priority).
  const shadowed = (id: string) => new Set(chart.transitions.filter((t) => t.source === id && !t.guard).map((t) => t.event));
  const inherited = (id: string): LabelLine[] => {
    const s = stateById(chart, id);
    const parent = s?.parent;
    const hidden = shadowed(id);
    const up = (parent !== undefined && flat.has(parent) ? inherited(parent) : [])
      .map((l) => ({ ...l, events: l.events.filter((e) => !hidden.has(e)) }))
      .filter((l) => l.events.length > 0);
    return [...(internal.get(id) ?? []), ...up];
  };
  const entry = (id: string): string => (flat.has(id) ? entry(stateById(chart, id)!.initial!) : id);
  const exits = (id: string): string[] => (flat.has(id) ? stateById(chart, id)!.children.flatMap((c) => exits(c.id)) : [id]);

  const out = ['---', `title: ${chart.name} machine (generated from machines/${chart.name}/ by auxbus-model)`, '---', 'stateDiagram-v2', '  direction TB'];
  out.push('  classDef internal fill:#ffffff,stroke:#9aa5b1,stroke-dasharray:4 3,color:#323f4b,font-size:12px');
  const boxes: string[] = [];
  const emit = (s: ChartState, indent: string) => {
    if (s.initial && !flat.has(s.id)) out.push(`${indent}[*] --> ${mid(entry(s.initial))}`);
    for (const c of s.children) {
      const lines = inherited(c.id);
      if (flat.has(c.id)) {
        emit(c, indent);
      } else if (c.children.length > 0) {
        out.push(`${indent}state "${text(c.key)}" as ${mid(c.id)} {`);
        if (lines.length) {
          const box = `${mid(c.id)}__internal`;
          out.push(`${indent}  state "${lines.map((l) => lineText(l, true)).join('<br/>')}" as ${box}`);
          boxes.push(box);
        }
        emit(c, `${indent}  `);
        out.push(`${indent}}`);
      } else {
        out.push(`${indent}state "${text(c.key)}" as ${mid(c.id)}`);
        for (const l of lines) out.push(`${indent}${mid(c.id)} : ${lineText(l, true)}`);
      }
    }
  };
  // The root's initial is drawn even when its target is flattened.
  if (chart.root.initial) out.push(`  [*] --> ${mid(entry(chart.root.initial))}`);
  emit({ ...chart.root, initial: undefined } as ChartState, '  ');
  const edges: DrawnEdge[] = layout.edges.filter((x) => !x.toViolation);
  for (const e of edges) {
    const label = e.lines.map((l) => lineText(l, actions)).join('<br/>');
    for (const from of exits(e.source)) out.push(`  ${mid(from)} --> ${mid(entry(e.target))} : ${label}`);
  }
  for (const box of boxes) out.push(`  class ${box} internal`);
  return `${out.join('\n')}\n`;
}
