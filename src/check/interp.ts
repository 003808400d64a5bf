import { VIOLATIONS, type ViolationCode } from '../../machines/index.js';
import { AuxDevice, CallBudgetError, Kernel, type Ida, type ParentDevice } from '../runtime/index.js';
import type { Expr, Instr, LoweredFunction } from './ir.js';
import { Oracle } from './oracle.js';
import {
  ERRNO, int, join, MAX_ERRNO, NONNULL, NULLV, resolve, truth, UNK, ZERO, type Obj, type ObjKind, type Val,
} from './values.js';

/**
 * One path through one function, run on the model: the C is interpreted statement by statement,
 * every call of the auxiliary-bus, allocation and IDA API becomes the runtime call that drives
 * the model's machines, and every choice the code's outcome depends on (a fallible call
 * succeeding or failing, a branch on a value the path cannot know) is asked of an {@link Oracle}
 * that enumerates them. The interpreter has no lifecycle rule of its own: what is a violation,
 * and what leaks at the end, is what the machines say.
 */

/** The file a path runs in: its functions and what the whole file says about devices. */
export interface FileContext {
  file: string;
  functions: ReadonlyMap<string, LoweredFunction>;
  /** Member names used as an embedded `struct auxiliary_device` anywhere in the file (`adev` in `&x->adev`). */
  deviceMembers: ReadonlySet<string>;
  /** The one release callback the file assigns, if exactly one: what a device received from a caller has. */
  soleRelease: string | null;
  /** How many different release callbacks the file assigns (0: its devices have none). */
  releaseCount: number;
}

/** A violation or leak found on a path, placed in the source. */
export interface PathFinding {
  code: ViolationCode;
  line: number;
  column: number;
  message: string;
  failing: { call: string; line: number; column: number } | null;
}

/** The path cannot be followed without guessing: the function is reported as not analysed. */
export class NotFollowed extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The path is longer than the bound: it ends here and the function is marked as bounded. */
export class PathTooLong extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Steps one path may take (instructions across every frame). */
export const MAX_PATH_STEPS = 20_000;
/** Same-file calls nested deeper than this are not followed (their result is unknown). */
export const MAX_CALL_DEPTH = 8;
/** Iterations a loop whose condition the path cannot know is explored for (0, 1, ... this many). */
export const UNKNOWN_LOOP_BOUND = 2;
/** Iterations of a loop whose condition the path knows, before the path is cut. */
export const KNOWN_LOOP_BOUND = 64;

interface Frame {
  fn: LoweredFunction;
  args: Val[];
  /** Objects and ids made while this frame ran start at these indices. */
  firstObj: number;
  firstId: number;
  vars: Map<string, Val>;
  locals: Map<string, Obj>;
  cleanups: Array<{ name: string; fn: string }>;
  loops: Map<number, number>;
}

interface Site {
  call: string;
  line: number;
  column: number;
}

type Loc = { t: 'var'; f: Frame; name: string } | { t: 'mem'; o: Obj; p: string } | { t: 'none' };

const ALLOC = new Set(['kzalloc', 'kmalloc', 'kcalloc', 'kvzalloc', 'kvmalloc', 'kvcalloc', 'kmalloc_array', 'kzalloc_node', 'kmalloc_node', 'kmemdup', 'kzalloc_obj', 'kzalloc_flex']);
const DEVM_ALLOC = new Set(['devm_kzalloc', 'devm_kmalloc', 'devm_kcalloc', 'devm_kmemdup', 'devm_kmalloc_array']);
const FREE = new Set(['kfree', 'kvfree', 'kfree_sensitive', 'kvfree_sensitive', 'kfree_const']);
/** Calls that neither change the lifecycle nor keep a pointer they are given. */
const INERT = new Set([
  'dev_err', 'dev_warn', 'dev_info', 'dev_dbg', 'dev_notice', 'dev_crit', 'dev_emerg', 'dev_alert', 'dev_vdbg',
  'dev_err_ratelimited', 'dev_warn_ratelimited', 'dev_info_ratelimited', 'dev_dbg_ratelimited', 'dev_err_once', 'dev_warn_once',
  'pr_err', 'pr_warn', 'pr_info', 'pr_debug', 'pr_notice', 'pr_crit', 'pr_emerg', 'pr_alert', 'pr_cont', 'printk',
  'pr_err_ratelimited', 'pr_warn_ratelimited', 'pr_warn_once', 'pr_err_once', 'pr_info_once', 'netdev_err', 'netdev_warn',
  'netdev_info', 'netdev_dbg', 'pci_err', 'pci_warn', 'pci_info', 'pci_dbg', 'ibdev_err', 'ibdev_warn', 'ibdev_dbg',
  'snprintf', 'scnprintf', 'sprintf', 'vsnprintf', 'strscpy', 'strlcpy', 'strncpy', 'strcpy', 'memcpy', 'memset', 'memmove',
  'strcmp', 'strncmp', 'strlen', 'memcmp', 'sizeof', 'dev_name', 'dev_to_node', 'mutex_lock', 'mutex_unlock', 'mutex_init',
  'mutex_destroy', 'spin_lock', 'spin_unlock', 'spin_lock_irqsave', 'spin_unlock_irqrestore', 'spin_lock_init', 'lockdep_assert_held',
  'might_sleep', 'synchronize_rcu', 'WARN', 'WARN_ONCE', 'static_assert', 'BUILD_BUG_ON', 'kfree_const_check',
]);
/** Calls that keep a pointer they are given (it is reachable from somewhere else afterwards). */
const KEEPS = new Set(['dev_set_drvdata', 'auxiliary_set_drvdata', 'platform_set_drvdata', 'pci_set_drvdata', 'list_add', 'list_add_tail', 'xa_store', 'xa_alloc', 'idr_alloc', 'hlist_add_head']);

