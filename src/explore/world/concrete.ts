import { stepWorld, type WorldEvent, type WorldFinding } from '../../../machines/index.js';
import type { ExploredState } from './encode.js';
import { enabled, type ExplorationInternals } from './explore.js';

/** An event with its device slot renamed (`map[slot]`); driver and END events are unchanged. */
export function mapEvent(e: WorldEvent, map: readonly number[]): WorldEvent {
  return 'dev' in e ? { ...e, dev: map[e.dev]! } : e;
}

/** A finding with its device slot renamed as its event was. */
export function mapFinding(f: WorldFinding, map: readonly number[]): WorldFinding {
  return f.dev === undefined ? f : { ...f, dev: map[f.dev]! };
}

/**
 * The concrete events from the initial state to state `target`: each stored step names its event
 * on the canonical representative of its source, and the permutation that made its result
 * canonical; following them from the root turns representative slots back into the slots of one
 * real run. `slots[r]` is the concrete slot of the target representative's slot r; `state` is
 * that representative.
 * @internal
 */
export function concretePath(x: ExplorationInternals, target: number): { events: WorldEvent[]; slots: number[]; state: ExploredState } {
  const chain: number[] = [];
  for (let s = target; s > 0; s = x.store.parent(s)) chain.push(s);
  chain.reverse();
  let map: number[] = Array.from({ length: x.params.devices }, (_, i) => i);
  const out: WorldEvent[] = [];
  let from = 0;
  // Compact mode dropped the words of expanded states: their states are stepped to from the root.
  let state = x.store.first > 0 ? x.root : undefined;
  for (const s of chain) {
    const at = state ?? x.codec.decode(x.store.chunk(from), x.store.offset(from));
    const events = enabled(x, at);
    const event = events[x.store.event(s)]!;
    out.push(mapEvent(event, map));
    const perm = x.store.perm(s);
    if (perm !== undefined) map = perm.map((r) => map[r]!);
    state = s < x.store.first ? canonicalSuccessor(x, at, event) : undefined;
    from = s;
  }
  return { events: out, slots: map, state: state ?? (from === 0 && x.store.first > 0 ? x.root : x.codec.decode(x.store.chunk(from), x.store.offset(from))) };
}

/** The canonical representative of the state `event` leads to from `state` (as the store holds it). */
export function canonicalSuccessor(x: ExplorationInternals, state: ExploredState, event: WorldEvent): ExploredState {
  const r = stepWorld(x.comps.world, x.params, state.world, event);
  const words = new Uint32Array(x.codec.maxWords);
  x.codec.encode({ world: r.state, code: x.code.after(state.code, event, r.returned) }, words);
  return x.codec.decode(words, 0);
}
