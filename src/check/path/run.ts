import { createHash } from 'node:crypto';
import { VIOLATIONS } from '../../../machines/index.js';
import type { Expr, Instr, LoweredFunction } from '../ir.js';
import { ERRNO, int, NONNULL, NULLV, resolve, truth, UNK, ZERO, type Obj, type Val } from '../values.js';
import { constantMask, PathKeys } from './merge-key.js';
import { isTracked } from './known-calls.js';
import { memberEnds } from './members.js';
import { membersStored, namesUsed } from './pure.js';
import { branchless, pointsInto, settleable } from './settled.js';
import { arith, equal, evaluated, exprText, isPlace, isZero, operands, story } from './ops.js';
import { Oracle } from '../oracle.js';
import type { FailureEnd } from './ownership.js';
import {
  KNOWN_LOOP_BOUND, MAX_CALL_DEPTH, MAX_PATH_STEPS, MAX_SUMMARY_RUNS, NotFollowed, PathMerged, PathTooLong, SummaryImprecise, UNKNOWN_LOOP_BOUND, type Frame, type Loc, type Site,
} from './types.js';

/**
 * One run of one path of a root function.
 * @example
 * const run = new PathRun(ctx, new Oracle([]));
 * run.runRoot(ctx.functions.get('foo_create')!);
 * run.findings; // what the model found on the path
 */
export class PathRun extends PathKeys {
  protected steps = 0;
  /** Steps of summary runs beyond the one each summary counts on the path (work the budget still pays for). */
  protected summaryWork = 0;
  /** While a summary runs: its log of what changed outside the helper (see callSameFile). */
  private summary: Summary | null = null;
  /** Summaries evaluated on this path so far (with the choices made, what names one in the cache). */
  private summaryCalls = 0;

  /** The column of the condition being decided (a branch's), for a finding placed at a test. */
  private testColumn = 1;

  /** A summary's runs are undone and compared by their outcomes: a test that judges a failure value makes the helper run inline. */
  protected judging(): void {
    if (this.summary !== null) throw new SummaryAbort();
  }

  /** Steps this path took (instructions across every frame, summaries' runs included): what the per-function budget counts. */
  get stepsTaken(): number {
    return this.steps + this.summaryWork;
  }

  /**
   * A same-file helper called from the code. One that calls nothing the model follows
   * (path/pure.ts) is run as a summary: every path of it, here, on an oracle of its own, each
   * from the same state. A run's outcome is what its caller can see: the value it returned, what
   * it stored into memory that existed before the call, and the pointers it handed to code of
   * another file. The caller's path then branches over the distinct outcomes, not over every
   * path inside the helper, and the chosen one's stores are made again. What a run's branches
   * learnt about the caller's values (`learn`) is undone with its stores, so each run starts
   * where the call did, and is part of the outcome the caller's path then keeps. A helper that turns out to touch what the model sees (memory with a
   * device in it, a member the file uses as a device) or whose paths are too many is run inline
   * from then on, as every other is.
   */
  protected callSameFile(fn: LoweredFunction, args: Val[]): Val {
    if (this.ctx.aloof?.has(fn.name) === true && this.ctx.pure?.has(fn.name) !== true && !this.reachesDevice(fn, args)) {
      // What it was handed it may keep or free, as a function of another file may, and each member
      // it stores to may hold anything now (a buffer it allocated, a count).
      for (const a of args) this.keep(a);
      this.forgetStores(fn, args);
      return { t: 'unk' };
    }
    const pure = this.ctx.pure?.has(fn.name) === true && this.ctx.unsummarised?.has(fn.name) !== true;
    if (!pure || this.summary !== null) return this.callFunction(fn, args, true).value;
    // A path replays the choices of the path it was queued from, and replays are deterministic:
    // the same choices so far and the same count of summaries give the same state here, so the
    // distinct outcomes are known, and only the runs of the one this path takes are run again.
    const cache = this.ctx.summaryCache;
    const key = cache ? `${fn.name}|${this.summaryCalls}|${this.oracle.choices.join(',')}` : '';
    this.summaryCalls++;
    const known = cache?.get(key);
    const start = this.steps;
    let chosen: Outcome;
    if (known !== undefined) {
      const pick = known.runs.length === 1 ? 0 : this.oracle.pick(known.runs.length);
      const again = this.summarise(fn, args, known.runs[pick]!);
      const outcome = again.outcomes.length === 1 ? again.outcomes[0] : undefined;
      if (again.inline || outcome === undefined) throw new Error(`${fn.name}: a summary's runs replayed differently`);
      chosen = outcome;
      this.summaryWork += again.work - known.longest;
      this.steps = start + known.longest;
    } else {
      const all = this.summarise(fn, args, null);
      if (all.inline) {
        // The helper runs inline from now on, which changes the choices a path makes at its calls:
        // the function is explored again from the start, so every queued path means what it meant.
        this.summaryWork += all.work;
        throw new SummaryImprecise(fn.name, 'inline');
      }
      cache?.set(key, { runs: all.outcomes.map((o) => o.runs), longest: all.longest });
      // The path pays for its longest run; the others count for the function's budget.
      this.summaryWork += all.work - all.longest;
      this.steps = start + all.longest;
      const list = all.outcomes;
      chosen = list.length === 1 ? list[0]! : list[this.oracle.pick(list.length)]!;
    }
    for (const w of chosen.writes) this.poke(w.loc, w.v);
    for (const f of chosen.facts.values()) this.poke(f.loc, f.v);
    for (const [at, loc] of chosen.unsure) {
      this.poke(loc, { t: 'unk' });
      this.poisoned.set(at, fn.name);
    }
    for (const [k, b] of chosen.bitFacts) this.bitTests.set(k, b);
    this.kept.push(...chosen.handed);
    return chosen.value;
  }

  /**
   * After an aloof helper ran: in the memory it could reach (its arguments, the globals it names),
   * every member it stores to holds an unknown value, so no path goes on with what it knew there.
   */
  private forgetStores(fn: LoweredFunction, args: Val[]): void {
    const stored = membersStored(this.ctx.functions, fn.name);
    if (stored.size === 0) return;
    for (const o of this.reachableBy(fn, args)) {
      for (const p of [...o.fields.keys()]) if (stored.has(memberEnds(p).last)) this.poke({ t: 'mem', o, p }, { t: 'unk' });
      // A member never stored on this path reads as zero in zeroed memory: it may not be now.
      if (o.kind !== 'opaque') for (const m of stored) if (!o.fields.has(m)) this.poke({ t: 'mem', o, p: m }, { t: 'unk' });
    }
  }

