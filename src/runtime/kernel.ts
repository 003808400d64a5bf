import {
  AuxbusError, CODE_OWNER, NO_HOLDER, ParameterError, requireBool, requireInt, requireObject, VIOLATIONS, type KernelLogParams, type ViolationCode, type ViolationParams,
} from '../../machines/index.js';
import { AuxiliaryBus } from './bus.js';
import { AuxDevice, type ReleaseCallback } from './device.js';
import { auxiliaryDeviceCreate, auxiliaryDeviceDestroy, devmAuxiliaryDeviceCreate } from './create.js';
import { AuxDriver, type AuxDriverSpec } from './driver.js';
import { CallBudgetError, ForeignObjectError, ViolationError } from './errors.js';
import { FaultInjector } from './faults.js';
import { Ida } from './ida.js';
import { Allocation } from './memory.js';
import type { KernelObject } from './object.js';
import { requireLabel } from './labels.js';
import { ParentDevice } from './parent.js';
import { CallSite, formatFindings, type Finding, type LogLine, type Report, type StepRef } from './report.js';

/** Kernel helpers that are several calls of the bus in one (their inner findings are one mistake). */
const COMPOSITE_CALLS: ReadonlySet<string> = new Set(['auxiliary_device_destroy']);

/** `strict` throws a ViolationError at the breaking step; `audit` records it and goes on. */
export type KernelMode = 'strict' | 'audit';

/**
 * When a release callback runs once the count reached 0 (model.md §4.6). `immediate`: inside the
 * put that dropped it, as a kernel without CONFIG_DEBUG_KOBJECT_RELEASE does when nobody else
 * holds a reference (readable traces). `deferred`: later, as that option (or another holder's put)
 * makes it: `runPendingReleases()` and the end check run them, in an order the caller does not
 * choose. The verdicts are the same in both.
 */
export type ReleaseTiming = 'immediate' | 'deferred';

/** Options of a {@link Kernel}. */
export interface KernelOptions {
  /** Default `audit`, as a kernel with KASAN and panic_on_warn off carries on. */
  mode?: KernelMode;
  /** Record every call in `calls` (default off): what an explorer shows as a path's steps. */
  trace?: boolean;
  /**
   * The most API calls this kernel takes (default: no limit); the next one throws a
   * `CallBudgetError`. What stops a routine that loops on the kernel forever.
   */
  maxCalls?: number;
  /** When release callbacks run (default `immediate`); see {@link ReleaseTiming}. */
  release?: ReleaseTiming;
  /**
   * Seed of the order `deferred` releases run in (default 1): any order may happen in a kernel,
   * so a test may try several; the same seed gives the same order.
   */
  releaseSeed?: number;
}

/** One recorded call (with `trace` on): its number, how deep it was nested, and what it was. */
export interface CallRecord extends StepRef {
  /** 0 for a call the driver made, 1 for one made inside it (e.g. kfree inside a release callback), ... */
  depth: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of objects of every machine
type AnyObject = KernelObject<any, any>;

const RELEASED = Object.freeze({ type: 'RELEASED' as const });
const RUN_RELEASE = Object.freeze({ type: 'RUN_RELEASE' as const });
/** Where leaks are found: after the last call, as kmemleak's scan would. */
const END_CHECK = 'end check (what kmemleak would report)';

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
  /** When release callbacks run. */
  readonly releaseTiming: ReleaseTiming;
  /** Fault injection (fail-nth and named sites). */
  readonly faults: FaultInjector;
  /** The auxiliary bus. */
  readonly bus: AuxiliaryBus;
  /** What the kernel printed (WARN, pr_err, dev_err), in order. */
  readonly log: LogLine[] = [];
  private steps = 0;
  private depth = 0;
  private readonly tracing: boolean;
  private readonly maxCalls: number;
  private readonly traced: Array<{ site: CallSite; depth: number }> = [];
  private readonly frameSteps: number[] = [];
  private readonly frameOps: string[] = [];
  private readonly frameTargets: Array<{ describe(): string } | undefined> = [];
  private readonly frameArgs: unknown[] = [];
  private readonly found: Finding[] = [];
  /** Objects the end check still has to look at, in creation order (settled ones leave it). */
  private readonly objects = new Set<AnyObject>();
  private handles = 0;
  /** The last finding raised inside a kernel helper's inner call, to report its repeat once. */
  private lastHelperFinding: { helper: number; code: ViolationCode; object: string } | undefined;
  /** Devices the machine flagged: a violation that changed them was reported (model.md §4.3). */
  private readonly flaggedDevices = new Set<number>();
  private readonly idas: Ida[] = [];
  private readonly releasing: AuxDevice[] = [];
  /** Devices whose count reached 0 and whose release has not run yet (deferred timing). */
  private readonly pending: AuxDevice[] = [];
  private releaseRandom: number;

