import type { AuxDevice, Ida, ParentDevice } from '../../runtime/index.js';
import type { Expr } from '../ir.js';
import { ERRNO, int, MAX_ERRNO, NULLV, resolve, truth, UNK, ZERO, type Obj, type Val } from '../values.js';
import { ALLOC, CONTAINER_HELPER, DEVM_ALLOC, DRVDATA, FREE, INERT, KEEPS, U32_MAX, ZEROING } from './known-calls.js';
import { intOr, memberPath } from './ops.js';
import { PathMemory } from './memory.js';
import { MAX_CALL_DEPTH, NotFollowed, PathTooLong, type Loc, type ReleaseAssumption, type Site } from './types.js';

/**
 * The calls a path knows: allocation, kfree, the IDA, the auxiliary-bus API, the kernel's create
 * helpers, devres actions, container_of and the error-pointer macros. Each becomes the runtime call
 * that drives the model; a fallible one asks the oracle whether it fails on this path.
 */
export abstract class PathCalls extends PathMemory {
  /** The IDAs the path used, by where they are (`at`: a pointer to the `struct ida`). */
  protected readonly idas = new Map<string, { ida: Ida; o: Obj; at: Val }>();
  protected readonly idAllocs: Array<{ entry: { ida: Ida; o: Obj; at: Val }; id: number; at: Site }> = [];
  protected readonly kept: Val[] = [];
  /**
   * What devres holds for a devres action of the file registered on this path (the data it is
   * given, in `kept` too while devres holds it), with where it was registered: at the parent's
   * unbind the action runs, and the data is held no more.
   */
  protected readonly devresHeld: Array<{ data: Val; action: string; site: Site; label: string }> = [];
  /** Objects of the caller (and what they point to) the path freed, with the line of the first free: what ownership.ts judges. */
  protected readonly freedOpaque = new Map<Obj, number>();
  /** The devm_kzalloc()ed objects of the path, oldest first, each on the devres list of its own parent. */
  protected readonly devres: Array<{ o: Obj; owner: ParentDevice; site: Site }> = [];
  /** Release callbacks the path ran without seeing them, by name: what its verdict assumed. */
  readonly assumed = new Map<string, ReleaseAssumption>();

  /** The failure value of a call of `name` (path/contracts.ts: with its origin when its convention is known). */
  protected abstract failureOf(name: string, site: Site): Val;

  protected call(e: Extract<Expr, { k: 'call' }>): Val {
    const site: Site = { call: e.text, ...this.here(e.line), column: e.column };
    this.sites.push(site);
    try {
      if (e.callee === null) {
        for (const a of e.args) this.keep(this.eval(a));
        return { t: 'unk', call: e.text };
      }
      return this.callNamed(e.callee, e.args, site);
    } finally {
      this.sites.pop();
    }
  }

