import { ParameterError } from '../../machines/index.js';
import { kernelMacros, MacroContext } from './macros/data.js';
/**
 * Kernel annotation macros expand to attributes (or to nothing) under the kernel's own headers,
 * which the checker does not have; tree-sitter, reading them as identifiers, turns every function
 * using them into an error node. Like a preprocessor given those definitions, this pass blanks
 * each such token (and its parenthesised argument) with spaces, so every line and column stays
 * where it was. `__free(fn)` is remembered: it is scope-based cleanup the interpreter runs.
 *
 * Statement macros become the statement they expand to, in the same columns: a loop macro
 * (`list_for_each_entry(pos, head, member) { }`, known from the kernel's headers, see
 * macros/data.ts, or named `*for_each*`) a `while`, a scope macro (`scoped_guard(mutex, &m) { }`)
 * an `if`, and `scoped_cond_guard(class, fail, args) { }` an `if (class) fail; else { }`. Each is
 * remembered by where it starts, with the macro's name, for the lowering (ir.ts).
 */

/** Annotations that expand to nothing the lifecycle can see. */
const BARE = new Set([
  '__init', '__exit', '__iomem', '__user', '__rcu', '__percpu', '__must_check', '__maybe_unused', '__always_unused',
  '__cold', '__hot', 'noinline', '__always_inline', '__ref', '__refdata', '__initdata', '__initconst', '__exitdata',
  '__read_mostly', '__ro_after_init', '__packed', '__private', '__force', '__bitwise', '__devinit', '__devexit',
  '__flatten', '__noclone', '__weak', '__used', '__visible', 'asmlinkage', '__sched', 'notrace', '__counted_by_ptr',
]);
/** Annotations that take a parenthesised argument. */
const WITH_ARGUMENT = new Set([
  '__free', '__cleanup', '__aligned', '__printf', '__scanf', '__acquires', '__releases', '__must_hold', '__guarded_by',
  '__counted_by', '__section', '__nonstring', '__alloc_size', '__assume_aligned', '__malloc',
]);

/**
 * Macros that take a type as an argument. Their `struct foo` argument is not an expression, so in
 * a statement such as `kfree(container_of(dev, struct foo, adev.dev));` tree-sitter reads the whole
 * statement as a declaration and the calls in it vanish. The mask joins the keyword and the name
 * into one identifier (`struct_foo`, the same columns), which the grammar reads as an argument.
 */
const TYPE_ARGUMENT_MACROS = new Set([
  'container_of', 'container_of_const', 'list_entry', 'list_first_entry', 'list_last_entry', 'list_first_entry_or_null',
  'list_last_entry_or_null', 'hlist_entry', 'hlist_entry_safe', 'rb_entry', 'rb_entry_safe', 'llist_entry', 'offsetof',
  'sizeof_field',
]);

/** The masked text and the `__free(fn)` annotations found, keyed by where the declarator before it ends. */
export interface MaskedSource {
  text: string;
  /** Start offset of each `__free(fn)` → `fn`; the declaration it stands in says which variable it cleans up. */
  cleanups: Map<number, string>;
  /** The entries of `cleanups` that are a raw `__cleanup(fn)` attribute (`fn` gets the variable's address). */
  attributeCleanups: Set<number>;
  /** How many annotation tokens were blanked. */
  masked: number;
  /** Start offsets of iterator macros read as `while` loops (their condition is unknown). */
  iterators: Set<number>;
  /**
   * Start offset of every statement macro rewritten (the loops of `iterators`, and the scope
   * macros read as `if`) → the macro's name.
   */
  statements: Map<number, string>;
}

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdent = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/** Whether `x` is macro data (a revoked proxy, whose prototype cannot be read, is not). */
function isMacroContext(x: unknown): boolean {
  try {
    return x instanceof MacroContext;
  } catch {
    return false;
  }
}

/**
 * Blanks kernel annotation macros outside comments, strings and character literals.
 * @example
 * maskAnnotations('static int __init f(void)').text // 'static int        f(void)'
 */
