import { argumentRanges, closing, parameterOf, type Define, type Scanned, type Token } from './tokens.js';

/**
 * What the checker needs to know of the kernel's macros, derived from their definitions (never a
 * list of names written by hand): which arguments only feed `sizeof` / `typeof` (C never evaluates
 * them), which macros are loops (`list_for_each_entry(...) { }`), scopes (`scoped_guard(...) { }`),
 * declarations of a guard (`guard(mutex)(&lock)`), which guard classes may fail to lock, what each
 * `__free(name)` calls, which macros take a pointer out of a `__free` variable (`no_free_ptr`), and
 * which call the allocator they are given (`kzalloc_obj` → `kzalloc`). Each is a fixed point over
 * every definition, so a macro defined through others (`struct_size` → `flex_array_size` →
 * `__must_be_array` → `BUILD_BUG_ON_ZERO` → `sizeof`) is read through them.
 */

/** The data file's shape (src/check/data/kernel-macros.json). */
export interface KernelMacroData {
  /** The format of this file. */
  format: 1;
  source: {
    /** The kernel version the headers came from (`6.12.118`). */
    tree: string;
    /** Which headers were read. */
    headers: string;
    files: number;
    /** Function-like definitions read. */
    definitions: number;
  };
  /** Macro → the indices of its arguments C never evaluates (they only feed sizeof, typeof, ...). */
  sizeofOnly: Record<string, number[]>;
  /** Macros that expand to a `for` loop → the arguments it assigns on every turn (its cursors). */
  loops: Record<string, { cursors: number[] }>;
  /**
   * Macros that expand to a `for` that runs its body once, holding an instance of a class (a lock
   * guard): `guard` runs the body unless a conditional lock fails, `cond-guard` runs its `fail`
   * argument then, `class` always runs it. `class` is the argument naming the class, or the class
   * itself when the macro names it (`iio_device_claim_direct_scoped` → `iio_claim_direct_try`).
   */
  scopes: Record<string, { kind: 'guard' | 'cond-guard' | 'class'; class: number | string; fail?: number; var?: number }>;
  /** Macros that declare an instance of a class (`guard(mutex)(&m)`, `CLASS(fd, f)(fd)`). */
  declarators: Record<string, { class: number; var?: number }>;
  /** Guard classes (`mutex`, `mutex_try`, `spinlock_irqsave`, ...): whether taking the lock may fail. */
  guards: Record<string, { conditional: boolean }>;
  /** `__free(name)` → the function its cleanup calls on the variable (null: not one plain call). */
  frees: Record<string, string | null>;
  /** Macros that take the pointer out of a `__free` variable, leaving NULL; `returns`: and return it. */
  takes: Record<string, { param: number; returns: boolean }>;
  /** Macros that call the function named by one of their arguments (`kzalloc_obj` → `kzalloc`). */
  aliases: Record<string, string>;
  /** Macros that define guard classes (`DEFINE_GUARD`): the arguments pasted into the class's name. */
  guardDefiners: Record<string, { name: Array<number | string>; conditional: boolean }>;
  /** Macros that define a `__free` class (`DEFINE_FREE`): the name and the cleanup statement arguments. */
  freeDefiners: Record<string, { name: number; free: number }>;
}

/** Keywords and builtins whose parenthesised operand is never evaluated. */
const UNEVALUATED = new Set([
  'sizeof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual', '__typeof_unqual__', '_Alignof', '__alignof__', '__alignof', 'alignof',
  '__builtin_types_compatible_p', '__builtin_offsetof', '__builtin_constant_p', '_Static_assert', 'static_assert', '__auto_type',
]);
/** Builtins whose first argument is never evaluated (a controlling or constant expression). */
const FIRST_UNEVALUATED = new Set(['_Generic', '__builtin_choose_expr']);
/** Where `sizeof x` (no parentheses) may start its operand. */
const PREFIX = new Set(['*', '&', '-', '+', '!', '~']);
/** The one primitive of cleanup.h's pointer hand-over: `__get_and_null(p, NULL)` nulls `p` and gives its value. */
const GET_AND_NULL = '__get_and_null';
/** The primitive that marks a class as a guard, and says whether it is conditional. */
const CLASS_IS_CONDITIONAL = '__DEFINE_CLASS_IS_CONDITIONAL';

