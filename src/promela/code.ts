import type { WorldEvent } from '../../machines/index.js';
import type { WorldCode } from '../explore/world/index.js';
import { UnsupportedPromelaError } from './errors.js';
import type { WorldTables } from './tables.js';
import { block, oneOf } from './text.js';

/** The code each slot runs, as Promela: its states as numbers, the calls it offers, its next state by what a call returned. */
export interface SlotCodePromela {
  declare: string[];
  /** When the code makes `event` (a Promela condition), or 'false' if it never does. */
  guard(event: WorldEvent): string;
  /** The code's move after `event` (reading `ret` / `hasRet`). */
  update(event: WorldEvent): string;
}

/**
 * The code's per-slot states, enumerated through the {@link WorldCode} interface from its initial
 * state: every slot call it offers and every value a call can return (the tables' \`returns\`
 * effects, and kzalloc's NULL). Only what the code says is used: no code is written by hand here.
 */
export function slotCode(code: WorldCode, t: WorldTables, K: number, D = 0): SlotCodePromela {
  const returns = new Set<number>([0]);
  for (const table of [t.device, t.ida, t.driver]) {
    for (const entries of table.values()) for (const e of entries) for (const a of e.effects) if (a.type === 'returns') returns.add((a.params as { value: number }).value);
  }
  const rets: Array<number | undefined> = [undefined, ...[...returns].sort((a, b) => a - b)];
  // Slot 0's calls stand for every slot's: the code's calls on a slot depend on that slot alone.
  const calls: WorldEvent[] = [];
  for (const fail of [false, true]) calls.push({ type: 'KZALLOC', dev: 0, fail }, { type: 'IDA_ALLOC', dev: 0, fail }, { type: 'INIT', dev: 0, ok: !fail });
  calls.push({ type: 'IDA_FREE', dev: 0, via: 'saved' }, { type: 'IDA_FREE', dev: 0, via: 'field' });
  for (const fault of ['none', 'name-nomem', 'device-add-nomem', 'bind-nomem'] as const) calls.push({ type: 'ADD', dev: 0, fault });
  // RELEASE is the kernel's delayed cleanup, not the code's call: the code says it allows it anywhere.
  for (const type of ['DELETE', 'UNINIT', 'GET', 'PUT', 'KFREE', 'READ_ID', 'RELEASE'] as const) calls.push({ type, dev: 0 });
  const key = (e: WorldEvent) => JSON.stringify({ ...e, dev: 0 });
  const at = (c: number) => ({ slots: Array.from({ length: K }, (_, j) => (j === 0 ? c : code.initialSlot())), drivers: [] });
  const slot = enumerateCode(code.initialSlot(), calls, key, rets, (c, e) => code.slotCalls(c, [e]).length > 0, (c, e, r) => code.after(at(c), e, r).slots[0]!);
  const { states, offers } = slot;
  // END: offered for the slot-state combinations the code says; the code stays as it is.
  const combos: number[][] = [[]];
  for (let j = 0; j < K; j++) combos.splice(0, combos.length, ...combos.flatMap((p) => states.map((c) => [...p, c])));
  const endCombos = combos.filter((slots) => code.sharedCalls({ slots, drivers: Array.from({ length: D }, () => code.initialDriver()) }, [{ type: 'END' }]).length > 0);
  for (const slots of endCombos) {
    const after = code.after({ slots, drivers: [] }, { type: 'END' }, undefined);
    if (after.slots.some((c, j) => c !== slots[j])) throw new UnsupportedPromelaError(`code '${code.name}'`, 'its state moves at END');
  }
  const modules = driverCode(code, K, D, rets);
  const trivial = states.length === 1 && [...offers.get(states[0]!)!].length === calls.length && endCombos.length === combos.length && modules.trivial;
  if (trivial) return { declare: [], guard: () => 'true', update: () => 'skip' };
  const v = (i: number) => `code[${i}]`;
  return {
    declare: [`byte code[${K}] = ${code.initialSlot()};`, ...(D > 0 ? [`byte mod[${D}] = ${code.initialDriver()};`] : [])],
    guard(e) {
      if (e.type === 'DRV_REGISTER' || e.type === 'DRV_UNREGISTER') return modules.guard(e);
      if (e.type === 'END') return endCombos.length === 0 ? 'false' : `(${endCombos.map((slots) => slots.map((c, j) => `${v(j)} == ${c}`).join(' && ')).join(' || ')})`;
      const i = (e as { dev: number }).dev;
      return oneOf(v(i), states.filter((c) => offers.get(c)!.has(key(e))));
    },
    update(e) {
      if (e.type === 'DRV_REGISTER' || e.type === 'DRV_UNREGISTER') return modules.update(e);
      if (e.type === 'END') return 'skip';
      return moves(slot, v((e as { dev: number }).dev), key(e), rets);
    },
  };
}

