import type { AuxDevice } from '../../runtime/index.js';
import type { Expr } from '../ir.js';
import { ERRNO, join, NONNULL, NULLV, resolve, truth, UNK, UNSET, ZERO, type Obj, type Val } from '../values.js';
import { U32_MAX } from './known-calls.js';
import { exprText, under } from './ops.js';
import { PathBase } from './base.js';
import { COMPUTED_RELEASE, NotFollowed, ReleaseUnknown, type Frame, type Loc, type Site } from './types.js';

/**
 * Memory on a path: variables, members of objects, pointers into them, and the loads and stores
 * the model sees (a load from released memory is a use after release). A device's own fields
 * (name, id, dev.parent, dev.release) are stored through the runtime device, so the machine sees
 * each; a device the function received from its caller is made on the model here.
 */
export abstract class PathMemory extends PathBase {
  protected readonly globals = new Map<string, Obj>();

  protected loc(e: Expr): Loc {
    switch (e.k) {
      case 'id': {
        const f = this.frame();
        if (f.vars.has(e.name)) return { t: 'var', f, name: e.name };
        if (this.ctx.functions.has(e.name) || e.name === 'NULL' || ERRNO[e.name] !== undefined) return { t: 'none' };
        return { t: 'mem', o: this.global(e.name), p: '' };
      }
      case 'field': {
        if (e.arrow) {
          const base = this.pointee(e.base);
          return base ? { t: 'mem', o: base.o, p: join(base.p, e.field) } : { t: 'none' };
        }
        const base = this.loc(e.base);
        if (base.t === 'mem') return { t: 'mem', o: base.o, p: join(base.p, e.field) };
        if (base.t === 'var') return { t: 'mem', o: this.local(base.f, base.name), p: e.field };
        return { t: 'none' };
      }
      case 'index': {
        const i = this.eval(e.index);
        const step = i.t === 'int' ? `[${i.v}]` : '[?]';
        const base = this.loc(e.base);
        const held = base.t === 'none' ? UNK : this.peek(base);
        const p = resolve(held);
        if (p.t === 'ptr') return { t: 'mem', o: p.o, p: join(p.p, step) };
        if (base.t === 'mem') return { t: 'mem', o: base.o, p: join(base.p, step) };
        if (base.t === 'var') return { t: 'mem', o: this.local(base.f, base.name), p: step };
        return { t: 'none' };
      }
      case 'deref': {
        const p = this.pointee(e.e);
        return p ? { t: 'mem', o: p.o, p: p.p } : { t: 'none' };
      }
      default:
        return { t: 'none' };
    }
  }

  /**
   * The memory a pointer expression points at. A pointer the path knows nothing of (a parameter's
   * field, an unknown call's result) is given a fresh object from outside the function the first
   * time it is dereferenced, and keeps it.
   */
  protected pointee(e: Expr): { o: Obj; p: string } | null {
    const v = resolve(this.eval(e));
    if (v.t === 'ptr') return { o: v.o, p: v.p };
    if (v.t === 'unk' || v.t === 'nonnull') {
      const loc = this.loc(e);
      if (loc.t === 'none') return null;
      const o = this.pointeeOf(loc, `what ${exprText(e)} points to`);
      if (v.t === 'unk' && v.call !== undefined) o.fromCall = v.call;
      this.poke(loc, this.ptr(o));
      return { o, p: '' };
    }
    return null;
  }

  /** The object an unknown pointer stored at `loc` is first found to point to (run.ts reuses one within a summary). */
  protected pointeeOf(_loc: Loc, what: string): Obj {
    return this.newObj('opaque', what, 0);
  }

  protected global(name: string): Obj {
    let g = this.globals.get(name);
    if (!g) {
      g = this.newObj('opaque', name, 0);
      this.globals.set(name, g);
    }
    return g;
  }

  protected local(f: Frame, name: string): Obj {
    let o = f.locals.get(name);
    if (!o) {
      o = this.newObj('opaque', `local ${name}`, 0);
      f.locals.set(name, o);
    }
    return o;
  }

  protected addressOf(e: Expr): Val {
    if (e.k === 'id' && this.ctx.functions.has(e.name)) return { t: 'fn', name: e.name };
    const loc = this.loc(e);
    if (loc.t === 'mem') return this.ptr(loc.o, loc.p);
    if (loc.t === 'var') return this.ptr(this.local(loc.f, loc.name));
    return NONNULL;
  }

  /** Reads without the model seeing an access (addresses, not loads). */
  protected peek(loc: Loc): Val {
    if (loc.t === 'var') return loc.f.vars.get(loc.name) ?? UNK;
    if (loc.t === 'mem') return loc.o.fields.get(loc.p) ?? this.zeroOf(loc.o);
    return UNK;
  }

