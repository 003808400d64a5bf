import { getShortestPaths } from 'xstate/graph';
import { createWorld, type WorldParamsInput } from '../machines/index.js';
import { ANY_CALL, exploreWorld, routineCode, type WorldCode, type WorldExploration } from '../src/explore/world/index.js';
import { worldTraversal } from '../src/paths/traversal.js';

/**
 * Composed-model exploration against `xstate/graph`'s `getShortestPaths` on the same XState world,
 * and the largest worlds explored exhaustively within a time budget.
 */

/** One comparison row. */
export interface ExploreRow {
  model: string;
  states: number;
  /**
   * Ours, without symmetry reduction (the same states xstate/graph visits): wall time of the whole
   * `exploreWorld` call, and distinct states stored (and transitions taken) per second of it.
   */
  oursSeconds: number;
  oursStatesPerSecond: number;
  oursTransitionsPerSecond: number;
  /** Ours with symmetry reduction: canonical states and time to the same verdicts. */
  reducedStates: number;
  reducedSeconds: number;
  /** xstate/graph: states per second (over the whole model, or up to `limit` states when it would take too long). */
  xstateStatesPerSecond: number;
  xstateStates: number;
  xstateComplete: boolean;
  /** ours (no reduction) states/s ÷ xstate/graph states/s. */
  ratio: number;
}

const describe = (p: WorldParamsInput) => `K=${p.devices} M=${(p.idaRange?.max ?? 0) - (p.idaRange?.min ?? 0) + 1}`;

class Cut extends Error {}

/**
 * xstate/graph's rate on a model: distinct states per second, stopping once it has expanded
 * `limit` states. (Its own `limit` option counts queue entries, duplicates included, so the
 * count is taken where it asks for a state's events: once per distinct state.)
 */
function xstateRate(params: WorldParamsInput, limit: number): { states: number; seconds: number; complete: boolean } {
  const world = createWorld(params);
  const traversal = worldTraversal(world);
  let expanded = 0;
  const t = performance.now();
  try {
    const paths = getShortestPaths(world, {
      ...traversal,
      events: (s) => {
        if (++expanded > limit) throw new Cut();
        return traversal.events(s);
      },
    });
    return { states: paths.length, seconds: (performance.now() - t) / 1000, complete: true };
  } catch (e) {
    if (!(e instanceof Cut)) throw e;
    return { states: limit, seconds: (performance.now() - t) / 1000, complete: false };
  }
}

/**
 * For K = 1..3 and growing M: both explorers on the same world (any call, misuse included).
 * xstate/graph is cut at `xstateLimit` states on the larger models (its rate only falls as the
 * graph grows, so the ratio is a lower bound there).
 */
export function benchAgainstXstate(xstateLimit: number, log: (line: string) => void): ExploreRow[] {
  const models: WorldParamsInput[] = [
    { devices: 1, idaRange: { min: 0, max: 0 } },
    { devices: 1, idaRange: { min: 0, max: 3 }, faults: true, drivers: [{ probe: 'ok' }], refBound: 2 },
    { devices: 2, idaRange: { min: 0, max: 0 } },
    { devices: 2, idaRange: { min: 0, max: 1 } },
    { devices: 2, idaRange: { min: 0, max: 2 } },
    { devices: 3, idaRange: { min: 0, max: 0 } },
    { devices: 3, idaRange: { min: 0, max: 1 } },
    { devices: 3, idaRange: { min: 0, max: 2 } },
  ];
  const rows: ExploreRow[] = [];
  // Warm-up: let the JIT settle on both explorers before anything is timed (ours on a world with
  // faults and a driver, then on one of the larger models, with and without symmetry reduction).
  exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }] }, { symmetry: false });
  exploreWorld({ devices: 3, idaRange: { min: 0, max: 0 } }, { symmetry: false });
  exploreWorld({ devices: 3, idaRange: { min: 0, max: 0 } }, { symmetry: true });
  xstateRate({ devices: 1, idaRange: { min: 0, max: 0 } }, xstateLimit);
  for (const p of models) {
    const ours = exploreWorld(p, { symmetry: false });
    const reduced = exploreWorld(p, { symmetry: true });
    const x = xstateRate(p, xstateLimit);
    const extra = p.faults ? ', faults, 1 driver, refBound 2' : '';
    const row: ExploreRow = {
      model: describe(p) + extra,
      states: ours.states,
      oursSeconds: ours.seconds,
      oursStatesPerSecond: ours.states / ours.seconds,
      oursTransitionsPerSecond: ours.transitions / ours.seconds,
      reducedStates: reduced.states,
      reducedSeconds: reduced.seconds,
      xstateStatesPerSecond: x.states / x.seconds,
      xstateStates: x.states,
      xstateComplete: x.complete,
      ratio: ours.states / ours.seconds / (x.states / x.seconds),
    };
    if (x.complete && x.states !== ours.states) throw new Error(`${row.model}: xstate/graph found ${x.states} states, ours ${ours.states}`);
    rows.push(row);
    log(formatRow(row));
  }
  return rows;
}

