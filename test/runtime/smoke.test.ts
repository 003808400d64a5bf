import { expect, it } from 'vitest';
import { Kernel } from '../../src/index.js';

it('smoke', () => {
  const k = new Kernel();
  const pdev = k.parentDevice('pci0');
  const ida = k.idaInit('ida');
  const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0, remove: () => {} });
  expect(drv.register('foo_drv')).toBe(0);
  const id = ida.alloc();
  const adev = k.kzallocDevice('foo')!;
  adev.name = 'foo'; adev.id = id; adev.parent = pdev;
  adev.release = (d) => { ida.free(d.id); k.kfree(d); };
  expect(adev.init()).toBe(0);
  expect(adev.add('mymod')).toBe(0);
  expect(adev.devName).toBe('mymod.foo.0');
  expect(adev.driver).toBe(drv);
  expect(k.bus.list()).toEqual(['mymod.foo.0']);
  expect(adev.refcount).toBe(3);
  adev.delete();
  adev.uninit();
  const r = k.report();
  console.log(r.text, k.log, adev.stateId, ida.allocated);
  expect(r.clean).toBe(true);
});
