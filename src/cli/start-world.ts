import { ROUTINE_MISUSES, VIOLATIONS, type RoutineMisuse, type WorldParamsInput } from '../../machines/index.js';
import { exploreWorld, routineCode } from '../explore/world/index.js';
import type { Colors } from './output.js';

/**
 * The part of `npm start` that checks the contract over a composed world: the documented routine
 * run by every device slot, under every injected fault and every interleaving, reaches no
 * violation; each misuse of it reaches its own, with a shortest counterexample.
 */

/** The world `npm start` explores: three devices sharing three ids, a driver that binds, every fault. */
export const START_WORLD: WorldParamsInput = { devices: 3, idaRange: { min: 0, max: 2 }, faults: true, drivers: [{ probe: 'ok' }] };

/** One line per routine (the documented one, then each misuse): what the exhaustive exploration found. */
export interface WorldSummaryRow {
  code: string;
  states: number;
  /** The violation codes reached, in the order first reached. */
  reached: string[];
  /** Length of the shortest counterexample of the misuse's expected violation. */
  steps: number | undefined;
}

/**
 * Explores the start world for the documented routine and every misuse; returns the text and rows.
 * @example worldSummary(colors(process.stdout, process.env)).text
 */
export function worldSummary(c: Colors): { text: string; rows: WorldSummaryRow[] } {
  const rows: WorldSummaryRow[] = [];
  const lines: string[] = [];
  const documented = { releaseFreesId: true, releaseFreesContainer: true };
  const entries: Array<[RoutineMisuse, typeof documented]> = [['none', documented], ...Object.entries(ROUTINE_MISUSES).map(([m, i]) => [m as RoutineMisuse, i] as [RoutineMisuse, typeof documented])];
  for (const [misuse, r] of entries) {
    const x = exploreWorld({ ...START_WORLD, release: { freesId: r.releaseFreesId, freesContainer: r.releaseFreesContainer } }, {}, routineCode(misuse));
    const expect = misuse === 'none' ? undefined : ROUTINE_MISUSES[misuse].expect;
    const v = expect ? x.violations.find((f) => f.code === expect) : undefined;
    rows.push({ code: misuse === 'none' ? 'documented routine' : misuse, states: x.states, reached: x.violations.map((f) => f.code), steps: v?.path.length });
    const found = x.violations.length === 0
      ? 'no violation reachable'
      : x.violations.map((f) => `${f.code} (${VIOLATIONS[f.code].bugClass})`).join(', ') + (v ? `; shortest path to ${v.code}: ${v.path.length} calls` : '');
    lines.push(`${(misuse === 'none' ? 'documented routine' : misuse).padEnd(26)}${String(x.states).padStart(8)}  ${found}`);
  }
  const text = [
    c.bold('the contract over a composed world: 3 devices sharing 3 ids, a driver, every fault, every interleaving (exhaustive)'),
    c.dim(`${'code run by every device'.padEnd(26)}${'states'.padStart(8)}  what is reachable`),
    ...lines,
  ].join('\n');
  return { text, rows };
}
