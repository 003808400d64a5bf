import type { Expr, LoweredFunction } from '../ir.js';
import { resolve, type Obj, type Val } from '../values.js';
import { Kernel } from '../../runtime/index.js';
import { PathContracts } from './contracts.js';
import { callbackReads, DEVICE_FIELDS, memberEnds, readMembers } from './members.js';
import { evaluated, exprText, operands } from './ops.js';
import { pointsInto, settledObjects } from './settled.js';
import type { Frame } from './types.js';

/**
 * The merge key of a path's state (run.ts merges a path into an earlier one whose state had the
 * same key): what the rest of the path depends on, as text, with what cannot change a finding left
 * out (docs/check.md, "Paths that meet again merge"). The path runner (run.ts) extends this class.
 * @example
 * class Run extends PathKeys { ... } // run.ts: `this.mergeKey(frame, pc)` at a merge point
 */
export abstract class PathKeys extends PathContracts {
  /** Objects and ids already reported as leaked (at the return of an inner function). */
  protected readonly leaked = new Set<Obj>();
  protected readonly leakedIds = new Set<string>();
  /** Places a summary left unknown because its runs learnt different things there: place → helper. */
  protected readonly poisoned = new Map<string, string>();
  /** Whether merge keys leave settled devices out (settled.ts): a root function's paths whose code may not reach them again. */
  protected settles = false;
  /** The devices (with their own memory) the last merge key left out, and their fates. */
  protected settled: ReadonlySet<Obj> = new Set();
  protected settledFates: string[] = [];
  /**
   * The fates of every settled device this path carried past a merge point: judged when the path
   * ends (check.ts adds them to `FileContext.judged`), so later paths carrying them may be cut.
   */
  readonly fatesCarried = new Set<string>();
  /** Outcomes of `place & CONSTANT` tests on this path, with the unknown value they were taken on. */
  protected readonly bitTests = new Map<string, { value: Val; outcome: boolean }>();
  /** The unknown values `decide` made for tested places. */
  protected readonly testedValues = new WeakSet<Val>();

  /**
   * Everything the rest of a path run from `pc` of frame `f` (the root, or the innermost of plain
   * calls, see `plainCall`) depends on, as text: every frame's place and variables (a helper's
   * also its arguments and the devices it made), every object the path knows of (but those
   * nothing live reaches) with what it holds and its device's whole
   * model state (runtime/device.ts `modelKey`), the IDAs, devres, the parent, the kernel's pending
   * releases and bus, and what the path has reported and learnt. Unknown values are numbered in the
   * order they are met, so two paths whose unknowns are shared the same way get the same text.
   * What only words a finding (the failing call, the story of steps) is left out.
   */
  protected mergeKey(f: Frame, pc: number): string {
    // A freed allocation the rest of the key turns out to name after all (a dangling pointer)
    // is not dead: printed again with it (rare; each pass only shrinks the dead set).
    let dead = this.deadObjects();
    for (;;) {
      const named = new Set<Obj>();
      const key = this.keyWithout(f, pc, dead, named);
      if (named.size === 0) return key;
      dead = new Set([...dead].filter((o) => !named.has(o)));
    }
  }

  /**
   * Allocations whose future is settled: every device in them freed (no release pending), none
   * the kernel, an IDA or the bus still names, and holding no pointer to memory the leak check
   * judges but through other such allocations. Nothing can read one again unless a pointer to
   * it is left (then `mergeKey` prints it after all); what it was (its members, its handle) and
   * whether it was handed to another file (a leak root that reaches nothing judged) cannot change
   * a finding. Left out of the key, paths that freed different things the same way meet.
   */
  private deadObjects(): Set<Obj> {
    const busy = new Set<number>();
    this.k.modelKey((h) => {
      busy.add(h);
      return null;
    });
    for (const e of this.idas.values()) e.ida.modelKey((t) => String(busy.add(t)));
    const devices = (o: Obj) => (o.rt ? [o.rt, ...(o.others?.values() ?? [])] : []);
    const dead = new Set(this.objs.filter((o) => o.rt !== null && !o.within
      && devices(o).every((d) => d.stateId.endsWith('.freed') && !busy.has(d.handle))));
    // The leak check reaches through a freed object's members too (from a pointer handed away):
    // one that still points to a judged allocation is kept.
    for (let changed = dead.size > 0; changed;) {
      changed = false;
      for (const o of dead) {
        for (const v of o.fields.values()) {
          const r = resolve(v);
          if (r.t === 'ptr' && r.o.kind !== 'opaque' && r.o.kind !== 'managed' && !dead.has(r.o)) {
            dead.delete(o);
            changed = true;
            break;
          }
        }
      }
    }
    return dead;
  }

