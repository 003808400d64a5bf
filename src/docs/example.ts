// docs/runtime.md's runtime example, kept as real code so the page shows what runs (the
// section is generated from this file, and test/docs/ runs it).
import { Kernel, type AuxDevice } from '../index.js';

export function readmeExample(): string {
  const k = new Kernel({ mode: 'audit' }); // 'strict' throws a ViolationError instead
  const pci = k.parentDevice('0000:03:00.0');
  const ida = k.idaInit('my_ida');

  function myCreate(): AuxDevice | number {
    const id = ida.alloc();
    if (id < 0) return id;
    const adev = k.kzallocDevice('my_aux');
    if (!adev) {
      ida.free(id);
      return -12;
    }
    adev.name = 'foo';
    adev.id = id;
    adev.parent = pci;
    adev.release = (d) => {
      ida.free(d.id);
      k.kfree(d);
    };
    let ret = adev.init();
    if (ret) {
      k.kfree(adev);
      ida.free(id);
      return ret;
    }
    ret = adev.add('my_mod'); // auxiliary_device_add() passes KBUILD_MODNAME
    if (ret) {
      adev.uninit();
      k.kfree(adev); // BUG: the release callback already freed it
      return ret;
    }
    return adev;
  }

  function myRemove(adev: AuxDevice): void {
    adev.delete(); // auxiliary_device_delete(): off the bus, the aux driver's remove runs
    adev.uninit(); // auxiliary_device_uninit(): the last reference; release frees id and memory
  }

  const first = myCreate(); // no fault: created, then torn down cleanly
  if (typeof first !== 'number') myRemove(first);

  k.faults.failSite('device_add'); // now device_add fails with -ENOMEM, as fail-nth would make it
  const second = myCreate();
  if (typeof second !== 'number') myRemove(second);
  return k.report().text;
}