/** Where each model fault is armed for a failing C call. */
const U32_MAX = 2 ** 32 - 1;

/**
 * One run of one path of a root function.
 * @example
 * const run = new PathRun(ctx, new Oracle([]));
 * run.runRoot(ctx.functions.get('foo_create')!);
 * run.findings; // what the model found on the path
 */
export class PathRun {
  readonly k = new Kernel({ mode: 'audit', maxCalls: 50_000 });
  readonly findings: PathFinding[] = [];
  private readonly parent: ParentDevice;
  private readonly frames: Frame[] = [];
  private readonly sites: Array<Site | 'release'> = [];
  private readonly objs: Obj[] = [];
  private readonly globals = new Map<string, Obj>();
  private readonly idas = new Map<string, { ida: Ida; o: Obj }>();
  private readonly idAllocs: Array<{ entry: { ida: Ida; o: Obj }; id: number; line: number }> = [];
  /** Objects and ids already reported as leaked (at the return of an inner function). */
  private readonly leaked = new Set<Obj>();
  private readonly leakedIds = new Set<string>();
  private readonly kept: Val[] = [];
  private readonly flagged = new Set<Obj>();
  private failed: Site | null = null;
  private seen = 0;
  private steps = 0;
  private current: Obj | null = null;

  constructor(private readonly ctx: FileContext, readonly oracle: Oracle) {
    this.parent = this.k.parentDevice('parent');
    this.k.faults.trace = false;
  }

  /** Runs `fn` from its entry with unknown arguments, then the end check on what it leaves behind. */
  runRoot(fn: LoweredFunction): void {
    const args = fn.params.map((name, i) => {
      const o = this.newObj('opaque', `parameter ${name}`, 0);
      // A `struct auxiliary_device *` parameter is the device itself.
      if (/\bauxiliary_device\b/.test(fn.paramTypes[i] ?? '')) o.dev = '';
      return this.ptr(o);
    });
    const site: Site = { call: fn.name, line: 0, column: 0 };
    this.sites.push(site);
    this.callFunction(fn, args);
    this.sites.pop();
  }

  // ---- functions and statements ----

  private callFunction(fn: LoweredFunction, args: Val[]): { value: Val; line: number } {
    if (fn.refused) throw new NotFollowed(`${fn.name}: ${fn.refused}`);
    const frame: Frame = {
      fn, args, firstObj: this.objs.length, firstId: this.idAllocs.length, vars: new Map(), locals: new Map(), cleanups: [], loops: new Map(),
    };
    fn.params.forEach((p, i) => frame.vars.set(p, args[i] ?? UNK));
    this.frames.push(frame);
    try {
      return this.exec(frame);
    } finally {
      this.frames.pop();
    }
  }

  private exec(f: Frame): { value: Val; line: number } {
    const code = f.fn.code;
    let pc = 0;
    for (;;) {
      if (++this.steps > MAX_PATH_STEPS) throw new PathTooLong(`a path took more than ${MAX_PATH_STEPS} steps`);
      const i: Instr | undefined = code[pc];
      if (i === undefined) return this.leave(f, UNK, f.fn.endLine);
      switch (i.op) {
        case 'eval':
          if (i.e.k === 'call' && i.e.callee === 'return_ptr') return this.leave(f, this.noFreePtr(i.e), i.line);
          this.eval(i.e);
          pc++;
          break;
        case 'decl':
          f.vars.set(i.name, i.init ? this.eval(i.init) : UNK);
          if (i.cleanup !== null) f.cleanups.push({ name: i.name, fn: i.cleanup });
          pc++;
          break;
        case 'br': {
          let v: boolean;
          if (i.loop) {
            const n = (f.loops.get(pc) ?? 0) + 1;
            f.loops.set(pc, n);
            const known = truth(this.eval(i.c));
            if (known === true && n > KNOWN_LOOP_BOUND) throw new PathTooLong(`the loop at line ${i.line} ran more than ${KNOWN_LOOP_BOUND} times`);
            v = known ?? (n > UNKNOWN_LOOP_BOUND ? false : this.oracle.pick(2) === 0);
          } else v = this.decide(i.c);
          pc = v ? i.t : i.f;
          break;
        }
        case 'jmp':
          pc = i.to;
          break;
        case 'switch':
          pc = this.switchTarget(i);
          break;
        case 'ret':
          return this.leave(f, i.e ? this.eval(i.e) : UNK, i.line);
        case 'opaque':
          if (this.matters(i.text)) throw new NotFollowed(`cannot follow "${i.text}" at line ${i.line}`);
          pc++;
          break;
      }
    }
  }

