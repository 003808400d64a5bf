import type { AnyScenario } from '../src/index.js';
import correctIda from './correct-ida.js';
import doubleFreeAddFailure from './double-free-add-failure.js';
import emptyRelease from './empty-release.js';
import idDoubleFree from './id-double-free.js';
import missingUninit from './missing-uninit.js';
import useAfterUninit from './use-after-uninit.js';

/**
 * The bundled examples: a driver's create and teardown routines written against the runtime,
 * one correct and the others each with one real mistake (kernel-auxbus.md §5). `auxbus explore
 * --example NAME` and `npm start` explore them.
 * @example EXAMPLES.map((s) => s.name) // ['correct-ida', 'double-free-add-failure', ...]
 */
export const EXAMPLES: readonly AnyScenario[] = Object.freeze([correctIda, doubleFreeAddFailure, idDoubleFree, useAfterUninit, missingUninit, emptyRelease]);

/**
 * The bundled example called `name`, or undefined.
 * @example findExample('id-double-free')?.description
 */
export function findExample(name: string): AnyScenario | undefined {
  return EXAMPLES.find((s) => s.name === name);
}
