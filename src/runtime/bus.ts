import { NEG, ParameterError } from '../../machines/index.js';
import { AuxDevice } from './device.js';
import type { AuxDriver } from './driver.js';
import type { Kernel } from './kernel.js';

/**
 * The auxiliary bus: the devices added (names unique bus-wide, §2.4) and the drivers registered
 * (in registration order, the order the core tries them, §1.8), and the binding between them.
 * It only keeps these relations and calls the drivers; whether a device joins, binds or leaves is
 * decided by the device and driver machines, whose effects call in here.
 */
export class AuxiliaryBus {
  private readonly devices = new Map<string, AuxDevice>();
  private readonly drivers: AuxDriver[] = [];
  private readonly bound = new Map<AuxDevice, AuxDriver>();
  /** The driver whose probe is running (for the kernel's log line when it fails). */
  probing: AuxDriver | undefined;

  /** @internal */
  constructor(private readonly kernel: Kernel) {}

  /** Names of the devices on the bus, in the order they were added (`/sys/bus/auxiliary/devices`). */
  list(): string[] {
    return [...this.devices.keys()];
  }

  /** Names of the registered drivers, in registration order. */
  driverNames(): string[] {
    return this.drivers.map((d) => d.driverName!);
  }

  /** The device of that name on the bus. */
  find(name: string): AuxDevice | undefined {
    requireName(name, 'find(name)');
    return this.devices.get(name);
  }

  /** Whether a device of that name is on the bus. */
  hasDevice(name: string): boolean {
    requireName(name, 'hasDevice(name)');
    return this.devices.has(name);
  }

  /** Whether a driver of that name is registered. */
  hasDriver(name: string): boolean {
    requireName(name, 'hasDriver(name)');
    return this.drivers.some((d) => d.driverName === name);
  }

  /** The driver bound to a device. */
  driverOf(adev: AuxDevice): AuxDriver | undefined {
    this.kernel.requireOwn(adev, AuxDevice, 'driverOf(adev)', 'an AuxDevice');
    return this.bound.get(adev);
  }

  /**
   * The name drivers match on: the device name up to, not including, its last '.' (§1.7).
   * @example bus.matchName('mymod.foo.3') // 'mymod.foo'
   */
  matchName(devName: string): string {
    requireName(devName, 'matchName(devName)');
    const dot = devName.lastIndexOf('.');
    return dot < 0 ? devName : devName.slice(0, dot);
  }

  /** `MODALIAS=auxiliary:<match name>` of a named device (§1.7). */
  uevent(adev: AuxDevice): { MODALIAS: string } | undefined {
    this.kernel.requireOwn(adev, AuxDevice, 'uevent(adev)', 'an AuxDevice');
    return adev.modalias === null ? undefined : { MODALIAS: adev.modalias };
  }

  /** @internal busAdd effect */
  insertDevice(adev: AuxDevice): void {
    this.devices.set(adev.devName!, adev);
  }

  /** @internal busRemove effect */
  removeDevice(adev: AuxDevice): void {
    if (this.devices.get(adev.devName!) === adev) this.devices.delete(adev.devName!);
  }

  /** @internal probeDrivers effect: drivers in bus order until one binds (§1.8). */
  probeDevice(adev: AuxDevice): void {
    if (this.drivers.length === 0) return; // no driver to try: nothing to copy
    for (const drv of [...this.drivers]) {
      const r = this.tryProbe(drv, adev);
      // A bind the driver core fails before the probe is an error, not a probe result: device_add
      // tries no other driver (§1.8, drivers/base/dd.c __device_attach_driver).
      if (r !== 'probe-failed') return;
    }
  }

  /** @internal attachDevices effect: the new driver probes every matching unbound device (§1.8). */
  attachDriver(drv: AuxDriver): void {
    this.drivers.push(drv);
    for (const adev of [...this.devices.values()]) {
      if (!this.bound.has(adev)) this.tryProbe(drv, adev);
    }
  }

  /** @internal detachDevices effect: remove on every device bound to it, then it leaves (§1.9). */
  detachDriver(drv: AuxDriver): void {
    for (const [adev, d] of [...this.bound]) if (d === drv) adev.send({ type: 'UNBIND' });
    const i = this.drivers.indexOf(drv);
    if (i >= 0) this.drivers.splice(i, 1);
  }

  /** @internal driverRemove effect: the bound driver's remove runs and the binding ends. */
  unbindDevice(adev: AuxDevice): void {
    const drv = this.bound.get(adev);
    this.bound.delete(adev);
    // The driver's remove is the driver's code: a step of its own, inside the call that ran it.
    if (drv?.remove) this.kernel.call('remove', adev, drv.name, () => drv.remove!(adev));
  }

  /**
   * @internal `device_shutdown()` at reboot/poweroff: walks the devices in reverse order of
   * registration; the auxiliary bus's shutdown calls the driver's `shutdown` only when the device
   * is bound and the driver has one (§1.8 auxiliary_bus_shutdown). Nothing changes state.
   */
  shutdownDevices(): void {
    for (const adev of [...this.devices.values()].reverse()) this.bound.get(adev)?.shutdown?.(adev);
  }

  /** One driver's try: bound, its probe failed (the next may try), or the core failed the bind. */
  private tryProbe(drv: AuxDriver, adev: AuxDevice): 'bound' | 'probe-failed' | 'bind-failed' {
    const id = drv.match(this.matchName(adev.devName!));
    if (id === undefined) return 'probe-failed';
    let result: unknown = NEG.ENOMEM;
    this.probing = drv;
    const coreFails = this.kernel.faults.shouldFail('probe');
    try {
      if (!coreFails) {
        this.bound.set(adev, drv); // the core sets dev->driver before it calls probe
        // The driver's probe is the driver's code: a step of its own, inside the call that ran it.
        result = this.kernel.call('probe', adev, drv.name, () => drv.probe!(adev, id));
      }
      // really_probe treats any non-zero return as a failed probe (a positive one too).
      const valid = typeof result === 'number' && Number.isInteger(result);
      adev.send({ type: 'PROBE', result: valid ? result as number : NEG.EINVAL });
      const bound = adev.hasTag('bound'); // the device machine decides whether that probe bound it
      if (!bound) this.bound.delete(adev);
      if (!valid) throw new ParameterError(`${drv.describe()} probe() return`, result, 'an integer: 0, or a negative errno');
      return bound ? 'bound' : coreFails ? 'bind-failed' : 'probe-failed';
    } finally {
      this.probing = undefined;
    }
  }
}

/** A name looked up on the bus: any string (a name the bus does not hold is simply not found). */
function requireName(name: unknown, parameter: string): void {
  if (typeof name !== 'string') throw new ParameterError(parameter, name, 'a name (a string)');
}
