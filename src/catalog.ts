import type { AnyStateMachine, EventObject } from 'xstate';
import {
  DEVICE_EVENT_CALLS, DRIVER_EVENT_CALLS, IDA_EVENT_CALLS, MEMORY_EVENT_CALLS, ParameterError,
  deviceEventAlphabet, deviceMachine, driverEventAlphabet, driverMachine, idaCallAlphabet, idaEvent, idaMachine, memoryEventAlphabet, memoryMachine,
  SortedIdSet,
} from '../machines/index.js';

/**
 * The four single-object machines by the names the command line and the diagrams use, with
 * the facts about each that live beside the machine: the kernel call behind each event type and
 * the payload fields each event type carries. One table, so that the diagrams, the path export
 * and the trace reader cannot disagree on which machines exist.
 */

/** Name of a machine that can be drawn and traversed on its own. */
export type MachineName = 'device' | 'ida' | 'driver' | 'memory';

/** Every machine name, in the order the lifecycle is usually explained. */
export const MACHINE_NAMES: readonly MachineName[] = Object.freeze(['device', 'ida', 'driver', 'memory'] as const);

/** What the catalog knows about one machine. */
export interface MachineEntry {
  name: MachineName;
  machine: AnyStateMachine;
  /** Event type → the kernel call it stands for (`DEVICE_EVENT_CALLS` and friends). */
  calls: Readonly<Record<string, string>>;
  /** Event type → the payload fields a well-formed event of that type carries (besides `type`). */
  eventFields: Readonly<Record<string, readonly string[]>>;
}

function fieldsOf(events: readonly EventObject[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const keys = Object.keys(e).filter((k) => k !== 'type').sort();
    const known = out[e.type] ?? [];
    out[e.type] = [...new Set([...known, ...keys])].sort();
  }
  return out;
}

const ENTRIES: Readonly<Record<MachineName, MachineEntry>> = Object.freeze({
  device: {
    name: 'device',
    machine: deviceMachine,
    calls: DEVICE_EVENT_CALLS,
    eventFields: fieldsOf(deviceEventAlphabet),
  },
  ida: {
    name: 'ida',
    machine: idaMachine,
    calls: IDA_EVENT_CALLS,
    // The machine's events carry facts: their fields are those of the calls with the facts added.
    eventFields: fieldsOf(idaCallAlphabet(2, 1).map((call) => idaEvent(SortedIdSet.empty(2), call))),
  },
  driver: {
    name: 'driver',
    machine: driverMachine,
    calls: DRIVER_EVENT_CALLS,
    eventFields: fieldsOf(driverEventAlphabet),
  },
  memory: {
    name: 'memory',
    machine: memoryMachine,
    calls: MEMORY_EVENT_CALLS,
    eventFields: fieldsOf(memoryEventAlphabet),
  },
});

/**
 * Tells whether a string names a machine of the catalog.
 * @example isMachineName('ida') // true
 */
export function isMachineName(s: string): s is MachineName {
  return (MACHINE_NAMES as readonly string[]).includes(s);
}

/**
 * The catalog entry of a machine; throws {@link ParameterError} for an unknown name.
 * @example machineEntry('device').calls.DELETE // 'auxiliary_device_delete(adev)'
 */
export function machineEntry(name: string): MachineEntry {
  if (!isMachineName(name)) throw new ParameterError('machine', name, MACHINE_NAMES.join(', '));
  return ENTRIES[name];
}