  constructor(options: KernelOptions = {}) {
    requireObject('Kernel(options)', options, 'an object { mode?, trace?, maxCalls?, release?, releaseSeed? }');
    const mode = options.mode ?? 'audit';
    if (mode !== 'strict' && mode !== 'audit') throw new ParameterError('mode', mode, "'strict' or 'audit'");
    const timing = options.release ?? 'immediate';
    if (timing !== 'immediate' && timing !== 'deferred') throw new ParameterError('release', timing, "'immediate' or 'deferred'");
    this.releaseRandom = requireInt('releaseSeed', options.releaseSeed ?? 1, 1, 2 ** 31 - 1);
    this.mode = mode;
    this.releaseTiming = timing;
    this.tracing = requireBool('trace', options.trace ?? false);
    this.maxCalls = options.maxCalls === undefined ? Number.POSITIVE_INFINITY : requireInt('maxCalls', options.maxCalls, 1, 2 ** 31 - 1);
    this.faults = new FaultInjector(() => this.steps);
    this.bus = new AuxiliaryBus(this);
  }

  // ---- what a driver calls ----

  /** `kzalloc(size, GFP_KERNEL)` for plain data: an allocation, or null when the allocation fails. */
  kzalloc(label = 'kzalloc'): Allocation | null {
    requireLabel(label);
    return this.call('kzalloc', undefined, label, () =>
      this.faults.shouldFail('kzalloc') ? null : new Allocation(this, label));
  }

  /** `kzalloc` of a container embedding a `struct auxiliary_device`, or null when it fails. */
  kzallocDevice(label = 'auxiliary device'): AuxDevice | null {
    requireLabel(label);
    this.enter('kzalloc', undefined, label);
    try {
      return this.faults.shouldFail('kzalloc') ? null : new AuxDevice(this, label);
    } finally {
      this.exit();
    }
  }

  /**
   * `devm_kzalloc(&parent->dev, ...)` of a container embedding a `struct auxiliary_device`, or null
   * when it fails: devres frees it when the parent's driver unbinds (`parent.unbind()`), whatever
   * the device's count. After init that free is outside the release callback (model.md §4.6, B18).
   * @example
   * const adev = k.devmKzallocDevice(pdev, 'foo'); // ... init, add, delete, uninit
   * pdev.unbind(); // free-outside-release
   */
  devmKzallocDevice(parent: ParentDevice, label = 'auxiliary device (devm)'): AuxDevice | null {
    this.requireOwn(parent, ParentDevice, 'devmKzallocDevice(parent)', 'a ParentDevice (k.parentDevice(name))');
    requireLabel(label);
    this.enter('devm_kzalloc', parent, label);
    try {
      if (this.faults.shouldFail('kzalloc')) return null;
      const adev = new AuxDevice(this, label, true);
      parent.manage(`devm_kzalloc ${label}`, () => this.call('devres free', adev, undefined, () => adev.devresFree()), adev);
      return adev;
    } finally {
      this.exit();
    }
  }

  /**
   * `device_shutdown()` (reboot, poweroff, kexec): each device on the bus, last added first, gets
   * its bound driver's `shutdown(adev)` if the driver has one (§1.8). Devices stay added and bound.
   */
  shutdown(): void {
    this.call('device_shutdown', undefined, undefined, () => this.bus.shutdownDevices());
  }

  /** `kfree(ptr)`: `kfree(NULL)` does nothing. */
  kfree(ptr: Allocation | AuxDevice | null): void {
    if (ptr === null) return;
    // The device first: the commoner of the two (both checks are pure).
    if (!isInstance(ptr, AuxDevice) && !isInstance(ptr, Allocation)) {
      throw new ParameterError('kfree(ptr)', ptr, 'an Allocation or AuxDevice from kzalloc, or null');
    }
    if (ptr.kernel !== this) throw new ForeignObjectError('kfree(ptr)', 'an allocation');
    this.enter('kfree', ptr, undefined);
    try {
      ptr.free();
    } finally {
      this.exit();
    }
  }

