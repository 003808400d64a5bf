import { ParameterError, type DeviceContext, type DeviceEvent } from '../../machines/index.js';
import type { Effect } from '../model/compile.js';
import type { AuxDriver } from './driver.js';
import type { Kernel } from './kernel.js';
import { KernelObject } from './object.js';
import type { ParentDevice } from './parent.js';
import { tables } from './tables.js';

/** A release callback: runs once when the last reference is dropped (kernel-auxbus.md §3.6). */
export type ReleaseCallback = (adev: AuxDevice) => void;

const U32_MAX = 2 ** 32 - 1;

/** `%d` of a u32 (kernel-auxbus.md §1.1: ids ≥ 2^31 print negative). */
const asInt = (id: number) => (id > 0x7fffffff ? id - 2 ** 32 : id);

/**
 * A kzalloc'd container embedding a `struct auxiliary_device` (the container and the device share
 * one memory, as with `container_of`). Fields start zeroed as kzalloc leaves them; every field
 * access and call is stepped on the device machine, so use after release, double free and the
 * rest of model.md §3 are caught at the step that does them.
 * @example
 * const adev = k.kzallocDevice('foo');
 * if (adev) { adev.name = 'foo'; adev.id = 0; adev.parent = parent; adev.release = (d) => k.kfree(d); adev.init(); }
 */
export class AuxDevice extends KernelObject<DeviceContext, DeviceEvent> {
  private _name: string | null = null;
  private _id = 0;
  private _parent: ParentDevice | null = null;
  private _release: ReleaseCallback | null = null;
  private _platformData: unknown = undefined;
  private readonly _data = new Map<string, unknown>();
  /** The name `dev_set_name` gave it (`modname.name.id`), set by add even when add then fails (§1.3). */
  private _devName: string | null = null;
  private _releaseCalls = 0;

  /** @internal use `Kernel.kzallocDevice` */
  constructor(kernel: Kernel, readonly label: string) {
    super(kernel, tables.device, { hasRelease: false });
  }

  describe(): string {
    return this._devName ? `auxiliary device ${this._devName}` : `auxiliary device #${this.handle} (${this.label})`;
  }

  // ---- fields (struct auxiliary_device and the container) ----

  /** `auxdev->name`: borrowed by the core, never copied (§1.1). `null` is a NULL name. */
  get name(): string | null {
    return this.read('name', () => this._name);
  }
  set name(value: string | null) {
    if (value !== null && (typeof value !== 'string' || value.length === 0)) {
      throw new ParameterError('adev.name', value, 'a non-empty string, or null for a NULL name');
    }
    this.write('name', () => { this._name = value; });
  }