  /**
   * Whether a helper called with `args` could reach a device (an object the model knows holds
   * one), through its arguments or the globals it names, member by member.
   */
  private reachesDevice(fn: LoweredFunction, args: Val[]): boolean {
    for (const o of this.reachableBy(fn, args)) if (o.dev !== null || o.others !== undefined) return true;
    return false;
  }

  /** The objects a helper called with `args` can reach: from them and the globals it names, member by member (and to an object's container). */
  private *reachableBy(fn: LoweredFunction, args: Val[]): Generator<Obj> {
    const seen = new Set<Obj>();
    const todo: Val[] = [...args];
    const named = namesUsed(this.ctx.functions, fn.name);
    for (const [name, g] of this.globals) if (named.has(name)) todo.push(this.ptr(g));
    for (let v = todo.pop(); v !== undefined; v = todo.pop()) {
      const r = resolve(v);
      if (r.t !== 'ptr' || seen.has(r.o)) continue;
      seen.add(r.o);
      if (r.o.within) todo.push(this.ptr(r.o.within.o));
      // Members first: what the caller's visit does to the object (forgetting) does not hide them.
      todo.push(...r.o.fields.values());
      yield r.o;
    }
  }

  /**
   * Runs a summarised helper's paths from the state of the call, each from that same state (see
   * callSameFile): every path of it (`only` null: breadth first over its oracle's choices), or
   * only the runs given by their choices. Its distinct outcomes come back in the order first met,
   * each with the choices of the runs that gave it; `inline` when a run touched what the model
   * sees or there were too many runs. Steps are given back as `work` (all runs) and `longest`.
   */
  private summarise(fn: LoweredFunction, args: Val[], only: number[][] | null): { outcomes: Outcome[]; inline: boolean; longest: number; work: number } {
    const outer = this.oracle;
    const start = this.steps;
    const branches = this.branches.length;
    const kept = this.kept.length;
    const bits = new Map(this.bitTests);
    const outcomes = new Map<string, Outcome>();
    const queue: number[][] = only === null ? [[]] : [...only];
    const pointees = new Map<string, Obj>();
    let longest = 0;
    let work = 0;
    let inline = false;
    try {
      for (let runs = 0; queue.length > 0 && !inline; runs++) {
        if (runs === MAX_SUMMARY_RUNS) {
          inline = true;
          break;
        }
        const choices = queue.shift()!;
        const sub = new Oracle(choices);
        this.oracle = sub;
        const summary: Summary = { depth: this.frames.length, log: [], pointees };
        this.summary = summary;
        try {
          const value = this.callFunction(fn, args).value;
          // The last store to each place is what the caller sees; what the run learnt about a
          // place it did not store to is a fact of its outcome.
          const writes = new Map<string, { loc: Extract<Loc, { t: 'mem' }>; v: Val }>();
          const facts = new Map<string, { loc: Extract<Loc, { t: 'mem' }>; v: Val }>();
          for (const w of summary.log) {
            const at = `${w.loc.o.n}:${w.loc.p}`;
            if (w.write) {
              writes.set(at, { loc: w.loc, v: this.peek(w.loc) });
              facts.delete(at);
            } else if (!writes.has(at)) facts.set(at, { loc: w.loc, v: this.peek(w.loc) });
          }
          const bitFacts = new Map([...this.bitTests].filter(([k, v]) => bits.get(k) !== v));
          const handed = this.kept.slice(kept);
          // What a run learnt about the caller's memory (a branch on `info->caps`) is kept with
          // the outcome where every run that gave it learnt the same; where they differ the
          // place is left unknown and poisoned: a path that reads it again (`if (foo_has(x))
          // create ...; if (foo_has(x)) teardown`) needs the runs told apart by what they
          // learnt, and the function is explored again with the helper summarised that way.
          const precise = this.ctx.precise?.has(fn.name) === true;
          const key = [
            valueKey(value),
            ...[...writes].map(([at, w]) => `${at}=${valueKey(w.v)}`),
            ...(precise ? [...facts].map(([at, f]) => `${at}~${valueKey(f.v)}`) : []),
            ...[...bitFacts].map(([k, b]) => `${k}~${b.outcome}`),
            ...handed.map(valueKey),
          ].join('|');
          const seen = outcomes.get(key);
          if (!seen) outcomes.set(key, { value, writes: [...writes.values()], handed, facts, bitFacts, unsure: new Map(), runs: [sub.choices.slice()] });
          else {
            seen.runs.push(sub.choices.slice());
            for (const [at, f] of seen.facts) {
              if (valueKey(facts.get(at)?.v ?? UNSEEN) !== valueKey(f.v)) {
                seen.facts.delete(at);
                seen.unsure.set(at, f.loc);
              }
            }
            for (const [at, f] of facts) if (!seen.facts.has(at)) seen.unsure.set(at, f.loc);
          }
        } catch (err) {
          // A path too long inside the helper is cut only where a path takes it: run inline.
          if (!(err instanceof SummaryAbort) && !(err instanceof PathTooLong)) throw err;
          inline = true;
        } finally {
          for (let j = summary.log.length - 1; j >= 0; j--) this.poke(summary.log[j]!.loc, summary.log[j]!.old);
          this.summary = null;
          this.kept.length = kept;
          this.branches.length = branches;
          this.bitTests.clear();
          for (const [k, v] of bits) this.bitTests.set(k, v);
          longest = Math.max(longest, this.steps - start);
          work += this.steps - start;
          this.steps = start;
        }
        if (only === null) queue.push(...sub.children());
      }
    } finally {
      this.oracle = outer;
    }
    return { outcomes: [...outcomes.values()], inline, longest, work };
  }

  /** What a branch learnt about a place (`p` is not NULL after `if (!p)` failed): undone after a summary's run. */
  protected learn(loc: Loc, v: Val): void {
    this.logged(loc, false);
    this.poke(loc, v);
  }

