import { describe, expect, it } from 'vitest';
import { Kernel, NEG, ViolationError, type AuxDevice, type AuxDeviceId, type KernelMode, type ParentDevice } from '../../src/index.js';
import { codes } from '../support/auxdrv.js';

/**
 * What a user of the bus can observe (kernel-auxbus.md §1.3, §1.7, §1.8, §1.9, §2.4): device
 * names, bus-wide uniqueness, matching, MODALIAS, probe and remove, and driver registration.
 */

function kernel(mode: KernelMode = 'audit') {
  const k = new Kernel({ mode });
  return { k, pdev: k.parentDevice('0000:03:00.0') };
}

/** Allocates, fills, inits and adds a device whose release frees it; returns it and add's result. */
function device(k: Kernel, parent: ParentDevice, name: string, id: number, modname = 'mymod'): { adev: AuxDevice; ret: number } {
  const adev = k.kzallocDevice(`struct ${name}`)!;
  adev.name = name;
  adev.id = id;
  adev.parent = parent;
  adev.release = (d) => k.kfree(d);
  expect(adev.init()).toBe(0);
  return { adev, ret: adev.add(modname) };
}

function added(k: Kernel, parent: ParentDevice, name: string, id: number, modname = 'mymod'): AuxDevice {
  const { adev, ret } = device(k, parent, name, id, modname);
  expect(ret).toBe(0);
  return adev;
}

function teardown(...devs: AuxDevice[]) {
  for (const d of devs) {
    d.delete();
    d.uninit();
  }
}

describe('§1.3, §1.1, §2.4 device names', () => {
  it('§1.3 an added device is named <modname>.<name>.<id> and listed on the bus under that name', () => {
    const { k, pdev } = kernel();
    const adev = added(k, pdev, 'foo', 7);
    expect(adev.devName).toBe('mymod.foo.7');
    expect(k.bus.list()).toEqual(['mymod.foo.7']);
    expect(k.bus.find('mymod.foo.7')).toBe(adev);
    expect(k.bus.hasDevice('mymod.foo.7')).toBe(true);
    teardown(adev);
    expect(k.bus.hasDevice('mymod.foo.7')).toBe(false);
    expect(k.report().clean).toBe(true);
  });

  it('§1.1 the u32 id is printed with %d: an id ≥ 2^31 appears negative in the name', () => {
    const { k, pdev } = kernel();
    const a = added(k, pdev, 'foo', 2 ** 31);
    const b = added(k, pdev, 'foo', 2 ** 32 - 1);
    const c = added(k, pdev, 'foo', 2 ** 31 - 1);
    expect([a.devName, b.devName, c.devName]).toEqual(['mymod.foo.-2147483648', 'mymod.foo.-1', 'mymod.foo.2147483647']);
    expect(a.id).toBe(2 ** 31); // the field itself stays unsigned
    teardown(a, b, c);
    expect(k.report().clean).toBe(true);
  });

  it('§1.1, §1.5 auxiliary_device_create takes an int id: -5 is stored as the u32 2^32-5 and printed as -5', () => {
    const { k, pdev } = kernel();
    const adev = k.auxiliaryDeviceCreate(pdev, 'mymod', 'foo', undefined, -5)!;
    expect(adev.devName).toBe('mymod.foo.-5');
    expect(adev.id).toBe(2 ** 32 - 5);
    k.auxiliaryDeviceDestroy(adev);
    expect(k.report().clean).toBe(true);
  });

  it('§2.4 a \'/\' in any component becomes \'!\' in the device name, and matching and MODALIAS use that name', () => {
    const { k, pdev } = kernel();
    const probed: string[] = [];
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'my!mod.a!b' }], probe: (d) => { probed.push(d.devName!); return 0; } });
    expect(drv.register('drv')).toBe(0);
    const adev = added(k, pdev, 'a/b', 0, 'my/mod');
    expect(adev.devName).toBe('my!mod.a!b.0');
    expect(adev.name).toBe('a/b'); // the borrowed name itself is not changed (§1.1)
    expect(probed).toEqual(['my!mod.a!b.0']);
    expect(k.bus.uevent(adev)).toEqual({ MODALIAS: 'auxiliary:my!mod.a!b' });
    teardown(adev);
  });
});

