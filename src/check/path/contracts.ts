import type { ViolationCode } from '../../../machines/index.js';
import type { Expr, LoweredFunction } from '../ir.js';
import { ERRNO, NULLV, resolve, UNK, UNSET, type Failed, type Val } from '../values.js';
import { PathCalls } from './calls.js';
import { helperReturns, knownConvention } from './conventions.js';
import { exprText, isPlace } from './ops.js';
import type { Loc, PathFinding, Site } from './types.js';

/**
 * What the checker judges on a path without a machine (the codes whose `machine` is `checker`):
 * a failure value tested against the wrong convention (B20), and a pointer the path knows is NULL
 * handed to delete / uninit / destroy or dereferenced by a release callback (B21). Each is judged
 * only where the path knows the value: the call failed (its convention known, path/conventions.ts),
 * or the member was never set in a zeroed allocation.
 */
export abstract class PathContracts extends PathCalls {
  /**
   * Failure values a test let through (IS_ERR() on a NULL failure, only a NULL test on an error
   * pointer), each with its finding: reported when the path ends, unless a right test of the same
   * value comes later on the path (`if (IS_ERR(p)) ...; if (!p) ...`).
   */
  protected readonly letThrough = new Map<Val, PathFinding>();
  /** Failure values a right test has seen: a later wrong one is not the only test. */
  protected readonly caught = new WeakSet<Val>();

  /** Called before a test changes what the path remembers of failure values (run.ts: a summary's run cannot). */
  protected abstract judging(): void;

  /** The failure value of a call of `name` whose convention is known (NULL for the allocations and create helpers). */
  protected failureOf(name: string, site: Site): Val {
    const c = knownConvention(name);
    if (!c) return NULLV;
    const failed: Failed = { call: name, line: site.line, column: site.column, fails: c.fails, source: c.source };
    return c.fails === 'null' ? { t: 'null', failed } : { t: 'err', v: -ERRNO.ENOMEM!, failed };
  }

  /**
   * The error-pointer tests (judged on their argument), kstrdup (fallible: NULL on failure, its
   * copy a pointer of another file's making), and a same-file helper's result (its convention).
   */
  protected override callNamed(name: string, argExprs: Array<Expr | Val>, site: Site): Val {
    switch (name) {
      case 'IS_ERR':
      case 'IS_ERR_VALUE':
      case 'IS_ERR_OR_NULL':
      case 'PTR_ERR_OR_ZERO': {
        const a = argExprs[0];
        const v = a === undefined ? UNK : 'k' in a ? this.eval(a) : a;
        this.errorTest(v, site, name);
        return super.callNamed(name === 'IS_ERR_VALUE' ? 'IS_ERR' : name, [v], site);
      }
      case 'kstrdup':
        for (const a of argExprs) if ('k' in a) this.eval(a);
        return this.fails(site) ? this.failureOf(name, site) : { t: 'unk', call: name };
    }
    const v = super.callNamed(name, argExprs, site);
    const fn = this.ctx.functions.get(name);
    return fn ? this.helperResult(fn, v, site) : v;
  }

  /**
   * What a same-file helper returned, with its origin as its convention (derived from its
   * `return`s) says: a helper that only ever returns NULL on failure hands back a failed NULL,
   * one that only returns error pointers a failed error pointer; one that returns both (NULL as
   * "absent") gives values nothing is judged on, and one that returns what it computed passes
   * on the origin the value already has.
   */
  protected helperResult(fn: LoweredFunction, v: Val, site: Site): Val {
    if (v.t !== 'null' && v.t !== 'err') return v;
    const { kinds, lines } = helperReturns(fn, this.ctx.functions);
    if (kinds.size === 0) return v;
    const fails = v.t === 'null' ? 'null' : 'err-ptr';
    const plain: Val = v.t === 'null' ? NULLV : { t: 'err', v: v.v };
    if (kinds.size > 1 || !kinds.has(fails)) return plain;
    const failed: Failed = {
      call: fn.name, line: site.line, column: site.column, fails,
      source: `derived from ${fn.name}(): its failure returns (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}) are ${fails === 'null' ? 'NULL' : 'ERR_PTR()'}`,
    };
    return v.t === 'null' ? { t: 'null', failed } : { t: 'err', v: v.v, failed };
  }

  /**
   * An error-pointer test of `v` (IS_ERR, IS_ERR_VALUE, PTR_ERR_OR_ZERO; `orNull` for
   * IS_ERR_OR_NULL, which catches both): on the NULL a NULL-returning call failed with, the
   * failure passes it.
   */
  protected errorTest(v: Val, test: Site, name: string): void {
    if (v.t !== 'null' && v.t !== 'err') return;
    if (v.t === 'null' && name !== 'IS_ERR_OR_NULL' && v.failed?.fails === 'null') {
      this.suspect(v, v.failed, test, `${name}() is ${name === 'PTR_ERR_OR_ZERO' ? '0' : 'false'} for NULL`);
      return;
    }
    this.catch(v);
  }

  /** A NULL test of `v` (`!p`, `p == NULL`, `if (p)`): on an error pointer of a failed call, the failure passes it. */
  protected nullTest(v: Val, test: Site): void {
    if (v.t === 'err' && v.failed?.fails === 'err-ptr') this.suspect(v, v.failed, test, 'an error pointer is not NULL');
    else if (v.t === 'null') this.catch(v);
  }

  private catch(v: Val): void {
    if (!this.letThrough.has(v) && this.caught.has(v)) return;
    this.judging();
    this.letThrough.delete(v);
    this.caught.add(v);
  }