  /** A store by the code: inside a summary, kept in its log (undone after the run, part of its outcome). */
  protected override write(loc: Loc, v: Val): void {
    if (this.summary !== null && loc.t === 'mem' && (loc.o.rt !== null || loc.o.kind !== 'opaque' || this.namesDevice(loc.p))) throw new SummaryAbort();
    if (loc.t === 'mem' && this.poisoned.size > 0) this.poisoned.delete(`${loc.o.n}:${loc.p}`);
    this.logged(loc, true);
    super.write(loc, v);
  }

  protected override read(loc: Loc): Val {
    if (loc.t === 'mem') {
      if (this.summary !== null && loc.o.rt !== null) throw new SummaryAbort();
      const by = this.poisoned.size > 0 ? this.poisoned.get(`${loc.o.n}:${loc.p}`) : undefined;
      if (by !== undefined) throw new SummaryImprecise(by);
    }
    return super.read(loc);
  }

  protected override pointeeOf(loc: Loc, what: string): Obj {
    const s = this.summary;
    if (s === null || loc.t !== 'mem') return super.pointeeOf(loc, what);
    const at = `${loc.o.n}:${loc.p}`;
    let o = s.pointees.get(at);
    if (!o) {
      o = super.pointeeOf(loc, what);
      s.pointees.set(at, o);
    }
    return o;
  }

