import { defineScenario, NEG, type AuxDevice, type Kernel } from '../src/index.js';
import { myAuxEnv, type MyAuxEnv } from './correct-ida.js';

/**
 * double-free-add-failure: the add-failure unwind calls auxiliary_device_uninit() and then frees
 * the container as well, as the ice patch discussed in kernel-auxbus.md §5 B4 did. uninit drops
 * the last reference, so the release callback has already freed the container: the kfree is a
 * double free (KASAN: "double-free in ..."). Only the paths where add fails reach it: dev_set_name
 * or device_add failing.
 *
 * ```c
 *         ret = auxiliary_device_add(&m->adev);
 *         if (ret) {
 *                 auxiliary_device_uninit(&m->adev);   // release: ida_free + kfree(m)
 *                 kfree(m);                            // BUG: freed again
 *                 return ERR_PTR(ret);
 *         }
 * ```
 */
/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario)));
 */
export const scenario = defineScenario({
  name: 'double-free-add-failure',
  description: 'On add failure it calls uninit (the release callback frees the id and the container) and then kfree()s the container too: a double free when dev_set_name or device_add fails (§5 B4).',
  setup: myAuxEnv,
  create(k: Kernel, { parent, ida }: MyAuxEnv): AuxDevice | number {
    const adev = k.kzallocDevice('struct my_aux');
    if (!adev) return NEG.ENOMEM;
    const id = ida.alloc();
    if (id < 0) {
      k.kfree(adev);
      return id;
    }
    adev.name = 'foo';
    adev.id = id;
    adev.parent = parent;
    adev.release = (d) => {
      ida.free(d.id);
      k.kfree(d);
    };
    let ret = adev.init();
    if (ret !== 0) {
      ida.free(id);
      k.kfree(adev);
      return ret;
    }
    ret = adev.add('my_mod');
    if (ret !== 0) {
      adev.uninit();
      k.kfree(adev); // BUG: the release callback already freed it
      return ret;
    }
    return adev;
  },
  teardown(_k, _env, adev) {
    const m = adev as AuxDevice;
    m.delete();
    m.uninit();
  },
});

export default scenario;
