/** Statechart diagrams generated from the machines: DOT, SVG, Mermaid, and the trace overlay. */
export { readChart, transitionLabel, violationTitle, type Chart, type ChartState, type ChartTransition, type TransitionKind } from './chart.js';
export { layoutChart, type ChartLayout, type DrawnEdge, type Junction, type LabelLine, type ViolationNode } from './edges.js';
export { toDot, traceStepText, type DotOptions } from './dot.js';
export { toMermaid, type MermaidOptions } from './mermaid.js';
export { renderSvg } from './svg.js';
export { replay, readPathInput, stateName, MAX_TRACE_STEPS, type Trace, type TraceStep, type PathInput } from './trace.js';
export { generateDiagrams, writeDiagrams, checkDiagrams, mermaidFor, mermaidMarkdown, type DiagramCheck, type GeneratedFile } from './generate.js';
