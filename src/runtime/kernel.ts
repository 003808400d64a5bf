import {
  AuxbusError, CODE_OWNER, ParameterError, VIOLATIONS, type KernelLogParams, type ViolationParams,
} from '../../machines/index.js';
import { AuxiliaryBus } from './bus.js';
import { AuxDevice, type ReleaseCallback } from './device.js';
import { auxiliaryDeviceCreate, auxiliaryDeviceDestroy, devmAuxiliaryDeviceCreate } from './create.js';
import { AuxDriver, type AuxDriverSpec } from './driver.js';
import { ForeignObjectError, ViolationError } from './errors.js';
import { FaultInjector } from './faults.js';
import { Ida } from './ida.js';
import { Allocation } from './memory.js';
import type { KernelObject } from './object.js';
import { ParentDevice } from './parent.js';
import { formatFindings, type Finding, type LogLine, type Report, type StepRef } from './report.js';

/** `strict` throws a ViolationError at the breaking step; `audit` records it and goes on. */
export type KernelMode = 'strict' | 'audit';

/** Options of a {@link Kernel}. */
export interface KernelOptions {
  /** Default `audit`, as a kernel with KASAN and panic_on_warn off carries on. */
  mode?: KernelMode;
}

interface Frame {
  step: number;
  op: string;
  target: { describe(): string } | undefined;
  args: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of objects of every machine
type AnyObject = KernelObject<any, any>;

/**
 * A simulated kernel around one auxiliary bus: memory, parent devices, IDAs, auxiliary devices
 * and drivers, fault injection and the report. Every object it hands out is driven by the model's
 * machines; calls return what the kernel returns (0 or a negative errno), so the code under test
 * is the caller's own unwinding.
 * @example
 * const k = new Kernel({ mode: 'audit' });
 * const pdev = k.parentDevice('0000:00:1f.3');
 * const adev = k.kzallocDevice('foo')!;
 * adev.name = 'foo'; adev.parent = pdev; adev.release = (d) => k.kfree(d);
 * if (adev.init() === 0 && adev.add('mymod') !== 0) adev.uninit();
 * k.report().clean;
 */
export class Kernel {
  readonly mode: KernelMode;
  /** Fault injection (fail-nth and named sites). */
  readonly faults: FaultInjector;
  /** The auxiliary bus. */
  readonly bus: AuxiliaryBus;
  /** What the kernel printed (WARN, pr_err, dev_err), in order. */
  readonly log: LogLine[] = [];
  private steps = 0;
  private readonly frames: Frame[] = [];
  private readonly found: Finding[] = [];
  private readonly objects: AnyObject[] = [];
  private readonly idas: Ida[] = [];
  private readonly parents = new Set<ParentDevice>();
  private readonly releasing: AuxDevice[] = [];

  constructor(options: KernelOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ParameterError('Kernel(options)', options, 'an object { mode? }');
    const mode = options.mode ?? 'audit';
    if (mode !== 'strict' && mode !== 'audit') throw new ParameterError('mode', mode, "'strict' or 'audit'");
    this.mode = mode;
    this.faults = new FaultInjector(() => this.steps);
    this.bus = new AuxiliaryBus(this);
  }

  // ---- what a driver calls ----

  /** `kzalloc(size, GFP_KERNEL)` for plain data: an allocation, or null when the allocation fails. */
  kzalloc(label = 'kzalloc'): Allocation | null {
    requireLabel(label);
    return this.call('kzalloc', undefined, JSON.stringify(label), () =>
      this.faults.shouldFail('kzalloc') ? null : new Allocation(this, label));
  }

  /** `kzalloc` of a container embedding a `struct auxiliary_device`, or null when it fails. */
  kzallocDevice(label = 'auxiliary device'): AuxDevice | null {
    requireLabel(label);
    return this.call('kzalloc', undefined, JSON.stringify(label), () =>
      this.faults.shouldFail('kzalloc') ? null : new AuxDevice(this, label));
  }

  /** `kfree(ptr)`: `kfree(NULL)` does nothing. */
  kfree(ptr: Allocation | AuxDevice | null): void {
    if (ptr === null) return;
    if (!(ptr instanceof Allocation) && !(ptr instanceof AuxDevice)) {
      throw new ParameterError('kfree(ptr)', ptr, 'an Allocation or AuxDevice from kzalloc, or null');
    }
    this.requireOwn(ptr, 'kfree(ptr)', 'an allocation');
    this.call('kfree', ptr, '', () => ptr.free());
  }

  /** A parent device (e.g. the PCI function whose driver creates auxiliary devices). */
  parentDevice(name: string): ParentDevice {
    requireLabel(name, 'parentDevice(name)');
    const p = new ParentDevice(this, name);
    this.parents.add(p);
    return p;
  }

  /** `DEFINE_IDA` / `ida_init`. */
  idaInit(label = 'ida'): Ida {
    requireLabel(label, 'idaInit(label)');
    return this.call('ida_init', undefined, JSON.stringify(label), () => {
      const ida = new Ida(this, label);
      this.idas.push(ida);
      return ida;
    });
  }

  /** A `struct auxiliary_driver`, filled in; register it with `register(modname)`. */
  auxiliaryDriver(spec: AuxDriverSpec): AuxDriver {
    return new AuxDriver(this, spec);
  }

  /** `auxiliary_device_create()`: a registered device, or null on any failure (§1.5). */
  auxiliaryDeviceCreate(parent: ParentDevice, modname: string, devname: string, platformData: unknown, id: number): AuxDevice | null {
    return auxiliaryDeviceCreate(this, parent, modname, devname, platformData, id);
  }