  /** A parent device (e.g. the PCI function whose driver creates auxiliary devices). */
  parentDevice(name: string): ParentDevice {
    requireLabel(name, 'parentDevice(name)');
    return new ParentDevice(this, name);
  }

  /** `DEFINE_IDA` / `ida_init`. */
  idaInit(label = 'ida'): Ida {
    requireLabel(label, 'idaInit(label)');
    return this.call('ida_init', undefined, label, () => {
      const ida = new Ida(this, label);
      this.idas.push(ida);
      return ida;
    });
  }

  /** A `struct auxiliary_driver`, filled in; register it with `register(modname)`. */
  auxiliaryDriver(spec: AuxDriverSpec): AuxDriver {
    return new AuxDriver(this, spec);
  }

  /**
   * `auxiliary_device_create()`: a registered device, or null on any failure (§1.5). A null
   * devname or modname is C's NULL: init (or add) fails and create returns null, as the kernel does.
   */
  auxiliaryDeviceCreate(parent: ParentDevice, modname: string | null, devname: string | null, platformData: unknown, id: number): AuxDevice | null {
    return auxiliaryDeviceCreate(this, parent, modname, devname, platformData, id);
  }

  /** `auxiliary_device_destroy()`: delete + uninit (§1.4). */
  auxiliaryDeviceDestroy(adev: AuxDevice): void {
    auxiliaryDeviceDestroy(this, adev);
  }

  /** `__devm_auxiliary_device_create()`; id 0 as the `devm_auxiliary_device_create` macro (§1.6). */
  devmAuxiliaryDeviceCreate(parent: ParentDevice, modname: string | null, devname: string | null, platformData?: unknown, id = 0): AuxDevice | null {
    return devmAuxiliaryDeviceCreate(this, parent, modname, devname, platformData, id);
  }

  /**
   * The kernel's delayed cleanups run: every release still pending (deferred timing), including
   * those a release schedules, in an order chosen by `releaseSeed`, not by the caller; or, given a
   * device, only that one's (as another holder's last put would run it). Returns how many ran.
   * With immediate timing there is never one pending.
   * @example
   * const k = new Kernel({ release: 'deferred' });
   * // ... adev.uninit(): adev.releaseCalls is still 0
   * k.runPendingReleases(); // 1
   */
  runPendingReleases(adev?: AuxDevice): number {
    if (adev !== undefined) {
      this.requireOwn(adev, AuxDevice, 'runPendingReleases(adev)', 'an AuxDevice');
      const i = this.pending.indexOf(adev);
      if (i < 0) return 0;
      this.pending.splice(i, 1);
      this.runDelayed(adev);
      return 1;
    }
    let ran = 0;
    while (this.pending.length > 0) {
      // xorshift32: a fixed but caller-independent order
      let x = this.releaseRandom;
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      this.releaseRandom = x >>> 0 || 1;
      const [next] = this.pending.splice(this.releaseRandom % this.pending.length, 1);
      this.runDelayed(next!);
      ran++;
    }
    return ran;
  }

  private runDelayed(adev: AuxDevice): void {
    this.call('kobject_cleanup (delayed)', adev, undefined, () => adev.send(RUN_RELEASE));
  }

  /** Devices whose release is pending (deferred timing), oldest first. */
  get pendingReleases(): readonly AuxDevice[] {
    return this.pending.slice();
  }

  /** Every call so far, in order (only with `trace: true`; empty otherwise). */
  get calls(): CallRecord[] {
    return this.traced.map(({ site, depth }) => ({ step: site.step, call: site.call, depth }));
  }

  // ---- the report ----

  /**
   * The violations raised so far, in order (the live list: it grows as calls are made). What a
   * tool driving the kernel step by step reads to place each violation at the call that raised it.
   */
  get violations(): readonly Finding[] {
    return this.found;
  }

  /**
   * Violations found so far and what the end check finds now (model.md §4.3): devices never
   * released, allocations never freed, ids never freed, references never put, each with the step
   * that created it. With deferred releases it first lets the pending ones run (as the kernel
   * would, a few seconds later); otherwise it changes nothing. Call it as often as you like.
   */
  report(): Report {
    this.runPendingReleases();
    const leaks: Finding[] = [];
    // model.md §4.3: ids of devices with a finding are not reported again.
    const excused = new Set(this.flaggedDevices);
    for (const obj of this.objects) {
      if (obj instanceof Ida) continue;
      const end = obj.endFindings({ type: 'END' });
      for (const v of end) leaks.push(this.finding(v, obj, obj.createdAt, END_CHECK));
      if (obj instanceof AuxDevice && end.length > 0) excused.add(obj.handle);
    }
    for (const ida of this.idas) {
      for (const v of ida.endCheck([...excused])) {
        for (const id of v.ids ?? []) {
          leaks.push(this.finding({ code: v.code, ids: [id] }, ida, ida.allocatedAt.get(id) ?? ida.createdAt, END_CHECK));
        }
      }
    }
    distinguishNamesakes(leaks);
    const violations = [...this.found];
    return { violations, leaks, clean: violations.length === 0 && leaks.length === 0, text: formatFindings([...violations, ...leaks]) };
  }

