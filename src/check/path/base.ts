import { basename } from 'node:path';
import { VIOLATIONS } from '../../../machines/index.js';
import { CallBudgetError, Kernel, type AuxDevice, type ParentDevice } from '../../runtime/index.js';
import type { Expr, LoweredFunction, StatementAt } from '../ir.js';
import type { Oracle } from '../oracle.js';
import type { Obj, ObjKind, PathStep, Val } from '../values.js';
import { lowerFirst, story } from './ops.js';
import { PathTooLong, type FileContext, type Frame, type PathFinding, type Site } from './types.js';

/**
 * One path through one function, run on the model: the C is interpreted statement by statement,
 * every call of the auxiliary-bus, allocation and IDA API becomes the runtime call that drives
 * the model's machines, and every choice the code's outcome depends on (a fallible call
 * succeeding or failing, a branch on a value the path cannot know) is asked of an {@link Oracle}
 * that enumerates them. The interpreter has no lifecycle rule of its own: what is a violation,
 * and what leaks at the end, is what the machines say.
 */

/**
 * What tells findings apart on a path and across paths: code and place (a line of a helper of
 * another file is not the same line of the checked file).
 * @example findingKey('double-free', { line: 12 }) // 'double-free@12'
 */
export function findingKey(code: string, at: { line: number; file?: string }): string {
  return at.file === undefined ? `${code}@${at.line}` : `${code}@${at.file}:${at.line}`;
}

/** The most steps a finding lists (a call in a loop repeats itself). */
const MAX_FINDING_STEPS = 12;
/** The most branches a finding lists: those nearest to it. */
const MAX_BRANCH_STEPS = 4;

/**
 * What every part of a path run shares: the simulated kernel, the objects and frames of the
 * path, the call sites being executed, and how a violation the model raises is placed in the
 * source. Memory (memory.ts), the known calls (calls.ts) and statements (run.ts) build on it.
 */
export abstract class PathBase {
  readonly k = new Kernel({ mode: 'audit', maxCalls: 50_000 });
  readonly findings: PathFinding[] = [];
  protected readonly parent: ParentDevice;
  protected readonly frames: Frame[] = [];
  protected readonly sites: Array<Site | 'release'> = [];
  protected readonly objs: Obj[] = [];
  protected readonly flagged = new Set<Obj>();
  /** (code, line) pairs this path has reported. */
  protected readonly reported = new Set<string>();
  protected failed: Site | null = null;
  /** When the latest failing call happened, on the path's clock. */
  protected failedSeq = 0;
  /** Orders the steps of every object and the branches, so a finding can list them as they happened. */
  protected clock = 0;
  /** Conditional branches the path took (not loops), in order. */
  protected readonly branches: PathStep[] = [];
  protected seen = 0;
  /** The line of the instruction being run (where a store, e.g. of a release callback, is). */
  protected atLine = 0;
  /** The statement being run, when it is one a finding can be placed at (see `StatementAt`). */
  protected atStatement: StatementAt | undefined;
  protected current: Obj | null = null;
  /**
   * What each callback handed to the runtime stands for (a release of this file on an object, ...),
   * for merge keys: its text given how the key names objects.
   */
  protected readonly callbackKeys = new WeakMap<object, (name: (o: Obj) => string) => string>();

  protected newObj(kind: ObjKind, madeBy: string, line: number, rt: AuxDevice | null = null): Obj {
    const o: Obj = { n: this.objs.length + 1, kind, rt, dev: null, fields: new Map(), madeBy, line, history: [], steps: [] };
    this.objs.push(o);
    return o;
  }

  protected ptr(o: Obj, p = ''): Val {
    return { t: 'ptr', o, p };
  }

  protected frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  protected either(a: Val, b: Val): Val {
    return this.oracle.pick(2) === 0 ? a : b;
  }

  /** A fallible call: the oracle says whether it fails on this path. */
  protected fails(site: Site): boolean {
    const fail = this.oracle.pick(2) === 1;
    if (fail) {
      this.failed = site;
      this.failedSeq = ++this.clock;
    }
    return fail;
  }

  /** Records what happened to `o` on this path: for its message, and as a step at its place. */
  protected told(o: Obj, text: string, at: { line: number; column: number; file?: string } = this.blame()): void {
    o.history.push(text);
    o.steps.push({ seq: ++this.clock, line: at.line, column: at.column, text, ...(at.file === undefined ? {} : { file: at.file }) });
  }

  /** Records a conditional branch the path took. */
  protected branch(line: number, column: number, taken: boolean): void {
    this.branches.push({ seq: ++this.clock, ...this.here(line), column, text: `taking the ${taken ? 'true' : 'false'} branch` });
  }