  /** `auxiliary_device_destroy()`: delete + uninit (§1.4). */
  auxiliaryDeviceDestroy(adev: AuxDevice): void {
    auxiliaryDeviceDestroy(this, adev);
  }

  /** `__devm_auxiliary_device_create()`; id 0 as the `devm_auxiliary_device_create` macro (§1.6). */
  devmAuxiliaryDeviceCreate(parent: ParentDevice, modname: string, devname: string, platformData?: unknown, id = 0): AuxDevice | null {
    return devmAuxiliaryDeviceCreate(this, parent, modname, devname, platformData, id);
  }

  // ---- the report ----

  /**
   * Violations found so far and what the end check finds now (model.md §4.3): devices never
   * released, allocations never freed, ids never freed, references never put, each with the step
   * that created it. It changes nothing; call it as often as you like.
   */
  report(): Report {
    const leaks: Finding[] = [];
    const excused: number[] = [];
    for (const obj of this.objects) {
      if (obj instanceof Ida) continue;
      const end = obj.endFindings({ type: 'END' });
      for (const v of end) leaks.push(this.finding(v, obj, obj.createdAt));
      if (obj instanceof AuxDevice && (end.length > 0 || obj.flagged)) excused.push(obj.handle);
    }
    for (const ida of this.idas) {
      for (const v of ida.endFindings({ type: 'END', excused })) {
        for (const id of v.ids ?? []) {
          leaks.push(this.finding({ code: v.code, ids: [id] }, ida, ida.allocatedAt.get(id) ?? ida.createdAt));
        }
      }
    }
    const violations = [...this.found];
    return { violations, leaks, clean: violations.length === 0 && leaks.length === 0, text: formatFindings([...violations, ...leaks]) };
  }

  // ---- plumbing the runtime objects use (not for drivers) ----

  /** @internal Runs one API call: numbers it and names it for reports. */
  call<T>(op: string, target: { describe(): string } | undefined, args: string, fn: () => T): T {
    const frame: Frame = { step: ++this.steps, op, target, args };
    this.frames.push(frame);
    try {
      return fn();
    } finally {
      this.frames.pop();
    }
  }

  /** @internal The call in progress, for `createdAt`. */
  here(): StepRef {
    const f = this.frames[this.frames.length - 1];
    return f ? { step: f.step, call: describeFrame(f) } : { step: this.steps, call: '(outside any call)' };
  }

  /** @internal Registers a new object; returns its handle. */
  adopt(obj: AnyObject): number {
    this.objects.push(obj);
    return this.objects.length; // handles start at 1: 0 is CODE_OWNER
  }

  /** @internal A machine raised a violation against `obj`. */
  raise(v: ViolationParams, obj: { describe(): string; createdAt: StepRef }): void {
    const finding = this.finding(v, obj, obj.createdAt);
    this.found.push(finding);
    if (this.mode === 'strict') throw new ViolationError(finding);
  }

  /** @internal A machine named a kernel log line. */
  printk(p: KernelLogParams, obj: { describe(): string }): void {
    const name = obj.describe();
    this.log.push({ ...this.here(), level: p.level, text: p.text.replace('<name>', name) });
  }

  /** @internal Runs a device's release callback (the machine decided it runs now). */
  runRelease(adev: AuxDevice, release: ReleaseCallback): void {
    this.releasing.push(adev);
    try {
      this.call('release', adev, '', () => release(adev));
    } finally {
      this.releasing.pop();
    }
    adev.send({ type: 'RELEASED' });
  }

  /** @internal `adev->id = id`: an id the code holds becomes the device's (model.md §4.4). */
  claimId(id: number, adev: AuxDevice): void {
    for (const ida of this.idas) if (ida.ownerOf(id) === CODE_OWNER) ida.send({ type: 'CLAIM', id, owner: adev.handle });
  }

  /**
   * @internal On whose behalf `ida_free(id)` runs. Inside a device's release callback freeing its
   * own id field, that device: if the id was re-allocated meanwhile, the model sees the stale free.
   * Elsewhere a plain number carries no identity, so the free is taken as the current owner's.
   */
  freerOf(ida: Ida, id: number): number {
    const current = ida.ownerOf(id);
    if (current === undefined || current === CODE_OWNER) return CODE_OWNER;
    const releasing = this.releasing[this.releasing.length - 1];
    return releasing !== undefined && releasing.rawId === id ? releasing.handle : current;
  }

  /** @internal Throws unless `obj` belongs to this kernel. */
  requireOwn(obj: unknown, parameter: string, expected: string): void {
    const owner = (obj as { kernel?: unknown } | null)?.kernel;
    if (owner === undefined) throw new ParameterError(parameter, obj, `${expected} made by this Kernel`);
    if (owner !== this || (obj instanceof ParentDevice && !this.parents.has(obj))) throw new ForeignObjectError(parameter, expected);
  }

  private finding(v: ViolationParams, obj: { describe(): string }, createdAt: StepRef): Finding {
    const at = this.here();
    return {
      code: v.code, bugClass: VIOLATIONS[v.code].bugClass, step: at.step, call: at.call,
      object: obj.describe(), createdAt, ...(v.ids ? { ids: v.ids } : {}),
    };
  }
}

function describeFrame(f: Frame): string {
  return `${f.target ? `${f.target.describe()}: ` : ''}${f.op}(${f.args})`;
}

function requireLabel(label: unknown, parameter = 'label'): void {
  if (typeof label !== 'string' || label.length === 0) throw new ParameterError(parameter, label, 'a non-empty string');
}

export { AuxbusError };
