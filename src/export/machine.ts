import { initialTransition } from 'xstate';
import { machineEntry, MACHINE_NAMES } from '../catalog.js';
import { UsageError } from '../errors.js';

/**
 * A machine as data: its XState config as JSON, which `createMachine` (and Stately's editor)
 * accepts and which has the same states and transitions. Guards and actions are named, as in
 * the source (their code stays in auxbus-model: `createMachine(config).provide({ ... })` supplies
 * it). Two things the source holds as code become data: the context factory becomes the
 * initial context, and an action's params computed from the event are left out (the action is
 * kept by name).
 */

/**
 * A JSON value.
 * @example const j: Json = { id: 'device', states: {} };
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function toJson(v: unknown): Json | undefined {
  if (typeof v === 'function' || v === undefined || typeof v === 'symbol') return undefined;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map((x) => toJson(x) ?? null);
  if (v instanceof Set) return [...v].map((x) => toJson(x) ?? null);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x) ?? null]));
  const out: { [key: string]: Json } = {};
  for (const [k, x] of Object.entries(v as object)) {
    const j = toJson(x);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/**
 * The JSON config of one machine of the catalog (device, ida, driver, memory). The world is not
 * a statechart but a function composing these machines (machines/world), so it has none: asking
 * for it is a UsageError that says so.
 * @example createMachine(machineConfig('device') as never).id // 'device'
 */
export function machineConfig(name: string): { [key: string]: Json } {
  if (name === 'world') {
    throw new UsageError(`the world has no statechart config: it is a function over the ${MACHINE_NAMES.join(', ')} machines (machines/world/world.logic.ts); export one of those`, 'auxbus export --help');
  }
  const { machine } = machineEntry(name);
  const config = { ...(machine.config as object) } as Record<string, unknown>;
  // The context factory, run: what the machine starts with.
  config.context = initialTransition(machine)[0].context;
  return toJson(config) as { [key: string]: Json };
}
