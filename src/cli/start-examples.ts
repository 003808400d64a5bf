import { EXAMPLES } from '../../examples/index.js';
import { explore, faultLabel, type RoutineExploration } from '../explore/routine/index.js';
import type { Colors } from './output.js';

/**
 * The part of `npm start` that does the package's main job: every bundled example explored on
 * every failure path, one line each (paths, clean paths, each distinct problem with its code,
 * bug class and the paths that show it).
 */

/** One problem as the summary names it: `double-free (B4) on #3 fail-nth 3 (dev_set_name), ...`. */
function problemsText(r: RoutineExploration): string {
  if (r.problems.length === 0) return 'none';
  return r.problems
    .map((p) => {
      const what = p.kind === 'exception' ? 'exception' : `${p.code} (${p.bugClass})`;
      const on = p.paths.map((id) => `#${id} ${faultLabel(r.paths[id]!)}`);
      return `${what} on ${on.length > 3 ? `${on.slice(0, 3).join(', ')}, ...` : on.join(', ')}`;
    })
    .join('; ');
}

/**
 * Explores every bundled example and returns the summary lines and the results.
 * @example const { text } = exampleSummary(colors(process.stdout, process.env)); console.log(text);
 */
export function exampleSummary(c: Colors): { text: string; results: RoutineExploration[] } {
  const results = EXAMPLES.map((s) => explore(s));
  const rows = results.map((r) => [r.scenario.name, String(r.summary.paths), String(r.summary.clean), problemsText(r)]);
  const header = ['example', 'paths', 'clean', 'problems (distinct), on paths'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((v, i) => (i === 0 || i === 3 ? v.padEnd(i === 3 ? 0 : widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const text = [
    c.bold('the main job: a driver\'s create and teardown routines (examples/), run on every failure path'),
    'of the fail-nth loop (no fault, then each fallible call failing in turn), each problem found once:',
    '',
    c.dim(line(header)),
    ...rows.map((row, i) => (results[i]!.problems.length ? line(row).replace(row[3]!, c.red(row[3]!)) : line(row).replace(row[3]!, c.green(row[3]!)))),
  ].join('\n');
  return { text, results };
}