  protected callNamed(name: string, argExprs: Array<Expr | Val>, site: Site): Val {
    const arg = (i: number): Val => {
      const a = argExprs[i];
      if (a === undefined) return UNK;
      return 'k' in a ? this.eval(a) : a;
    };
    const exprAt = (i: number): Expr | null => {
      const a = argExprs[i];
      return a !== undefined && 'k' in a ? a : null;
    };
    if (ALLOC.has(name)) {
      for (let i = 0; i < argExprs.length; i++) arg(i);
      return this.allocate(name, site, 'heap');
    }
    if (DEVM_ALLOC.has(name)) {
      for (let i = 0; i < argExprs.length; i++) arg(i);
      return this.allocate(name, site, 'devm');
    }
    if (FREE.has(name)) {
      this.free(arg(0), site);
      return UNK;
    }
    switch (name) {
      case 'devm_kfree':
        arg(0);
        this.devmFree(arg(1), site);
        return UNK;
      case 'ida_alloc':
        return this.idaAlloc(arg(0), 0, U32_MAX, site);
      case 'ida_alloc_min':
        return this.idaAlloc(arg(0), intOr(arg(1), 0), U32_MAX, site);
      case 'ida_alloc_max':
        return this.idaAlloc(arg(0), 0, intOr(arg(1), U32_MAX), site);
      case 'ida_alloc_range':
        return this.idaAlloc(arg(0), intOr(arg(1), 0), intOr(arg(2), U32_MAX), site);
      case 'ida_simple_get': {
        const ida = arg(0);
        const end = intOr(arg(2), 0);
        return this.idaAlloc(ida, intOr(arg(1), 0), end > 0 ? end - 1 : U32_MAX, site);
      }
      case 'ida_free':
      case 'ida_simple_remove': {
        const ida = this.idaOf(arg(0));
        const id = arg(1);
        if (ida && id.t === 'int' && id.v >= 0 && id.v <= U32_MAX) this.track(ida.o, () => ida.ida.free(id.v));
        return UNK;
      }
      case 'ida_destroy': {
        const ida = this.idaOf(arg(0));
        if (ida) this.track(ida.o, () => ida.ida.destroy());
        return UNK;
      }
      case 'auxiliary_device_init':
        return this.deviceCall(arg(0), exprAt(0), 'init', site);
      case 'auxiliary_device_add':
      case '__auxiliary_device_add':
        for (let i = 1; i < argExprs.length; i++) arg(i);
        return this.deviceCall(arg(0), exprAt(0), 'add', site);
      case 'auxiliary_device_delete':
        return this.deviceCall(arg(0), exprAt(0), 'delete', site);
      case 'auxiliary_device_uninit':
        return this.deviceCall(arg(0), exprAt(0), 'uninit', site);
      case 'auxiliary_device_destroy':
        return this.deviceCall(arg(0), exprAt(0), 'destroy', site);
      case 'put_device':
        return this.deviceCall(arg(0), exprAt(0), 'put', site);
      case 'get_device':
        return this.deviceCall(arg(0), exprAt(0), 'get', site);
      case 'auxiliary_device_create':
      case 'devm_auxiliary_device_create':
      case '__devm_auxiliary_device_create':
        for (let i = 0; i < argExprs.length; i++) arg(i);
        return this.create(name, argExprs.length > 4 ? arg(4) : ZERO, site);
      case 'devm_add_action_or_reset':
      case 'devm_add_action':
        return this.devmAction(name, arg(1), arg(2), site);
      case 'container_of':
      case 'container_of_const':
        return this.containerOf(arg(0), memberPath(exprAt(2)), site);
      case 'to_auxiliary_dev':
        return this.containerOf(arg(0), 'dev', site);
      case 'IS_ERR': {
        const v = arg(0);
        return v.t === 'err' ? int(1) : v.t === 'unk' ? this.either(int(1), ZERO) : ZERO;
      }
      case 'IS_ERR_OR_NULL': {
        const v = arg(0);
        return v.t === 'unk' ? this.either(int(1), ZERO) : int(v.t === 'err' || truth(v) === false ? 1 : 0);
      }
      case 'PTR_ERR': {
        const v = arg(0);
        return v.t === 'err' ? int(v.v) : UNK;
      }
      case 'PTR_ERR_OR_ZERO': {
        const v = arg(0);
        return v.t === 'err' ? int(v.v) : v.t === 'unk' ? UNK : ZERO;
      }
      case 'ERR_PTR': {
        const v = arg(0);
        return v.t === 'int' && v.v < 0 && v.v >= -MAX_ERRNO ? { t: 'err', v: v.v } : v.t === 'int' && v.v === 0 ? NULLV : UNK;
      }
      case 'ERR_CAST':
      case 'likely':
      case 'unlikely':
      case 'WARN_ON':
      case 'WARN_ON_ONCE':
      case 'READ_ONCE':
        return arg(0);
      case 'dev_err_probe':
      case 'dev_warn_probe':
        for (let i = 2; i < argExprs.length; i++) arg(i);
        arg(0);
        return arg(1);
      case 'no_free_ptr': {
        const a = exprAt(0);
        return a ? this.noFreePtr({ k: 'call', callee: name, args: [a], line: site.line, column: site.column, text: site.call }) : UNK;
      }
      case 'BUG':
      case 'BUG_ON':
        throw new PathTooLong(`${name} at ${this.lineOf(site)}`);
    }
    const drvdata = DRVDATA[name];
    if (drvdata !== undefined) {
      const dev = arg(0);
      const at = this.driverData(dev, drvdata.via);
      if (drvdata.op === 'set') {
        const data = arg(1);
        if (at) this.write(at, data);
        else this.keep(data);
        return UNK;
      }
      const held = at ? this.read(at) : UNK;
      if (held.t !== 'unk') return held;
      this.keep(dev);
      return { t: 'unk', call: name };
    }
    if (INERT.has(name)) {
      for (let i = 0; i < argExprs.length; i++) arg(i);
      return UNK;
    }
    if (KEEPS.has(name)) {
      for (let i = 0; i < argExprs.length; i++) this.keep(arg(i));
      return name === 'xa_alloc' || name === 'idr_alloc' ? this.either(ZERO, int(-ERRNO.ENOMEM!)) : UNK;
    }
    const fn = this.ctx.functions.get(name);
    const args: Val[] = [];
    for (let i = 0; i < argExprs.length; i++) args.push(arg(i));
    if (fn && this.frames.length < MAX_CALL_DEPTH && !this.frames.some((f) => f.fn === fn)) {
      return this.callSameFile(fn, args);
    }
    // A helper of another file given with this one (linked.ts) that is recursive or nests too deep
    // is what it was without linking: a call of another file.
    if (fn && fn.file === undefined) throw new NotFollowed(`${name} at ${this.lineOf(site)} is recursive or nests deeper than ${MAX_CALL_DEPTH} calls`);
    // The kernel's naming convention for container_of wrappers (to_foo(), adev_to_foo(), usually
    // static inline in a header the checker does not read): one pointer into an object in, the
    // object's start out. Documented in docs/check.md as an assumption the checker makes.
    const only = args.length === 1 ? resolve(args[0]!) : null;
    if (only?.t === 'ptr' && CONTAINER_HELPER.test(name)) return this.ptr(only.o);
    // A function of another file: it may keep any pointer it is given; its result is unknown.
    for (const a of args) this.keep(a);
    return { t: 'unk', call: name };
  }