  /** Whether a member path starts with a member the file uses as a device. */
  private namesDevice(p: string): boolean {
    return this.ctx.deviceMembers.has(p.split(/[.[]/)[0]!);
  }

  private logged(loc: Loc, write: boolean): void {
    const s = this.summary;
    // The helper's own locals are the run's; everything else outlives it.
    if (s === null || loc.t !== 'mem' || this.frames.slice(s.depth).some((f) => [...f.locals.values()].includes(loc.o))) return;
    s.log.push({ loc, old: this.peek(loc), write });
  }

  /** Runs `fn` from its entry with unknown arguments, then the end check on what it leaves behind. */
  runRoot(fn: LoweredFunction): void {
    this.settles = this.k.bus.driverNames().length === 0 && settleable(this.ctx.functions, fn.name);
    const args = this.parameters(fn);
    const site: Site = { call: fn.name, line: 0, column: 0 };
    this.sites.push(site);
    const firstObj = this.objs.length;
    const firstId = this.idAllocs.length;
    const { value, line } = this.callFunction(fn, args);
    this.sites.pop();
    this.failureEnd = this.failureEndOf(fn, args, value, line);
    this.unbindActions(fn, args, value, firstObj, firstId);
    this.unbindParents();
    this.reportLetThrough();
  }

  /** Where and with what of its caller freed the root function returned an error on this path (null: it did not). */
  failureEnd: FailureEnd | null = null;

  /**
   * An error return (a negative int, an ERR_PTR) of the root function: the caller's objects it
   * freed that the caller still reaches, by the name the caller reaches them with.
   */
  private failureEndOf(fn: LoweredFunction, args: Val[], value: Val, line: number): FailureEnd | null {
    const r = resolve(value);
    if (!((r.t === 'int' && r.v < 0) || r.t === 'err')) return null;
    const names = new Map<Obj, string>();
    const todo: Array<[Obj, string]> = [];
    fn.params.forEach((p, i) => {
      const a = resolve(args[i] ?? UNK);
      if (a.t === 'ptr' && a.p === '' && !names.has(a.o)) {
        names.set(a.o, p);
        todo.push([a.o, p]);
      }
    });
    for (let k = 0; k < todo.length; k++) {
      const [o, name] = todo[k]!;
      for (const [p, v] of o.fields) {
        const x = resolve(v);
        if (x.t !== 'ptr' || x.p !== '' || x.o.kind !== 'opaque' || names.has(x.o)) continue;
        names.set(x.o, `${name}->${p}`);
        todo.push([x.o, `${name}->${p}`]);
      }
    }
    const freed = new Map<string, number>();
    for (const [o, at] of this.freedOpaque) {
      const name = names.get(o);
      if (name !== undefined) freed.set(name, at);
    }
    return { line, freed, failing: this.failed, steps: this.stepsOf(null) };
  }

  /**
   * The parent's driver unbinds after the function returned (or its probe failed): devres runs
   * the actions the path registered, newest first, as a teardown by hand would have run. (Before
   * the devm_kzalloc()ed memory is freed: the order devres keeps when the memory was allocated
   * before the action that uses it was registered, the usual order; the reverse order is not told
   * apart, so a use of such memory inside the action is not found.) What devres held is held no
   * more: what the function made and the actions left behind, reachable by nothing else, is a leak,
   * reported at the last registration (where the teardown through devres is written).
   */
  private unbindActions(fn: LoweredFunction, args: Val[], value: Val, firstObj: number, firstId: number): void {
    if (this.devresHeld.length === 0) return;
    // Out of the list before the actions run (one may register another: held for a later unbind).
    const held = this.devresHeld.splice(0);
    this.parent.unbind();
    this.sync(null);
    const when = this.letGo(held, fn);
    const frame: Frame = { fn, args, firstObj, firstId, vars: new Map(), locals: new Map(), loops: new Map(), pc: 0, mergeable: false };
    this.leakCheck(frame, value, held[held.length - 1]!.site.line, when);
  }

  /**
   * Devres holds `held` no more (their unbind ran, or is run now): out of `devresHeld`, their data
   * out of `kept`. Returns how a leak found after it is told.
   */
  private letGo(held: ReadonlyArray<(typeof this.devresHeld)[number]>, root: LoweredFunction): string {
    for (const h of held) {
      const i = this.devresHeld.indexOf(h);
      if (i >= 0) this.devresHeld.splice(i, 1);
      const at = this.kept.indexOf(h.data);
      if (at >= 0) this.kept.splice(at, 1);
    }
    return `after ${root.name}() returned and the parent's unbind ran ${held.map((h) => `${h.action}()`).join(', ')} through devres`;
  }

  /** Unknown objects for `fn`'s parameters (a `struct auxiliary_device *` one is the device itself). */
  private parameters(fn: LoweredFunction): Val[] {
    return fn.params.map((name, i) => {
      const o = this.newObj('opaque', `parameter ${name}`, 0);
      if (/\bauxiliary_device\b/.test(fn.paramTypes[i] ?? '')) o.dev = '';
      return this.ptr(o);
    });
  }

  /**
   * A create and its teardown (pairs.ts): the create runs from its entry; where it succeeded
   * (`returns`: 0 from an int, a valid pointer, any end of a void one) the teardown runs on what
   * it left (its parameters are the create's, by `map`; globals are shared). What breaks there is
   * the pair's; then what the create made that still lives (a device not uninit'ed and put, an id
   * not freed) is a leak at the teardown's return. The create's own findings are its own run's,
   * not the pair's: they are dropped here.
   */
  runPair(create: LoweredFunction, teardown: LoweredFunction, map: readonly number[], returns: 'int' | 'pointer' | 'void'): void {
    const args = this.parameters(create);
    this.sites.push({ call: create.name, line: 0, column: 0 });
    let made: Val;
    try {
      made = this.callFunction(create, args).value;
    } catch (err) {
      // A path that ends in the create (merged with an earlier one, cut) has no teardown of its own.
      this.findings.length = 0;
      throw err;
    }
    this.sites.pop();
    const v = resolve(made);
    const succeeded = returns === 'void' || (returns === 'int' ? v.t === 'int' && v.v === 0 : v.t === 'ptr' || v.t === 'nonnull');
    this.findings.length = 0;
    if (!succeeded) return;
    const objs = this.objs.length;
    const ids = this.idAllocs.length;
    // What the teardown cannot know it takes the way it expects (a test of another file's macro on
    // its own pointers, `if (!HAS_FOO(gt->i915)) return;`, is the create's `HAS_FOO(i915)` in the
    // kernel, never its opposite); its other branches are its own run's, on a device received.
    this.oracle.expectFromHere();
    this.sites.push({ call: teardown.name, line: 0, column: 0 });
    const { line } = this.callFunction(teardown, map.map((j) => args[j]!));
    this.sites.pop();
    this.afterTeardown(teardown, objs, ids, line);
    this.unbindParents();
  }

  /** The leaks of a pair: what its create made (objects before `objs`, ids before `ids`) and its teardown left. */
  private afterTeardown(teardown: LoweredFunction, objs: number, ids: number, line: number): void {
    const at = teardown.file === undefined ? { line } : { line, file: teardown.file };
    // What was handed to code the path does not follow (an xarray, a list, a function of another
    // file) may be found and taken down there: only what the teardown could reach is judged.
    const away = new Set<Obj>();
    const todo = this.kept.map(resolve).filter((v) => v.t === 'ptr').map((v) => v.o);
    while (todo.length > 0) {
      const o = todo.pop()!;
      if (away.has(o)) continue;
      away.add(o);
      for (const v of o.fields.values()) {
        const r = resolve(v);
        if (r.t === 'ptr') todo.push(r.o);
      }
    }
    const excused: number[] = [];
    for (const o of this.objs.slice(0, objs)) {
      if (!o.rt || o.within) continue;
      const devices = [o.rt, ...(o.others?.values() ?? [])];
      if (this.flagged.has(o) || this.leaked.has(o) || away.has(o) || o.kind === 'managed' || o.foreignRelease !== undefined) {
        excused.push(...devices.map((d) => d.handle));
        continue;
      }
      for (const f of devices.flatMap((d) => d.endFindings({ type: 'END' }))) {
        // Memory is the create's to judge (it may hand it to devres or to another file); a device is the pair's.
        if (f.code === 'memory-leak') continue;
        this.leaked.add(o);
        excused.push(...devices.map((d) => d.handle));
        this.findings.push({
          code: f.code, ...at, column: 1,
          message: `${VIOLATIONS[f.code].when.replace(/\.$/, '')}: the device from ${o.madeBy} is still there when ${teardown.name}() returns here (on this path: ${story(o)})`,
          failing: this.failed,
          steps: this.stepsOf(o),
        });
      }
    }
    const mine = this.idAllocs.slice(0, ids);
    for (const entry of new Set(mine.map((a) => a.entry))) {
      for (const v of entry.ida.endCheck(excused)) {
        for (const id of v.ids ?? []) {
          const key = `${entry.o.n}:${id}`;
          const made = mine.find((a) => a.entry === entry && a.id === id);
          if (!made || this.leakedIds.has(key)) continue;
          this.leakedIds.add(key);
          this.findings.push({
            code: v.code, ...at, column: 1,
            message: `id ${id} from ida_alloc() at ${this.lineOf(made.at)} is still allocated when ${teardown.name}() returns here`,
            failing: this.failed,
            steps: [{ line: made.at.line, column: 1, text: `ida_alloc() allocates id ${id}`, ...(made.at.file === undefined ? {} : { file: made.at.file }) }, ...this.stepsOf(null)],
          });
        }
      }
    }
  }

  /**
   * Runs `fn` in a new frame. `inline`: called from the code of the frame below at its current
   * instruction (not a summary's run, not a callback the kernel runs): such a frame may merge
   * paths too when that instruction is a plain call of `fn`.
   */
  protected callFunction(fn: LoweredFunction, args: Val[], inline = false): { value: Val; line: number } {
    if (fn.refused) throw new NotFollowed(`${fn.name}: ${fn.refused}`);
    const caller = this.frames[this.frames.length - 1];
    const mergeable = caller === undefined || (inline && caller.mergeable && this.summary === null && !this.sites.includes('release')
      && plainCall(caller.fn.code[caller.pc], fn.name));
    const frame: Frame = {
      fn, args, firstObj: this.objs.length, firstId: this.idAllocs.length, vars: new Map(), locals: new Map(), loops: new Map(), pc: 0, mergeable,
    };
    fn.params.forEach((p, i) => frame.vars.set(p, args[i] ?? UNK));
    this.frames.push(frame);
    try {
      return this.exec(frame);
    } finally {
      this.frames.pop();
    }
  }

  protected exec(f: Frame): { value: Val; line: number } {
    const code = f.fn.code;
    const merges = this.ctx.visited && f.mergeable ? mergePoints(f.fn) : null;
    let pc = 0;
    for (;;) {
      f.pc = pc;
      if (++this.steps > MAX_PATH_STEPS) throw new PathTooLong(`a path took more than ${MAX_PATH_STEPS} steps`);
      if (merges?.has(pc) && this.summary === null && !this.oracle.replaying) {
        // A state an earlier path of this function was in here: its future is that path's, already
        // explored (or queued) from there; this path ends (its earlier choices still branch).
        // While it replays its prefix it is the earlier path itself, so it never ends there.
        // The visited states are kept by a digest of their key (a key runs to kilobytes, and a big
        // function meets hundreds of thousands of states): SHA-256, so two states never share one.
        const key = createHash('sha256').update(this.mergeKey(f, pc)).digest('base64');
        const fates = this.settledFates;
        for (const k of fates) this.fatesCarried.add(k);
        const turns = this.frames.map((fr) => new Map(fr.loops));
        const earlier = this.ctx.visited!.get(key) as Visit | undefined;
        // Loop turns are not in the key: a state met again on a later turn has no more turns
        // left than the earlier one had (a loop of unknown count stops after its last allowed
        // turn, a known one is cut), so its future is among the earlier's.
        if (earlier !== undefined && atMost(earlier.turns, turns)) {
          // Back in a state this very path was in on the same turns (a goto loop that changes
          // nothing), or on later turns without a choice since (a loop with no way out, `while
          // (1) {}`): it loops there for ever, and is cut, and said to be, as a path past its
          // length is. After a choice, what it could have done otherwise is explored by its own
          // branches, and its future from here is among that from its earlier visit.
          if (earlier.run === this && (atMost(turns, earlier.turns) || this.oracle.depth === earlier.depth)) {
            throw new PathTooLong(`an endless loop at ${this.lineOf(this.here(code[pc]?.line ?? f.fn.endLine))}: the path came back to a state it was in`);
          }
          // A settled device left out of the key meets its end only at the end of a path that
          // carries it: the first path with one of a fate no path has carried to its end goes on.
          // Where the unbind can go one way only, it is run on them here, and the path ends.
          if (fates.every((k) => this.ctx.judged?.has(k) === true) || this.judgeSettled(this.settled, fates)) throw new PathMerged();
        }
        if (earlier === undefined || atMost(turns, earlier.turns)) this.ctx.visited!.set(key, { run: this, turns, depth: this.oracle.depth } satisfies Visit);
      }
      const i: Instr | undefined = code[pc];
      if (i === undefined) return this.leave(f, UNK, f.fn.endLine);
      this.atLine = i.line;
      this.atStatement = 'at' in i ? i.at : undefined;
      this.testColumn = i.op === 'br' ? i.column ?? 1 : this.atStatement?.column ?? 1;
      switch (i.op) {
        case 'eval':
          this.eval(i.e);
          pc++;
          break;
        case 'decl':
          f.vars.set(i.name, i.init ? this.eval(i.init) : UNK);
          pc++;
          break;
        case 'br': {
          let v: boolean;
          if (i.loop) {
            const n = (f.loops.get(pc) ?? 0) + 1;
            f.loops.set(pc, n);
            // The turn the test would begin: a `do ... while` tests after its body, so its first
            // test begins the second turn.
            const turn = i.t < pc ? n + 1 : n;
            const known = truth(this.eval(i.c));
            // A loop that goes on while its test holds (`for (;;)`, `while (i < 64)`) but that a
            // path could have left on an earlier turn by a choice (`if (!pos) break;` on a value
            // of another file) stops on something the path cannot know: like a loop of unknown
            // count it runs at most UNKNOWN_LOOP_BOUND turns. A path that starts one more ends
            // here; the paths that left on earlier turns carry on after the loop.
            if (known === true && turn > UNKNOWN_LOOP_BOUND && f.choseExit?.has(pc) === true) throw new PathMerged();
            if (known === true && n > KNOWN_LOOP_BOUND) throw new PathTooLong(`the loop at ${this.lineOf(this.here(i.line))} ran more than ${KNOWN_LOOP_BOUND} times`);
            v = known ?? (turn > UNKNOWN_LOOP_BOUND ? false : this.oracle.pick(2) === 0);
          } else {
            const depth = this.oracle.depth;
            v = this.decide(i.c);
            this.branch(i.line, i.column ?? 1, v);
            if (this.oracle.depth > depth) for (const h of loopExits(f.fn).get(pc) ?? []) (f.choseExit ??= new Set()).add(h);
          }
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
          if (this.matters(i.text)) throw new NotFollowed(`cannot follow "${i.text}" at ${this.lineOf(this.here(i.line))}`);
          pc++;
          break;
      }
    }
  }

  /**
   * A path about to end at a state met before carries settled devices (`settled`, of `fates`)
   * no path has carried to its end: the parent's unbind runs their devres actions here, newest
   * first, as it would after the function returned (nothing the function does until then can
   * touch them), and what they leave is judged as it would be then. Only where that code runs
   * one way (settled.ts `branchless`): otherwise false, and the path goes on to its own end.
   */
  private judgeSettled(settled: ReadonlySet<Obj>, fates: readonly string[]): boolean {
    const held = this.devresHeld.filter((h) => pointsInto(settled, h.data));
    const releases = [...settled].flatMap((o) => [...o.fields.values()].flatMap((v) => (v.t === 'fn' ? [v.name] : [])));
    if (held.length === 0 || [...settled].some((o) => o.foreignRelease !== undefined) || !branchless(this.ctx.functions, [...held.map((h) => h.action), ...releases])) return false;
    const root = this.frames[0]!;
    const handles = new Set([...settled].flatMap((o) => (o.rt ? [o.rt.handle] : [])));
    const ids = new Set(this.idAllocs.filter((a) => a.entry.ida.allocated.includes(a.id) && handles.has(a.entry.ida.ownerOf(a.id))));
    const when = this.letGo(held, root.fn);
    const depth = this.oracle.depth;
    for (const h of [...held].reverse()) {
      this.sites.push(h.site);
      try {
        this.runCallback(h.action, [h.data], `devres action ${h.action}`);
      } finally {
        this.sites.pop();
      }
    }
    this.sync(null);
    if (this.oracle.depth !== depth) throw new Error(`the unbind of a settled device made a choice in ${held.map((h) => h.action).join(', ')}`);
    const frame: Frame = { fn: root.fn, args: root.args, firstObj: 0, firstId: 0, vars: new Map(), locals: new Map(), loops: new Map(), pc: 0, mergeable: false };
    this.leakCheck(frame, UNK, held[held.length - 1]!.site.line, when, { objects: settled, ids });
    for (const k of fates) this.ctx.judged?.add(k);
    return true;
  }

  /**
   * A function returns: what it leaves behind is checked. Scope-based cleanups (`__free`) and
   * `return_ptr()` are calls the lowering (ir.ts) already placed where their scope is left.
   */
  protected leave(f: Frame, value: Val, line: number): { value: Val; line: number } {
    this.leakCheck(f, value, line);
    return { value, line };
  }

  protected switchTarget(i: Extract<Instr, { op: 'switch' }>): number {
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
  protected matters(text: string): boolean {
    if (/\b(goto|return|break|continue)\b/.test(text)) return true;
    for (const name of text.match(/[A-Za-z_]\w*/g) ?? []) {
      if (this.ctx.functions.has(name) || isTracked(name)) return true;
    }
    return false;
  }

  protected eval(e: Expr): Val {
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
          this.nullTest(v, this.testOf(e.e));
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
        // A name stored into a release member names a function, even one of another file.
        const named = e.r.k === 'addr' ? e.r.e : e.r;
        if (v.t !== 'fn' && e.l.k === 'field' && e.l.field === 'release' && named.k === 'id' && named.name !== 'NULL') v = { t: 'fn', name: named.name };
        const flag = v.t === 'unk' ? flagStore(e) : undefined;
        if (flag !== undefined && isPlace(e.l)) {
          // `flags |= FLAG`, `flags &= ~FLAG`, `flags = FLAG` (a flag the path cannot know the value
          // of): a new unknown value whose FLAG bit is known, so `if (flags & FLAG)` later on the
          // path (through any expression that reaches the same value) goes the one way it can.
          v = { t: 'unk' };
          this.testedValues.add(v);
          this.bitTests.set(`${exprText(e.l)} & ${exprText(flag.mask)}`, { value: v, outcome: flag.set });
        }
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
  protected decide(e: Expr): boolean {
    if (e.k === 'unary' && e.op === '!') return !this.decide(e.e);
    if (e.k === 'binary' && (e.op === '==' || e.op === '!=') && (isZero(e.r) || isZero(e.l))) {
      const b = this.decide(isZero(e.r) ? e.l : e.r);
      return e.op === '==' ? !b : b;
    }
    if (e.k === 'call' && (e.callee === 'likely' || e.callee === 'unlikely') && e.args.length === 1) return this.decide(e.args[0]!);
    if (e.k === 'call' && e.callee === 'IS_ERR' && e.args.length === 1 && isPlace(e.args[0]!)) {
      const v = this.eval(e.args[0]!);
      this.errorTest(v, { call: e.text, line: e.line, column: e.column }, 'IS_ERR');
      if (v.t !== 'unk') return v.t === 'err';
      const err = this.oracle.pick(2) === 0;
      this.learn(this.loc(e.args[0]!), err ? { t: 'err', v: -ERRNO.EINVAL! } : NONNULL);
      return err;
    }
    const value = this.eval(e);
    this.nullTest(value, this.testOf(e));
    const b = truth(value);
    if (b !== undefined) return b;
    const bit = this.bitTest(e);
    if (bit !== undefined) {
      // The same flag of the same unknown value, tested again (`if (pg->mask & BIT(X))` on create
      // and again on its unwind): the outcome the path took the first time.
      const known = this.knownBit(bit);
      if (known !== undefined) return known;
    }
    const pick = this.oracle.pick(2) === 0;
    if (isPlace(e)) this.learn(this.loc(e), pick ? NONNULL : ZERO);
    else if (bit !== undefined) {
      // A value of its own, so a later store to the place (a new value) forgets the outcome; kept
      // when an earlier test of another flag already gave it one.
      let value = this.eval(bit.place);
      if (!this.testedValues.has(value)) {
        value = { t: 'unk' };
        this.testedValues.add(value);
        this.learn(this.loc(bit.place), value);
      }
      this.bitTests.set(bit.key, { value, outcome: pick });
    }
    return pick;
  }

  /** Where a NULL test of `e` is, for a finding placed at it. */
  private testOf(e: Expr): Site {
    return { call: `the NULL test of ${exprText(e)}`, line: this.atLine, column: this.testColumn };
  }


  /** What the path knows of a `place & CONSTANT` test: the outcome of an earlier test of the same flag of the same value, or of a store that set or cleared it. */
  private knownBit(bit: { key: string; place: Expr; mask: string }): boolean | undefined {
    const seen = this.bitTests.get(bit.key);
    const value = this.eval(bit.place);
    if (seen !== undefined && seen.value === value) return seen.outcome;
    // The same value reached through another expression (`priv->flags` for `dev->priv.flags`).
    for (const [k, b] of this.bitTests) if (b.value === value && k.endsWith(` & ${bit.mask}`)) return b.outcome;
    return undefined;
  }

  /** `place & CONSTANT` (either side) whose place is an unknown value: what `decide` remembers. */
  private bitTest(e: Expr): { key: string; place: Expr; mask: string } | undefined {
    if (e.k !== 'binary' || e.op !== '&') return undefined;
    for (const [place, mask] of [[e.l, e.r], [e.r, e.l]] as const) {
      if (!isPlace(place) || !constantMask(mask) || this.eval(place).t !== 'unk') continue;
      return { key: `${exprText(place)} & ${exprText(mask)}`, place, mask: exprText(mask) };
    }
    return undefined;
  }

  protected ident(name: string): Val {
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

  protected binary(e: Extract<Expr, { k: 'binary' }>): Val {
    if (e.op === '&&' || e.op === '||') {
      const a = this.decide(e.l);
      if (e.op === '&&' && !a) return ZERO;
      if (e.op === '||' && a) return int(1);
      const b = truth(this.eval(e.r));
      return b === undefined ? UNK : int(b ? 1 : 0);
    }
    if (e.op === '&' && this.bitTests.size > 0) {
      // A flag the path knows is set (a value not 0, unknown) or clear.
      const bit = this.bitTest(e);
      const known = bit === undefined ? undefined : this.knownBit(bit);
      if (known !== undefined) return known ? NONNULL : ZERO;
    }
    const l = this.eval(e.l);
    const r = this.eval(e.r);
    if ((e.op === '==' || e.op === '!=') && (isZero(e.l) || isZero(e.r))) this.nullTest(isZero(e.r) ? l : r, this.testOf(isZero(e.r) ? e.l : e.r));
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

  /** A callback the kernel runs (a release, a devres action): attributed to the call that ran it. */
  protected runCallback(name: string, args: Val[], what: string): void {
    const fn = this.ctx.functions.get(name);
    // Defined in the file but not readable (its own not-analysed entry says why).
    if (!fn) throw new NotFollowed(`${what}: ${name} could not be read`);
    this.sites.push('release');
    try {
      if (this.frames.length > MAX_CALL_DEPTH) throw new NotFollowed(`${what} nests deeper than ${MAX_CALL_DEPTH} calls`);
      this.callFunction(fn, args);
    } finally {
      this.sites.pop();
    }
  }

  /**
   * What a function leaves behind as it returns: what was made while it ran and is still
   * reachable by its caller (through the return value, the arguments, globals, or anything handed
   * to code outside the file) is not a leak; for the rest the machines' end check says.
   */
  protected leakCheck(f: Frame, ret: Val, line: number, when?: string, only?: { objects: ReadonlySet<Obj>; ids: ReadonlySet<object> }): void {
    // A leak is placed at the function's return, in its own file.
    const at = f.fn.file === undefined ? { line } : { line, file: f.fn.file };
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
    // Every device of an allocation (the first, and those beside it in the same struct).
    const devices = (o: Obj) => (o.rt ? [o.rt, ...(o.others?.values() ?? [])] : []);
    for (const o of this.objs) {
      if (!o.rt || o.within) continue;
      if (reachable.has(o) || this.flagged.has(o) || this.leaked.has(o) || o.n <= f.firstObj) excused.push(...devices(o).map((d) => d.handle));
    }
    for (const o of this.objs.slice(f.firstObj)) {
      if (!o.rt || o.within || reachable.has(o) || this.flagged.has(o) || this.leaked.has(o) || (only && !only.objects.has(o))) continue;
      for (const v of devices(o).flatMap((d) => d.endFindings({ type: 'END' }))) {
        if (o.kind === 'devm' && v.code === 'memory-leak') continue;
        this.leaked.add(o);
        excused.push(...devices(o).map((d) => d.handle));
        this.findings.push({
          code: v.code, ...at, column: 1,
          message: `${VIOLATIONS[v.code].when.replace(/\.$/, '')}: the object from ${o.madeBy} is not freed and not handed to the caller ${when ?? `when ${f.fn.name}() returns here`} (on this path: ${story(o)})`,
          failing: this.failed,
          steps: this.stepsOf(o),
        });
      }
    }
    const mine = this.idAllocs.slice(f.firstId).filter((a) => only === undefined || only.ids.has(a));
    if (mine.length === 0) return;
    for (const entry of new Set(mine.map((a) => a.entry))) {
      for (const v of entry.ida.endCheck(excused)) {
        for (const id of v.ids ?? []) {
          const key = `${entry.o.n}:${id}`;
          const made = mine.find((a) => a.entry === entry && a.id === id);
          if (!made || ids.has(id) || this.leakedIds.has(key)) continue;
          this.leakedIds.add(key);
          this.findings.push({
            code: v.code, ...at, column: 1,
            message: `id ${id} from ida_alloc() at ${this.lineOf(made.at)} is still allocated ${when ?? `when ${f.fn.name}() returns here`}, and nothing its caller can reach holds it`,
            failing: this.failed,
            steps: [{ line: made.at.line, column: 1, text: `ida_alloc() allocates id ${id}`, ...(made.at.file === undefined ? {} : { file: made.at.file }) }, ...this.stepsOf(null)],
          });
        }
      }
    }
  }
}

/** A summary's run under way: the frames below it, and every change to memory outside the helper's locals, in order. */
interface Summary {
  depth: number;
  /** What an unknown pointer in the caller's memory was found to point to: one object for every run, so runs that differ only in that agree. */
  pointees: Map<string, Obj>;
  log: Array<{ loc: Extract<Loc, { t: 'mem' }>; old: Val; write: boolean }>;
}

/** One distinct outcome of a summarised helper, as its caller sees it: what it returned, stored, learnt and handed on. */
interface Outcome {
  value: Val;
  writes: Array<{ loc: Extract<Loc, { t: 'mem' }>; v: Val }>;
  handed: Val[];
  /** What every run of the outcome learnt, by place. */
  facts: Map<string, { loc: Extract<Loc, { t: 'mem' }>; v: Val }>;
  bitFacts: Map<string, { value: Val; outcome: boolean }>;
  /** Places some runs of the outcome learnt something different about (poisoned after it). */
  unsure: Map<string, Extract<Loc, { t: 'mem' }>>;
  /** The choices of the helper's runs that gave this outcome. */
  runs: number[][];
}

/** A value no run learnt: never equal to one a run did. */
const UNSEEN: Val = { t: 'fn', name: ' unseen' };

/** A summary's run touched what the model sees: the helper is run inline instead. */
class SummaryAbort extends Error {}


/**
 * Where paths of a root function may merge: where control flow joins (an instruction with two or
 * more predecessors), and after a statement that calls a function of the file (the helper's paths
 * meet again there).
 */
const mergePointsOf = new WeakMap<LoweredFunction, Set<number>>();
function mergePoints(fn: LoweredFunction): Set<number> {
  let points = mergePointsOf.get(fn);
  if (points) return points;
  const preds = new Map<number, number>();
  const edge = (to: number) => preds.set(to, (preds.get(to) ?? 0) + 1);
  points = new Set<number>();
  fn.code.forEach((i, pc) => {
    switch (i.op) {
      case 'br': edge(i.t); edge(i.f); break;
      case 'jmp': edge(i.to); break;
      case 'switch': for (const c of i.cases) edge(c.to); edge(i.otherwise); break;
      case 'ret': break;
      default: edge(pc + 1);
    }
    if ((i.op === 'eval' || i.op === 'decl') && callsAny(i.op === 'eval' ? i.e : i.init)) points!.add(pc + 1);
  });
  for (const [pc, n] of preds) if (n >= 2) points.add(pc);
  mergePointsOf.set(fn, points);
  return points;
}

/**
 * For each branch inside a loop that may leave it (one of its ways leads, through jumps, out of
 * the loop's body or to a return), the loops (the pcs of their tests) it leaves. A loop's body is
 * the instructions from its first to its way out (the lowering, ir.ts, places a loop's
 * instructions together, its way out after them).
 */
const loopExitsOf = new WeakMap<LoweredFunction, Map<number, number[]>>();
function loopExits(fn: LoweredFunction): Map<number, number[]> {
  let out = loopExitsOf.get(fn);
  if (out) return out;
  out = new Map();
  const code = fn.code;
  const land = (pc: number): number => {
    for (let hops = 0; hops < code.length && code[pc]?.op === 'jmp'; hops++) pc = (code[pc] as Extract<Instr, { op: 'jmp' }>).to;
    return pc;
  };
  code.forEach((head, h) => {
    if (head.op !== 'br' || !head.loop) return;
    const start = Math.min(head.t, h);
    const end = head.f;
    for (let b = start; b < end; b++) {
      const i = code[b];
      if (i?.op !== 'br' || i.loop) continue;
      const leaves = [i.t, i.f].map(land).some((to) => to < start || to >= end || code[to]?.op === 'ret');
      if (leaves) out!.set(b, [...(out!.get(b) ?? []), h]);
    }
  });
  loopExitsOf.set(fn, out);
  return out;
}

/**
 * Whether `i` calls `name` with nothing of the statement half-computed while the call runs: the
 * call alone, `var = call`, `type var = call`, `return call`, `if (call)` or `if (!call)`, with no
 * call in its arguments. What the caller does after the return then depends only on its frame's
 * variables and the state, so a helper's frame may merge paths (run.ts `exec`).
 */
function plainCall(i: Instr | undefined, name: string): boolean {
  // Calls in the arguments run before the frame of `name` exists (C evaluates every argument
  // first): they are done by then, unless one of them is a call of `name` itself (whose frame
  // would then be taken for the outer one).
  const direct = (e: Expr | null): boolean => e !== null && e.k === 'call' && e.callee === name && !e.args.some((a) => callsNamed(a, name));
  if (i === undefined) return false;
  switch (i.op) {
    case 'eval': return direct(i.e) || (i.e.k === 'assign' && i.e.op === '=' && i.e.l.k === 'id' && direct(i.e.r));
    case 'decl': return direct(i.init);
    case 'ret': return direct(i.e);
    case 'br': return !i.loop && direct(tested(i.c));
    default: return false;
  }
}

/**
 * The operand a test's value is decided by once every other operand was: the last of a chain of
 * `&&` and `||` (those before it were evaluated, and were what let the path reach it), under `!`.
 * A call there leaves its caller nothing but the call's own value to look at when it returns.
 */
function tested(e: Expr): Expr {
  let x = e;
  for (;;) {
    if (x.k === 'unary' && x.op === '!') x = x.e;
    else if (x.k === 'binary' && (x.op === '&&' || x.op === '||')) x = x.r;
    else return x;
  }
}



/** Whether an expression makes a named call (a helper's paths fan out inside it). */
/** Whether evaluating `e` calls `name` (anywhere in it). */
function callsNamed(e: Expr, name: string): boolean {
  const todo = [e];
  for (let x = todo.pop(); x !== undefined; x = todo.pop()) {
    if (x.k === 'call' && x.callee === name) return true;
    todo.push(...operands(x));
  }
  return false;
}

function callsAny(e: Expr | null): boolean {
  if (e === null) return false;
  switch (e.k) {
    case 'call': return e.callee !== null || e.args.some(callsAny);
    case 'field': return callsAny(e.base);
    case 'index': return callsAny(e.base) || callsAny(e.index);
    case 'addr': case 'deref': case 'unary': case 'update': return callsAny(e.e);
    case 'binary': case 'assign': return callsAny(e.l) || callsAny(e.r);
    case 'cond': return callsAny(e.c) || callsAny(e.t) || callsAny(e.f);
    case 'comma': return e.list.some(callsAny);
    default: return false;
  }
}

/** What a merge point remembers of the first path there: the path, and the turns of each frame's loops it had taken. */
interface Visit {
  run: object;
  turns: Array<Map<number, number>>;
  /** How many choices the path had made there. */
  depth: number;
}

/** Whether every loop of every frame had taken no more turns in `a` than in `b` (a path has at least as many turns left in `a`). */
function atMost(a: Array<Map<number, number>>, b: Array<Map<number, number>>): boolean {
  return a.every((m, i) => [...m].every(([pc, n]) => n <= (b[i]?.get(pc) ?? 0)));
}

/** Values a summary tells apart: the same number, the same object and member, the same error, the same failed call's NULL. */
function valueKey(v: Val): string {
  const failed = (v.t === 'null' || v.t === 'err') && v.failed ? ` failed@${v.failed.line}:${v.failed.column}` : '';
  switch (v.t) {
    case 'int': return `int ${v.v}`;
    case 'err': return `err ${v.v}${failed}`;
    case 'null': return `null${failed}`;
    case 'ptr': return `ptr ${v.o.n} ${v.p}`;
    case 'fn': return `fn ${v.name}`;
    default: return v.t;
  }
}

/**
 * A store that sets or clears one flag whose value the path cannot know: `x |= FLAG` and
 * `x = FLAG` set it, `x &= ~FLAG` clears it (FLAG a {@link constantMask}; a flag is taken not to be 0).
 */
function flagStore(e: Extract<Expr, { k: 'assign' }>): { mask: Expr; set: boolean } | undefined {
  if ((e.op === '|=' || e.op === '=') && e.r.k !== 'num' && constantMask(e.r)) return { mask: e.r, set: true };
  if (e.op === '&=' && e.r.k === 'unary' && e.r.op === '~' && e.r.e.k !== 'num' && constantMask(e.r.e)) return { mask: e.r.e, set: false };
  return undefined;
}