type Defs = ReadonlyMap<string, readonly Define[]>;

const isP = (t: Token | undefined, v: string) => t !== undefined && t.t === 'punct' && t.v === v;
const isId = (t: Token | undefined, v?: string) => t !== undefined && t.t === 'id' && (v === undefined || t.v === v);

/**
 * The parameter a token range is, when it is exactly one (`p` or `(p)`), else -1.
 */
function wholeParam(d: Define, tokens: readonly Token[], from: number, to: number): number {
  while (to - from >= 3 && isP(tokens[from], '(') && isP(tokens[to - 1], ')') && closing(tokens, from) === to - 1) {
    from++;
    to--;
  }
  return to - from === 1 && tokens[from]!.t === 'id' ? d.params.indexOf(tokens[from]!.v) : -1;
}

// ---- arguments that only feed sizeof ---------------------------------------------------------

/** Per parameter of one definition: used where it is evaluated, used where it is not. */
interface Uses {
  evaluated: boolean[];
  unevaluated: boolean[];
}

/**
 * Where each parameter of `d` occurs: evaluated, or inside sizeof / typeof / a stringification /
 * a token paste / a member name / an argument another macro never evaluates (per `known`).
 */
function uses(d: Define, defs: Defs, known: ReadonlyMap<string, ReadonlySet<number>>): Uses {
  const u: Uses = { evaluated: d.params.map(() => false), unevaluated: d.params.map(() => false) };
  const body = d.body;
  const scan = (from: number, to: number, quiet: boolean): void => {
    let i = from;
    while (i < to) {
      const tok = body[i]!;
      if (tok.t !== 'id') {
        i++;
        continue;
      }
      const param = d.params.indexOf(tok.v);
      if (param >= 0) {
        const prev = body[i - 1];
        const next = body[i + 1];
        // `#p` is a string, `a ## p` a new token, `x->p` a member's name: none evaluates p. (`, ## __VA_ARGS__` is
        // GNU's comma swallowing, not a paste.)
        const pasted = (isP(prev, '##') && !isP(body[i - 2], ',')) || isP(next, '##');
        const notAnExpression = (isP(prev, '#') && !isP(body[i - 2], '#')) || pasted || isP(prev, '.') || isP(prev, '->');
        if (quiet || notAnExpression) u.unevaluated[param] = true;
        else u.evaluated[param] = true;
        i++;
        continue;
      }
      const open = i + 1;
      if (UNEVALUATED.has(tok.v)) {
        if (isP(body[open], '(')) {
          const close = closing(body, open);
          if (close < 0 || close >= to) return scan(open, to, quiet);
          scan(open + 1, close, true);
          i = close + 1;
          continue;
        }
        if (tok.v === 'sizeof') {
          const end = unaryEnd(body, open, to);
          scan(open, end, true);
          i = end;
          continue;
        }
        i++;
        continue;
      }
      if (isP(body[open], '(')) {
        const close = closing(body, open);
        if (close < 0 || close >= to) {
          i++;
          continue;
        }
        const first = FIRST_UNEVALUATED.has(tok.v);
        const callee = tok.v !== d.name ? defs.get(tok.v)?.[0] : undefined;
        const silent = tok.v !== d.name ? known.get(tok.v) : undefined;
        argumentRanges(body, open, close).forEach(([a, b], k) => {
          // A macro of these definitions maps arguments to parameters; one known only from `base` is indexed by argument.
          const never = (first && k === 0) || (silent !== undefined && silent.has(callee ? parameterOf(callee, k) : k));
          scan(a, b, quiet || never);
        });
        i = close + 1;
        continue;
      }
      i++;
    }
  };
  scan(0, body.length, false);
  return u;
}