  /**
   * Where `dev->driver_data` is for a device given as `v` (include/linux/device.h
   * dev_set_drvdata / dev_get_drvdata; platform_, pci_ and auxiliary_set_drvdata pass
   * `&pdev->dev`): a member of the object, when it is one the path follows and not a device the
   * model judges (there the call only keeps the pointer, as before).
   */
  private driverData(v: Val, via: '' | 'dev'): Extract<Loc, { t: 'mem' }> | null {
    const r = resolve(v);
    if (r.t !== 'ptr' || r.o.rt !== null || r.o.dev !== null) return null;
    const p = via === '' ? r.p : r.p === '' ? 'dev' : `${r.p}.dev`;
    return { t: 'mem', o: r.o, p: p === '' ? 'driver_data' : `${p}.driver_data` };
  }

  protected noFreePtr(e: Extract<Expr, { k: 'call' }>): Val {
    const a = e.args[0];
    if (!a) return UNK;
    const loc = this.loc(a);
    const v = this.peek(loc);
    this.poke(loc, NULLV);
    return v;
  }

  protected allocate(name: string, site: Site, kind: 'heap' | 'devm'): Val {
    if (this.fails(site)) return this.failureOf(name, site);
    const label = `${name} at ${this.lineOf(site)}`;
    // devm memory is freed by devres when the parent's driver unbinds, whatever the count of a
    // device embedded in it (model.md §4.6). Each allocation gets a parent of its own so that
    // the free can be run, and blamed on its devm_kzalloc() line, one allocation at a time.
    const owner = kind === 'devm' ? this.k.parentDevice(`the parent device whose devres holds ${label}`) : null;
    const rt = owner ? this.k.devmKzallocDevice(owner, label)! : this.k.kzallocDevice(label)!;
    const o = this.newObj(kind, `${name}() at ${this.lineOf(site)}`, site.line, rt);
    if (ZEROING.has(name)) o.zeroed = true;
    this.told(o, `allocated by ${name}() at ${this.lineOf(site)}`, site);
    if (owner) this.devres.push({ o, owner, site });
    return this.ptr(o);
  }

  /**
   * A further device embedded in the allocation `o` at `path`: what frees the allocation frees it
   * too, so it is made as `o` was (on the same devres for devm memory, from the caller for a
   * received struct, in the state its first operation `op` expects).
   */
  protected embeddedDevice(o: Obj, path: string, op: string): AuxDevice {
    if (o.kind === 'opaque') return this.received(o, path, op);
    const label = `${o.madeBy} ${path}`;
    const held = this.devres.find((d) => d.o === o);
    return held ? this.k.devmKzallocDevice(held.owner, label)! : this.k.kzallocDevice(label)!;
  }

  /**
   * After the path, the parent's driver unbinds and devres frees every devm_kzalloc()ed object of
   * the path, newest first. Whether that is a violation (a container whose device was
   * initialized: B18; one already freed: B4) is the model's call; it is placed on the
   * devm_kzalloc() line, where the fix goes.
   */
  protected unbindParents(): void {
    for (let i = this.devres.length - 1; i >= 0; i--) {
      const { o, owner, site } = this.devres[i]!;
      const at: Site = {
        call: `${site.call} (the fix goes here): devres frees this memory when the parent driver unbinds, whatever the count of a device in it`,
        line: site.line, column: site.column, ...(site.file === undefined ? {} : { file: site.file }),
      };
      this.told(o, 'devres frees it when the parent driver unbinds, after the function returned');
      this.sites.push(at);
      try {
        this.track(o, () => owner.unbind());
      } finally {
        this.sites.pop();
      }
    }
  }

