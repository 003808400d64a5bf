import { VIOLATIONS } from '../../../machines/index.js';
import { CallBudgetError, Kernel, type AuxDevice, type ParentDevice } from '../../runtime/index.js';
import type { Expr, LoweredFunction } from '../ir.js';
import type { Oracle } from '../oracle.js';
import type { Obj, ObjKind, Val } from '../values.js';
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
  protected seen = 0;
  /** The line of the instruction being run (where a store, e.g. of a release callback, is). */
  protected atLine = 0;
  protected current: Obj | null = null;

  protected newObj(kind: ObjKind, madeBy: string, line: number, rt: AuxDevice | null = null): Obj {
    const o: Obj = { n: this.objs.length + 1, kind, rt, dev: null, fields: new Map(), madeBy, line, history: [] };
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
    if (fail) this.failed = site;
    return fail;
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
      const key = `${v.code}@${site.line}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const told = o && o.history.length > 0 ? ` (on this path: ${story(o)})` : '';
      this.findings.push({
        code: v.code, line: site.line, column: site.column,
        message: `${site.call}: ${lowerFirst(VIOLATIONS[v.code].when)}${told}`,
        failing: this.failed,
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
    // A load or store outside any call (`f->port = 0;` after the last put): its statement's line.
    return this.atLine > 0 ? { call: 'this statement', line: this.atLine, column: 1 } : { call: 'the function', line: 1, column: 1 };
  }

  constructor(protected readonly ctx: FileContext, readonly oracle: Oracle) {
    this.parent = this.k.parentDevice('parent');
    this.k.faults.trace = false;
  }

  /** Evaluates an expression (run.ts). */
  protected abstract eval(e: Expr): Val;
  /** Runs a same-file function with the given arguments (run.ts). */
  protected abstract callFunction(fn: LoweredFunction, args: Val[]): { value: Val; line: number };
  /** Runs a callback the kernel calls, e.g. a release (run.ts). */
  protected abstract runCallback(name: string, args: Val[], what: string): void;
}
