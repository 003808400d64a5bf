import type { WorldAction } from '../../machines/index.js';
import { exploreWorld, type WorldCode } from '../explore/world/index.js';
import type { InternedComponents } from '../explore/world/components.js';
import type { WorldParams } from '../../machines/index.js';

/** One remembered step of a component: from state, to state, the effects it names. */
export interface TableEntry {
  from: number;
  next: number;
  effects: readonly WorldAction[];
}

/** A component's table: per event key, its entries. */
export type ComponentTable = Map<string, TableEntry[]>;

/** The component tables the world reaches, with the interned components that answer for their states. */
export interface WorldTables {
  comps: InternedComponents;
  device: ComponentTable;
  ida: ComponentTable;
  driver: ComponentTable;
  /** Reachable world states as our explorer counts them (no symmetry). */
  states: number;
}

function collect(steps: Iterable<readonly [number, string, number, readonly WorldAction[]]>): ComponentTable {
  const t: ComponentTable = new Map();
  for (const [from, key, next, effects] of steps) {
    let list = t.get(key);
    if (list === undefined) t.set(key, (list = []));
    list.push({ from, next, effects });
  }
  return t;
}

/**
 * The compiled machines' steps, enumerated: every (component state, event) step the world reaches,
 * each the compiled table's own answer (its guards and context updates run by the compiled
 * machine, the state interned to a number). Explores the world once (no symmetry) to reach them.
 * @example worldTables(resolveWorldParams({ devices: 1 }), ANY_CALL).device.get('INIT')
 */
export function worldTables(params: WorldParams, code: WorldCode): WorldTables {
  const x = exploreWorld(params, { symmetry: false }, code);
  const comps = x.internals.comps;
  return {
    comps,
    device: collect(comps.device.steps()),
    ida: collect(comps.ida.steps()),
    driver: collect(comps.driver.steps()),
    states: x.states,
  };
}