describe('§2.4 bus-wide uniqueness (B16 is an error return, not a violation)', () => {
  it('B16 a second mymod.foo.0 under the same parent: add returns -EEXIST, no violation; its uninit unwind is clean', () => {
    const { k, pdev } = kernel();
    const first = added(k, pdev, 'foo', 0);
    const { adev: dup, ret } = device(k, pdev, 'foo', 0);
    expect(ret).toBe(NEG.EEXIST);
    expect(dup.devName).toBe('mymod.foo.0'); // dev_set_name ran before device_add failed (§1.3)
    expect(k.bus.list()).toEqual(['mymod.foo.0']);
    expect(k.bus.find('mymod.foo.0')).toBe(first);
    expect(k.log.map((l) => l.text)).toContain('adding auxiliary device failed!: -17');
    expect(k.report().violations).toEqual([]);
    dup.uninit();
    expect(dup.releaseCalls).toBe(1);
    teardown(first);
    expect(k.report().clean).toBe(true);
  });

  it('B16 uniqueness is bus-wide: the same name under a different parent also gets -EEXIST (§2.4 bus symlink)', () => {
    const { k, pdev } = kernel();
    const other = k.parentDevice('0000:04:00.0');
    const first = added(k, pdev, 'foo', 0);
    const { adev: dup, ret } = device(k, other, 'foo', 0);
    expect(ret).toBe(NEG.EEXIST);
    expect(k.bus.find('mymod.foo.0')).toBe(first);
    expect(k.report().violations).toEqual([]);
    dup.uninit();
    // Another modname, id or name is a different device name and is fine.
    const others = [added(k, other, 'foo', 0, 'othermod'), added(k, other, 'foo', 1), added(k, other, 'bar', 0)];
    expect(k.bus.list()).toEqual(['mymod.foo.0', 'othermod.foo.0', 'mymod.foo.1', 'mymod.bar.0']);
    teardown(first, ...others);
    expect(k.report().clean).toBe(true);
  });

  it('§2.4 a name is free again as soon as its device is deleted, even while a reference keeps it unreleased', () => {
    const { k, pdev } = kernel();
    const old = added(k, pdev, 'foo', 0);
    old.get();
    old.delete();
    old.uninit();
    expect(old.releaseCalls).toBe(0);
    const fresh = added(k, pdev, 'foo', 0);
    expect(k.bus.find('mymod.foo.0')).toBe(fresh);
    old.put();
    expect(old.releaseCalls).toBe(1);
    expect(k.bus.find('mymod.foo.0')).toBe(fresh); // releasing the old one does not touch the new entry
    teardown(fresh);
    expect(k.report().clean).toBe(true);
  });

  it('§3.4 bus.list() follows add order; a deleted device leaves it and a re-added name goes to the end', () => {
    const { k, pdev } = kernel();
    const [a, b, c] = ['a', 'b', 'c'].map((n) => added(k, pdev, n, 0));
    expect(k.bus.list()).toEqual(['mymod.a.0', 'mymod.b.0', 'mymod.c.0']);
    teardown(b!);
    expect(k.bus.list()).toEqual(['mymod.a.0', 'mymod.c.0']);
    const b2 = added(k, pdev, 'b', 0);
    expect(k.bus.list()).toEqual(['mymod.a.0', 'mymod.c.0', 'mymod.b.0']);
    teardown(a!, c!, b2);
    expect(k.bus.list()).toEqual([]);
  });
});