  protected poke(loc: Loc, v: Val): void {
    if (loc.t === 'var') loc.f.vars.set(loc.name, v);
    else if (loc.t === 'mem') {
      loc.o.fields.set(loc.p, v);
      if (this.atLine > 0) (loc.o.storedAt ??= new Map()).set(loc.p, this.here(this.atLine));
    }
  }

  protected zeroOf(o: Obj): Val {
    return o.kind === 'opaque' ? UNK : o.zeroed === true ? ZERO : UNSET;
  }

  protected read(loc: Loc): Val {
    if (loc.t !== 'mem') return this.peek(loc);
    const { o, p } = loc;
    if (!o.rt) return this.peek(loc);
    const before = this.k.violations.length;
    this.access(o, p, false);
    // A load from released memory reads whatever is there now: nothing the path can know.
    return this.k.violations.length > before ? UNK : this.peek(loc);
  }

  protected write(loc: Loc, v: Val): void {
    if (loc.t === 'mem') {
      const { o, p } = loc;
      if (o.rt || o.kind !== 'opaque') this.access(o, p, true, v);
      else if (o.dev === null) this.bindByMember(o, p);
    }
    this.poke(loc, v);
  }

  /** A load or store the model sees: on a freed object it is a use after release. */
  protected access(o: Obj, p: string, store: boolean, v: Val = UNK): void {
    this.bindByMember(o, p);
    if (!o.rt) return;
    const other = this.otherAt(o, p);
    if (other) {
      const rel = under(p, other.path)!;
      this.track(o, () => (store ? this.deviceStore(o, rel, v, other) : this.deviceLoad(other.rt, rel)));
      return;
    }
    const rel = o.dev !== null ? under(p, o.dev) : null;
    // A field of the container outside its device (`pg->client_mask`) is plain memory: it is gone
    // when the container is freed (by the release, or by a free that is itself the finding), not
    // when the device's count reached 0. The device's own fields follow model.md §4.1.
    if (rel === null && !o.rt.hasTag('freed')) return;
    this.track(o, () => {
      if (rel !== null && store) this.deviceStore(o, rel, v);
      else if (rel !== null) this.deviceLoad(o.rt!, rel);
      else if (store) o.rt!.setField(p || '*', true);
      else o.rt!.field(p || '*');
    });
  }

  /**
   * The bus name a device of `o` gets: `devN` for its first device, `devN.member` for a further
   * one (two devices of one allocation must not collide on the bus, as B16 would say).
   */
  protected nameOf(o: Obj, rt: AuxDevice): string {
    for (const [path, x] of o.others ?? []) if (x === rt) return `dev${o.n}.${path}`;
    return `dev${o.n}`;
  }

  /** The further device of `o` whose member `p` is in (see {@link Obj.others}), or null. */
  protected otherAt(o: Obj, p: string): { path: string; rt: AuxDevice } | null {
    for (const [path, rt] of o.others ?? []) if (under(p, path) !== null) return { path, rt };
    return null;
  }