  /** The merge key (see `mergeKey`) with the `dead` objects left out; those it had to name after all are added to `named`. */
  private keyWithout(f: Frame, pc: number, dead: ReadonlySet<Obj>, named: Set<Obj>): string {
    const unks = new Map<object, number>();
    // Objects are numbered in the order the key meets them, so a path that looked behind one more
    // unknown pointer on the way (an object made and never written) still matches: such a
    // pristine object is only an identity, written where a pointer to it is met.
    const pristine = (o: Obj) => o.kind === 'opaque' && !o.rt && o.fields.size === 0 && o.dev === null && !o.within && !o.others;
    // An opaque object nothing live points to (a returned helper's local struct), holding no
    // pointer to memory the model judges, cannot change the future: written only where met.
    const plain = (o: Obj) => o.kind === 'opaque' && !o.rt && o.dev === null && !o.within && !o.others;
    const prunable = new Set(this.objs.filter((o) => !pristine(o) && plain(o)));
    for (let changed = true; changed;) {
      changed = false;
      for (const o of prunable) {
        for (const v of o.fields.values()) {
          const r = resolve(v);
          if (r.t === 'ptr' && !pristine(r.o) && !prunable.has(r.o)) {
            prunable.delete(o);
            changed = true;
            break;
          }
        }
      }
    }
    const numbers = new Map<Obj, string>();
    const met: Obj[] = [];
    let counted = 0;
    let untouched = 0;
    let plainCount = 0;
    // A global is the same object on every path: named by its name, not by when a path met it.
    const globalNames = new Map<Obj, string>();
    for (const [name, g] of this.globals) globalNames.set(g, name);
    // An IDA's own object by where the IDA is (a global's is named by the global).
    const idaNames = new Map<Obj, string>();
    for (const e of this.idas.values()) {
      const at = resolve(e.at);
      const where = at.t === 'ptr' ? globalNames.get(at.o) : undefined;
      if (where !== undefined && at.t === 'ptr') idaNames.set(e.o, `${where}.${at.p}`);
    }
    const num = (o: Obj): string => {
      if (dead.has(o)) named.add(o);
      let n = numbers.get(o);
      if (n === undefined) {
        const global = globalNames.get(o);
        const ida = idaNames.get(o);
        // Each kind numbered apart, so one more object of one kind renames none of another.
        n = global !== undefined && pristine(o) ? `g:${global}`
          : ida !== undefined ? `I:${ida}`
            : pristine(o) ? `q${untouched++}${o.fromCall === undefined ? '' : `:${o.fromCall}`}`
              : prunable.has(o) ? `m${plainCount++}` : `o${counted++}`;
        numbers.set(o, n);
        if (prunable.has(o)) met.push(o);
      }
      return n;
    };
    const val = (v: Val): string => {
      switch (v.t) {
        case 'int': return `i${v.v}`;
        case 'err': return `e${v.v}${this.failureKey(v)}`;
        case 'null': return `null${this.failureKey(v)}`;
        case 'ptr': return `p${num(v.o)}.${v.p}`;
        case 'fn': return `f${v.name}`;
        case 'unk': {
          let n = unks.get(v);
          if (n === undefined) {
            n = unks.size;
            unks.set(v, n);
          }
          return `u${n}${this.testedValues.has(v) ? 't' : ''}${v.call === undefined ? '' : `:${v.call}`}`;
        }
        default: return v.t;
      }
    };
    const canon = (x: unknown): string => {
      if (x === null || x === undefined || typeof x !== 'object' && typeof x !== 'function') return String(x);
      if (typeof x === 'function') return this.callbackKeys.get(x)?.(num) ?? `callback ${identity(x)}`;
      if ('t' in x && typeof (x as { t: unknown }).t === 'string') return val(x as Val);
      if ('name' in x && typeof (x as { name: unknown }).name === 'string') return `named ${(x as { name: string }).name}`;
      return `object ${identity(x)}`;
    };
    // A device's bus name is `devN` after the object it is in (memory.ts `busName`): named as the
    // key names that object, so paths that made a different number of objects before still match.
    const names = (text: string) => text.replace(/\bdev(\d+)\b/g, (m, n: string) => {
      const o = this.objs[Number(n) - 1];
      return o ? `dev<${num(o)}>` : m;
    });
    const sorted = <T>(m: Map<string, T>, show: (v: T) => string) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${show(v)}`).join(',');
    // Objects that carry state, in the order they were made (their numbers first, so a pointer
    // met while printing one names the same object in every path).
    const rooted = this.rootedObjects();
    // Devices settled on the bus (settled.ts): left out, their fates kept apart (`settledFates`).
    const settled = this.settles ? settledObjects({
      objs: this.objs, rooted, held: this.devresHeld,
      apart: (o) => dead.has(o) || this.flagged.has(o) || this.leaked.has(o) || this.devres.some((d) => d.o === o),
      fixed: (o) => globalNames.has(o) || pristine(o),
    }) : new Set<Obj>();
    const settledHandles = new Set<number>();
    for (const o of settled) if (o.rt) settledHandles.add(o.rt.handle);
    const stateful = this.objs.filter((o) => !pristine(o) && !prunable.has(o) && !dead.has(o) && !settled.has(o));
    const orphan = (o: Obj) => !rooted.has(o);
    // A member no code of the file reads (only stores to), outside every device, holding no
    // pointer but to memory the leak check never judges: nothing the path does later depends on it.
    // In an object only the kernel's callbacks can reach again, the members those callbacks read.
    const reads = readMembers(this.ctx.functions);
    const callbackRead = callbackReads(this.ctx.functions);
    const keptIn = (o: Obj, p: string, v: Val) => {
      const r = resolve(v);
      if ((r.t === 'ptr' && !plain(r.o)) || v.t === 'fn') return true;
      const { first, last } = memberEnds(p);
      if (orphan(o)) return last === '' || callbackRead.has(last);
      // What a device's model is told when the object turns out to be one (or to hold one).
      if (this.ctx.deviceMembers.has(first) || DEVICE_FIELDS.has(first)) return true;
      return last === '' || reads.has(last);
    };
    // A value as the shape of an object prints it: without the numbers of unknowns.
    const val0 = (v: Val): string => (v.t === 'int' ? `i${v.v}` : v.t === 'fn' ? `f${v.name}` : v.t);
    // A device is named after the object it is in, not by its handle (a count of every object the
    // runtime made on the path, dead ones included).
    const holders = new Map<number, string>();
    for (const o of stateful) {
      if (o.rt) holders.set(o.rt.handle, '');
      for (const [p, d] of o.others ?? []) holders.set(d.handle, p);
    }
    const holderOf = new Map<number, Obj>();
    for (const o of this.objs) {
      if (o.rt) holderOf.set(o.rt.handle, o);
      for (const d of o.others?.values() ?? []) holderOf.set(d.handle, o);
    }
    const device = (h: number): string | null => {
      const o = holderOf.get(h);
      if (o === undefined) return `#${h}`;
      if (dead.has(o) || settled.has(o)) return null;
      return `h${num(o)}${holders.get(h) ? `.${holders.get(h)}` : ''}`;
    };
    // Objects no frame, argument or global reaches (a device on the bus, held by devres or by a
    // pending release): only the kernel's callbacks read them again, so only the members those read
    // (and pointers, which the leak check follows) can change a future. They are numbered after
    // the others, in the order of what they hold, so paths that made the same ones in another
    // order (one loop turn's device before another's) meet.
    const star = (x: unknown): string => (x !== null && typeof x === 'object' && 't' in x ? (x as Val).t : typeof x === 'function' ? 'callback' : String(x));
    const shape = (o: Obj): string => {
      return [o.kind, o.dev ?? '-', [...o.fields].filter(([p, v]) => keptIn(o, p, v)).map(([p, v]) => `${p}=${resolve(v).t === 'ptr' ? '*' : val0(v)}`).sort().join(','),
        o.rt ? o.rt.modelKey(star).replace(/\bdev\d+\b/g, 'dev') : ''].join('/');
    };
    const orphans = stateful.filter(orphan);
    const order = [...stateful.filter((o) => !orphan(o)), ...(orphans.length < 2 ? orphans : orphans.map((o) => [shape(o), o] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o))];
    for (const o of order) num(o);
    // Ids still allocated (one freed is judged by nothing: the IDA's own state says it is free).
    const ids = (allocs: typeof this.idAllocs) => allocs.filter((a) => a.entry.ida.allocated.includes(a.id) && !settledHandles.has(a.entry.ida.ownerOf(a.id))).map((a) => `${num(a.entry.o)}:${a.id}`).join(',');
    const settledData = (v: Val) => pointsInto(settled, v);
    this.settled = settled;
    this.settledFates = this.fates(settled, settledHandles, globalNames, idaNames, (o, p, v) => keptIn(o, p, v), val0, star);
    const parts: string[] = [];
    // Every frame's place, variables and loop turns (the root's alone when f is the root); for a
    // helper's frame also its arguments (its leak check reads them) and where the objects and ids
    // it made start (what its return checks).
    const nested = this.frames.length > 1;
    for (const fr of nested ? this.frames : [f]) {
      const at = fr === f ? pc : fr.pc;
      // A variable no path from here reads before storing to it is only named (it exists).
      const live = liveVariables(fr.fn)[at];
      parts.push(
        `${fr.fn.name}@${at}`,
        [...fr.vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => (live === undefined || live.has(k) ? `${k}=${val(v)}` : `${k}=-`)).join(','),
        sorted(fr.locals, num),
      );
      // What its return will judge: the objects it made that are not dead, the ids it allocated that still are.
      if (nested) parts.push(fr.args.map(val).join(','), `${this.objs.filter((o) => o.n > fr.firstObj && o.rt && !dead.has(o) && !settled.has(o)).map(num).join(',')}/${ids(this.idAllocs.slice(fr.firstId))}`);
    }
    // The same holds in an allocation with a device: the model is told of each store as it is
    // made (the member's name is in its state), and only code reads the value.
    const fields = (o: Obj) => sorted(new Map([...o.fields].filter(([p, v]) => keptIn(o, p, v))), val);
    const line = (o: Obj) => [
      num(o), o.kind, o.dev ?? '-', o.within ? `${num(o.within.o)}.${o.within.p}` : '', fields(o), o.foreignRelease ?? '', o.fromCall ?? '',
      o.others ? sorted(o.others, (d) => names(d.modelKey(canon))) : '', o.rt ? names(o.rt.modelKey(canon)) : '',
    ].join('/');
    for (const o of order) parts.push(line(o));
    const ns = (set: Set<Obj>) => [...set].filter((o) => !dead.has(o)).map(num).sort().join(',');
    // What was handed to other code is a set, and only a leak root: what matters is which
    // allocations the leak check can reach from it (every opaque or managed object is a root anyway).
    const judged = (v: Val) => {
      const r = resolve(v);
      return r.t === 'ptr' && (r.o.kind === 'heap' || r.o.kind === 'devm') && !dead.has(r.o);
    };
    // The leak check reaches from each pointer handed away through members: one handed away that
    // another handed-away object only the kernel reaches (whose members no code changes) points to
    // adds nothing.
    const keptRoots = () => {
      const roots = new Set<Obj>();
      for (const v of this.kept) if (judged(v) && !settled.has((resolve(v) as Extract<Val, { t: 'ptr' }>).o)) roots.add((resolve(v) as Extract<Val, { t: 'ptr' }>).o);
      const below = new Set<Obj>();
      for (const o of roots) {
        if (!orphan(o)) continue;
        const todo = [...o.fields.values()];
        for (let v = todo.pop(); v !== undefined; v = todo.pop()) {
          const r = resolve(v);
          if (r.t !== 'ptr' || r.o === o || below.has(r.o)) continue;
          below.add(r.o);
          if (orphan(r.o)) todo.push(...r.o.fields.values());
        }
      }
      return [...roots].filter((o) => !below.has(o)).map(num).sort().join(',');
    };
    parts.push(
      ns(this.flagged), ns(this.leaked), [...this.leakedIds].map((k) => {
        const at = k.indexOf(':');
        const o = this.objs[Number(k.slice(0, at)) - 1];
        return o === undefined ? k : `${num(o)}${k.slice(at)}`;
      }).sort().join(','),
      keptRoots(),
      // A devres action's data: the action runs on it at the parent's unbind, whatever it is.
      this.devresHeld.filter((h) => !settledData(h.data)).map((h) => `${h.action}@${h.site.line}:${val(h.data)}`).join(','),
      // The caller's objects freed: what an error return is judged by (ownership.ts).
      [...this.freedOpaque.keys()].map(num).sort().join(','),
      this.devres.map((d) => `${num(d.o)}:${names(d.owner.modelKey())}`).join(','),
      // An IDA as it was made (nothing allocated, never destroyed) is one a path never touched.
      // One whose every id a settled device holds is as one that holds none.
      [...this.idas.values()].filter((e) => e.ida.modelKey() !== freshIda() && !(e.ida.allocated.length > 0 && e.ida.allocated.every((id) => settledHandles.has(e.ida.ownerOf(id)))))
        .map((e) => `${val(e.at)}:${num(e.o)}:${e.ida.modelKey((t) => (settledHandles.has(t) ? null : device(t) ?? '-'))}`).sort().join(','),
      ids(this.idAllocs),
      // A global no path wrote to is the same one met or not.
      sorted(new Map([...this.globals].filter(([, g]) => !pristine(g))), num),
      sorted(this.poisoned, (h) => h),
      // Failure values a wrong test let through: reported when the path ends.
      [...this.letThrough.values()].map((x) => `${x.line}:${x.column}`).sort().join(','),
      names(this.parent.modelKey(this.devresHeld.filter((h) => settledData(h.data)).map((h) => h.label))), names(this.k.modelKey(device)),
    );
    // The prunable objects something printed points to, in the order met (each may meet more).
    for (let i = 0; i < met.length; i++) parts.push(line(met[i]!));
    // What the path knows of flags of values still held somewhere (a value no variable or object
    // holds any more can never be tested again).
    // (and only of flags some code of the file tests: no other `& FLAG` asks what one holds).
    const masks = testedMasks(this.ctx.functions);
    parts.push([...this.bitTests].filter(([k, b]) => unks.has(b.value) && masks.has(k.slice(k.lastIndexOf(' & ') + 3))).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, b]) => `${k}=${val(b.value)}:${b.outcome}`).join(','));
    return parts.join('\n');
  }

  /**
   * The fate of each settled device (settled.ts) as text: what the devres action and the release
   * can read of it (`kept`: the members the file's callbacks read, and pointers), what it points
   * to (a global by name, an untouched object by what made it, its own memory by what that holds),
   * its model state, the actions devres holds on it and the ids it owns. Two devices with the same
   * text meet the same end at the parent's unbind.
   */
  private fates(
    settled: ReadonlySet<Obj>, handles: ReadonlySet<number>, globals: ReadonlyMap<Obj, string>, idas: ReadonlyMap<Obj, string>,
    kept: (o: Obj, p: string, v: Val) => boolean, plainValue: (v: Val) => string, star: (x: unknown) => string,
  ): string[] {
    if (settled.size === 0) return [];
    const out: string[] = [];
    for (const d of settled) {
      if (d.dev === null || !d.rt || !handles.has(d.rt.handle)) continue;
      // Which number its id is does not change its end, whose it is does: an id it owns is `own`.
      const owned = [...this.idas.values()].flatMap((e) => e.ida.allocated.filter((id) => e.ida.ownerOf(id) === d.rt!.handle).map((id) => ({ ida: idas.get(e.o) ?? 'ida', id })));
      const own = (n: number) => (owned.some((x) => x.id === n) ? 'own' : String(n));
      const text = (o: Obj, seen: Set<Obj>): string => {
        seen.add(o);
        const fields = [...o.fields].filter(([p, v]) => kept(o, p, v)).map(([p, v]) => {
          const r = resolve(v);
          if (r.t === 'int') return `${p}=i${own(r.v)}`;
          if (r.t !== 'ptr') return `${p}=${plainValue(v)}`;
          const to = globals.get(r.o) ?? (settled.has(r.o) ? (seen.has(r.o) ? '^' : `{${text(r.o, seen)}}`) : r.o.madeBy);
          return `${p}=${to}.${r.p}`;
        }).sort().join(',');
        return [o.kind, o.dev ?? '-', fields, o.foreignRelease ?? '', o.rt ? o.rt.modelKey(star, o === d ? own : undefined).replace(/\bdev\d+\b/g, 'dev') : ''].join('/');
      };
      const actions = this.devresHeld.flatMap((h) => {
        const r = resolve(h.data);
        return r.t === 'ptr' && r.o === d ? [`${h.action}@${h.site.line}:${r.p}`] : [];
      });
      out.push([text(d, new Set()), actions.join(','), owned.map((x) => x.ida).sort().join(',')].join('|'));
    }
    return out;
  }

  /**
   * The objects the code can still name: those its frames' variables, arguments and locals, and
   * the globals, reach through members. The others only the kernel's callbacks can reach again.
   */
  protected rootedObjects(): Set<Obj> {
    const seen = new Set<Obj>();
    const todo: Obj[] = [];
    const mark = (v: Val) => {
      const r = resolve(v);
      if (r.t === 'ptr' && !seen.has(r.o)) {
        seen.add(r.o);
        todo.push(r.o);
      }
    };
    for (const fr of this.frames) {
      for (const v of fr.vars.values()) mark(v);
      for (const v of fr.args) mark(v);
      for (const o of fr.locals.values()) mark(this.ptr(o));
    }
    for (const g of this.globals.values()) mark(this.ptr(g));
    while (todo.length > 0) {
      const o = todo.pop()!;
      if (o.within) mark(this.ptr(o.within.o));
      for (const v of o.fields.values()) mark(v);
    }
    return seen;
  }
}

