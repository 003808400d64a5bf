import { defineScenario, NEG, type AuxDevice, type Kernel } from '../src/index.js';
import { myAuxEnv, type MyAuxEnv } from './correct-ida.js';

/**
 * id-double-free: the release callback frees the id, and the add-failure unwind frees it as
 * well after auxiliary_device_uninit() (the ionic pattern of kernel-auxbus.md §5 B4: falling
 * through from uninit into ida_free). The id is no longer allocated at the second free, so the
 * kernel WARNs "ida_free called for id=0 which is not allocated." (ida-double-free, B4).
 *
 * ```c
 *         ret = auxiliary_device_add(&m->adev);
 *         if (ret) {
 *                 auxiliary_device_uninit(&m->adev);   // release: ida_free(id) + kfree(m)
 *                 ida_free(&my_aux_ida, id);           // BUG: freed twice
 *                 return ERR_PTR(ret);
 *         }
 * ```
 */
/**
 * The scenario (also the default export).
 * @example console.log(formatExploration(explore(scenario)));
 */
export const scenario = defineScenario({
  name: 'id-double-free',
  description: 'The release callback frees the id, and the add-failure path frees it again after uninit: ida_free of an id that is not allocated when dev_set_name or device_add fails (§4, §5 B4).',
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
      ida.free(id); // BUG: the release callback already freed it
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