export function maskAnnotations(text: string, macros: MacroContext = kernelMacros()): MaskedSource {
  if (typeof text !== 'string') throw new ParameterError('maskAnnotations(text)', text, 'C source text (a string)');
  if (!isMacroContext(macros)) throw new ParameterError('maskAnnotations(macros)', macros, 'the kernel macro data (omit it for the bundled 6.12 data)');
  const out = text.split('');
  const cleanups = new Map<number, string>();
  const attributeCleanups = new Set<number>();
  const iterators = new Set<number>();
  const statements = new Map<number, string>();
  let masked = 0;
  const n = text.length;
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let j = from; j < to; j++) if (out[j] !== '\n' && out[j] !== '\r') out[j] = ' ';
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 47 && text.charCodeAt(i + 1) === 42) { // /* ... */
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) { // // ...
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === 34 || c === 39) { // "..." or '...'
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== c && text.charCodeAt(j) !== 10) j += text.charCodeAt(j) === 92 ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdent(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      if (BARE.has(word)) {
        blank(i, j);
        masked++;
        i = j;
        continue;
      }
      const known = macros.loop(word) !== undefined;
      if ((known || word.includes('for_each')) && word.length >= 5) {
        const close = iteratorCall(text, j, known);
        if (close > 0) {
          // `list_for_each_entry(pos, head, member) { ... }` is a loop: read it as
          // `while (pos, head, member) { ... }`, a loop on a condition nobody knows.
          out[i] = 'w'; out[i + 1] = 'h'; out[i + 2] = 'i'; out[i + 3] = 'l'; out[i + 4] = 'e';
          for (let q = i + 5; q < j; q++) out[q] = ' ';
          iterators.add(i);
          statements.set(i, word);
          masked++;
          i = j;
          continue;
        }
      }
      const scope = macros.scope(word);
      if (scope !== undefined) {
        const close = iteratorCall(text, j, true);
        if (close > 0 && (scope.kind === 'cond-guard' ? condGuard(text, i, j, close, scope.fail ?? 1, out) : true)) {
          // `scoped_guard(mutex, &m) { ... }` runs its body once: read it as `if (mutex, &m) { ... }`
          // (the lowering knows it is no branch); scoped_cond_guard was rewritten by condGuard.
          if (scope.kind !== 'cond-guard') {
            out[i] = 'i'; out[i + 1] = 'f';
            for (let q = i + 2; q < j; q++) out[q] = ' ';
          }
          statements.set(i, word);
          masked++;
          i = j;
          continue;
        }
      }
      if (TYPE_ARGUMENT_MACROS.has(word)) {
        const joined = joinTypeArguments(text, j, out);
        if (joined > 0) masked += joined;
        i = j;
        continue;
      }
      if (WITH_ARGUMENT.has(word)) {
        let k = j;
        while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
        if (text[k] === '(') {
          const close = matchingParen(text, k);
          if (close > 0) {
            if (word === '__free' || word === '__cleanup') cleanups.set(i, text.slice(k + 1, close).trim());
            if (word === '__cleanup') attributeCleanups.add(i);
            blank(i, close + 1);
            masked++;
            i = close + 1;
            continue;
          }
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  return { text: masked === 0 ? text : out.join(''), cleanups, attributeCleanups, masked, iterators, statements };
}

/**
 * `scoped_cond_guard(class, fail, args) {` (or any macro the headers expand to it, with its `fail`
 * argument at `failAt`) becomes `if(0) fail; else {` in the same columns: `if(0)` over the name,
 * blanks up to the `fail` statement, which stays where it is, `;` right after it and `else` over
 * the last characters of the argument list (on one line). The lowering knows what the `if` is.
 * False, with nothing written, when the shape does not allow it.
 */
function condGuard(text: string, start: number, afterName: number, close: number, failAt: number, out: string[]): boolean {
  const open = text.indexOf('(', afterName);
  const commas = topLevelCommas(text, open, close);
  const bounds = [open, ...commas, close];
  if (failAt + 1 >= bounds.length) return false;
  const from = bounds[failAt]! + 1;
  const to = bounds[failAt + 1]!;
  const tail = close - 3;
  if (afterName - start < 4 || /[\r\n]/.test(text.slice(start, start + 5)) || tail <= to || /[\r\n]/.test(text.slice(tail, close + 1))) return false;
  const blank = (a: number, b: number) => {
    for (let q = a; q < b; q++) if (out[q] !== '\n' && out[q] !== '\r') out[q] = ' ';
  };
  blank(start, from);
  blank(to, close + 1);
  'if(0)'.split('').forEach((ch, k) => (out[start + k] = ch));
  out[to] = ';';
  'else'.split('').forEach((ch, k) => (out[tail + k] = ch));
  return true;
}

/** The offsets of the commas at depth 1 between the parentheses at `open` and `close`, strings and comments skipped. */
function topLevelCommas(text: string, open: number, close: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let q = open; q <= close; q++) {
    const ch = text[q];
    if (ch === '"' || ch === '\'') {
      let r = q + 1;
      while (r < close && text[r] !== ch) r += text[r] === '\\' ? 2 : 1;
      q = r;
    } else if (ch === '/' && text[q + 1] === '*') {
      const end = text.indexOf('*/', q + 2);
      q = end < 0 ? close : end + 1;
    } else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) out.push(q);
  }
  return out;
}

/**
 * In the argument list after a type-taking macro's name (at `afterName`), each argument that is
 * exactly `struct|union|enum NAME` has the blanks between keyword and name turned into `_` in
 * `out`. Returns how many arguments were joined.
 */
function joinTypeArguments(text: string, afterName: number, out: string[]): number {
  let k = afterName;
  while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
  if (text[k] !== '(') return 0;
  const close = matchingParen(text, k);
  if (close < 0) return 0;
  let joined = 0;
  let depth = 0;
  let start = k + 1;
  for (let q = k + 1; q <= close; q++) {
    const ch = text[q];
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if ((ch === ',' && depth === 0) || q === close) {
      const m = /^(\s*)(struct|union|enum)(\s+)[A-Za-z_]\w*\s*$/.exec(text.slice(start, q));
      if (m) {
        const from = start + m[1]!.length + m[2]!.length;
        for (let b = from; b < from + m[3]!.length; b++) out[b] = '_';
        joined++;
      }
      start = q + 1;
    }
  }
  return joined;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + 400);
  for (let i = open; i < limit; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
    else if (ch === '\n' || ch === ';' || ch === '{') return -1;
  }
  return -1;
}

/**
 * Where an iterator macro's argument list closes, when the macro stands where a loop would: its
 * `(...)` is followed by a statement (`{` or an identifier), not by `;` or an operator. A macro the
 * headers define as a loop (`known`) may also have an empty body (`;`) or one that starts with
 * `(` or `*`.
 */
function iteratorCall(text: string, afterName: number, known = false): number {
  let k = afterName;
  while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
  if (text[k] !== '(') return -1;
  let depth = 0;
  let close = -1;
  for (let q = k; q < Math.min(text.length, k + 1000); q++) {
    const ch = text[q];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) {
      close = q;
      break;
    } else if (ch === ';' || ch === '{') return -1;
  }
  if (close < 0) return -1;
  let q = close + 1;
  while (q < text.length && /\s/.test(text[q]!)) q++;
  return text[q] === '{' || /[A-Za-z_]/.test(text[q] ?? '') || (known && /[;(*]/.test(text[q] ?? '')) ? close : -1;
}
