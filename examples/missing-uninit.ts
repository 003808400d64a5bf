import { defineScenario, NEG, type AuxDevice, type Kernel } from '../src/index.js';
import { myAuxEnv, type MyAuxEnv } from './correct-ida.js';

/**
 * missing-uninit: when auxiliary_device_add() fails the routine just returns the error. The
 * device was initialized, so its initial reference is never dropped and its release never runs:
 * the container, the name dev_set_name allocated, and the id the release would free all leak
 * (kernel-auxbus.md §1.3, §5 B3; kmemleak: "unreferenced object ..."). Only the add-failure
 * paths reach it, and the end check reports it once, as leak-initialized (model.md §4.3).
 *
 * ```c
 *         ret = auxiliary_device_add(&m->adev);
 *         if (ret)
 *                 return ERR_PTR(ret);                 // BUG: no auxiliary_device_uninit()
 * ```
 */
/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario)));
 */
export const scenario = defineScenario({
  name: 'missing-uninit',
  description: 'On add failure it returns without auxiliary_device_uninit(): the initialized device is never released, so it leaks with its name and id when dev_set_name or device_add fails (§1.3, §5 B3).',
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
    if (ret !== 0) return ret; // BUG: the device stays initialized for ever
    return adev;
  },
  teardown(_k, _env, adev) {
    const m = adev as AuxDevice;
    m.delete();
    m.uninit();
  },
});

export default scenario;