  /**
   * A release callback the path cannot see runs on `o`. Whatever the container holds is handed to
   * that callback, so none of it is this function's leak; the container itself is freed or not
   * as the run's {@link FileContext.unknownRelease} says (the file check runs both and keeps what
   * both find, so no finding depends on what the callback frees).
   */
  protected unseenRelease(o: Obj, name: string, line: number): void {
    if (!this.assumed.has(name)) this.assumed.set(name, { release: name, line });
    let c = o;
    while (c.within) c = c.within.o;
    this.told(c, `its release callback ${name} (not in this file) runs: what it frees is unknown`);
    this.kept.push(this.ptr(c));
    if (this.ctx.unknownRelease !== 'frees-container' || !c.rt) return;
    this.sites.push('release');
    try {
      // Freed as its memory asks: devm memory with devm_kfree(), the rest with kfree().
      if (this.devres.some((d) => d.o === c)) this.devresFree(c);
      else this.freeAll(c);
    } finally {
      this.sites.pop();
    }
  }

  protected free(v: Val, site: Site): void {
    const r = resolve(v);
    // What a release callback frees decides double frees and leaks on every unwind: a pointer a
    // function of another file returned (a to_foo() helper from a header) could be the container.
    const from = r.t === 'unk' ? r.call : r.t === 'ptr' && r.o.kind === 'opaque' && !r.o.rt ? r.o.fromCall : undefined;
    if (from !== undefined && this.inRelease()) {
      throw new NotFollowed(`${site.call} at ${this.lineOf(site)}, in a release callback, frees what ${from} returned, and that function is not in this file`);
    }
    if (r.t !== 'ptr') return;
    const o = r.o;
    if (o.kind === 'opaque' && !this.freedOpaque.has(o)) this.freedOpaque.set(o, site.line);
    // A kfree() of devm memory is passed on too: the model judges it (B4, KASAN's invalid-free).
    if (!o.rt) return;
    this.told(o, `kfree() at ${this.lineOf(site)}${this.inRelease() ? ' (in the release callback)' : ''}`, site);
    this.freeAll(o);
  }

  /**
   * `devm_kfree(dev, p)`: devres frees devm memory now and takes it off its list, so the unbind
   * after the path does not free it again. Of anything devres does not hold the kernel only
   * WARNs; the checker judges that as the kfree() it was meant to be.
   */
  protected devmFree(v: Val, site: Site): void {
    const r = resolve(v);
    if (r.t !== 'ptr') return;
    const at = this.devres.findIndex((d) => d.o === r.o);
    if (at < 0 || !r.o.rt) {
      this.free(v, site);
      return;
    }
    this.told(r.o, `devm_kfree() at ${this.lineOf(site)}${this.inRelease() ? ' (in the release callback)' : ''}`, site);
    this.devresFree(r.o);
  }

  /** devres frees `o` (on its list) now: off the list, every device in it freed. */
  protected devresFree(o: Obj): void {
    const { owner } = this.devres.splice(this.devres.findIndex((d) => d.o === o), 1)[0]!;
    this.track(o, () => owner.devmKfree(o.rt!));
    for (const rt of o.others?.values() ?? []) this.track(o, () => owner.devmKfree(rt));
  }

  /** kfree() of an allocation: every device embedded in it sees its memory go. */
  protected freeAll(o: Obj): void {
    this.track(o, () => this.k.kfree(o.rt));
    for (const rt of o.others?.values() ?? []) this.track(o, () => this.k.kfree(rt));
  }

  protected idaOf(v: Val): { ida: Ida; o: Obj; at: Val } | null {
    const r = resolve(v);
    if (r.t !== 'ptr') return null;
    const key = `${r.o.n}:${r.p}`;
    let entry = this.idas.get(key);
    if (!entry) {
      const o = this.newObj('opaque', `the IDA ${r.p || r.o.madeBy}`, 0);
      entry = { ida: this.k.idaInit(`ida ${key}`), o, at: r };
      this.idas.set(key, entry);
    }
    return entry;
  }

  protected idaAlloc(idaVal: Val, min: number, max: number, site: Site): Val {
    const entry = this.idaOf(idaVal);
    if (!entry) return this.either(ZERO, int(-ERRNO.ENOMEM!));
    if (this.fails(site)) this.k.faults.failSite('ida_alloc');
    const id = this.track(entry.o, () => entry.ida.alloc({ min: Math.min(min, U32_MAX), max: Math.min(Math.max(max, 0), U32_MAX) }));
    if (id >= 0) this.idAllocs.push({ entry, id, at: site });
    return int(id);
  }

