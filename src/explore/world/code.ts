import {
  moduleMachine, routineMachine, ROUTINE_MISUSES, ParameterError,
  type ModuleEvent, type RoutineContext, type RoutineEvent, type RoutineMisuse, type WorldEvent,
} from '../../../machines/index.js';
import { compileMachine } from '../../model/compile.js';

/**
 * The code that makes the world's calls, as the explorer runs it. Its state (one small number per
 * device slot and per driver) is part of the explored state; it offers the calls it would make
 * next and moves on when it sees what a call returned.
 */
export interface WorldCode {
  /** A name for reports. */
  readonly name: string;
  /** Bits of one slot's code state, and of one driver module's. */
  readonly slotBits: number;
  readonly driverBits: number;
  initialSlot(): number;
  initialDriver(): number;
  /**
   * The calls on one device slot this code makes, chosen from the world's calls on that slot
   * (in their order): they may depend on the slot's code state alone.
   */
  slotCalls(codeSlot: number, calls: WorldEvent[]): WorldEvent[];
  /** The driver register / unregister and END calls this code makes, chosen from the world's (in their order). */
  sharedCalls(code: CodeState, calls: WorldEvent[]): WorldEvent[];
  /** The code state after it made `event` and the call returned `returned`. */
  after(code: CodeState, event: WorldEvent, returned: number | undefined): CodeState;
}

/** The code's state: one number per device slot and per driver. */
export interface CodeState {
  slots: number[];
  drivers: number[];
}

/**
 * Code that may make any call at any time, misuse included: the world's own alphabet. What the
 * XState world explored by `xstate/graph` does.
 */
export const ANY_CALL: WorldCode = {
  name: 'any call (misuse included)',
  slotBits: 0,
  driverBits: 0,
  initialSlot: () => 0,
  initialDriver: () => 0,
  slotCalls: (_c, calls) => calls,
  sharedCalls: (_c, calls) => calls,
  after: (code) => code,
};

const routine = compileMachine<RoutineContext, RoutineEvent>(routineMachine);
const module = compileMachine<Record<string, never>, ModuleEvent>(moduleMachine);

type RoutineType = RoutineEvent['type'];

/** The routine's name for a world call on a device slot, or undefined when the routine never makes it. */
function routineType(e: WorldEvent): RoutineType | undefined {
  switch (e.type) {
    case 'IDA_FREE': return e.via === 'field' ? 'IDA_FREE_FIELD' : 'IDA_FREE';
    case 'IDA_ALLOC': case 'KZALLOC': case 'INIT': case 'ADD': case 'DELETE': case 'UNINIT': case 'KFREE': return e.type;
    default: return undefined;
  }
}

const bitsFor = (values: number) => (values <= 1 ? 0 : 32 - Math.clz32(values - 1));

/**
 * Each device slot runs the documented create/teardown routine (`machines/routine`), with
 * `misuse` swapped in for one step; each auxiliary driver's module registers and unregisters it.
 * Injected faults (world `faults`) make each fallible call return its error, so every unwind path
 * of the routine is explored, in every interleaving of the slots.
 * @example exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 }, faults: true }, {}, routineCode('none')).violations // []
 */
export function routineCode(misuse: RoutineMisuse = 'none'): WorldCode {
  if (misuse !== 'none' && (typeof misuse !== 'string' || !Object.hasOwn(ROUTINE_MISUSES, misuse))) {
    throw new ParameterError('misuse', misuse, `'none' or one of ${Object.keys(ROUTINE_MISUSES).join(', ')}`);
  }
  const context: RoutineContext = { misuse };
  const offers = routine.leaves.map((_, leaf) => {
    const s = { leaf, context };
    const types: RoutineType[] = ['IDA_ALLOC', 'KZALLOC', 'INIT', 'ADD', 'DELETE', 'UNINIT', 'KFREE', 'IDA_FREE', 'IDA_FREE_FIELD'];
    return new Set(types.filter((type) => routine.selected(s, { type, returned: undefined }) !== undefined));
  });
  const rest = routine.leaves.map((l) => l.tags.has('rest'));
  const moduleOffers = module.leaves.map((_, leaf) => new Set((['DRV_REGISTER', 'DRV_UNREGISTER'] as const).filter((type) => module.selected({ leaf, context: {} }, { type, returned: undefined }) !== undefined)));
  const initial = routine.initial({ misuse }).leaf;
  return {
    name: misuse === 'none' ? 'the documented routine' : `the routine with misuse '${misuse}'`,
    slotBits: bitsFor(routine.leaves.length),
    driverBits: bitsFor(module.leaves.length),
    initialSlot: () => initial,
    initialDriver: () => module.initial().leaf,
    slotCalls(codeSlot, calls) {
      const offered = offers[codeSlot]!;
      return calls.filter((e) => {
        // The kernel runs a pending release whatever the code does next (model.md §4.6).
        if (e.type === 'RELEASE') return true;
        const type = routineType(e);
        return type !== undefined && offered.has(type);
      });
    },
    sharedCalls(code, calls) {
      return calls.filter((e) =>
        e.type === 'END' ? code.slots.every((leaf) => rest[leaf])
          : e.type === 'DRV_REGISTER' || e.type === 'DRV_UNREGISTER' ? moduleOffers[code.drivers[e.drv]!]!.has(e.type)
            : false);
    },
    after(code, e, returned) {
      if (e.type === 'END' || e.type === 'READ_ID' || e.type === 'GET' || e.type === 'PUT' || e.type === 'RELEASE') return code;
      if (e.type === 'DRV_REGISTER' || e.type === 'DRV_UNREGISTER') {
        const drivers = code.drivers.slice();
        drivers[e.drv] = module.advance({ leaf: drivers[e.drv]!, context: {} }, { type: e.type, returned }).leaf;
        return { slots: code.slots, drivers };
      }
      // A call routines never make (the world's extra calls) leaves the code where it was.
      const type = 'dev' in e ? routineType(e) : undefined;
      if (type === undefined || !('dev' in e)) return code;
      const slots = code.slots.slice();
      slots[e.dev] = routine.advance({ leaf: slots[e.dev]!, context }, { type, returned }).leaf;
      return { slots, drivers: code.drivers };
    },
  };
}