describe('§1.7 matching and MODALIAS', () => {
  it('§1.7 a driver matches on the device name up to its last \'.\': a name with dots matches only the full prefix', () => {
    const { k, pdev } = kernel();
    const probes: string[] = [];
    const mk = (tag: string, entry: string) => {
      const drv = k.auxiliaryDriver({ name: tag, idTable: [{ name: entry }], probe: (d) => { probes.push(`${tag}:${d.devName}`); return 0; } });
      expect(drv.register('drvmod')).toBe(0);
      return drv;
    };
    const short = mk('short', 'mymod.foo');
    const long = mk('long', 'mymod.foo.bar');
    const dotted = added(k, pdev, 'foo.bar', 1);
    expect(dotted.devName).toBe('mymod.foo.bar.1');
    expect(k.bus.matchName('mymod.foo.bar.1')).toBe('mymod.foo.bar');
    expect(dotted.driver).toBe(long);
    const plain = added(k, pdev, 'foo', 1);
    expect(plain.driver).toBe(short);
    expect(probes).toEqual(['long:mymod.foo.bar.1', 'short:mymod.foo.1']);
    teardown(dotted, plain);
  });

  it('§1.7 the driver\'s own name plays no part in matching; the modname is part of the match name', () => {
    const { k, pdev } = kernel();
    const byName = k.auxiliaryDriver({ name: 'foo', idTable: [{ name: 'other.foo' }], probe: () => 0 });
    expect(byName.register('mymod')).toBe(0);
    const adev = added(k, pdev, 'foo', 0);
    expect(adev.driver).toBeUndefined();
    teardown(adev);
  });

  it('§1.7 probe receives the id-table entry that matched, with its driver data', () => {
    const { k, pdev } = kernel();
    const got: AuxDeviceId[] = [];
    const table = [{ name: 'mymod.eth', driverData: 1 }, { name: 'mymod.rdma', driverData: 2 }];
    const drv = k.auxiliaryDriver({ idTable: table, probe: (_d, id) => { got.push(id); return 0; } });
    expect(drv.register('drv')).toBe(0);
    const adev = added(k, pdev, 'rdma', 0);
    expect(got).toEqual([{ name: 'mymod.rdma', driverData: 2 }]);
    teardown(adev);
  });

  it('§1.7 MODALIAS is auxiliary:<match name> once the device is named; none before', () => {
    const { k, pdev } = kernel();
    const adev = k.kzallocDevice()!;
    adev.name = 'foo.bar';
    adev.id = 3;
    adev.parent = pdev;
    adev.release = (d) => k.kfree(d);
    expect(adev.init()).toBe(0);
    expect(k.bus.uevent(adev)).toBeUndefined();
    expect(adev.add('mymod')).toBe(0);
    expect(k.bus.uevent(adev)).toEqual({ MODALIAS: 'auxiliary:mymod.foo.bar' });
    expect(adev.modalias).toBe('auxiliary:mymod.foo.bar');
    teardown(adev);
  });
});

describe('§1.8 probe and remove', () => {
  it('§1.8 probe runs when a device is added to a bus with a matching driver (bus_probe_device)', () => {
    const { k, pdev } = kernel();
    const probed: string[] = [];
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: (d) => { probed.push(d.devName!); return 0; } });
    expect(drv.register('drv')).toBe(0);
    expect(probed).toEqual([]);
    const adev = added(k, pdev, 'foo', 0);
    expect(probed).toEqual(['mymod.foo.0']);
    expect(adev.driver).toBe(drv);
    expect(adev.hasTag('bound')).toBe(true);
    teardown(adev);
  });

  it('§1.8 probe runs for every matching added device when a driver registers (driver_attach)', () => {
    const { k, pdev } = kernel();
    const devs = [added(k, pdev, 'foo', 0), added(k, pdev, 'bar', 0), added(k, pdev, 'foo', 1)];
    const probed: string[] = [];
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: (d) => { probed.push(d.devName!); return 0; } });
    expect(drv.register('drv')).toBe(0);
    expect(probed).toEqual(['mymod.foo.0', 'mymod.foo.1']);
    expect(devs.map((d) => d.driver === drv)).toEqual([true, false, true]);
    teardown(...devs);
  });

  it('§1.8 drivers are tried in registration order until one binds: the first\'s probe fails, the second binds, the third is not tried', () => {
    const { k, pdev } = kernel();
    const tried: string[] = [];
    const drvs = [['d1', -19], ['d2', 0], ['d3', 0]].map(([name, result]) => {
      const drv = k.auxiliaryDriver({ name: name as string, idTable: [{ name: 'mymod.foo' }], probe: () => { tried.push(name as string); return result as number; } });
      expect(drv.register('drvmod')).toBe(0);
      return drv;
    });
    expect(k.bus.driverNames()).toEqual(['drvmod.d1', 'drvmod.d2', 'drvmod.d3']);
    const adev = added(k, pdev, 'foo', 0);
    expect(tried).toEqual(['d1', 'd2']);
    expect(adev.driver).toBe(drvs[1]);
    teardown(adev);
  });

  it('§1.8 a failed probe leaves the device added and unbound and does not fail add; a driver registered later binds it', () => {
    const { k, pdev } = kernel();
    const bad = k.auxiliaryDriver({ name: 'bad', idTable: [{ name: 'mymod.foo' }], probe: () => NEG.ENOMEM });
    expect(bad.register('drvmod')).toBe(0);
    const adev = added(k, pdev, 'foo', 0);
    expect(adev.hasTag('onBus')).toBe(true);
    expect(adev.hasTag('bound')).toBe(false);
    expect(adev.driver).toBeUndefined();
    expect(k.report().violations).toEqual([]);
    const good = k.auxiliaryDriver({ name: 'good', idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
    expect(good.register('drvmod')).toBe(0);
    expect(adev.driver).toBe(good);
    teardown(adev);
    expect(k.report().clean).toBe(true);
  });

  it('§3.5 remove runs once when a bound device is deleted, after it left the bus; not again at uninit or unregister', () => {
    const { k, pdev } = kernel();
    const removed: string[] = [];
    const drv = k.auxiliaryDriver({
      idTable: [{ name: 'mymod.foo' }], probe: () => 0,
      remove: (d) => removed.push(`${d.devName} on bus: ${k.bus.hasDevice(d.devName!)}`),
    });
    expect(drv.register('drv')).toBe(0);
    const adev = added(k, pdev, 'foo', 0);
    adev.delete();
    expect(removed).toEqual(['mymod.foo.0 on bus: false']);
    expect(adev.driver).toBeUndefined();
    adev.uninit();
    drv.unregister();
    expect(removed).toHaveLength(1);
    expect(k.report().clean).toBe(true);
  });

  it('§1.9 unregistering the driver runs remove once on each bound device; they stay added and unbound; delete does not remove again', () => {
    const { k, pdev } = kernel();
    const removed: string[] = [];
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0, remove: (d) => removed.push(d.devName!) });
    expect(drv.register('drv')).toBe(0);
    const a = added(k, pdev, 'foo', 0);
    const b = added(k, pdev, 'foo', 1);
    drv.unregister();
    expect(removed).toEqual(['mymod.foo.0', 'mymod.foo.1']);
    expect(k.bus.driverNames()).toEqual([]);
    expect([a.driver, b.driver]).toEqual([undefined, undefined]);
    expect(k.bus.list()).toEqual(['mymod.foo.0', 'mymod.foo.1']);
    teardown(a, b);
    expect(removed).toHaveLength(2);
    expect(k.report().clean).toBe(true);
  });
});