  protected deviceCall(v: Val, e: Expr | null, op: string, site: Site): Val {
    const d = this.deviceOf(v, e, op);
    if (!d) return op === 'get' ? v : op === 'init' || op === 'add' ? this.either(ZERO, int(-ERRNO.ENOMEM!)) : UNK;
    const { o, rt } = d;
    const where = this.lineOf(site);
    switch (op) {
      case 'init': {
        const fail = this.fails(site);
        const r = this.track(o, () => {
          // The kernel fails init only for a NULL parent or name; the failing path gets one.
          if (fail) rt.name = null;
          else {
            rt.name = this.nameOf(o, rt);
            rt.parent = this.parent;
          }
          return rt.init();
        });
        this.told(o, `auxiliary_device_init() ${r === 0 ? 'succeeded' : 'failed'} at ${where}`, site);
        return int(r);
      }
      case 'add': {
        if (this.fails(site)) this.k.faults.failSite('device_add');
        const r = this.track(o, () => rt.add('mod'));
        this.told(o, `auxiliary_device_add() ${r === 0 ? 'succeeded' : 'failed'} at ${where}`, site);
        return int(r);
      }
      case 'delete':
        this.told(o, `auxiliary_device_delete() at ${where}`, site);
        this.track(o, () => rt.delete());
        return UNK;
      case 'uninit':
        this.told(o, `auxiliary_device_uninit() at ${where}`, site);
        this.track(o, () => rt.uninit());
        return UNK;
      case 'destroy':
        this.told(o, `auxiliary_device_destroy() at ${where}`, site);
        this.track(o, () => this.k.auxiliaryDeviceDestroy(rt));
        return UNK;
      case 'put':
        this.told(o, `put_device() at ${where}`, site);
        this.track(o, () => rt.put());
        return UNK;
      default:
        this.told(o, `get_device() at ${where}`, site);
        this.track(o, () => rt.get());
        return v;
    }
  }

  protected create(name: string, id: Val, site: Site): Val {
    const fail = this.fails(site);
    if (fail) this.k.faults.failSite('kzalloc');
    const devm = name !== 'auxiliary_device_create';
    const made = devm
      ? this.k.devmAuxiliaryDeviceCreate(this.parent, 'mod', `dev${this.objs.length + 1}`)
      : this.k.auxiliaryDeviceCreate(this.parent, 'mod', `dev${this.objs.length + 1}`, undefined, id.t === 'int' && Math.abs(id.v) < 2 ** 31 ? id.v : 0);
    this.sync(null);
    if (!made) return this.failureOf(name, site);
    const o = this.newObj(devm ? 'managed' : 'heap', `${name}() at ${this.lineOf(site)}`, site.line, made);
    o.dev = '';
    // auxiliary_device_create kzalloc()s the device (kernel-auxbus.md §1.5).
    o.zeroed = true;
    this.told(o, `created by ${name}() at ${this.lineOf(site)}`, site);
    return this.ptr(o);
  }

  protected devmAction(name: string, fn: Val, data: Val, site: Site): Val {
    const fail = this.fails(site);
    if (fn.t !== 'fn' || !this.ctx.functions.has(fn.name)) {
      this.keep(data);
      return fail ? int(-ERRNO.ENOMEM!) : ZERO;
    }
    const action = fn.name;
    // devm_add_action() that fails registers nothing and runs nothing: the caller still owns `data`.
    if (name === 'devm_add_action' && fail) return int(-ERRNO.ENOMEM!);
    if (fail) this.k.faults.failSite('devres');
    const at: Site = { ...site, call: `${action}(), registered by ${name}() at ${this.lineOf(site)}, runs when the parent driver unbinds` };
    const label = `${action} at ${this.lineOf(site)}`;
    const r = this.parent.devmAddActionOrReset(label, () => {
      // Run by the parent's unbind after the function returned: its findings go to the registration.
      const later = this.frames.length === 0;
      if (later) this.sites.push(at);
      try {
        this.runCallback(action, [data], `devres action ${action}`);
      } finally {
        if (later) this.sites.pop();
      }
    });
    this.sync(null);
    // Held by devres from now until the unbind runs the action (devm_add_action_or_reset() that
    // fails ran it at once: devres holds nothing).
    if (r === 0) {
      this.kept.push(data);
      this.devresHeld.push({ data, action, site: at, label });
    }
    return int(r);
  }

  protected keep(v: Val): void {
    if (v.t === 'ptr') this.kept.push(v);
  }
}
