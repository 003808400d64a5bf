import { describe, expect, it } from 'vitest';
import { createTestModel, getShortestPaths } from 'xstate/graph';
import { driverMachine, VIOLATIONS, VIOLATION_CODES, type DriverEvent } from '../../machines/index.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, transitionsTaken, violationsAlong } from '../../src/paths/coverage.js';
import { driverTraversal } from '../../src/paths/traversal.js';
import { drive } from '../support/drive.js';

const reg = (over: Partial<Extract<DriverEvent, { type: 'REGISTER' }>> = {}): DriverEvent => ({
  type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: 'none', ...over,
});
const UNREGISTER: DriverEvent = { type: 'UNREGISTER' };

describe('driver machine: kernel facts (§1.9)', () => {
  it('B13: register without probe or without id_table WARNs and returns -EINVAL (22): driver-incomplete', () => {
    for (const bad of [reg({ probe: false }), reg({ idTable: false }), reg({ probe: false, idTable: false })]) {
      const r = drive(driverMachine, [bad]);
      expect(r.last.returned).toBe(-22);
      expect(r.last.violations).toEqual(['driver-incomplete']);
      expect(r.final.hasTag('registered')).toBe(false);
    }
  });

  it('§1.9 a duplicate driver name gives -EBUSY (16); allocation failures give -ENOMEM (12); neither is a violation', () => {
    expect(drive(driverMachine, [reg({ nameTaken: true })]).last).toMatchObject({ returned: -16, violations: [] });
    expect(drive(driverMachine, [reg({ fault: 'name-nomem' })]).last).toMatchObject({ returned: -12, violations: [] });
    expect(drive(driverMachine, [reg({ fault: 'register-nomem' })]).last).toMatchObject({ returned: -12, violations: [] });
  });

  it('§1.8 a successful register probes the matching devices; registering it again is -EBUSY', () => {
    const r = drive(driverMachine, [reg(), reg()]);
    expect(r.steps[0]!).toMatchObject({ returned: 0, effects: ['attachDevices'] });
    expect(r.last.returned).toBe(-16);
    expect(r.final.hasTag('registered')).toBe(true);
  });

  it('§1.9 unregister removes it from every bound device (detachDevices)', () => {
    const r = drive(driverMachine, [reg(), UNREGISTER]);
    expect(r.last.effects).toEqual(['detachDevices']);
    expect(r.final.hasTag('registered')).toBe(false);
  });

  it('B14: unregister of a driver never registered, or whose register failed, or twice: unregister-unregistered', () => {
    expect(drive(driverMachine, [UNREGISTER]).last.violations).toEqual(['unregister-unregistered']);
    expect(drive(driverMachine, [reg({ nameTaken: true }), UNREGISTER]).last.violations).toEqual(['unregister-unregistered']);
    expect(drive(driverMachine, [reg(), UNREGISTER, UNREGISTER]).last.violations).toEqual(['unregister-unregistered']);
  });
});

describe('driver machine: xstate/graph coverage', () => {
  const traversal = driverTraversal();
  it('shortest paths reach every state node', () => {
    const visited = statesVisited(getShortestPaths(driverMachine, traversal));
    expect(allStateNodes(driverMachine).map((n) => n.id).filter((id) => !visited.has(id))).toEqual([]);
  });

  const paths = createTestModel(driverMachine, {
    ...traversal,
    serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify(prev?.value)}` : ''),
  }).getShortestPaths();

  it('transition-keyed paths take every transition', () => {
    const taken = transitionsTaken(driverMachine, paths);
    expect(allTransitions(driverMachine).filter((t) => !taken.has(t)).map(transitionId)).toEqual([]);
  });

  const codes = VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine === 'driver');
  it.each(codes.map((c) => [`${c} (${VIOLATIONS[c].bugClass})`, c] as const))('a generated path reaches %s', (_, code) => {
    expect(paths.some((p) => violationsAlong(driverMachine, p).some((v) => v.includes(code)))).toBe(true);
  });
});
