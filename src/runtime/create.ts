import { ParameterError, requireInt } from '../../machines/index.js';
import { AuxDevice } from './device.js';
import type { Kernel } from './kernel.js';
import { ParentDevice } from './parent.js';

/**
 * The kernel's create helpers (kernel-auxbus.md §1.5, §1.6), written as the kernel writes them
 * against the same device API a driver uses, so the machines judge them like any other caller.
 */

function checkArgs(k: Kernel, parent: ParentDevice, modname: string | null, devname: string | null, id: number): void {
  k.requireOwn(parent, ParentDevice, 'parent', 'a ParentDevice (k.parentDevice(name))');
  // NULL is what C can pass: the kernel's own checks answer it (init or add fails, create returns NULL).
  for (const [name, value] of [['modname', modname], ['devname', devname]] as const) {
    if (value !== null && (typeof value !== 'string' || value.length === 0)) throw new ParameterError(name, value, 'a non-empty string, or null for NULL');
  }
  requireInt('id', id, -(2 ** 31), 2 ** 31 - 1, 'auxiliary_device_create takes an int id');
}

/** `auxiliary_device_release`: frees the struct (and, in the kernel, drops the OF node reference). */
function auxiliaryDeviceRelease(k: Kernel) {
  return (adev: AuxDevice) => k.kfree(adev);
}

/**
 * `auxiliary_device_create(dev, modname, devname, platform_data, id)`: allocate, fill, init, add.
 * Returns the registered device or null for every failure (the errno is lost, §1.5).
 */
export function auxiliaryDeviceCreate(
  k: Kernel, parent: ParentDevice, modname: string | null, devname: string | null, platformData: unknown, id: number,
): AuxDevice | null {
  checkArgs(k, parent, modname, devname, id);
  return k.call('auxiliary_device_create', parent, [modname, devname, id], () => {
    const adev = k.kzallocDevice('auxiliary_device_create');
    if (!adev) return null;
    adev.id = id < 0 ? id + 2 ** 32 : id; // an int stored in the u32 field
    adev.name = devname;
    adev.parent = parent;
    adev.platformData = platformData;
    adev.release = auxiliaryDeviceRelease(k);
    if (adev.init() !== 0) {
      k.kfree(adev);
      return null;
    }
    if (adev.add(modname) !== 0) {
      // The release callback frees it: the kernel's comment says not to free here.
      adev.uninit();
      return null;
    }
    return adev;
  });
}

/** `auxiliary_device_destroy(adev)`: delete then uninit (§1.4). */
export function auxiliaryDeviceDestroy(k: Kernel, adev: AuxDevice): void {
  k.requireOwn(adev, AuxDevice, 'auxiliary_device_destroy(adev)', 'an AuxDevice');
  k.call('auxiliary_device_destroy', adev, undefined, () => {
    adev.delete();
    adev.uninit();
  });
}

/**
 * `__devm_auxiliary_device_create(dev, modname, devname, platform_data, id)`; the kernel's
 * `devm_auxiliary_device_create` macro passes id 0 (two instances with one devname collide, B16).
 * The device is destroyed when the parent's driver unbinds.
 */
export function devmAuxiliaryDeviceCreate(
  k: Kernel, parent: ParentDevice, modname: string | null, devname: string | null, platformData: unknown = undefined, id = 0,
): AuxDevice | null {
  checkArgs(k, parent, modname, devname, id);
  return k.call('devm_auxiliary_device_create', parent, [modname, devname, id], () => {
    const adev = auxiliaryDeviceCreate(k, parent, modname, devname, platformData, id);
    if (!adev) return null;
    const ret = parent.devmAddActionOrReset(`auxiliary_device_destroy ${adev.devName}`, () => auxiliaryDeviceDestroy(k, adev));
    return ret === 0 ? adev : null;
  });
}