  // ---- plumbing the runtime objects use (not for drivers) ----

  /**
   * @internal Enters one API call: numbers it and remembers what it is, in flat arrays (a call
   * allocates nothing; the text a report shows is built only when asked). Pair with `exit`.
   */
  enter(op: string, target: { describe(): string } | undefined, args: unknown): void {
    if (this.steps >= this.maxCalls) throw new CallBudgetError(this.maxCalls, op);
    const d = this.depth++;
    this.frameSteps[d] = ++this.steps;
    if (this.tracing) this.traced.push({ site: new CallSite(this.steps, op, target, args), depth: d });
    this.frameOps[d] = op;
    this.frameTargets[d] = target;
    this.frameArgs[d] = args;
  }

  /** @internal Leaves the call `enter` entered. */
  exit(): void {
    const d = --this.depth;
    this.frameTargets[d] = undefined;
    this.frameArgs[d] = undefined;
  }

  /** @internal `enter`, run `fn`, `exit`. */
  call<T>(op: string, target: { describe(): string } | undefined, args: unknown, fn: () => T): T {
    this.enter(op, target, args);
    try {
      return fn();
    } finally {
      this.exit();
    }
  }

  /**
   * @internal What of the kernel itself (beyond its objects) a later call can depend on: releases
   * pending and running, devices a finding excused, the last finding a helper grouped, the bus.
   * `device` names a device by its handle (default: the handle itself), so a caller that numbers
   * objects its own way gets the same text for the same situation; a device it names `null` is
   * left out of the lists.
   */
  modelKey(device: (handle: number) => string | null = String): string {
    const h = this.lastHelperFinding;
    const list = (handles: Iterable<number>) => [...handles].map(device).filter((n) => n !== null).join(',');
    return [
      list(this.pending.map((d) => d.handle)), list(this.releasing.map((d) => d.handle)), list([...this.flaggedDevices].sort((a, b) => a - b)),
      h ? `${h.helper}:${h.code}:${h.object}` : '', this.bus.list().flatMap((n) => {
        const d = this.bus.find(n);
        const who = d ? device(d.handle) : '?';
        return who === null ? [] : [`${n}=${who}`];
      }).join(','), this.bus.driverNames().join(','),
    ].join('|');
  }

  /** @internal The call in progress, for `createdAt`. */
  here(): StepRef {
    const d = this.depth - 1;
    return d < 0
      ? new CallSite(this.steps, '(outside any call)', undefined, undefined)
      : new CallSite(this.frameSteps[d]!, this.frameOps[d]!, this.frameTargets[d], this.frameArgs[d]);
  }

  /** @internal Registers a new object; returns its handle. */
  adopt(obj: AnyObject): number {
    this.objects.add(obj);
    return ++this.handles; // handles start at 1: 0 is CODE_OWNER
  }

  /** @internal The object reached a state the end check can find nothing in (e.g. freed). */
  settle(obj: AnyObject): void {
    this.objects.delete(obj);
  }

  /** @internal A machine raised a violation against `obj`. */
  raise(v: ViolationParams, obj: { describe(): string; createdAt: StepRef }): void {
    // model.md §4.3: only a violation that changed the device excuses its id at the end.
    if (obj instanceof AuxDevice && obj.flagged) this.flaggedDevices.add(obj.handle);
    const finding = this.finding(v, obj, obj.createdAt);
    // model.md §4.3, one finding per root cause: a kernel helper that commits the same misuse on
    // the same object twice over (auxiliary_device_destroy() of a released device: its delete,
    // then its uninit) was one call of the driver's, one mistake.
    const helper = this.depth >= 2 && COMPOSITE_CALLS.has(this.frameOps[this.depth - 2]!) ? this.frameSteps[this.depth - 2]! : -1;
    const last = this.lastHelperFinding;
    if (helper >= 0 && last !== undefined && last.helper === helper && last.code === finding.code && last.object === finding.object) return;
    this.lastHelperFinding = helper >= 0 ? { helper, code: finding.code, object: finding.object } : undefined;
    this.found.push(finding);
    if (this.mode === 'strict') throw new ViolationError(finding);
  }