  private suspect(v: Val, failed: Failed, test: Site, why: string): void {
    if (this.caught.has(v) || this.letThrough.has(v)) return;
    this.judging();
    const what = failed.fails === 'null' ? 'NULL' : 'an error pointer (ERR_PTR)';
    const other = failed.fails === 'null' ? 'an error pointer' : 'NULL';
    this.letThrough.set(v, {
      code: 'wrong-error-check', line: test.line, column: test.column,
      message: `${test.call}: ${failed.call}() returns ${what} on failure, not ${other} (${failed.source}); it failed at line ${failed.line} and ${why}: the failure passes the test, no later test on the path catches it, and the code goes on with ${failed.fails === 'null' ? 'NULL' : 'the error pointer'}`,
      failing: this.failed,
      steps: [
        ...this.stepsOf(null).filter((s) => s.line !== failed.line || s.column !== failed.column),
        { line: failed.line, column: failed.column, text: `${failed.call}() fails and returns ${what}` },
      ],
    });
  }

  /** The path ends: what a wrong test let through and nothing caught later is reported. */
  protected reportLetThrough(): void {
    for (const f of this.letThrough.values()) this.report(f);
    this.letThrough.clear();
  }

  /** What the merge key says of a failure value: its origin, and whether a test caught it or let it through. */
  protected failureKey(v: Val): string {
    if ((v.t !== 'null' && v.t !== 'err') || v.failed === undefined) return '';
    return `@${v.failed.line}:${v.failed.column}${this.caught.has(v) ? 'c' : ''}${this.letThrough.has(v) ? `l${this.letThrough.get(v)!.line}` : ''}`;
  }

  /**
   * Why the path knows the pointer `v` (the value of `e`) is NULL, or null when it does not: the
   * failure value of a call, NULL itself, or a member of a zeroed allocation never set (a member
   * of memory that is not zeroed holds garbage, not NULL, and is never judged), of memory no
   * function of another file was given.
   */
  protected knownNull(v: Val, e: Expr | null): string | null {
    const r = resolve(v);
    if (r.t === 'null') return r.failed ? `${r.failed.call}() failed at line ${r.failed.line} and returned NULL` : `${e ? exprText(e) : 'the pointer'} is NULL`;
    if (r.t !== 'int' || r.v !== 0 || r === UNSET || e === null || !isPlace(e)) return null;
    const loc = this.loc(e);
    if (loc.t === 'var') return `${exprText(e)} is NULL`;
    if (loc.t !== 'mem') return null;
    // Memory handed to a function of another file may have been filled in there.
    const o = loc.o;
    if (this.kept.some((k) => {
      const r = resolve(k);
      return r.t === 'ptr' && r.o === o;
    })) return null;
    if (o.fields.has(loc.p)) return `${exprText(e)} holds NULL`;
    return o.zeroed ? `${exprText(e)} was never set (${o.madeBy} zeroed it)` : null;
  }

  /** delete / uninit / destroy of a device the path knows is NULL (B21); put_device(NULL) does nothing. */
  protected override deviceCall(v: Val, e: Expr | null, op: string, site: Site): Val {
    if (op === 'delete' || op === 'uninit' || op === 'destroy') {
      const why = this.knownNull(v, e);
      if (why !== null) {
        // Inside a callback the kernel runs (a devres action), at the call that ran it, as the model's findings are.
        const at = this.inRelease() ? this.blame() : site;
        this.report({
          code: 'null-device', line: at.line, column: at.column,
          message: `${at.call}: ${site.call}${at === site ? '' : ` (line ${site.line}, in the callback it runs)`} is given a device the path knows is NULL: ${why}`,
          failing: this.failed,
          steps: [...this.stepsOf(null), { line: site.line, column: site.column, text: `${site.call}: ${why}` }],
        });
        return UNK;
      }
    }
    return super.deviceCall(v, e, op, site);
  }

  /** `p->m` or `*p` with `p` known NULL, inside a callback the kernel runs: the load or store is judged (B21). */
  protected override loc(e: Expr): Loc {
    const l = super.loc(e);
    if (l.t !== 'none' || !this.inRelease()) return l;
    const base = e.k === 'field' && e.arrow ? e.base : e.k === 'deref' ? e.e : null;
    if (base === null || !isPlace(base)) return l;
    const at = this.loc(base);
    const why = at.t === 'none' ? null : this.knownNull(this.peek(at), base);
    return why === null ? l : { t: 'none', nullBase: `${exprText(e)}: ${why}` };
  }

  protected override read(loc: Loc): Val {
    if (loc.t === 'none' && loc.nullBase !== undefined) this.nullDereference(loc.nullBase);
    return super.read(loc);
  }

  protected override write(loc: Loc, v: Val): void {
    if (loc.t === 'none' && loc.nullBase !== undefined) this.nullDereference(loc.nullBase);
    super.write(loc, v);
  }

  private nullDereference(why: string): void {
    const site = this.blame();
    const line = this.atLine;
    this.report({
      code: 'null-dereference', line: site.line, column: site.column,
      message: `${site.call}: the release runs on a half-built device and dereferences NULL at line ${line}: ${why}`,
      failing: this.failed,
      steps: [...this.stepsOf(this.current), { line, column: 1, text: `${why} (in the release callback)` }],
    });
  }

  /** A finding the checker made itself, once per (code, line) on the path, as the model's are. */
  private report(f: PathFinding & { code: ViolationCode }): void {
    const key = `${f.code}@${f.line}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.findings.push(f);
  }
}
