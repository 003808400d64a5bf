// The explorer example of the README and docs/runtime.md, kept as real code so they show what runs (the
// section is generated from this file, and test/docs/ runs it).
import { explore, formatExploration, NEG, type AuxDevice, type ParentDevice, type Scenario } from '../index.js';

const myAux: Scenario<ParentDevice, AuxDevice | number> = {
  name: 'my-aux',
  setup: (k) => k.parentDevice('0000:03:00.0'), // the environment: made before any fault is armed
  create(k, parent) {
    const adev = k.kzallocDevice('struct my_aux');
    if (!adev) return NEG.ENOMEM;
    adev.name = 'foo';
    adev.parent = parent;
    adev.release = (d) => k.kfree(d);
    let ret = adev.init();
    if (ret) {
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('my_mod');
    if (ret) return ret; // BUG: no auxiliary_device_uninit() once init succeeded
    return adev;
  },
  teardown(_k, _parent, adev) {
    // runs only when create succeeded (a device, a number >= 0, ...)
    (adev as AuxDevice).delete();
    (adev as AuxDevice).uninit();
  },
};

export function exploreExample(): string {
  return formatExploration(explore(myAux)); // explore(myAux, { maxFaults: 2 }) tries pairs too
}
