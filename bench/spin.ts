import { exploreWorld, routineCode, ANY_CALL, type WorldCode } from '../src/explore/world/index.js';
import type { WorldParamsInput } from '../machines/index.js';
import { onPath, runSpin, worldPromela } from '../src/promela/index.js';

/**
 * Our world explorer against Spin on the same generated model, in the same run (issue 17 item 3):
 * states per second of the search alone (ours: `exploreWorld`'s own seconds, no symmetry, so both
 * store every state; Spin: pan's elapsed time, assertions off, without translating and compiling)
 * and bytes per state (ours: the visited set, queue and links; Spin: pan's total, its hash table
 * included). Target: at least 1.5× Spin's states/s on every world of 1M+ states.
 */

/** One world's comparison. */
export interface SpinBenchRow {
  world: string;
  states: number;
  spinStates: number;
  oursPerSecond: number;
  spinPerSecond: number;
  /** Ours over Spin's states/s: above 1, ours is faster. */
  ratio: number;
  oursBytesPerState: number;
  spinBytesPerState: number;
  /** Whether the 1.5× target applies (1M+ states) and is met; null when it does not apply. */
  met: boolean | null;
}

const WORLDS: Array<{ world: string; input: WorldParamsInput; code: WorldCode }> = [
  { world: 'routine, faults, K=4 M=4', input: { devices: 4, idaRange: { min: 0, max: 3 }, faults: true }, code: routineCode('none') },
  // The routine world: one aux driver registered and unregistered by its module.
  { world: 'routine, faults, 1 driver, K=4 M=4', input: { devices: 4, idaRange: { min: 0, max: 3 }, faults: true, drivers: [{ probe: 'ok' }] }, code: routineCode('none') },
  { world: 'any call, K=3 M=2', input: { devices: 3, idaRange: { min: 0, max: 1 } }, code: ANY_CALL },
  { world: 'any call, faults, K=3 M=2', input: { devices: 3, idaRange: { min: 0, max: 1 }, faults: true }, code: ANY_CALL },
  { world: 'any call, K=3 M=3', input: { devices: 3, idaRange: { min: 0, max: 2 } }, code: ANY_CALL },
];

/** Runs every world; `log` prints a row as it is measured. Rows are empty when spin or gcc is missing. */
export function benchSpin(log: (line: string) => void): SpinBenchRow[] {
  const missing = ['spin', 'gcc'].filter((t) => !onPath(t));
  if (missing.length > 0) {
    log(`  skipped: not on PATH: ${missing.join(', ')} (apt-get install -y spin gcc)`);
    return [];
  }
  const rows: SpinBenchRow[] = [];
  for (const { world, input, code } of WORLDS) {
    const ours = exploreWorld(input, { symmetry: false }, code);
    // A hash table of about twice the states, as one would size it: pan's memory is mostly the table.
    const spin = runSpin(worldPromela(input, code), { assertions: false, hashBits: Math.ceil(Math.log2(ours.states)) + 1 });
    const oursPerSecond = ours.states / Math.max(ours.seconds, 1e-3);
    // pan's clock has 10 ms steps: a search shorter than that is counted as 10 ms.
    const spinPerSecond = spin.states / Math.max(spin.panSeconds, 0.01);
    const ratio = oursPerSecond / spinPerSecond;
    const row: SpinBenchRow = {
      world, states: ours.states, spinStates: spin.states, oursPerSecond, spinPerSecond, ratio,
      oursBytesPerState: ours.bytes / ours.states, spinBytesPerState: (spin.megabytes * 2 ** 20) / spin.states,
      met: ours.states >= 1e6 ? ratio >= 1.5 : null,
    };
    rows.push(row);
    log(`  ${world}: ${ours.states.toLocaleString('en')} states (Spin ${spin.states.toLocaleString('en')}); ours ${(oursPerSecond / 1e6).toFixed(2)} M/s, ` +
      `Spin ${(spinPerSecond / 1e6).toFixed(2)} M/s: ${ratio.toFixed(2)}× (target 1.5× on 1M+ states: ${row.met === null ? 'n/a' : row.met ? 'met' : 'NOT met'}); ` +
      `bytes/state ours ${row.oursBytesPerState.toFixed(0)}, Spin ${row.spinBytesPerState.toFixed(0)} (its hash table included)`);
  }
  return rows;
}