describe('§1.9 driver registration', () => {
  it('§1.9 a driver is registered as <modname>.<name>, or <modname> without a name', () => {
    const { k } = kernel();
    expect(k.auxiliaryDriver({ name: 'drv', idTable: [], probe: () => 0 }).register('mymod')).toBe(0);
    expect(k.auxiliaryDriver({ idTable: [], probe: () => 0 }).register('othermod')).toBe(0);
    expect(k.bus.driverNames()).toEqual(['mymod.drv', 'othermod']);
  });

  it('§1.9 a second driver with the same name gets -EBUSY (not a violation: it frees only its own name) and binds nothing; the first keeps working', () => {
    const { k, pdev } = kernel();
    const first = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
    const second = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
    expect(first.register('mymod')).toBe(0);
    expect(second.register('mymod')).toBe(NEG.EBUSY);
    expect(k.bus.driverNames()).toEqual(['mymod.drv']);
    expect(k.log.some((l) => l.text.includes('is already registered, aborting...'))).toBe(true);
    expect(k.report().violations).toEqual([]);
    const adev = added(k, pdev, 'foo', 0);
    expect(adev.driver).toBe(first);
    teardown(adev);
  });

  it('§5 B19 the same driver registered twice: -EBUSY, and double-register (the error path freed the name the registered driver still uses)', () => {
    const { k } = kernel();
    const drv = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
    expect(drv.register('mymod')).toBe(0);
    expect(drv.register('mymod')).toBe(NEG.EBUSY);
    expect(k.report().violations.map((f) => f.code)).toEqual(['double-register']);
    expect(k.bus.driverNames()).toEqual(['mymod.drv']);
  });

  it('B13 a driver without probe, or without id_table, gets -EINVAL and driver-incomplete, and is not registered', () => {
    const { k } = kernel();
    const noProbe = k.auxiliaryDriver({ name: 'a', idTable: [{ name: 'mymod.foo' }] });
    const noTable = k.auxiliaryDriver({ name: 'b', probe: () => 0 });
    const neither = k.auxiliaryDriver({ name: 'c' });
    expect(noProbe.register('mymod')).toBe(NEG.EINVAL);
    expect(noTable.register('mymod')).toBe(NEG.EINVAL);
    expect(neither.register('mymod')).toBe(NEG.EINVAL);
    const r = k.report();
    // One WARN_ON per register: probe is checked first, so "neither" is one finding (§1.9).
    expect(codes(r).violations).toEqual(['driver-incomplete', 'driver-incomplete', 'driver-incomplete']);
    expect(r.violations.every((f) => f.bugClass === 'B13')).toBe(true);
    expect(k.bus.driverNames()).toEqual([]);
  });

  it('B13 strict: register without probe throws ViolationError driver-incomplete', () => {
    const { k } = kernel('strict');
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }] });
    expect(() => drv.register('mymod')).toThrow(ViolationError);
    expect(k.bus.driverNames()).toEqual([]);
  });

  it('B14 unregistering a driver whose register failed: unregister-unregistered', () => {
    const { k } = kernel();
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }] });
    expect(drv.register('mymod')).toBe(NEG.EINVAL);
    drv.unregister();
    const r = k.report();
    expect(codes(r).violations).toEqual(['driver-incomplete', 'unregister-unregistered']);
    expect(r.violations[1]!.bugClass).toBe('B14');
    expect(k.log.map((l) => l.text)).toContain('Unexpected driver unregister!');
  });
});