  /** Scope-based cleanup (`__free(fn)`) runs as the function returns, last declared first. */
  private leave(f: Frame, value: Val, line: number): { value: Val; line: number } {
    for (let j = f.cleanups.length - 1; j >= 0; j--) {
      const c = f.cleanups[j]!;
      const v = f.vars.get(c.name) ?? UNK;
      const site: Site = { call: `__free(${c.fn}) of ${c.name}`, line, column: 1 };
      this.sites.push(site);
      try {
        this.callNamed(c.fn, [v], site);
      } finally {
        this.sites.pop();
      }
    }
    this.leakCheck(f, value, line);
    return { value, line };
  }

  private switchTarget(i: Extract<Instr, { op: 'switch' }>): number {
    const v = this.eval(i.e);
    const values = i.cases.map((c) => this.eval(c.value));
    if (v.t === 'int' && values.every((c) => c.t === 'int')) {
      const hit = values.findIndex((c) => c.t === 'int' && c.v === v.v);
      return hit >= 0 ? i.cases[hit]!.to : i.otherwise;
    }
    const pick = this.oracle.pick(i.cases.length + 1);
    return pick < i.cases.length ? i.cases[pick]!.to : i.otherwise;
  }

  /** Whether an unreadable statement could touch what the model follows. */
  private matters(text: string): boolean {
    if (/\b(goto|return|break|continue)\b/.test(text)) return true;
    for (const name of text.match(/[A-Za-z_]\w*/g) ?? []) {
      if (this.ctx.functions.has(name) || isTracked(name)) return true;
    }
    return false;
  }

  // ---- expressions ----

  private eval(e: Expr): Val {
    switch (e.k) {
      case 'num':
        return int(e.value);
      case 'str':
        return NONNULL;
      case 'sizeof':
      case 'type':
      case 'unknown':
        return UNK;
      case 'id':
        return this.ident(e.name);
      case 'field':
      case 'index':
      case 'deref':
        return this.read(this.loc(e));
      case 'addr':
        return this.addressOf(e.e);
      case 'call':
        return this.call(e);
      case 'unary': {
        const v = this.eval(e.e);
        if (e.op === '!') {
          const b = truth(v);
          return b === undefined ? UNK : int(b ? 0 : 1);
        }
        if (e.op === '-') return v.t === 'int' ? int(-v.v) : UNK;
        if (e.op === '+') return v;
        return UNK;
      }
      case 'binary':
        return this.binary(e);
      case 'assign': {
        const loc = this.loc(e.l);
        let v = this.eval(e.r);
        if (e.op !== '=') v = arith(e.op.slice(0, -1), this.read(loc), v);
        this.write(loc, v);
        return v;
      }
      case 'update': {
        const loc = this.loc(e.e);
        const old = this.read(loc);
        const next = old.t === 'int' ? int(old.v + (e.op === '++' ? 1 : -1)) : UNK;
        this.write(loc, next);
        return e.prefix ? next : old;
      }
      case 'cond':
        return this.eval(this.decide(e.c) ? e.t : e.f);
      case 'comma': {
        let v: Val = UNK;
        for (const x of e.list) v = this.eval(x);
        return v;
      }
    }
  }

  /**
   * A condition's outcome. When the path cannot know it, both outcomes are explored, and what the
   * branch learnt is kept: after `if (!p)` fails, `p` is known not to be NULL, so a later test of
   * the same value does not explore a path the code cannot take.
   */
  private decide(e: Expr): boolean {
    if (e.k === 'unary' && e.op === '!') return !this.decide(e.e);
    if (e.k === 'binary' && (e.op === '==' || e.op === '!=') && (isZero(e.r) || isZero(e.l))) {
      const b = this.decide(isZero(e.r) ? e.l : e.r);
      return e.op === '==' ? !b : b;
    }
    if (e.k === 'call' && (e.callee === 'likely' || e.callee === 'unlikely') && e.args.length === 1) return this.decide(e.args[0]!);
    if (e.k === 'call' && e.callee === 'IS_ERR' && e.args.length === 1 && isPlace(e.args[0]!)) {
      const v = this.eval(e.args[0]!);
      if (v.t !== 'unk') return v.t === 'err';
      const err = this.oracle.pick(2) === 0;
      this.poke(this.loc(e.args[0]!), err ? { t: 'err', v: -ERRNO.EINVAL! } : NONNULL);
      return err;
    }
    const b = truth(this.eval(e));
    if (b !== undefined) return b;
    const pick = this.oracle.pick(2) === 0;
    if (isPlace(e)) this.poke(this.loc(e), pick ? NONNULL : ZERO);
    return pick;
  }

