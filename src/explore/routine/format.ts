import { ParameterError, requireObject } from '../../../machines/index.js';
import { wrap as wrapLines } from '../../text.js';
import type { RoutineExploration, RoutinePath, RoutineProblem } from './types.js';

/** Paths listed one per line in the text report; beyond this only the paths with findings are. */
const LIST_ALL_PATHS_UP_TO = 60;

/** Wraps `text` to `width` columns; continuation lines start with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  return wrapLines(text, width).join(`\n${indent}`);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * How a path's faults read: `no fault`, `fail-nth 3 (dev_set_name)`, `fail-nth 1+4 (kzalloc, device_add)`.
 * @example faultLabel(explore(s).paths[3]!) // 'fail-nth 3 (dev_set_name)'
 */
export function faultLabel(path: Pick<RoutinePath, 'faults'>): string {
  requireObject('faultLabel(path)', path, 'a routine path { faults: [...] }');
  if (!Array.isArray(path.faults)) throw new ParameterError('faultLabel(path).faults', path.faults, 'an array of { nth, site }');
  if (path.faults.length === 0) return 'no fault';
  return `fail-nth ${path.faults.map((f) => f.nth).join('+')} (${path.faults.map((f) => f.site).join(', ')})`;
}

function problemLabel(p: RoutineProblem): string {
  return p.kind === 'exception' ? `exception (${p.operation})` : `${p.code} (${p.bugClass})`;
}

function where(p: RoutineProblem): string {
  if (p.kind === 'exception') return `thrown in ${p.phase}`;
  if (p.kind === 'leak') return `found by the end check: ${p.object}, created by ${p.origin}`;
  return `in ${p.phase}, at ${p.operation} on ${p.object} (created by ${p.origin})`;
}

/** The steps of a path, numbered, with each failed call and the problem's step marked. */
function stepLines(path: RoutinePath, p: RoutineProblem): string[] {
  const width = String(path.steps.length).length;
  const marks = new Map<number, string[]>();
  const mark = (step: number, text: string) => marks.set(step, [...(marks.get(step) ?? []), text]);
  for (const f of path.faults) mark(f.step, `<-- ${f.site} fails (fail-nth ${f.nth})`);
  if (p.finding && p.kind === 'violation') mark(p.finding.step, `<-- ${p.code} (${p.bugClass})`);
  if (p.finding && p.kind === 'leak') mark(p.finding.createdAt.step, `<-- creates what the end check finds: ${p.code} (${p.bugClass})`);
  const lines = path.steps.map((s) => {
    const text = `${String(s.step).padStart(width + 6)}  ${s.phase.padEnd(8)}  ${'  '.repeat(s.depth)}${s.call}`;
    const m = marks.get(s.step);
    return m ? `${text}   ${m.join('; ')}` : text;
  });
  if (p.kind === 'leak' && p.finding) lines.push(`${'end'.padStart(width + 6)}  ${'check'.padEnd(8)}  ${p.code} (${p.bugClass}): ${p.finding.object}${p.finding.ids ? ` ids ${p.finding.ids.join(', ')}` : ''}`);
  if (path.threw) lines.push(`${'throw'.padStart(width + 6)}  ${path.threw.phase.padEnd(8)}  ${path.threw.name}: ${path.threw.message}`);
  return lines;
}