  /**
   * The file of the code being run, when it is not the checked file: a helper of another file
   * given with it (linked.ts) has its own lines.
   */
  protected fileHere(): string | undefined {
    return this.frames[this.frames.length - 1]?.fn.file;
  }

  /** A line of the code being run, with its file when that is not the checked file. */
  protected here(line: number): { line: number; file?: string } {
    const file = this.fileHere();
    return file === undefined ? { line } : { line, file };
  }

  /** How a message names a place: `line 12`, or `line 12 of helper.c` in another file. */
  protected lineOf(at: { line: number; file?: string }): string {
    return at.file === undefined ? `line ${at.line}` : `line ${at.line} of ${basename(at.file)}`;
  }

  /**
   * The steps a finding on `o` lists: the object's own events, the failing call that selects the
   * path, and the last few branches taken since (or since the object was made), in the order they
   * happened; at most {@link MAX_FINDING_STEPS}, the first and the last ones.
   */
  protected stepsOf(o: Obj | null): PathFinding['steps'] {
    const events: PathStep[] = [...(o?.steps ?? [])];
    const f = this.failed;
    if (f && !events.some((s) => s.line === f.line && s.column === f.column && s.file === f.file)) {
      events.push({ seq: this.failedSeq, line: f.line, column: f.column, text: `${f.call} fails`, ...(f.file === undefined ? {} : { file: f.file }) });
    }
    const from = f ? this.failedSeq : (events[0]?.seq ?? 0);
    events.push(...this.branches.filter((b) => b.seq > from).slice(-MAX_BRANCH_STEPS));
    events.sort((a, b) => a.seq - b.seq);
    const kept = events.length <= MAX_FINDING_STEPS ? events : [...events.slice(0, 4), ...events.slice(-(MAX_FINDING_STEPS - 4))];
    return kept.map(({ line, column, text, file }) => ({ line, column, text, ...(file === undefined ? {} : { file }) }));
  }

  protected inRelease(): boolean {
    return this.sites.includes('release');
  }

  /** Runs a model call on behalf of `o` and places any violation it raised. */
  protected track<T>(o: Obj, fn: () => T): T {
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

  protected sync(o: Obj | null): void {
    const found = this.k.violations;
    while (this.seen < found.length) {
      const v = found[this.seen++]!;
      const site = this.blame();
      if (o) this.flagged.add(o);
      // A path reports each (code, line) once: a violating call in a loop repeats itself.
      const key = findingKey(v.code, site);
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const told = o && o.history.length > 0 ? ` (on this path: ${story(o)})` : '';
      this.findings.push({
        code: v.code, line: site.line, column: site.column, ...(site.file === undefined ? {} : { file: site.file }),
        message: `${site.call}: ${lowerFirst(VIOLATIONS[v.code].when)}${told}`,
        failing: this.failed,
        steps: this.stepsOf(o),
      });
    }
  }

  /**
   * Where a violation is placed: the call being made, except inside a callback the kernel runs
   * (a release), where it is the call in the code that dropped the last reference.
   */
  protected blame(): Site {
    const first = this.sites.indexOf('release');
    const below = first < 0 ? this.sites.length - 1 : first - 1;
    for (let i = below; i >= 0; i--) {
      const s = this.sites[i];
      if (s !== undefined && s !== 'release' && s.line > 0) return s;
    }
    // A load or store outside any call (`f->port = 0;` after the last put): its statement.
    const at = this.atStatement;
    if (at !== undefined) return { call: at.text, ...this.here(this.atLine), column: at.column };
    if (this.atLine > 0) return { call: 'this statement', ...this.here(this.atLine), column: 1 };
    const fn = this.frames[0]?.fn;
    return { call: fn ? `${fn.name}()` : 'the function', line: fn?.startLine ?? 1, column: 1 };
  }

  constructor(protected readonly ctx: FileContext, protected oracle: Oracle) {
    this.parent = this.k.parentDevice('parent');
    this.k.faults.trace = false;
  }

  /** Evaluates an expression (run.ts). */
  protected abstract eval(e: Expr): Val;
  /** Runs a same-file function with the given arguments (run.ts). */
  protected abstract callFunction(fn: LoweredFunction, args: Val[]): { value: Val; line: number };
  /** Calls a function of the file from the code (run.ts: inline, or as a summary when it cannot change anything). */
  protected abstract callSameFile(fn: LoweredFunction, args: Val[]): Val;
  /** Runs a callback the kernel calls, e.g. a release (run.ts). */
  protected abstract runCallback(name: string, args: Val[], what: string): void;
}