/** One line of the comparison. */
export function formatRow(r: ExploreRow): string {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const xs = r.xstateComplete ? `${r.xstateStates} states` : `cut at ${r.xstateStates} states`;
  return `${r.model.padEnd(36)} ${String(r.states).padStart(9)} states  ours ${k(r.oursStatesPerSecond).padStart(8)} states/s, ${(r.oursTransitionsPerSecond / 1e6).toFixed(1)}M transitions/s (${r.oursSeconds.toFixed(2)} s)  `
    + `symmetry ${String(r.reducedStates).padStart(8)} in ${r.reducedSeconds.toFixed(2)} s  xstate/graph ${k(r.xstateStatesPerSecond).padStart(6)} states/s (${xs})  ratio ${r.ratio.toFixed(0)}×`;
}

/** The largest worlds of a family explored exhaustively within the budget: per K, the most ids. */
export interface LargestRow {
  family: string;
  /** Whether the K = 6 target is judged on this family (the others are reported for reference). */
  target: boolean;
  /** Per device count, the largest id range finished in time (undefined: not even one id). */
  perK: Array<{ k: number; m: number | undefined; states: number; seconds: number; storeMiB: number; rssMiB: number }>;
}

class Timeout extends Error {
  /** `finishedIn`: the run did end, but after the budget (it is then over it all the same). */
  constructor(readonly states: number, readonly finishedIn?: number) {
    super('timeout');
  }
}

function within(params: WorldParamsInput, code: WorldCode, seconds: number): WorldExploration | Timeout {
  try {
    const r = exploreWorld(params, {
      progressEvery: 200_000,
      onProgress: (p) => {
        // A long exploration shows where it is on a terminal: states, states/s, queue.
        if (process.stderr.isTTY) process.stderr.write(`\r  ${p.states} states, ${Math.round(p.states / p.seconds)} states/s, queue ${p.queue}   `);
        if (p.seconds > seconds) throw new Timeout(p.states);
      },
    }, code);
    // Progress comes every 200,000 states: a run that ends past the budget between two is over it too.
    return r.seconds > seconds ? new Timeout(r.states, r.seconds) : r;
  } catch (e) {
    if (e instanceof Timeout) return e;
    throw e;
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
}

/**
 * For K = 1..6 devices, the largest id range M (up to `maxIds`) whose world is explored
 * exhaustively within `seconds`: for the documented routine under every injected fault with a
 * driver bound (the composed model the K = 6 target is set on: K devices sharing one IDA of M
 * ids, a driver, a fault at every fallible step), and, for reference, any call (misuse included:
 * a larger world). M grows while a run finishes in time.
 */
export function benchLargest(seconds: number, maxIds: number, log: (line: string) => void): LargestRow[] {
  const families: Array<{ family: string; target: boolean; code: WorldCode; params: (k: number, m: number) => WorldParamsInput }> = [
    {
      family: 'documented routine, every fault, 1 driver',
      target: true,
      code: routineCode(),
      params: (k, m) => ({ devices: k, idaRange: { min: 0, max: m - 1 }, faults: true, drivers: [{ probe: 'ok' }] }),
    },
    {
      // model.md §4.6: each release waits after its last put and may run at any later step.
      family: 'documented routine, every fault, 1 driver, release deferred (every timing)',
      target: false,
      code: routineCode(),
      params: (k, m) => ({ devices: k, idaRange: { min: 0, max: m - 1 }, faults: true, drivers: [{ probe: 'ok' }], deferredRelease: true }),
    },
    { family: 'any call (misuse included)', target: false, code: ANY_CALL, params: (k, m) => ({ devices: k, idaRange: { min: 0, max: m - 1 } }) },
  ];
  const rows: LargestRow[] = [];
  for (const f of families) {
    const row: LargestRow = { family: f.family, target: f.target, perK: [] };
    for (let k = 1; k <= 6; k++) {
      let best: LargestRow['perK'][number] = { k, m: undefined, states: 0, seconds: 0, storeMiB: 0, rssMiB: 0 };
      // Beyond M = K the extra ids are never handed out, so the world stops growing.
      for (let m = 1; m <= Math.min(maxIds, k + 1); m++) {
        const r = within(f.params(k, m), f.code, seconds);
        if (r instanceof Timeout) {
          log(r.finishedIn === undefined
            ? `  ${f.family}: K=${k} M=${m} not finished in ${seconds} s (${r.states} states so far)`
            : `  ${f.family}: K=${k} M=${m} finished in ${r.finishedIn.toFixed(1)} s, over the ${seconds} s budget (${r.states} states)`);
          break;
        }
        best = { k, m, states: r.states, seconds: r.seconds, storeMiB: r.bytes / 2 ** 20, rssMiB: process.memoryUsage().rss / 2 ** 20 };
        log(`  ${f.family}: K=${k} M=${m}: ${r.states} states in ${r.seconds.toFixed(1)} s (${Math.round(r.states / r.seconds / 1000)}k states/s), store ${best.storeMiB.toFixed(0)} MiB, rss ${best.rssMiB.toFixed(0)} MiB, ${r.violations.length} violation codes`);
      }
      row.perK.push(best);
      if (best.m === undefined) break;
    }
    rows.push(row);
  }
  return rows;
}
