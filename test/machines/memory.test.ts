import { describe, expect, it } from 'vitest';
import { createTestModel } from 'xstate/graph';
import { memoryEventAlphabet, memoryMachine } from '../../machines/index.js';
import { allTransitions, transitionId, transitionsTaken } from '../../src/paths/coverage.js';
import { drive } from '../support/drive.js';

describe('memory machine (plain allocations)', () => {
  it('kzalloc then kfree is clean; B4: a second kfree is double-free', () => {
    const r = drive(memoryMachine, [{ type: 'KFREE' }, { type: 'END' }]);
    expect(r.allViolations).toEqual([]);
    expect(drive(memoryMachine, [{ type: 'KFREE' }, { type: 'KFREE' }]).last.violations).toEqual(['double-free']);
  });
  it('model.md §4.1: an access after kfree is use-after-release; one before is fine', () => {
    const r = drive(memoryMachine, [{ type: 'ACCESS', field: 'x' }, { type: 'KFREE' }, { type: 'ACCESS', field: 'x' }]);
    expect(r.steps.map((s) => s.violations)).toEqual([[], [], ['use-after-release']]);
  });
  it('model.md §4.3: an allocation never freed is a memory-leak at the end', () => {
    expect(drive(memoryMachine, [{ type: 'END' }]).last.violations).toEqual(['memory-leak']);
  });
  it('transition-keyed paths take every transition', () => {
    const paths = createTestModel(memoryMachine, {
      events: () => [...memoryEventAlphabet],
      serializeTransition: (_s, e, prev) => (e ? ` via ${JSON.stringify(e)} from ${JSON.stringify(prev?.value)}` : ''),
    }).getShortestPaths();
    const taken = transitionsTaken(memoryMachine, paths);
    expect(allTransitions(memoryMachine).filter((t) => !taken.has(t)).map(transitionId)).toEqual([]);
  });
});