  /** @internal A machine named a kernel log line. */
  printk(p: KernelLogParams, fields: Record<string, string>): void {
    const at = this.here();
    const text = p.text.replace(/<(\w+)>/g, (whole, key: string) => fields[key] ?? whole);
    this.log.push({ step: at.step, call: at.call, level: p.level, text });
  }

  /**
   * @internal The device's count reached 0: its release runs now (immediate) or when the delayed
   * cleanup runs (deferred, §3.2 CONFIG_DEBUG_KOBJECT_RELEASE).
   */
  scheduleRelease(adev: AuxDevice): void {
    if (this.releaseTiming === 'immediate') adev.send(RUN_RELEASE);
    else this.pending.push(adev);
  }

  /** @internal Runs a device's release callback (the machine decided it runs now). */
  runRelease(adev: AuxDevice, release: ReleaseCallback): void {
    this.releasing.push(adev);
    this.enter('release', adev, undefined);
    try {
      release(adev);
    } finally {
      this.exit();
      this.releasing.pop();
      // The release returned, or strict mode threw out of it: either way device_release is over.
      adev.send(RELEASED);
    }
  }

  /** @internal `adev->id = id`: an id the code holds becomes the device's (model.md §4.4). */
  claimId(id: number, adev: AuxDevice): void {
    // A plain number names no IDA: claim only when exactly one IDA holds it for the code, so two
    // IDAs handing out the same id (or a fixed id that one of them also handed out) claim nothing.
    // Counted in a loop, not filtered into a list: every write of `adev->id` comes here.
    let holder: Ida | undefined;
    let holders = 0;
    for (const ida of this.idas) {
      if (ida.ownerOf(id) === CODE_OWNER) {
        holder = ida;
        holders++;
      }
    }
    if (holders === 1) holder!.claim(id, adev.handle);
  }

  /**
   * @internal On whose behalf `ida_free(id)` runs. Inside a device's release callback freeing its
   * own id field, that device: if the id was re-allocated meanwhile, the model sees the stale free.
   * Elsewhere a plain number carries no identity, so the free is taken as the current owner's.
   */
  freerOf(ida: Ida, id: number): number {
    const current = ida.ownerOf(id);
    if (current === NO_HOLDER || current === CODE_OWNER) return CODE_OWNER;
    const releasing = this.releasing[this.releasing.length - 1];
    return releasing !== undefined && releasing.rawId === id ? releasing.handle : current;
  }

  /** @internal Throws unless `obj` belongs to this kernel. */
  requireOwn<T extends { kernel: Kernel }>(
    obj: unknown, kind: abstract new (...args: never[]) => T, parameter: string, expected: string,
  ): asserts obj is T {
    if (!isInstance(obj, kind)) throw new ParameterError(parameter, obj, `${expected} made by a Kernel`);
    if ((obj as T).kernel !== this) throw new ForeignObjectError(parameter, expected);
  }

  private finding(v: ViolationParams, obj: { describe(): string }, createdAt: StepRef, where?: string): Finding {
    const at = where === undefined ? this.here() : { step: this.steps, call: where };
    return {
      code: v.code, bugClass: VIOLATIONS[v.code].bugClass, step: at.step, call: at.call,
      object: obj.describe(), createdAt: { step: createdAt.step, call: createdAt.call }, ...(v.ids ? { ids: v.ids } : {}),
    };
  }
}

/**
 * Two leaked objects may print the same name: a device whose add failed with -EEXIST keeps the
 * name `dev_set_name` gave it, the name of the device already on the bus (§1.3, B16). The
 * report then says which is which by the step that made each.
 */
function distinguishNamesakes(leaks: Finding[]): void {
  const count = new Map<string, number>();
  for (const f of leaks) count.set(f.object, (count.get(f.object) ?? 0) + 1);
  for (const f of leaks) {
    if (count.get(f.object)! > 1) f.object = `${f.object} (the one made at step ${f.createdAt.step})`;
  }
}

/** `instanceof` that is false, not a TypeError, for a revoked proxy. */
function isInstance<T>(obj: unknown, kind: abstract new (...args: never[]) => T): obj is T {
  try {
    return obj instanceof kind;
  } catch {
    return false;
  }
}

export { AuxbusError };