function problemText(r: RoutineExploration, p: RoutineProblem, index: number): string {
  const shortest = r.paths[p.shortest]!;
  const on = p.paths.map((id) => `#${id} ${faultLabel(r.paths[id]!)}`);
  const shown = on.length > 8 ? [...on.slice(0, 8), `... ${on.length - 8} more`] : on;
  const out = [
    `problem ${index + 1} of ${r.problems.length}: ${problemLabel(p)}`,
    `  ${where(p)}`,
    `  on ${p.paths.length} of ${plural(r.paths.length, 'path')}: ${wrap(shown.join(', '), 80, '    ')}`,
    `  shortest path #${shortest.id} (${faultLabel(shortest)}), ${plural(shortest.steps.length, 'step')}:`,
    ...stepLines(shortest, p),
  ];
  if (p.kind !== 'exception') {
    out.push(`  kernel: ${wrap(p.kernelSymptom ?? '', 96, '          ')}`, `  fix: ${wrap(p.fix ?? '', 96, '       ')}`, `  see: kernel-auxbus.md ${p.section}`);
  } else {
    out.push('  this is an exception out of the scenario\'s own code (or bad input to the runtime): the path ended there.');
  }
  return out.join('\n');
}

function createdText(path: RoutinePath): string {
  const c = path.created;
  const t = path.threw;
  if (c === null) return `threw in ${t?.phase ?? 'create'}`;
  if (!c.ok) return `create failed: ${c.text}`;
  const after = path.tornDown ? ', torn down' : t ? `, teardown threw` : '';
  return `create returned ${c.text}${after}`;
}

function pathLine(r: RoutineExploration, path: RoutinePath, labelWidth: number, createdWidth: number): string {
  const found = path.clean
    ? 'clean'
    : path.problems.map((id) => {
      const p = r.problems[id - 1]!;
      return p.kind === 'exception' ? `problem ${id}: exception` : `problem ${id}: ${p.code} (${p.bugClass})`;
    }).join(', ');
  return `  ${`#${path.id}`.padStart(4)}  ${faultLabel(path).padEnd(labelWidth)}  ${createdText(path).padEnd(createdWidth)}  ${found}`;
}

/**
 * The exploration as a report for a person: what was explored, each distinct problem with its
 * code and bug class, the shortest path that shows it step by step (the failed calls and the
 * step at fault marked), the kernel's symptom and the fix; then one line per path.
 * @example console.log(formatExploration(explore(scenario)))
 */
export function formatExploration(r: RoutineExploration): string {
  requireObject('formatExploration(exploration)', r, 'the result of explore()');
  if (typeof r.summary !== 'object' || r.summary === null || typeof r.options !== 'object' || r.options === null) {
    throw new ParameterError('formatExploration(exploration)', r, 'the result of explore() { summary, options, paths, ... }');
  }
  const s = r.summary;
  const how = r.options.maxFaults === 1
    ? `the fault-free run and each of its ${plural(s.fallibleCalls, 'fallible call')} failing in turn`
    : `the fault-free run and every combination of up to ${r.options.maxFaults} failing calls along each path`;
  const verdict = s.problems === 0
    ? (s.complete ? 'clean on every path' : 'clean on every path explored')
    : `${plural(s.problems, 'problem')} (${[...new Set(r.problems.map((p) => (p.kind === 'exception' ? 'exception' : `${p.code} ${p.bugClass}`)))].join(', ')})`;
  const out = [`explore ${r.scenario.name}: ${plural(s.paths, 'path')} (${how}), ${s.clean} clean: ${verdict}`];
  if (r.scenario.description) out.push(`  ${wrap(r.scenario.description, 96, '  ')}`);
  if (!s.complete) out.push(`  INCOMPLETE: ${s.stopped}`);
  r.problems.forEach((p, i) => out.push('', problemText(r, p, i)));
  const listed = r.paths.length <= LIST_ALL_PATHS_UP_TO ? r.paths : r.paths.filter((p) => !p.clean);
  if (listed.length > 0) {
    const labelWidth = Math.max(...listed.map((p) => faultLabel(p).length));
    const createdWidth = Math.max(...listed.map((p) => createdText(p).length));
    out.push('', `paths (runs: ${s.runs}):`, ...listed.map((p) => pathLine(r, p, labelWidth, createdWidth)));
    if (listed.length < r.paths.length) out.push(`  (${plural(r.paths.length - listed.length, 'clean path')} not listed)`);
  }
  return out.join('\n');
}