  private ident(name: string): Val {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      // C scoping is lexical: only the innermost frame's variables are visible.
      const v = this.frames[i]!.vars.get(name);
      if (v !== undefined) return v;
      break;
    }
    if (name === 'NULL') return NULLV;
    if (name === 'true') return int(1);
    if (name === 'false') return ZERO;
    const errno = ERRNO[name];
    if (errno !== undefined) return int(errno);
    if (this.ctx.functions.has(name)) return { t: 'fn', name };
    const g = this.globals.get(name);
    if (g) return g.fields.get('') ?? UNK;
    return UNK;
  }

  private binary(e: Extract<Expr, { k: 'binary' }>): Val {
    if (e.op === '&&' || e.op === '||') {
      const a = this.decide(e.l);
      if (e.op === '&&' && !a) return ZERO;
      if (e.op === '||' && a) return int(1);
      const b = truth(this.eval(e.r));
      return b === undefined ? UNK : int(b ? 1 : 0);
    }
    const l = this.eval(e.l);
    const r = this.eval(e.r);
    if (e.op === '==' || e.op === '!=') {
      const eq = equal(l, r);
      return eq === undefined ? UNK : int(eq === (e.op === '==') ? 1 : 0);
    }
    if (e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=') {
      if (l.t !== 'int' || r.t !== 'int') return UNK;
      const c = e.op === '<' ? l.v < r.v : e.op === '<=' ? l.v <= r.v : e.op === '>' ? l.v > r.v : l.v >= r.v;
      return int(c ? 1 : 0);
    }
    return arith(e.op, l, r);
  }

  // ---- memory ----

  private newObj(kind: ObjKind, madeBy: string, line: number, rt: AuxDevice | null = null): Obj {
    const o: Obj = { n: this.objs.length + 1, kind, rt, dev: null, fields: new Map(), madeBy, line, history: [] };
    this.objs.push(o);
    return o;
  }

  private ptr(o: Obj, p = ''): Val {
    return { t: 'ptr', o, p };
  }

  private frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private loc(e: Expr): Loc {
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
  private pointee(e: Expr): { o: Obj; p: string } | null {
    const v = resolve(this.eval(e));
    if (v.t === 'ptr') return { o: v.o, p: v.p };
    if (v.t === 'unk' || v.t === 'nonnull') {
      const loc = this.loc(e);
      if (loc.t === 'none') return null;
      const o = this.newObj('opaque', `what ${exprText(e)} points to`, 0);
      this.poke(loc, this.ptr(o));
      return { o, p: '' };
    }
    return null;
  }

  private global(name: string): Obj {
    let g = this.globals.get(name);
    if (!g) {
      g = this.newObj('opaque', name, 0);
      this.globals.set(name, g);
    }
    return g;
  }

  private local(f: Frame, name: string): Obj {
    let o = f.locals.get(name);
    if (!o) {
      o = this.newObj('opaque', `local ${name}`, 0);
      f.locals.set(name, o);
    }
    return o;
  }

  private addressOf(e: Expr): Val {
    if (e.k === 'id' && this.ctx.functions.has(e.name)) return { t: 'fn', name: e.name };
    const loc = this.loc(e);
    if (loc.t === 'mem') return this.ptr(loc.o, loc.p);
    if (loc.t === 'var') return this.ptr(this.local(loc.f, loc.name));
    return NONNULL;
  }

  /** Reads without the model seeing an access (addresses, not loads). */
  private peek(loc: Loc): Val {
    if (loc.t === 'var') return loc.f.vars.get(loc.name) ?? UNK;
    if (loc.t === 'mem') return loc.o.fields.get(loc.p) ?? this.zeroOf(loc.o);
    return UNK;
  }

  private poke(loc: Loc, v: Val): void {
    if (loc.t === 'var') loc.f.vars.set(loc.name, v);
    else if (loc.t === 'mem') loc.o.fields.set(loc.p, v);
  }

  private zeroOf(o: Obj): Val {
    return o.kind === 'opaque' ? UNK : ZERO;
  }

  private read(loc: Loc): Val {
    if (loc.t !== 'mem') return this.peek(loc);
    const { o, p } = loc;
    if (!o.rt) return this.peek(loc);
    const before = this.k.violations.length;
    this.access(o, p, false);
    // A load from released memory reads whatever is there now: nothing the path can know.
    return this.k.violations.length > before ? UNK : this.peek(loc);
  }

  private write(loc: Loc, v: Val): void {
    if (loc.t === 'mem') {
      const { o, p } = loc;
      if (o.rt || o.kind !== 'opaque') this.access(o, p, true, v);
      else if (o.dev === null) this.bindByMember(o, p);
    }
    this.poke(loc, v);
  }

  /** A load or store the model sees: on a freed object it is a use after release. */
  private access(o: Obj, p: string, store: boolean, v: Val = UNK): void {
    this.bindByMember(o, p);
    if (!o.rt) return;
    const rel = o.dev !== null ? under(p, o.dev) : null;
    this.track(o, () => {
      if (rel !== null && store) this.deviceStore(o, rel, v);
      else if (rel !== null) this.deviceLoad(o.rt!, rel);
      else if (store) o.rt!.setField(p || '*', true);
      else o.rt!.field(p || '*');
    });
  }

  /** A store to a member the file uses as a device binds the object's device there. */
  private bindByMember(o: Obj, p: string): void {
    if (o.dev !== null || o.kind === 'managed') return;
    const first = p.split(/[.[]/)[0]!;
    if (this.ctx.deviceMembers.has(first)) this.bindDevice(o, first);
  }

  private deviceLoad(rt: AuxDevice, rel: string): void {
    if (rel === 'name') void rt.name;
    else if (rel === 'id') void rt.id;
    else if (rel === 'dev.parent') void rt.parent;
    else if (rel === 'dev.release') void rt.release;
    else if (rel === 'dev.platform_data') void rt.platformData;
    else rt.field(rel || '*');
  }

  private deviceStore(o: Obj, rel: string, v: Val): void {
    const rt = o.rt!;
    if (rel === 'name') rt.name = truth(v) === false ? null : `dev${o.n}`;
    else if (rel === 'id' && v.t === 'int' && v.v >= 0 && v.v <= U32_MAX) rt.id = v.v;
    else if (rel === 'dev.parent') rt.parent = truth(v) === false ? null : this.parent;
    else if (rel === 'dev.release') {
      rt.release = this.releaseFor(o, v);
      o.history.push(`release callback ${v.t === 'fn' ? v.name : 'set'}`);
    } else if (rel === 'dev.platform_data') rt.platformData = v;
    else rt.setField(rel || '*', true);
  }

  private releaseFor(o: Obj, v: Val): ((d: AuxDevice) => void) | null {
    if (truth(v) === false) return null;
    if (v.t === 'fn' && this.ctx.functions.has(v.name)) {
      const fn = v.name;
      return () => this.runCallback(fn, [this.ptr(o, join(o.dev ?? '', 'dev'))], `release callback ${fn}`);
    }
    const name = v.t === 'fn' ? v.name : 'a computed pointer';
    o.foreignRelease = name;
    return () => {
      throw new NotFollowed(`the release callback (${name}) is not defined in this file`);
    };
  }

  /** A callback the kernel runs (a release, a devres action): attributed to the call that ran it. */
  private runCallback(name: string, args: Val[], what: string): void {
    const fn = this.ctx.functions.get(name)!;
    this.sites.push('release');
    try {
      if (this.frames.length > MAX_CALL_DEPTH) throw new NotFollowed(`${what} nests deeper than ${MAX_CALL_DEPTH} calls`);
      this.callFunction(fn, args);
    } finally {
      this.sites.pop();
    }
  }

  private bindDevice(o: Obj, path: string): void {
    o.dev = path;
    if (!o.rt) return;
    for (const [p, v] of [...o.fields]) {
      const rel = under(p, path);
      if (rel !== null) this.track(o, () => this.deviceStore(o, rel, v));
    }
  }

  // ---- calls ----

  private call(e: Extract<Expr, { k: 'call' }>): Val {
    const site: Site = { call: e.text, line: e.line, column: e.column };
    this.sites.push(site);
    try {
      if (e.callee === null) {
        for (const a of e.args) this.keep(this.eval(a));
        return UNK;
      }
      return this.callNamed(e.callee, e.args, site);
    } finally {
      this.sites.pop();
    }
  }

  private callNamed(name: string, argExprs: Array<Expr | Val>, site: Site): Val {
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
        throw new PathTooLong(`${name} at line ${site.line}`);
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
      return this.callFunction(fn, args).value;
    }
    if (fn) throw new NotFollowed(`${name} at line ${site.line} is recursive or nests deeper than ${MAX_CALL_DEPTH} calls`);
    // A function of another file: it may keep any pointer it is given; its result is unknown.
    for (const a of args) this.keep(a);
    return UNK;
  }

  private noFreePtr(e: Extract<Expr, { k: 'call' }>): Val {
    const a = e.args[0];
    if (!a) return UNK;
    const loc = this.loc(a);
    const v = this.peek(loc);
    this.poke(loc, NULLV);
    return v;
  }

  private either(a: Val, b: Val): Val {
    return this.oracle.pick(2) === 0 ? a : b;
  }

  /** A fallible call: the oracle says whether it fails on this path. */
  private fails(site: Site): boolean {
    const fail = this.oracle.pick(2) === 1;
    if (fail) this.failed = site;
    return fail;
  }

  private allocate(name: string, site: Site, kind: 'heap' | 'devm'): Val {
    if (this.fails(site)) return NULLV;
    const rt = this.k.kzallocDevice(`${name} at line ${site.line}`)!;
    const o = this.newObj(kind, `${name}() at line ${site.line}`, site.line, rt);
    o.history.push(`allocated by ${name}() at line ${site.line}`);
    return this.ptr(o);
  }

  private free(v: Val, site: Site): void {
    const r = resolve(v);
    if (r.t !== 'ptr') return;
    const o = r.o;
    if (!o.rt || o.kind === 'devm') return;
    o.history.push(`kfree() at line ${site.line}${this.inRelease() ? ' (in the release callback)' : ''}`);
    this.track(o, () => this.k.kfree(o.rt));
  }

  private idaOf(v: Val): { ida: Ida; o: Obj } | null {
    const r = resolve(v);
    if (r.t !== 'ptr') return null;
    const key = `${r.o.n}:${r.p}`;
    let entry = this.idas.get(key);
    if (!entry) {
      const o = this.newObj('opaque', `the IDA ${r.p || r.o.madeBy}`, 0);
      entry = { ida: this.k.idaInit(`ida ${key}`), o };
      this.idas.set(key, entry);
    }
    return entry;
  }

  private idaAlloc(idaVal: Val, min: number, max: number, site: Site): Val {
    const entry = this.idaOf(idaVal);
    if (!entry) return this.either(ZERO, int(-ERRNO.ENOMEM!));
    if (this.fails(site)) this.k.faults.failSite('ida_alloc');
    const id = this.track(entry.o, () => entry.ida.alloc({ min: Math.min(min, U32_MAX), max: Math.min(Math.max(max, 0), U32_MAX) }));
    if (id >= 0) this.idAllocs.push({ entry, id, line: site.line });
    return int(id);
  }

  /**
   * The device a pointer argument names: `&x->adev`, an alias `adev`, `&adev->dev` for the calls
   * that take the `struct device`. A device the function received from its caller is made on the
   * model in the state its first operation expects (the caller's side of the contract).
   */
  private deviceOf(v: Val, e: Expr | null, op: string): Obj | null {
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
    if (o.dev !== p) {
      if (op === 'put' || op === 'get') return null;
      throw new NotFollowed(`two auxiliary devices in one allocation (${o.madeBy}: ${o.dev} and ${p})`);
    }
    return o;
  }

  /** A device from the caller, in the state the function's first operation on it expects. */
  private receive(o: Obj, op: string): void {
    const release = this.ctx.soleRelease;
    const rt = this.k.kzallocDevice(`device from the caller (${o.madeBy})`)!;
    o.rt = rt;
    this.track(o, () => {
      rt.name = `dev${o.n}`;
      rt.parent = this.parent;
      if (release !== null) {
        rt.release = () => this.runCallback(release, [this.ptr(o, join(o.dev ?? '', 'dev'))], `release callback ${release}`);
      } else if (this.ctx.releaseCount === 0) {
        // The file never sets a release callback: its devices have none (B12 shows at the last put).
      } else {
        rt.release = () => {
          throw new NotFollowed(`${o.madeBy}: a device from the caller, and this file assigns several release callbacks (which one it has is not known)`);
        };
      }
      // The most lenient state in which the operation is valid: init wants an allocated device;
      // add, uninit, put and get an initialized one; delete and destroy an added one.
      const added = op === 'delete' || op === 'destroy';
      if (op !== 'init') rt.init();
      if (added) rt.add('caller');
      o.history.push(`received from the caller (${op === 'init' ? 'allocated' : added ? 'added' : 'initialized'})`);
    });
  }

  private deviceCall(v: Val, e: Expr | null, op: string, site: Site): Val {
    const o = this.deviceOf(v, e, op);
    if (!o) return op === 'get' ? v : op === 'init' || op === 'add' ? this.either(ZERO, int(-ERRNO.ENOMEM!)) : UNK;
    const rt = o.rt!;
    const where = `line ${site.line}`;
    switch (op) {
      case 'init': {
        const fail = this.fails(site);
        const r = this.track(o, () => {
          // The kernel fails init only for a NULL parent or name; the failing path gets one.
          if (fail) rt.name = null;
          else {
            rt.name = `dev${o.n}`;
            rt.parent = this.parent;
          }
          return rt.init();
        });
        o.history.push(`auxiliary_device_init() ${r === 0 ? 'succeeded' : 'failed'} at ${where}`);
        return int(r);
      }
      case 'add': {
        if (this.fails(site)) this.k.faults.failSite('device_add');
        const r = this.track(o, () => rt.add('mod'));
        o.history.push(`auxiliary_device_add() ${r === 0 ? 'succeeded' : 'failed'} at ${where}`);
        return int(r);
      }
      case 'delete':
        o.history.push(`auxiliary_device_delete() at ${where}`);
        this.track(o, () => rt.delete());
        return UNK;
      case 'uninit':
        o.history.push(`auxiliary_device_uninit() at ${where}`);
        this.track(o, () => rt.uninit());
        return UNK;
      case 'destroy':
        o.history.push(`auxiliary_device_destroy() at ${where}`);
        this.track(o, () => this.k.auxiliaryDeviceDestroy(rt));
        return UNK;
      case 'put':
        o.history.push(`put_device() at ${where}`);
        this.track(o, () => rt.put());
        return UNK;
      default:
        o.history.push(`get_device() at ${where}`);
        this.track(o, () => rt.get());
        return v;
    }
  }

  private create(name: string, id: Val, site: Site): Val {
    const fail = this.fails(site);
    if (fail) this.k.faults.failSite('kzalloc');
    const devm = name !== 'auxiliary_device_create';
    const made = devm
      ? this.k.devmAuxiliaryDeviceCreate(this.parent, 'mod', `dev${this.objs.length + 1}`)
      : this.k.auxiliaryDeviceCreate(this.parent, 'mod', `dev${this.objs.length + 1}`, undefined, id.t === 'int' && Math.abs(id.v) < 2 ** 31 ? id.v : 0);
    this.sync(null);
    if (!made) return NULLV;
    const o = this.newObj(devm ? 'managed' : 'heap', `${name}() at line ${site.line}`, site.line, made);
    o.dev = '';
    o.history.push(`created by ${name}() at line ${site.line}`);
    return this.ptr(o);
  }

  private devmAction(name: string, fn: Val, data: Val, site: Site): Val {
    const fail = this.fails(site);
    if (fn.t !== 'fn' || !this.ctx.functions.has(fn.name)) {
      this.keep(data);
      return fail ? int(-ERRNO.ENOMEM!) : ZERO;
    }
    const action = fn.name;
    this.kept.push(data);
    if (fail) this.k.faults.failSite('devres');
    if (name === 'devm_add_action' && fail) return int(-ERRNO.ENOMEM!);
    const r = this.parent.devmAddActionOrReset(`${action} at line ${site.line}`, () => this.runCallback(action, [data], `devres action ${action}`));
    this.sync(null);
    return int(r);
  }

  private containerOf(v: Val, member: string | null, site: Site): Val {
    const r = resolve(v);
    if (member === null) throw new NotFollowed(`container_of at line ${site.line}: the member is not a plain member path`);
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
      for (const [p, x] of r.o.fields) c.fields.set(join(prefix, p), x);
      c.history = r.o.history;
      r.o.within = { o: c, p: prefix };
      r.o.rt = null;
      return this.ptr(c);
    }
    throw new NotFollowed(`container_of at line ${site.line}: ${member} is not where the pointer points (${r.p || 'the start'} of ${r.o.madeBy})`);
  }

  // ---- violations and the end check ----

  private inRelease(): boolean {
    return this.sites.includes('release');
  }

  /** Runs a model call on behalf of `o` and places any violation it raised. */
  private track<T>(o: Obj, fn: () => T): T {
    const before = this.current;
    this.current = o;
    try {
      return fn();
    } catch (err) {
      if (err instanceof CallBudgetError) throw new PathTooLong(err.message);
      throw err;
    } finally {
      this.current = before;
      this.sync(o);
    }
  }

  private sync(o: Obj | null): void {
    const found = this.k.violations;
    while (this.seen < found.length) {
      const v = found[this.seen++]!;
      const site = this.blame();
      if (o) this.flagged.add(o);
      const story = o && o.history.length > 0 ? ` (on this path: ${o.history.join('; ')})` : '';
      this.findings.push({
        code: v.code, line: site.line, column: site.column,
        message: `${site.call}: ${lowerFirst(VIOLATIONS[v.code].when)}${story}`,
        failing: this.failed,
      });
    }
  }

  /**
   * Where a violation is placed: the call being made, except inside a callback the kernel runs
   * (a release), where it is the call in the code that dropped the last reference.
   */
  private blame(): Site {
    const first = this.sites.indexOf('release');
    const below = first < 0 ? this.sites.length - 1 : first - 1;
    for (let i = below; i >= 0; i--) {
      const s = this.sites[i];
      if (s !== undefined && s !== 'release' && s.line > 0) return s;
    }
    return { call: 'the function', line: 1, column: 1 };
  }

  private keep(v: Val): void {
    if (v.t === 'ptr') this.kept.push(v);
  }

  /**
   * What a function leaves behind as it returns: what was made while it ran and is still
   * reachable by its caller (through the return value, the arguments, globals, or anything handed
   * to code outside the file) is not a leak; for the rest the machines' end check says.
   */
  private leakCheck(f: Frame, ret: Val, line: number): void {
    const reachable = new Set<Obj>();
    const ids = new Set<number>();
    const todo: Obj[] = [];
    // An id escapes only as a value: returned, or stored where the caller can reach it.
    const mark = (v: Val, idEscapes = true) => {
      const r = resolve(v);
      if (r.t === 'ptr' && !reachable.has(r.o)) {
        reachable.add(r.o);
        todo.push(r.o);
      } else if (r.t === 'int' && idEscapes) ids.add(r.v);
    };
    mark(ret);
    for (const v of f.args) mark(v, false);
    for (const v of this.kept) mark(v, false);
    for (const o of this.objs) {
      if ((o.kind === 'opaque' || o.kind === 'managed') && !reachable.has(o)) {
        reachable.add(o);
        todo.push(o);
      }
    }
    while (todo.length > 0) {
      const o = todo.pop()!;
      for (const v of o.fields.values()) mark(v);
    }
    const excused: number[] = [];
    for (const o of this.objs) {
      if (!o.rt || o.within) continue;
      if (reachable.has(o) || this.flagged.has(o) || this.leaked.has(o) || o.n <= f.firstObj) excused.push(o.rt.handle);
    }
    for (const o of this.objs.slice(f.firstObj)) {
      if (!o.rt || o.within || reachable.has(o) || this.flagged.has(o) || this.leaked.has(o)) continue;
      for (const v of o.rt.endFindings({ type: 'END' })) {
        if (o.kind === 'devm' && v.code === 'memory-leak') continue;
        this.leaked.add(o);
        excused.push(o.rt.handle);
        this.findings.push({
          code: v.code, line, column: 1,
          message: `${VIOLATIONS[v.code].when.replace(/\.$/, '')}: the object from ${o.madeBy} is not freed and not handed to the caller when ${f.fn.name}() returns here (${o.history.join('; ')})`,
          failing: this.failed,
        });
      }
    }
    const mine = this.idAllocs.slice(f.firstId);
    if (mine.length === 0) return;
    for (const entry of new Set(mine.map((a) => a.entry))) {
      for (const v of entry.ida.endFindings({ type: 'END', excused })) {
        for (const id of v.ids ?? []) {
          const key = `${entry.o.n}:${id}`;
          const made = mine.find((a) => a.entry === entry && a.id === id);
          if (!made || ids.has(id) || this.leakedIds.has(key)) continue;
          this.leakedIds.add(key);
          this.findings.push({
            code: v.code, line, column: 1,
            message: `id ${id} from ida_alloc() at line ${made.line} is still allocated when ${f.fn.name}() returns here, and nothing its caller can reach holds it`,
            failing: this.failed,
          });
        }
      }
    }
  }
}