let fresh: string | undefined;
/** The model key of an IDA as `ida_init()` leaves it (the same for every IDA). */
function freshIda(): string {
  return (fresh ??= new Kernel({ mode: 'audit' }).idaInit('fresh').modelKey());
}

/** A number for an object or callback that cannot be named (never equal across paths: no merge on it). */
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identity(x: object): number {
  let n = identities.get(x);
  if (n === undefined) {
    n = ++nextIdentity;
    identities.set(x, n);
  }
  return n;
}

/**
 * For each instruction of `fn`, the names a path from there may read before it stores to them
 * (a backward fixed point over the instructions): what a variable holds matters to the future
 * only if its name is in the set. Every identifier of an expression counts as read but the one a
 * statement `x = ...` or a declaration stores to; an unreadable statement reads every name in it.
 */
const liveOf = new WeakMap<LoweredFunction, Array<Set<string>>>();
function liveVariables(fn: LoweredFunction): Array<Set<string>> {
  let live = liveOf.get(fn);
  if (live) return live;
  const code = fn.code;
  const uses: Array<Set<string>> = [];
  const defs: Array<string | null> = [];
  const succ: number[][] = [];
  const ids = (e: Expr | null, out: Set<string>): void => {
    if (e === null) return;
    switch (e.k) {
      case 'id': out.add(e.name); return;
      case 'field': ids(e.base, out); return;
      case 'index': ids(e.base, out); ids(e.index, out); return;
      case 'addr': case 'deref': case 'unary': case 'update': ids(e.e, out); return;
      case 'binary': case 'assign': ids(e.l, out); ids(e.r, out); return;
      case 'call': for (const a of e.args) ids(a, out); return;
      case 'cond': ids(e.c, out); ids(e.t, out); ids(e.f, out); return;
      case 'comma': for (const x of e.list) ids(x, out); return;
      default:
    }
  };
  code.forEach((i, pc) => {
    const u = new Set<string>();
    let d: string | null = null;
    switch (i.op) {
      case 'eval':
        if (i.e.k === 'assign' && i.e.op === '=' && i.e.l.k === 'id') {
          d = i.e.l.name;
          ids(i.e.r, u);
        } else ids(i.e, u);
        succ.push([pc + 1]);
        break;
      case 'decl': d = i.name; ids(i.init, u); succ.push([pc + 1]); break;
      case 'br': ids(i.c, u); succ.push([i.t, i.f]); break;
      case 'jmp': succ.push([i.to]); break;
      case 'switch': ids(i.e, u); for (const c of i.cases) ids(c.value, u); succ.push([...i.cases.map((c) => c.to), i.otherwise]); break;
      case 'ret': ids(i.e, u); succ.push([]); break;
      case 'opaque': for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) u.add(w); succ.push([pc + 1]); break;
    }
    uses.push(u);
    defs.push(d);
  });
  live = code.map(() => new Set<string>());
  for (let changed = true; changed;) {
    changed = false;
    for (let pc = code.length - 1; pc >= 0; pc--) {
      const next = new Set<string>();
      for (const t of succ[pc]!) for (const n of live[t] ?? []) next.add(n);
      if (defs[pc] !== null) next.delete(defs[pc]!);
      for (const n of uses[pc]!) next.add(n);
      if (next.size !== live[pc]!.size) {
        live[pc] = next;
        changed = true;
      }
    }
  }
  liveOf.set(fn, live);
  return live;
}

