import { describe, expect, it } from 'vitest';
import { Kernel, ParameterError } from '../../src/index.js';

describe('Kernel.auxiliaryDriver(spec): refused before anything is read through a getter', () => {
  function deadDeviceOfAnotherKernel() {
    const other = new Kernel();
    const adev = other.kzallocDevice('theirs')!;
    other.kfree(adev);
    return { other, adev };
  }

  it('§1.9, B11: a spec that is another kernel\'s dead device is a ParameterError, and that kernel records nothing', () => {
    const k = new Kernel();
    const { other, adev } = deadDeviceOfAnotherKernel();
    const before = other.report();
    expect(() => k.auxiliaryDriver(adev as never)).toThrow(ParameterError);
    expect(other.report()).toEqual(before);
    expect(other.violations).toEqual([]);
    expect(k.report().clean).toBe(true);
  });

  it('§1.9, B11: an id_table entry that is another kernel\'s dead device is a ParameterError naming the entry; nothing is recorded', () => {
    const k = new Kernel();
    const { other, adev } = deadDeviceOfAnotherKernel();
    expect(() => k.auxiliaryDriver({ idTable: [adev as never], probe: () => 0 })).toThrow(/driver\.idTable\[0\]\.name/);
    expect(other.violations).toEqual([]);
  });

  it('§1.9: a getter in a spec is refused without being called', () => {
    const k = new Kernel();
    let calls = 0;
    const spec = { idTable: [{ name: 'mymod.foo' }], get probe() { calls++; return () => 0; } };
    expect(() => k.auxiliaryDriver(spec)).toThrow(/driver\.probe.*getter/);
    expect(calls).toBe(0);
  });

  it('§1.9: a spec whose methods live on a class prototype is accepted (a data property, inherited)', () => {
    const k = new Kernel();
    class Spec { idTable = [{ name: 'mymod.foo', driverData: 7 }]; probe() { return 0; } }
    const drv = k.auxiliaryDriver(new Spec());
    expect(drv.idTable).toEqual([{ name: 'mymod.foo', driverData: 7 }]);
    expect(drv.register('drv')).toBe(0);
  });

  it('§1.9: a revoked proxy as spec or id table is a ParameterError', () => {
    const k = new Kernel();
    const p = Proxy.revocable({}, {});
    p.revoke();
    expect(() => k.auxiliaryDriver(p.proxy as never)).toThrow(ParameterError);
    expect(() => k.auxiliaryDriver({ idTable: p.proxy as never, probe: () => 0 })).toThrow(ParameterError);
  });
});