/** Whether a name is one of the calls the model follows. */
export function isTracked(name: string): boolean {
  return ALLOC.has(name) || DEVM_ALLOC.has(name) || FREE.has(name) || name.startsWith('ida_') || name.startsWith('auxiliary_device_')
    || name === '__auxiliary_device_add' || name === 'put_device' || name === 'get_device' || name.startsWith('devm_auxiliary_device_create')
    || name === 'devm_add_action_or_reset' || name === 'devm_add_action';
}

function under(p: string, base: string): string | null {
  if (base === '') return p;
  if (p === base) return '';
  if (p.startsWith(`${base}.`)) return p.slice(base.length + 1);
  return null;
}

const isZero = (e: Expr) => (e.k === 'num' && e.value === 0) || (e.k === 'id' && e.name === 'NULL');

/** A variable or a member reached through variables only: re-reading it has no side effect. */
function isPlace(e: Expr): boolean {
  if (e.k === 'id') return true;
  if (e.k === 'field') return isPlace(e.base);
  if (e.k === 'deref') return isPlace(e.e);
  return false;
}

function intOr(v: Val, fallback: number): number {
  return v.t === 'int' ? v.v : fallback;
}

function equal(a: Val, b: Val): boolean | undefined {
  const nullish = (v: Val) => v.t === 'null' || (v.t === 'int' && v.v === 0);
  if (a.t === 'unk' || b.t === 'unk') return undefined;
  if (a.t === 'int' && b.t === 'int') return a.v === b.v;
  if (nullish(a) || nullish(b)) return nullish(a) && nullish(b) ? true : truth(a) === false || truth(b) === false ? (truth(a) === undefined || truth(b) === undefined ? undefined : false) : undefined;
  if (a.t === 'ptr' && b.t === 'ptr') {
    const x = resolve(a);
    const y = resolve(b);
    return x.t === 'ptr' && y.t === 'ptr' && x.o === y.o && x.p === y.p;
  }
  if (a.t === 'err' && b.t === 'err') return a.v === b.v;
  return undefined;
}

