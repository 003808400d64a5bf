import type { DeviceEvent } from './device.types.js';

/**
 * Every distinct event the device machine tells apart: each INIT and ADD outcome the kernel has,
 * both probe outcomes, and the payload-free calls. Path generation tries all of them from every
 * state, so every failure branch and misuse is reachable. ENOMEM stands for any probe error.
 * @example deviceEventAlphabet.filter((e) => e.type === 'ADD').length // 5
 */
export const deviceEventAlphabet: readonly DeviceEvent[] = Object.freeze([
  { type: 'INIT', parent: true, name: true },
  { type: 'INIT', parent: false, name: true },
  { type: 'INIT', parent: true, name: false },
  { type: 'ADD', modname: true, nameTaken: false, fault: 'none' },
  { type: 'ADD', modname: false, nameTaken: false, fault: 'none' },
  { type: 'ADD', modname: true, nameTaken: false, fault: 'name-nomem' },
  { type: 'ADD', modname: true, nameTaken: false, fault: 'device-add-nomem' },
  { type: 'ADD', modname: true, nameTaken: true, fault: 'none' },
  { type: 'DELETE' },
  { type: 'UNINIT' },
  { type: 'GET' },
  { type: 'PUT' },
  { type: 'KFREE' },
  { type: 'DEVRES_FREE' },
  { type: 'READ', field: 'id' },
  { type: 'WRITE', field: 'id' },
  { type: 'SET_RELEASE', present: true },
  { type: 'SET_RELEASE', present: false },
  { type: 'PROBE', result: 0 },
  { type: 'PROBE', result: -12 },
  { type: 'UNBIND' },
  { type: 'RUN_RELEASE' },
  { type: 'RELEASED' },
  { type: 'END' },
] satisfies DeviceEvent[]);