describe('§1.8 shutdown (device_shutdown → auxiliary_bus_shutdown)', () => {
  it('§1.8 shutdown runs the bound driver\'s shutdown for each device, last added first; unbound devices and drivers without shutdown are skipped; nothing changes state', () => {
    const { k, pdev } = kernel();
    const calls: string[] = [];
    const withShutdown = k.auxiliaryDriver({ name: 'a', idTable: [{ name: 'mymod.a' }], probe: () => 0, shutdown: (d) => calls.push(d.devName!) });
    const without = k.auxiliaryDriver({ name: 'b', idTable: [{ name: 'mymod.b' }], probe: () => 0 });
    const failing = k.auxiliaryDriver({ name: 'c', idTable: [{ name: 'mymod.c' }], probe: () => NEG.ENOMEM, shutdown: (d) => calls.push(`unbound ${d.devName}`) });
    for (const drv of [withShutdown, without, failing]) expect(drv.register('mymod')).toBe(0);
    const a0 = added(k, pdev, 'a', 0);
    const b0 = added(k, pdev, 'b', 0);
    const c0 = added(k, pdev, 'c', 0);
    const a1 = added(k, pdev, 'a', 1);
    expect(c0.driver).toBeUndefined(); // its probe failed: added, unbound
    k.shutdown();
    expect(calls).toEqual(['mymod.a.1', 'mymod.a.0']);
    for (const d of [a0, b0, c0, a1]) expect(d.stateId).toBe(d === c0 ? 'device.live.refcounted.added.unbound' : 'device.live.refcounted.added.bound');
    expect(k.bus.list()).toEqual(['mymod.a.0', 'mymod.b.0', 'mymod.c.0', 'mymod.a.1']);
    teardown(a0, b0, c0, a1);
    expect(k.report().clean).toBe(true);
  });
});


describe('§1.8 a bind the driver core fails before the driver\'s probe (drivers/base/dd.c really_probe)', () => {
  it('§1.8 on add: add returns 0, the device stays unbound, and the next driver is not tried (a negative error ends __device_attach_driver\'s walk)', () => {
    const { k, pdev } = kernel();
    const probes: string[] = [];
    const mk = (name: string) => {
      const drv = k.auxiliaryDriver({ name, idTable: [{ name: 'mymod.foo' }], probe: () => { probes.push(name); return 0; } });
      expect(drv.register('drvmod')).toBe(0);
      return drv;
    };
    const first = mk('first');
    const second = mk('second');
    k.faults.failSite('probe');
    const { adev, ret } = device(k, pdev, 'foo', 1);
    expect(ret).toBe(0);
    expect(adev.driver).toBeUndefined();
    expect(probes).toEqual([]);
    teardown(adev);
    first.unregister();
    second.unregister();
    expect(k.report().clean).toBe(true);
  });

  it('§1.8 a probe that fails (the driver\'s own error) lets the next driver try, unlike a bind the core fails', () => {
    const { k, pdev } = kernel();
    const probes: string[] = [];
    const failing = k.auxiliaryDriver({ name: 'failing', idTable: [{ name: 'mymod.foo' }], probe: () => { probes.push('failing'); return NEG.ENOMEM; } });
    const binding = k.auxiliaryDriver({ name: 'binding', idTable: [{ name: 'mymod.foo' }], probe: () => { probes.push('binding'); return 0; } });
    expect(failing.register('drvmod')).toBe(0);
    expect(binding.register('drvmod')).toBe(0);
    const adev = added(k, pdev, 'foo', 1);
    expect(probes).toEqual(['failing', 'binding']);
    expect(adev.driver).toBe(binding);
    teardown(adev);
    failing.unregister();
    binding.unregister();
    expect(k.report().clean).toBe(true);
  });
});