  /** `auxdev->id` (u32). Setting it to an id an IDA handed out makes the id this device's (model.md §4.4). */
  get id(): number {
    return this.read('id', () => this._id);
  }
  set id(value: number) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new ParameterError('adev.id', value, `an integer from 0 to ${U32_MAX} (auxdev->id is a u32)`);
    }
    this.write('id', () => {
      this._id = value;
      this.kernel.claimId(value, this);
    });
  }

  /** `auxdev->dev.parent`: a parent device of the same kernel, or null. */
  get parent(): ParentDevice | null {
    return this.read('dev.parent', () => this._parent);
  }
  set parent(value: ParentDevice | null) {
    if (value !== null) this.kernel.requireOwn(value, 'adev.parent', 'a ParentDevice (k.parentDevice(name))');
    this.write('dev.parent', () => { this._parent = value; });
  }

  /** `auxdev->dev.release`: read by the kernel only at the final put (§3.6). */
  get release(): ReleaseCallback | null {
    return this.read('dev.release', () => this._release);
  }
  set release(value: ReleaseCallback | null) {
    if (value !== null && typeof value !== 'function') {
      throw new ParameterError('adev.release', value, 'a function (adev) => void, or null');
    }
    this.kernel.call('set release', this, '', () => {
      this.send({ type: 'SET_RELEASE', present: value !== null });
      this._release = value;
    });
  }

  /** `auxdev->dev.platform_data`: borrowed, never freed by the bus. */
  get platformData(): unknown {
    return this.read('dev.platform_data', () => this._platformData);
  }
  set platformData(value: unknown) {
    this.write('dev.platform_data', () => { this._platformData = value; });
  }

  /** A field of the container around the device (driver-private data). */
  field(name: string): unknown {
    return this.read(name, () => this._data.get(name));
  }
  /** Writes a field of the container. */
  setField(name: string, value: unknown): void {
    this.write(name, () => { this._data.set(name, value); });
  }

  // ---- the auxiliary-bus API (kernel-auxbus.md §1.2–§1.4, §3.2) ----

  /** `auxiliary_device_init()`: 0, or -EINVAL for a NULL parent or name (§1.2). */
  init(): number {
    return this.kernel.call('init', this, '', () =>
      this.send({ type: 'INIT', parent: this._parent !== null, name: this._name !== null }) ?? 0);
  }

  /**
   * `__auxiliary_device_add(adev, modname)` (`auxiliary_device_add` passes KBUILD_MODNAME): 0, or
   * -EINVAL / -ENOMEM / -EEXIST (§1.3). `null` is a NULL modname.
   */
  add(modname: string | null): number {
    if (modname !== null && (typeof modname !== 'string' || modname.length === 0)) {
      throw new ParameterError('add(modname)', modname, 'a non-empty module name, or null for a NULL modname');
    }
    return this.kernel.call('add', this, modname === null ? 'NULL' : JSON.stringify(modname), () => {
      const composed = modname === null ? null : `${modname}.${this._name}.${asInt(this._id)}`.replaceAll('/', '!');
      const base = { type: 'ADD', modname: modname !== null, nameTaken: false, fault: 'none' } as const;
      // The machine says how far add gets; an injected fault can only hit a step it reaches.
      let fault: 'none' | 'name-nomem' | 'device-add-nomem' = 'none';
      if (this.guardFor({ ...base, fault: 'name-nomem' }) === 'addNameNomem') {
        if (this.kernel.faults.shouldFail('dev_set_name')) fault = 'name-nomem';
        else {
          this._devName = composed;
          if (this.kernel.faults.shouldFail('device_add')) fault = 'device-add-nomem';
        }
      }
      const nameTaken = composed !== null && this.kernel.bus.hasDevice(composed);
      return this.send({ ...base, nameTaken, fault }) ?? 0;
    });
  }

  /** `auxiliary_device_delete()` (`device_del`, §3.5). */
  delete(): void {
    this.kernel.call('delete', this, '', () => { this.send({ type: 'DELETE' }); });
  }

  /** `auxiliary_device_uninit()`: drops the caller's reference (§1.4). */
  uninit(): void {
    this.kernel.call('uninit', this, '', () => { this.send({ type: 'UNINIT' }); });
  }

  /** `get_device(&adev->dev)`: returns the device, as get_device does. */
  get(): AuxDevice {
    return this.kernel.call('get_device', this, '', () => {
      this.send({ type: 'GET' });
      return this;
    });
  }

  /** `put_device(&adev->dev)`. */
  put(): void {
    this.kernel.call('put_device', this, '', () => { this.send({ type: 'PUT' }); });
  }

  // ---- observation (no kernel access: for tests and reports) ----

  /** The composed device name `modname.name.id`, once add has set it. */
  get devName(): string | null {
    return this._devName;
  }
  /** The whole reference count the kernel holds: the caller's and the bus's (§3.4). */
  get refcount(): number {
    return this.state.context.refs + this.state.context.busRefs;
  }
  /** How often the release callback ran (the model says: at most once). */
  get releaseCalls(): number {
    return this._releaseCalls;
  }
  /** The driver bound to it, if any. */
  get driver(): AuxDriver | undefined {
    return this.kernel.bus.driverOf(this);
  }
  /** `MODALIAS=auxiliary:<modname.name>` once named (§1.7). */
  get modalias(): string | null {
    return this._devName === null ? null : `auxiliary:${this.kernel.bus.matchName(this._devName)}`;
  }
  /** @internal A violation was reported against it (model.md §4.3: the end check skips its id). */
  get flagged(): boolean {
    return this.state.context.flagged;
  }
  /** @internal the id field without a model access (the release-callback context uses it). */
  get rawId(): number {
    return this._id;
  }

  /**
   * @internal Sets fields without a model access (test harnesses that replay machine paths use it
   * to give INIT the parent and name an event asks for).
   */
  fill(fields: { name?: string | null; parent?: ParentDevice | null }): void {
    if (fields.name !== undefined) this._name = fields.name;
    if (fields.parent !== undefined) this._parent = fields.parent;
  }

  /** @internal kfree of the container (`Kernel.kfree`). */
  free(): void {
    this.send({ type: 'KFREE' });
  }

  protected override onEffect(e: Effect): void {
    switch (e.type) {
      case 'runRelease':
        this._releaseCalls++;
        this.kernel.runRelease(this, this._release!);
        return;
      case 'busAdd':
        this.kernel.bus.insertDevice(this);
        return;
      case 'busRemove':
        this.kernel.bus.removeDevice(this);
        return;
      case 'probeDrivers':
        this.kernel.bus.probeDevice(this);
        return;
      case 'driverRemove':
        this.kernel.bus.unbindDevice(this);
        return;
      default:
        return; // readField / writeField: the access itself is done by the caller
    }
  }

  private read<T>(field: string, get: () => T): T {
    return this.kernel.call('read', this, field, () => {
      this.send({ type: 'READ', field });
      return get();
    });
  }

  private write(field: string, set: () => void): void {
    this.kernel.call('write', this, field, () => {
      this.send({ type: 'WRITE', field });
      set();
    });
  }
}