/**
 * The masks the file's code tests a value against (`x & FLAG`, either side, FLAG a
 * {@link constantMask}), as `exprText` writes them: the only flags `decide` and `binary` ever
 * look up what a path knows of.
 */
const testedMasksOf = new WeakMap<ReadonlyMap<string, LoweredFunction>, Set<string>>();
function testedMasks(functions: ReadonlyMap<string, LoweredFunction>): Set<string> {
  let out = testedMasksOf.get(functions);
  if (out) return out;
  out = new Set<string>();
  for (const fn of functions.values()) {
    for (const i of fn.code) {
      // An unreadable statement may test any name in it.
      if (i.op === 'opaque') for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) out.add(w);
      const todo = evaluated(i);
      for (let e = todo.pop(); e !== undefined; e = todo.pop()) {
        if (e.k === 'binary' && e.op === '&') for (const m of [e.l, e.r]) if (constantMask(m)) out.add(exprText(m));
        todo.push(...operands(e));
      }
    }
  }
  testedMasksOf.set(functions, out);
  return out;
}

/**
 * A mask that means the same wherever it is written: a number, an upper-case name (a macro or an
 * enum constant), or BIT / BIT_ULL / GENMASK of such.
 * @example constantMask({ k: 'id', name: 'VSEC_QUIRK_NO_DVSEC' }) // true
 */
export function constantMask(e: Expr): boolean {
  if (e.k === 'num') return true;
  if (e.k === 'id') return /^[A-Z][A-Z0-9_]*$/.test(e.name);
  if (e.k === 'call') return e.callee !== null && ['BIT', 'BIT_ULL', 'GENMASK', 'GENMASK_ULL'].includes(e.callee) && e.args.every(constantMask);
  return false;
}
