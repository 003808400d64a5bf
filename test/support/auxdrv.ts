import {
  Kernel, type AuxDevice, type Ida, type KernelMode, type ParentDevice, type ReleaseCallback, type Report,
} from '../../src/index.js';

/**
 * The documented registration written the way a driver author writes it in C
 * (kernel-auxbus.md §2.2, §2.3), against the simulated kernel. Shared by the scenario and
 * fault-injection tests so that "the correct routine" is one piece of code.
 *
 * ```c
 * static void my_release(struct device *dev)
 * {
 *         struct my_aux *m = container_of(dev, struct my_aux, adev.dev);
 *         ida_free(&my_ida, m->adev.id);
 *         kfree(m);
 * }
 *
 * static struct my_aux *my_register(struct device *parent, const char *name)
 * {
 *         m = kzalloc(sizeof(*m), GFP_KERNEL);
 *         if (!m) return ERR_PTR(-ENOMEM);
 *         id = ida_alloc(&my_ida, GFP_KERNEL);
 *         if (id < 0) { ret = id; goto err_free; }
 *         m->adev.name = name; m->adev.id = id;
 *         m->adev.dev.parent = parent; m->adev.dev.release = my_release;
 *         ret = auxiliary_device_init(&m->adev);
 *         if (ret) goto err_ida;
 *         ret = auxiliary_device_add(&m->adev);
 *         if (ret) { auxiliary_device_uninit(&m->adev); return ERR_PTR(ret); }
 *         return m;
 * err_ida: ida_free(&my_ida, id);
 * err_free: kfree(m);
 *         return ERR_PTR(ret);
 * }
 *
 * static void my_unregister(struct my_aux *m)
 * {
 *         auxiliary_device_delete(&m->adev);
 *         auxiliary_device_uninit(&m->adev);
 * }
 * ```
 */
export const ENOMEM = -12;

/** A kernel with one parent device (the PCI function) and the driver's IDA. */
export interface Env {
  k: Kernel;
  parent: ParentDevice;
  ida: Ida;
}

export function env(mode: KernelMode = 'audit'): Env {
  const k = new Kernel({ mode });
  return { k, parent: k.parentDevice('0000:03:00.0'), ida: k.idaInit('my_ida') };
}

/** `my_release`: frees the id, then the container. */
export function myRelease({ k, ida }: Env) {
  return (adev: AuxDevice) => {
    ida.free(adev.id);
    k.kfree(adev);
  };
}

/** Options of {@link myRegister}. */
export interface RegisterOptions {
  name?: string;
  modname?: string;
  /** null makes init fail (§1.2 check 1). */
  parent?: ParentDevice | null;
  /** The release callback to install (default {@link myRelease}); null installs none. */
  release?: ReleaseCallback | null;
}

/** `my_register`: the correct three-step registration. Returns the device or a negative errno. */
export function myRegister(e: Env, o: RegisterOptions = {}): AuxDevice | number {
  const { name = 'foo', modname = 'mymod' } = o;
  const parent = o.parent === undefined ? e.parent : o.parent;
  const release = o.release === undefined ? myRelease(e) : o.release;
  const { k, ida } = e;
  const adev = k.kzallocDevice('struct my_aux');
  if (!adev) return ENOMEM;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev); // goto err_free
    return id;
  }
  adev.name = name;
  adev.id = id;
  adev.parent = parent;
  adev.release = release;
  let ret = adev.init();
  if (ret !== 0) {
    ida.free(id); // err_ida
    k.kfree(adev); // err_free
    return ret;
  }
  ret = adev.add(modname);
  if (ret !== 0) {
    adev.uninit(); // release frees the id and the container
    return ret;
  }
  return adev;
}

/** `my_unregister`: delete, then uninit. */
export function myUnregister(adev: AuxDevice): void {
  adev.delete();
  adev.uninit();
}

/** The codes of a report's violations and leaks, for compact assertions. */
export function codes(r: Report): { violations: string[]; leaks: string[] } {
  return { violations: r.violations.map((f) => f.code), leaks: r.leaks.map((f) => f.code) };
}

/** Runs `fn` and returns what it threw (fails the test if it threw nothing). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, it returned normally');
}
