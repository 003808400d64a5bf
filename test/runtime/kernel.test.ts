import { describe, expect, it } from 'vitest';
import { Kernel, ParameterError, VIOLATIONS, ViolationError, type AuxDevice } from '../../src/index.js';

/** A device filled in as step 1 of the documented registration does it. */
function filled(k: Kernel, release: ((d: AuxDevice) => void) | null = (d) => k.kfree(d), id = 0) {
  const adev = k.kzallocDevice('foo')!;
  adev.name = 'foo';
  adev.id = id;
  adev.parent = k.parentDevice('pci0');
  adev.release = release;
  return adev;
}

describe('Kernel: ids, logs and reports', () => {
  it('model.md §4.3 (revised): a refused call excuses nothing at the end: delete() on a fresh device, then a correct init and add never torn down, leaks', () => {
    const k = new Kernel();
    const ida = k.idaInit();
    const adev = filled(k);
    adev.delete();
    adev.id = ida.alloc();
    expect(adev.init()).toBe(0);
    expect(adev.add('mymod')).toBe(0);
    expect(adev.flagged).toBe(false);
    const r = k.report();
    expect(r.violations.map((f) => f.code)).toEqual(['delete-unadded']);
    // The device is reported at the end; its id is covered by that finding.
    expect(r.leaks.map((f) => f.code)).toEqual(['leak-initialized']);
  });

  it('§1.3, B16: two leaked devices of the same name (the second add failed with -EEXIST, keeping the name) are told apart by the step that made each', () => {
    const k = new Kernel();
    const pdev = k.parentDevice('pci0');
    const made: number[] = [];
    for (const expected of [0, -17]) {
      const adev = k.kzallocDevice('foo')!;
      made.push(adev.createdAt.step);
      adev.name = 'foo';
      adev.parent = pdev;
      adev.release = (d) => k.kfree(d);
      expect(adev.init()).toBe(0);
      expect(adev.add('mymod')).toBe(expected);
    }
    expect(made).toEqual([1, 7]);
    expect(k.report().leaks.map((f) => [f.code, f.object])).toEqual([
      ['leak-initialized', 'auxiliary device mymod.foo.0 (the one made at step 1)'],
      ['leak-initialized', 'auxiliary device mymod.foo.0 (the one made at step 7)'],
    ]);
  });

  it('model.md §4.4: with two IDAs handing out the same id, setting adev->id claims neither, so correct teardown is clean', () => {
    const k = new Kernel();
    const a = k.idaInit('aux_ida');
    const b = k.idaInit('rdma_ida');
    expect(a.alloc()).toBe(0);
    expect(b.alloc()).toBe(0);
    const devA = filled(k, (d) => { a.free(d.id); k.kfree(d); });
    const devB = filled(k, (d) => { b.free(d.id); k.kfree(d); });
    for (const d of [devA, devB]) {
      expect(d.init()).toBe(0);
      d.uninit();
    }
    expect(k.report().clean).toBe(true);
  });

  it('§3.6, §4, §1.8: kernel log lines carry the device name, the id, the driver and the errno', () => {
    const k = new Kernel();
    const ida = k.idaInit();
    k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => -19 }).register('drvmod');
    const adev = filled(k, null);
    adev.init();
    adev.add('mymod');
    adev.delete();
    adev.uninit();
    ida.free(7);
    const texts = k.log.map((l) => l.text);
    expect(texts).toContain('probe with driver drvmod.drv failed with error -19');
    expect(texts).toContain("Device 'mymod.foo.0' does not have a release() function, it is broken and must be fixed. See Documentation/core-api/kobject.rst.");
    expect(texts).toContain('ida_free called for id=7 which is not allocated.');
    expect(texts.join('\n')).not.toMatch(/<\w+>/);
  });

  it('leaks are found at the end check, and point at the call that created the leaked object', () => {
    const k = new Kernel();
    const adev = filled(k);
    adev.init();
    const [leak] = k.report().leaks;
    expect(leak).toMatchObject({ code: 'leak-initialized', call: 'end check (what kmemleak would report)' });
    expect(leak!.createdAt.call).toBe('kzalloc("foo")');
  });

  it('a rejected driver spec leaves no trace: the next object gets the next handle', () => {
    const k = new Kernel();
    expect(() => k.auxiliaryDriver({ idTable: [{ name: '' }], probe: () => 0 })).toThrow(ParameterError);
    const adev = k.kzallocDevice('x')!;
    expect(adev.handle).toBe(1);
  });

  it('only a ParentDevice of this kernel can be a parent (an object that looks like one is refused)', () => {
    const k = new Kernel();
    const adev = k.kzallocDevice('x')!;
    expect(() => { adev.parent = { kernel: k } as never; }).toThrow(ParameterError);
    expect(() => k.auxiliaryDeviceCreate({ kernel: k } as never, 'm', 'bar', undefined, 0)).toThrow(ParameterError);
    expect(k.bus.list()).toEqual([]);
  });
});

describe('strict mode', () => {
  it('a violation inside a release callback is thrown, and the release still counts as finished', () => {
    const k = new Kernel({ mode: 'strict' });
    const ida = k.idaInit();
    const adev = filled(k, (d) => {
      ida.free(d.id); // id 0 was never allocated: ida-double-free (B4)
      k.kfree(d);
    });
    adev.init();
    const e = (() => { try { adev.uninit(); } catch (err) { return err; } return undefined; })();
    expect(e).toBeInstanceOf(ViolationError);
    expect((e as ViolationError).violation).toBe('ida-double-free');
    expect((e as ViolationError).bugClass).toBe('B4');
    // The error carries the kernel's symptom and the fix as fields, from the violation table.
    expect((e as ViolationError).kernelSymptom).toBe(VIOLATIONS['ida-double-free'].kernelSymptom);
    expect((e as ViolationError).kernelSymptom).toContain('ida_free called for id=');
    expect((e as ViolationError).fix).toBe(VIOLATIONS['ida-double-free'].fix);
    // Strict mode stopped the callback before its kfree; the device is released, not stuck releasing.
    expect(adev.stateId).toBe('device.dead.released');
    expect(k.report().leaks.map((f) => f.code)).toEqual(['memory-leak']);
  });
});

describe('call trace', () => {
  it('with trace on, every call is recorded in order with its nesting depth (a release callback runs inside uninit)', () => {
    const k = new Kernel({ trace: true });
    const adev = filled(k);
    adev.init();
    adev.uninit();
    const calls = k.calls.map((c) => `${'  '.repeat(c.depth)}${c.call.replace(/auxiliary device #\d+ \(foo\): /, '')}`);
    expect(calls.slice(-4)).toEqual(['init()', 'uninit()', '  release()', '    kfree()']);
    expect(new Kernel().calls).toEqual([]);
  });
});