  /** A store to a member the file uses as a device binds the object's device there. */
  protected bindByMember(o: Obj, p: string): void {
    if (o.kind === 'managed') return;
    const first = p.split(/[.[]/)[0]!;
    if (!this.ctx.deviceMembers.has(first)) return;
    if (o.dev === null) this.bindDevice(o, first);
    // A struct from the caller gets its further device at the first call on it, which says the
    // state the caller left it in; an allocation of the path gets it at once.
    else if (o.rt && o.kind !== 'opaque' && this.separate(o.dev, first) && !o.others?.has(first)) this.addDevice(o, first, 'init');
  }

  /** Whether two member paths name two devices side by side (neither inside the other, no unknown index). */
  protected separate(a: string, b: string): boolean {
    return a !== '' && b !== '' && under(a, b) === null && under(b, a) === null && !a.includes('[?]') && !b.includes('[?]');
  }

  /**
   * A second (third, ...) auxiliary device in the allocation `o`, at member `path`: a runtime
   * device of its own, made as the allocation was (kzalloc, devm_kzalloc on the same devres, or
   * received from the caller in the state `op` expects), with what the path already stored under
   * the member.
   */
  protected addDevice(o: Obj, path: string, op: string): AuxDevice {
    const rt = this.embeddedDevice(o, path, op);
    (o.others ??= new Map()).set(path, rt);
    const slot = { path, rt };
    for (const [p, v] of [...o.fields]) {
      const rel = under(p, path);
      if (rel !== null) this.track(o, () => this.deviceStore(o, rel, v, slot, this.storedLine(o, p)));
    }
    return rt;
  }

  /**
   * The runtime device for a further device embedded in `o` at `path`, whose first operation is
   * `op` (calls.ts knows how `o` was made).
   */
  protected abstract embeddedDevice(o: Obj, path: string, op: string): AuxDevice;

  protected deviceLoad(rt: AuxDevice, rel: string): void {
    if (rel === 'name') void rt.name;
    else if (rel === 'id') void rt.id;
    else if (rel === 'dev.parent') void rt.parent;
    else if (rel === 'dev.release') void rt.release;
    else if (rel === 'dev.platform_data') void rt.platformData;
    else rt.field(rel || '*');
  }

  /** A store to member `rel` of the device at `slot` of `o` (default: its first device). */
  protected deviceStore(o: Obj, rel: string, v: Val, slot: { path: string; rt: AuxDevice } = { path: o.dev ?? '', rt: o.rt! }, at?: { line: number; column: number }): void {
    const rt = slot.rt;
    if (rel === 'name') rt.name = truth(v) === false ? null : this.nameOf(o, rt);
    else if (rel === 'id' && v.t === 'int' && v.v >= 0 && v.v <= U32_MAX) rt.id = v.v;
    else if (rel === 'dev.parent') rt.parent = truth(v) === false ? null : this.parent;
    else if (rel === 'dev.release') {
      rt.release = this.releaseFor(o, v, slot.path);
      this.told(o, `release callback ${v.t === 'fn' ? v.name : 'set'}${slot.rt === o.rt ? '' : ` of ${slot.path}`}`, at);
    } else if (rel === 'dev.platform_data') rt.platformData = v;
    else rt.setField(rel || '*', true);
  }

  /**
   * What runs when the device's count reaches 0. A callback of this file is run as the kernel
   * would; one the path cannot see (another file's, a computed pointer) is unknown, never "no
   * release": {@link unseenRelease} stands in for it.
   */
  protected releaseFor(o: Obj, v: Val, path: string): ((d: AuxDevice) => void) | null {
    if (truth(v) === false) return null;
    if (v.t === 'fn' && this.ctx.functions.has(v.name)) {
      const fn = v.name;
      const release = () => this.runCallback(fn, [this.ptr(o, join(path, 'dev'))], `release callback ${fn}`);
      this.callbackKeys.set(release, (name) => `release ${fn} of ${name(o)}.${path}`);
      return release;
    }
    const name = v.t === 'fn' ? v.name : COMPUTED_RELEASE;
    o.foreignRelease = name;
    // The assumption is placed in the checked file: a store of another file's helper names its function's first line there.
    const line = this.fileHere() === undefined ? this.atLine : 0;
    const unseen = () => this.unseenRelease(o, name, line);
    this.callbackKeys.set(unseen, (num) => `unseen release ${name} of ${num(o)}`);
    return unseen;
  }

  /**
   * A release callback the path cannot see runs on `o` (assigned at `line`, 0 for a device from
   * the caller): recorded as an assumption, and done as the run's {@link FileContext.unknownRelease} says.
   */
  protected abstract unseenRelease(o: Obj, name: string, line: number): void;

  protected bindDevice(o: Obj, path: string): void {
    o.dev = path;
    if (!o.rt) return;
    for (const [p, v] of [...o.fields]) {
      const rel = under(p, path);
      if (rel !== null) this.track(o, () => this.deviceStore(o, rel, v, undefined, this.storedLine(o, p)));
    }
  }

  /** Where a field stored earlier was stored: a step told when the store takes effect is placed there. */
  protected storedLine(o: Obj, p: string): { line: number; column: number; file?: string } | undefined {
    const at = o.storedAt?.get(p);
    return at === undefined ? undefined : { ...at, column: 1 };
  }

  /**
   * The device a pointer argument names: `&x->adev`, an alias `adev`, `&adev->dev` for the calls
   * that take the `struct device`. A device the function received from its caller is made on the
   * model in the state its first operation expects (the caller's side of the contract).
   */
  protected deviceOf(v: Val, e: Expr | null, op: string): { o: Obj; rt: AuxDevice } | null {
    let r = resolve(v);
    if ((r.t === 'unk' || r.t === 'nonnull') && e) {
      const p = this.pointee(e);
      if (p) r = this.ptr(p.o, p.p);
    }
    if (r.t !== 'ptr') return null;
    let { o, p } = r;
    if (op === 'put' || op === 'get') {
      // put_device / get_device take a struct device: only an auxiliary device's `dev` is followed.
      if (p === 'dev') p = '';
      else if (p.endsWith('.dev')) p = p.slice(0, -4);
      else return null;
      if (o.dev === null && !this.ctx.deviceMembers.has(p.split(/[.[]/)[0]!)) return null;
    }
    if (o.kind === 'opaque' && !o.rt) this.receive(o, op);
    if (o.dev === null) this.bindDevice(o, p);
    if (o.dev === p) return { o, rt: o.rt! };
    const other = o.others?.get(p);
    if (other) return { o, rt: other };
    const beside = o.kind !== 'managed' && this.separate(o.dev!, p);
    // put_device / get_device of a `dev` that is not an auxiliary device's is not followed.
    if ((op === 'put' || op === 'get') && !(beside && this.ctx.deviceMembers.has(p.split(/[.[]/)[0]!))) return null;
    if (!beside) {
      throw new NotFollowed(`two auxiliary devices in one allocation, one inside the other or at an unknown index (${o.madeBy}: ${o.dev} and ${p})`);
    }
    return { o, rt: this.addDevice(o, p, op) };
  }

  /** A device from the caller, in the state the function's first operation on it expects. */
  protected receive(o: Obj, op: string): void {
    o.rt = this.received(o, null, op);
  }

  /**
   * The runtime device of a device from the caller at member `path` of `o` (null: its first
   * device, wherever it is bound), with the file's release callback, in the most lenient state
   * in which `op` is valid.
   */
  protected received(o: Obj, path: string | null, op: string): AuxDevice {
    const release = this.ctx.soleRelease;
    const rt = this.k.kzallocDevice(`device from the caller (${o.madeBy}${path ? ` ${path}` : ''})`)!;
    // The first device's member path is read when the release runs: it is bound after this.
    const at = () => path ?? o.dev ?? '';
    this.track(o, () => {
      rt.name = path === null ? `dev${o.n}` : `dev${o.n}.${path}`;
      rt.parent = this.parent;
      if (release !== null && this.ctx.functions.has(release)) {
        const run = () => this.runCallback(release, [this.ptr(o, join(at(), 'dev'))], `release callback ${release}`);
        this.callbackKeys.set(run, (name) => `release ${release} of ${name(o)}.${path ?? '(its device)'}`);
        rt.release = run;
      } else if (release !== null) {
        // The file's one release callback is defined elsewhere or computed: unknown, not absent.
        o.foreignRelease = release;
        const unseen = () => this.unseenRelease(o, release, 0);
        this.callbackKeys.set(unseen, (name) => `unseen release ${release} of ${name(o)}`);
        rt.release = unseen;
      } else if (this.ctx.releaseCount === 0) {
        // The file never sets a release callback: its devices have none (B12 shows at the last put).
      } else {
        rt.release = () => {
          throw new ReleaseUnknown(`${o.madeBy}: a device from the caller, and this file assigns several release callbacks (which one it has is not known)`);
        };
      }
      // The most lenient state in which the operation is valid: init wants an allocated device;
      // add, uninit, put and get an initialized one; delete and destroy an added one.
      const added = op === 'delete' || op === 'destroy';
      if (op !== 'init') rt.init();
      if (added) rt.add('caller');
      this.told(o, `received from the caller (${op === 'init' ? 'allocated' : added ? 'added' : 'initialized'})`);
    });
    return rt;
  }

  protected containerOf(v: Val, member: string | null, site: Site): Val {
    const r = resolve(v);
    if (member === null) throw new NotFollowed(`container_of at ${this.lineOf(site)}: the member is not a plain member path`);
    if (r.t !== 'ptr') {
      if (r.t === 'null' || (r.t === 'int' && r.v === 0)) return NULLV;
      return UNK;
    }
    if (r.p === member) return this.ptr(r.o);
    if (r.p.endsWith(`.${member}`)) return this.ptr(r.o, r.p.slice(0, -member.length - 1));
    if (r.o.kind === 'opaque' && (r.p === '' || member.endsWith(`.${r.p}`))) {
      // A pointer from the caller turns out to sit inside a container: the container is new to
      // the path, and the object becomes the member it was.
      const prefix = r.p === '' ? member : member.slice(0, -r.p.length - 1);
      const c = this.newObj('opaque', `the container of ${r.o.madeBy}`, 0, r.o.rt);
      c.dev = r.o.dev === null ? null : join(prefix, r.o.dev);
      if (r.o.others) c.others = new Map([...r.o.others].map(([p, rt]) => [join(prefix, p), rt]));
      delete r.o.others;
      for (const [p, x] of r.o.fields) c.fields.set(join(prefix, p), x);
      c.history = r.o.history;
      c.steps = r.o.steps;
      r.o.within = { o: c, p: prefix };
      r.o.rt = null;
      return this.ptr(c);
    }
    throw new NotFollowed(`container_of at ${this.lineOf(site)}: ${member} is not where the pointer points (${r.p || 'the start'} of ${r.o.madeBy})`);
  }
}