function arith(op: string, l: Val, r: Val): Val {
  if (l.t !== 'int' || r.t !== 'int') return UNK;
  switch (op) {
    case '+': return int(l.v + r.v);
    case '-': return int(l.v - r.v);
    case '*': return int(l.v * r.v);
    case '/': return r.v === 0 ? UNK : int(Math.trunc(l.v / r.v));
    case '%': return r.v === 0 ? UNK : int(l.v % r.v);
    case '&': return int(l.v & r.v);
    case '|': return int(l.v | r.v);
    case '^': return int(l.v ^ r.v);
    case '<<': return int(l.v << r.v);
    case '>>': return int(l.v >> r.v);
    default: return UNK;
  }
}

/** `adev.dev` for the member argument of container_of; null when it is not a plain member path. */
function memberPath(e: Expr | null): string | null {
  if (!e) return null;
  if (e.k === 'id') return e.name;
  if (e.k === 'field' && !e.arrow) {
    const base = memberPath(e.base);
    return base === null ? null : `${base}.${e.field}`;
  }
  if (e.k === 'index' && e.index.k === 'num') {
    const base = memberPath(e.base);
    return base === null ? null : `${base}[${e.index.value}]`;
  }
  return null;
}

function exprText(e: Expr): string {
  switch (e.k) {
    case 'id': return e.name;
    case 'field': return `${exprText(e.base)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'call': return e.text;
    default: return 'a pointer';
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