/** Where the operand of `sizeof x` (without parentheses) starting at `i` ends. */
function unaryEnd(t: readonly Token[], i: number, to: number): number {
  while (i < to && t[i]!.t === 'punct' && PREFIX.has(t[i]!.v)) i++;
  if (i >= to) return to;
  if (isP(t[i], '(')) {
    const c = closing(t, i);
    i = c < 0 ? to : c + 1;
  } else i++;
  for (;;) {
    if (i < to && (isP(t[i], '->') || isP(t[i], '.')) && isId(t[i + 1])) i += 2;
    else if (i < to && (isP(t[i], '[') || isP(t[i], '('))) {
      let depth = 0;
      let j = i;
      for (; j < to; j++) {
        if (isP(t[j], '[') || isP(t[j], '(')) depth++;
        else if ((isP(t[j], ']') || isP(t[j], ')')) && --depth === 0) break;
      }
      i = Math.min(j + 1, to);
    } else return i;
  }
}

/**
 * For every macro, the argument indices that are never evaluated: a parameter used at least once,
 * and only ever where C does not evaluate it, in every definition of the name (an `#ifdef`
 * alternative that evaluates it wins). A parameter used nowhere is not listed: another
 * definition the headers do not show (an architecture's) may use it.
 */
export function sizeofOnlyArguments(defs: Defs, base: ReadonlyMap<string, ReadonlySet<number>> = new Map()): Map<string, Set<number>> {
  let known = new Map<string, Set<number>>();
  const withBase = (m: Map<string, Set<number>>): Map<string, ReadonlySet<number>> => {
    const all = new Map<string, ReadonlySet<number>>(base);
    for (const [k, v] of m) all.set(k, v);
    return all;
  };
  for (let round = 0; round < 50; round++) {
    const next = new Map<string, Set<number>>();
    const sofar = withBase(known);
    for (const [name, list] of defs) {
      const arity = list[0]!.params.length;
      if (list.some((d) => d.params.length !== arity || d.variadic !== list[0]!.variadic)) continue;
      const quiet = new Set<number>();
      const all = list.map((d) => uses(d, defs, sofar));
      // A variadic parameter is left out: where its arguments start is not in the data.
      for (let p = 0; p < (list[0]!.variadic ? arity - 1 : arity); p++) {
        if (all.every((u) => !u.evaluated[p]) && all.some((u) => u.unevaluated[p])) quiet.add(p);
      }
      if (quiet.size > 0) next.set(name, quiet);
    }
    if (sameSets(known, next)) return next;
    known = next;
  }
  return known;
}

function sameSets(a: ReadonlyMap<string, ReadonlySet<number>>, b: ReadonlyMap<string, ReadonlySet<number>>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, s] of a) {
    const t = b.get(k);
    if (!t || t.size !== s.size || [...s].some((x) => !t.has(x))) return false;
  }
  return true;
}

// ---- loops and scopes ------------------------------------------------------------------------

type Scope = KernelMacroData['scopes'][string];

export interface LoopInfo {
  cursors: number[];
  scope: Scope | null;
}