type DriverCall = Extract<WorldEvent, { type: 'DRV_REGISTER' | 'DRV_UNREGISTER' }>;

/**
 * The code's per-driver (module) states, enumerated like the slots': the register / unregister
 * calls each state offers and its next state by what the call returned. The code's driver calls
 * depend on that driver's module state alone (driver 0 stands for every driver), and END on the
 * slots alone: both checked over the states enumerated, refused otherwise.
 */
function driverCode(code: WorldCode, K: number, D: number, rets: ReadonlyArray<number | undefined>) {
  const calls: DriverCall[] = [
    { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'DRV_REGISTER', drv: 0, fault: 'register-nomem' },
    { type: 'DRV_REGISTER', drv: 0, fault: 'bind-nomem' }, { type: 'DRV_UNREGISTER', drv: 0 },
  ];
  const key = (e: DriverCall) => JSON.stringify({ ...e, drv: 0 });
  const slots = Array.from({ length: K }, () => code.initialSlot());
  const at = (c: number) => ({ slots, drivers: Array.from({ length: Math.max(D, 1) }, (_, j) => (j === 0 ? c : code.initialDriver())) });
  const end = (drivers: number[]) => code.sharedCalls({ slots, drivers }, [{ type: 'END' }]).length;
  const machine = enumerateCode(code.initialDriver(), D > 0 ? calls : [], key, rets, (c, e) => {
    if (end(at(c).drivers) !== end(at(code.initialDriver()).drivers)) throw new UnsupportedPromelaError(`code '${code.name}'`, 'whether it ends depends on its drivers\' state');
    return code.sharedCalls(at(c), [e]).length > 0;
  }, (c, e, r) => code.after(at(c), e, r).drivers[0]!);
  const { states, offers } = machine;
  const trivial = D === 0 || (states.length === 1 && offers.get(states[0]!)!.size === calls.length);
  const m = (j: number) => `mod[${j}]`;
  return {
    trivial,
    guard(e: DriverCall): string {
      if (trivial) return 'true';
      return oneOf(m(e.drv), states.filter((c) => offers.get(c)!.has(key(e))));
    },
    update(e: DriverCall): string {
      return trivial ? 'skip' : moves(machine, m(e.drv), key(e), rets);
    },
  };
}

/** A part of the code (a slot's, a driver module's) as states: what each offers, where each call leads by what it returned. */
interface CodeMachine {
  states: number[];
  offers: Map<number, Set<string>>;
  next: Map<string, number>;
}

/**
 * The states of one part of the code reached from `initial`, through the calls (by `key`) each
 * state `offers` and every value `rets` a call can return (`after`: the part's next state).
 */
function enumerateCode<E>(initial: number, calls: readonly E[], key: (e: E) => string, rets: ReadonlyArray<number | undefined>,
  offers: (c: number, e: E) => boolean, after: (c: number, e: E, r: number | undefined) => number): CodeMachine {
  const out: CodeMachine = { states: [initial], offers: new Map(), next: new Map() };
  for (let n = 0; n < out.states.length; n++) {
    const c = out.states[n]!;
    const offered = new Set<string>();
    for (const e of calls) {
      if (!offers(c, e)) continue;
      offered.add(key(e));
      for (const r of rets) {
        const to = after(c, e, r);
        out.next.set(`${c}|${key(e)}|${r}`, to);
        if (!out.states.includes(to)) out.states.push(to);
      }
    }
    out.offers.set(c, offered);
  }
  return out;
}

/** The Promela of variable `v` (a part of the code) moving after the call keyed `k`, by what it returned. */
function moves(machine: CodeMachine, v: string, k: string, rets: ReadonlyArray<number | undefined>): string {
  const alts: string[] = [];
  for (const c of machine.states) {
    if (!machine.offers.get(c)!.has(k)) continue;
    for (const r of rets) {
      const to = machine.next.get(`${c}|${k}|${r}`)!;
      if (to === c) continue;
      alts.push(`${v} == ${c} && ${r === undefined ? '!hasRet' : `hasRet && ret == ${r}`} -> ${v} = ${to}`);
    }
  }
  return alts.length === 0 ? 'skip' : block([...alts, 'else -> skip']);
}