/** The parameters a `for (...)` header assigns (`p = ...`, `(p) = ...`, a declared `p`), in order. */
function assigned(d: Define, from: number, to: number): number[] {
  const out: number[] = [];
  const t = d.body;
  for (let i = from; i < to; i++) {
    let p = -1;
    let after = -1;
    if (isId(t[i])) {
      p = d.params.indexOf(t[i]!.v);
      after = i + 1;
    } else if (isP(t[i], '(') && isId(t[i + 1]) && isP(t[i + 2], ')')) {
      p = d.params.indexOf(t[i + 1]!.v);
      after = i + 3;
    }
    if (p < 0) continue;
    const declaredWithCleanup = isId(t[after], '__free');
    if ((isP(t[after], '=') || declaredWithCleanup) && !isP(t[i - 1], '.') && !isP(t[i - 1], '->') && !out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Whether the statement after the macro's use is the loop's body: the expansion ends with the
 * loop's header, or with an `if (...) ...; else` (or `if (...) {...} else`) that guards each turn.
 * A macro whose `for` has a body of its own (`for (;;) { ... }`) is a statement, not a loop head.
 */
function bodyFollows(t: readonly Token[], from: number): boolean {
  if (from >= t.length) return true;
  return isId(t[from], 'if') && isId(t[t.length - 1], 'else');
}

/**
 * Whether a `for (CLASS(...); cond; update)` runs its body once (a scope, not a loop): its update
 * leaves the loop by a `goto` (cleanup.h since 6.12: `({ goto _label; })`), or sets a flag its
 * condition tests (`done = (void *)1` with `!done`, older trees).
 */
function runsOnce(t: readonly Token[], cond: readonly [number, number], update: readonly [number, number]): boolean {
  const u = t.slice(update[0], update[1]);
  if (u.some((x) => isId(x, 'goto'))) return true;
  const flag = u[0];
  if (!isId(flag) || !isP(u[1], '=')) return false;
  const c = t.slice(cond[0], cond[1]);
  return c.some((x, i) => isP(x, '!') && isId(c[i + 1], flag!.v));
}

/** The class a scope's argument names: a parameter (its index) or a class written out (its name), else null. */
function classArgument(d: Define, t: readonly Token[], from: number, to: number): number | string | null {
  const p = wholeParam(d, t, from, to);
  if (p >= 0) return p;
  return to - from === 1 && t[from]!.t === 'id' ? t[from]!.v : null;
}

/** A parameter standing alone as a statement in `d`'s body after `from` (`_fail;`), or -1. */
function statementParam(d: Define, from: number): number {
  const t = d.body;
  for (let i = Math.max(from, 1); i < t.length; i++) {
    if (!isId(t[i]) || !isP(t[i + 1], ';')) continue;
    if (!(isP(t[i - 1], ';') || isP(t[i - 1], '{') || isP(t[i - 1], '}'))) continue;
    const p = d.params.indexOf(t[i]!.v);
    if (p >= 0) return p;
  }
  return -1;
}

/** What one definition is, as a loop: its own `for`, or another loop macro it expands to. */
function loopOf(d: Define, loops: ReadonlyMap<string, LoopInfo>): LoopInfo | null {
  const t = d.body;
  if (isId(t[0], 'for') && isP(t[1], '(')) {
    const close = closing(t, 1);
    if (close < 0) return null;
    const parts = argumentRangesBy(t, 1, close, ';');
    if (parts.length !== 3) return null;
    const [init, cond, update] = parts as [[number, number], [number, number], [number, number]];
    if (isId(t[init[0]], 'CLASS') && isP(t[init[0] + 1], '(') && runsOnce(t, cond, update)) {
      // for (CLASS(_name, var)(args); ...): a scope holding an instance of the class.
      const cc = closing(t, init[0] + 1);
      const args = cc < 0 ? [] : argumentRanges(t, init[0] + 1, cc);
      const cls = args[0] ? classArgument(d, t, args[0][0], args[0][1]) : null;
      if (cls === null) return null;
      const v = args[1] ? wholeParam(d, t, args[1][0], args[1][1]) : -1;
      const fail = statementParam(d, close + 1);
      const guarded = t.slice(cond[0], cond[1]).some((x) => isId(x, '__guard_ptr'));
      const scope: Scope = fail >= 0 ? { kind: 'cond-guard', class: cls, fail } : guarded ? { kind: 'guard', class: cls } : { kind: 'class', class: cls };
      if (v >= 0) scope.var = v;
      return { cursors: [], scope };
    }
    if (!bodyFollows(t, close + 1)) return null;
    return { cursors: assigned(d, 2, close), scope: null };
  }
  if (isId(t[0]) && isP(t[1], '(')) {
    const inner = loops.get(t[0]!.v);
    if (!inner || t[0]!.v === d.name) return null;
    const close = closing(t, 1);
    if (close < 0 || !bodyFollows(t, close + 1)) return null;
    const args = argumentRanges(t, 1, close);
    const map = (i: number): number => (args[i] ? wholeParam(d, t, args[i]![0], args[i]![1]) : -1);
    const cursors = inner.cursors.map(map).filter((p) => p >= 0);
    if (!inner.scope) return { cursors, scope: null };
    const innerClass = inner.scope.class;
    const cls = typeof innerClass === 'string' ? innerClass : args[innerClass] ? classArgument(d, t, args[innerClass]![0], args[innerClass]![1]) : null;
    if (cls === null) return null;
    const scope: Scope = { kind: inner.scope.kind, class: cls };
    if (inner.scope.fail !== undefined) {
      const f = map(inner.scope.fail);
      if (f < 0) return null;
      scope.fail = f;
    }
    if (inner.scope.var !== undefined && map(inner.scope.var) >= 0) scope.var = map(inner.scope.var);
    return { cursors, scope };
  }
  return null;
}

/** Ranges split at top-level `sep` between the parentheses at `open` and `close`. */
function argumentRangesBy(t: readonly Token[], open: number, close: number, sep: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close; i++) {
    const v = t[i]!;
    if (v.t !== 'punct') continue;
    if (v.v === '(' || v.v === '[' || v.v === '{') depth++;
    else if (v.v === ')' || v.v === ']' || v.v === '}') depth--;
    else if (v.v === sep && depth === 0) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  out.push([start, close]);
  return out;
}

/** Every loop and scope macro; one whose definitions disagree is left out. */
export function loopMacros(defs: Defs, base: ReadonlyMap<string, LoopInfo> = new Map()): Map<string, LoopInfo> {
  const loops = new Map<string, LoopInfo>(base);
  for (let changed = true, round = 0; changed && round < 50; round++) {
    changed = false;
    for (const [name, list] of defs) {
      if (loops.has(name)) continue;
      const each = list.map((d) => loopOf(d, loops));
      const first = each[0];
      if (!first || each.some((x) => x === null || JSON.stringify(x) !== JSON.stringify(first))) continue;
      loops.set(name, first);
      changed = true;
    }
  }
  for (const name of base.keys()) if (!defs.has(name)) loops.delete(name);
  return loops;
}

// ---- classes, guards, frees, hand-overs, aliases ---------------------------------------------

/** `P`, `P ## Q`, `P ## _lit`: the parameters (or literal parts) a class name is pasted from. */
function pastedName(d: Define, t: readonly Token[], from: number, to: number): Array<number | string> | null {
  const parts: Array<number | string> = [];
  for (let i = from; i < to; i++) {
    if ((i - from) % 2 === 1) {
      if (!isP(t[i], '##')) return null;
      continue;
    }
    const x = t[i]!;
    if (x.t !== 'id') return null;
    const p = d.params.indexOf(x.v);
    parts.push(p >= 0 ? p : x.v);
  }
  return parts.length > 0 && (to - from) % 2 === 1 ? parts : null;
}

export interface GuardDefiner {
  name: Array<number | string>;
  conditional: boolean;
}

/** Macros that define guard classes: through cleanup.h's `__DEFINE_CLASS_IS_CONDITIONAL(name, bool)`, directly or via one another. */
export function guardDefiners(defs: Defs): Map<string, GuardDefiner> {
  const out = new Map<string, GuardDefiner>();
  for (let changed = true, round = 0; changed && round < 20; round++) {
    changed = false;
    for (const [name, list] of defs) {
      if (out.has(name) || list.length !== 1) continue;
      const d = list[0]!;
      const t = d.body;
      for (let i = 0; i < t.length; i++) {
        if (!isId(t[i]) || !isP(t[i + 1], '(')) continue;
        const close = closing(t, i + 1);
        if (close < 0) break;
        const args = argumentRanges(t, i + 1, close);
        let found: GuardDefiner | null = null;
        if (t[i]!.v === CLASS_IS_CONDITIONAL && args.length === 2) {
          const n = pastedName(d, t, args[0]![0], args[0]![1]);
          const b = t.slice(args[1]![0], args[1]![1]).map((x) => x.v).join('');
          if (n && (b === 'true' || b === 'false')) found = { name: n, conditional: b === 'true' };
        } else {
          const inner = out.get(t[i]!.v);
          if (inner && t[i]!.v !== name) {
            const parts: Array<number | string> = [];
            for (const part of inner.name) {
              if (typeof part === 'string') parts.push(part);
              else {
                const a = args[part];
                const n = a ? pastedName(d, t, a[0], a[1]) : null;
                if (!n) {
                  parts.length = 0;
                  break;
                }
                parts.push(...n);
              }
            }
            if (parts.length > 0) found = { name: parts, conditional: inner.conditional };
          }
        }
        if (found) {
          out.set(name, found);
          changed = true;
          break;
        }
      }
    }
  }
  out.delete(CLASS_IS_CONDITIONAL);
  return out;
}

/** Macros that define a `__free` class: their body pastes `__free_ ## name`; `free` is the statement argument. */
export function freeDefiners(defs: Defs): Map<string, { name: number; free: number }> {
  const out = new Map<string, { name: number; free: number }>();
  for (const [name, list] of defs) {
    if (list.length !== 1) continue;
    const d = list[0]!;
    const t = d.body;
    for (let i = 0; i + 2 < t.length; i++) {
      if (!isId(t[i], '__free_') || !isP(t[i + 1], '##') || !isId(t[i + 2])) continue;
      const n = d.params.indexOf(t[i + 2]!.v);
      const free = statementParam(d, i + 3);
      if (n >= 0 && free >= 0) out.set(name, { name: n, free });
      break;
    }
  }
  return out;
}

/**
 * Every invocation `NAME(args)` in `code` of a macro in `definers`, with its argument token ranges.
 */
function invocations(code: readonly Token[], names: ReadonlySet<string>): Array<{ name: string; args: Token[][] }> {
  const out: Array<{ name: string; args: Token[][] }> = [];
  for (let i = 0; i < code.length; i++) {
    const x = code[i]!;
    if (x.t !== 'id' || !names.has(x.v) || !isP(code[i + 1], '(') || isP(code[i - 1], '.') || isP(code[i - 1], '->')) continue;
    const close = closing(code, i + 1);
    if (close < 0) continue;
    out.push({ name: x.v, args: argumentRanges(code, i + 1, close).map(([a, b]) => code.slice(a, b)) });
    i = close;
  }
  return out;
}

/** Guard classes defined in `code` (a header's or a C file's text outside directives). */
export function guardClasses(code: readonly Token[], definers: ReadonlyMap<string, GuardDefiner>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const { name, args } of invocations(code, new Set(definers.keys()))) {
    const g = definers.get(name)!;
    let cls = '';
    for (const part of g.name) {
      if (typeof part === 'string') cls += part;
      else {
        const a = args[part];
        if (!a || a.length !== 1 || a[0]!.t !== 'id') {
          cls = '';
          break;
        }
        cls += a[0]!.v;
      }
    }
    if (cls !== '' && /^[A-Za-z_]\w*$/.test(cls)) out.set(cls, out.has(cls) ? out.get(cls)! || g.conditional : g.conditional);
  }
  return out;
}

/** `__free` classes defined in `code`: name → the function the cleanup calls on `_T` (the last `f(_T)`), or null. */
export function freeClasses(code: readonly Token[], definers: ReadonlyMap<string, { name: number; free: number }>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const { name, args } of invocations(code, new Set(definers.keys()))) {
    const f = definers.get(name)!;
    const n = args[f.name];
    const body = args[f.free];
    if (!n || n.length !== 1 || n[0]!.t !== 'id' || !body) continue;
    let fn: string | null = null;
    for (let i = 0; i + 3 < body.length; i++) {
      if (isId(body[i]) && isP(body[i + 1], '(') && isId(body[i + 2], '_T') && isP(body[i + 3], ')')) fn = body[i]!.v;
    }
    out.set(n[0]!.v, fn);
  }
  return out;
}

/** Macros that take a pointer out of a variable leaving NULL (through `__get_and_null(p, NULL)`), and whether they return it. */
export function takeMacros(defs: Defs): Map<string, { param: number; returns: boolean }> {
  const out = new Map<string, { param: number; returns: boolean }>();
  for (let changed = true, round = 0; changed && round < 20; round++) {
    changed = false;
    for (const [name, list] of defs) {
      if (out.has(name) || list.length !== 1 || name === GET_AND_NULL) continue;
      const d = list[0]!;
      const t = d.body;
      for (let i = 0; i < t.length; i++) {
        if (!isId(t[i]) || !isP(t[i + 1], '(')) continue;
        const callee = t[i]!.v;
        const inner = out.get(callee);
        if (callee !== GET_AND_NULL && !inner) continue;
        const close = closing(t, i + 1);
        if (close < 0) break;
        const args = argumentRanges(t, i + 1, close);
        if (callee === GET_AND_NULL && (args.length !== 2 || t.slice(args[1]![0], args[1]![1]).map((x) => x.v).join('') !== 'NULL')) break;
        const at = callee === GET_AND_NULL ? 0 : inner!.param;
        const p = args[at] ? wholeParam(d, t, args[at]![0], args[at]![1]) : -1;
        if (p >= 0) {
          out.set(name, { param: p, returns: isId(t[0], 'return') || (inner?.returns ?? false) });
          changed = true;
        }
        break;
      }
    }
  }
  return out;
}

/**
 * Macros that are one call of another macro which calls the function named by one of its
 * arguments: `kzalloc_obj(P)` is `__alloc_objs(kzalloc, ...)` and `__alloc_objs` calls its first
 * argument, so `kzalloc_obj` allocates as `kzalloc` does.
 */
export function aliasMacros(defs: Defs): Map<string, string> {
  /** Macro → the parameter indices it calls (`KMALLOC(...)`). */
  const calls = new Map<string, Set<number>>();
  for (const [name, list] of defs) {
    if (list.length !== 1) continue;
    const d = list[0]!;
    const set = new Set<number>();
    // Only a macro that is an expression (`({ ... KMALLOC(size, gfp); })`), not a declaration or statement maker.
    if (!isP(d.body[0], '(')) continue;
    d.body.forEach((x, i) => {
      const p = x.t === 'id' ? d.params.indexOf(x.v) : -1;
      if (p >= 0 && isP(d.body[i + 1], '(') && !isP(d.body[i - 1], '##')) set.add(p);
    });
    if (set.size > 0) calls.set(name, set);
  }
  const out = new Map<string, string>();
  for (const [name, list] of defs) {
    if (list.length !== 1) continue;
    const d = list[0]!;
    const t = d.body;
    if (!isId(t[0]) || !isP(t[1], '(') || closing(t, 1) !== t.length - 1) continue;
    const inner = calls.get(t[0]!.v);
    if (!inner) continue;
    const args = argumentRanges(t, 1, t.length - 1);
    for (const k of inner) {
      const a = args[k];
      if (!a || a[1] - a[0] !== 1 || t[a[0]]!.t !== 'id' || d.params.includes(t[a[0]]!.v)) continue;
      out.set(name, t[a[0]]!.v);
    }
  }
  return out;
}

/** Macros declaring a class instance: `CLASS(_name, var)` (its body pastes `class_ ## _name ## _t var`) and those that expand to it. */
export function declaratorMacros(defs: Defs): Map<string, { class: number; var?: number }> {
  const out = new Map<string, { class: number; var?: number }>();
  for (const [name, list] of defs) {
    if (list.length !== 1) continue;
    const d = list[0]!;
    const t = d.body;
    if (isId(t[0], 'class_') && isP(t[1], '##') && isId(t[2]) && isP(t[3], '##') && isId(t[4], '_t') && isId(t[5])) {
      const cls = d.params.indexOf(t[2]!.v);
      const v = d.params.indexOf(t[5]!.v);
      if (cls >= 0) out.set(name, v >= 0 ? { class: cls, var: v } : { class: cls });
    }
  }
  for (const [name, list] of defs) {
    if (out.has(name) || list.length !== 1) continue;
    const d = list[0]!;
    const t = d.body;
    const inner = isId(t[0]) ? out.get(t[0]!.v) : undefined;
    if (!inner || !isP(t[1], '(') || closing(t, 1) !== t.length - 1) continue;
    const args = argumentRanges(t, 1, t.length - 1);
    const a = args[inner.class];
    const cls = a ? wholeParam(d, t, a[0], a[1]) : -1;
    if (cls < 0) continue;
    const va = inner.var !== undefined ? args[inner.var] : undefined;
    const v = va ? wholeParam(d, t, va[0], va[1]) : -1;
    out.set(name, v >= 0 ? { class: cls, var: v } : { class: cls });
  }
  return out;
}

// ---- the whole data --------------------------------------------------------------------------

/** Groups definitions by name (several `#ifdef` alternatives of one name are kept together). */
export function byName(scanned: readonly Scanned[]): Map<string, Define[]> {
  const defs = new Map<string, Define[]>();
  for (const s of scanned) {
    for (const d of s.defines) {
      const list = defs.get(d.name);
      if (list) list.push(d);
      else defs.set(d.name, [d]);
    }
  }
  return defs;
}

const sorted = <V>(m: ReadonlyMap<string, V>): Record<string, V> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The data file's content from scanned headers.
 * @example deriveKernelMacros([scanHeader(text, 'include/linux/slab.h')], { tree: '6.12.118', headers: 'include/linux/**' + '/*.h' })
 */
export function deriveKernelMacros(scanned: readonly Scanned[], source: { tree: string; headers: string }): KernelMacroData {
  const defs = byName(scanned);
  const loops = loopMacros(defs);
  const gd = guardDefiners(defs);
  const fd = freeDefiners(defs);
  const guards = new Map<string, { conditional: boolean }>();
  const frees = new Map<string, string | null>();
  for (const s of scanned) {
    for (const [cls, conditional] of guardClasses(s.code, gd)) guards.set(cls, { conditional: (guards.get(cls)?.conditional ?? false) || conditional });
    for (const [name, fn] of freeClasses(s.code, fd)) frees.set(name, frees.has(name) && frees.get(name) !== fn ? null : fn);
  }
  const loopData = new Map<string, { cursors: number[] }>();
  const scopes = new Map<string, KernelMacroData['scopes'][string]>();
  for (const [name, l] of loops) {
    if (l.scope) scopes.set(name, l.scope);
    else loopData.set(name, { cursors: l.cursors });
  }
  return {
    format: 1,
    source: { ...source, files: scanned.length, definitions: [...defs.values()].reduce((n, l) => n + l.length, 0) },
    sizeofOnly: sorted(new Map([...sizeofOnlyArguments(defs)].map(([k, s]) => [k, [...s].sort((a, b) => a - b)]))),
    loops: sorted(loopData),
    scopes: sorted(scopes),
    declarators: sorted(declaratorMacros(defs)),
    guards: sorted(guards),
    frees: sorted(frees),
    takes: sorted(takeMacros(defs)),
    aliases: sorted(aliasMacros(defs)),
    guardDefiners: sorted(gd),
    freeDefiners: sorted(fd),
  };
}
