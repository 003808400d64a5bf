/**
 * The little of a C preprocessor the macro data needs: comments removed, continuation lines
 * joined, each function-like `#define` split into its name, parameters and body tokens, and the
 * text outside directives tokenised the same way (where `DEFINE_FREE(...)` and `DEFINE_GUARD(...)`
 * are invoked). Nothing is expanded here: derive.ts reads the definitions.
 */

/** A preprocessing token: an identifier, a number, a string or character literal, or a punctuator. */
export interface Token {
  t: 'id' | 'num' | 'str' | 'punct';
  v: string;
}

/** A function-like macro definition. `variadic`: its last parameter takes the remaining arguments (`...` is `__VA_ARGS__`). */
export interface Define {
  name: string;
  params: string[];
  variadic: boolean;
  body: Token[];
  /** Where it was defined (a header path relative to the tree), for messages. */
  file: string;
}

/** What one header (or C file) holds: its function-like definitions and the tokens outside any directive. */
export interface Scanned {
  defines: Define[];
  /** Tokens of the text outside preprocessor directives, in order. */
  code: Token[];
}

const PUNCTUATORS = ['...', '<<=', '>>=', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '##'];

const isIdentStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_$]/.test(c);

/**
 * Removes comments (a comment becomes one space, its newlines kept) and joins continuation lines;
 * string and character literals are kept as written.
 * @example stripComments('a /* x *\/ b // y\nc') // 'a   b \nc'
 */
export function stripComments(text: string): string {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // A continuation line: the directive goes on (the newline is dropped, lines are not needed here).
      i += text[i + 1] === '\n' ? 2 : 3;
      out.push(' ');
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out.push(' ');
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let j = i;
      // A // comment ends at a newline that is not continued.
      while (j < n && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] === '\n' ? 2 : 1;
      i = j;
      out.push(' ');
      continue;
    }
    if (c === '"' || c === '\'') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, Math.min(j + 1, n)));
      i = j + 1;
      continue;
    }
    out.push(c);
    i++;
  }
  return out.join('');
}

/**
 * Splits C text (no comments) into preprocessing tokens.
 * @example tokenize('sizeof(*(p))').map((t) => t.v) // ['sizeof', '(', '*', '(', 'p', ')', ')']
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdent(text[j]!)) j++;
      // L"..." and u8'x' prefixes are part of the literal; nothing here needs them apart.
      out.push({ t: 'id', v: text.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && (/[A-Za-z0-9_.]/.test(text[j]!) || ((text[j] === '+' || text[j] === '-') && /[eEpP]/.test(text[j - 1]!)))) j++;
      out.push({ t: 'num', v: text.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '"' || c === '\'') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out.push({ t: 'str', v: text.slice(i, Math.min(j + 1, n)) });
      i = j + 1;
      continue;
    }
    const p = PUNCTUATORS.find((q) => text.startsWith(q, i));
    out.push({ t: 'punct', v: p ?? c });
    i += p ? p.length : 1;
  }
  return out;
}

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)(.*)$/;
const DIRECTIVE = /^[ \t]*#/;

/**
 * The function-like `#define`s of a header and the tokens of its text outside directives.
 * Object-like macros (`#define FOO 1`) are not kept: nothing the data needs is one.
 * @example scanHeader('#define sq(x) ((x) * (x))\nint y;', 'a.h').defines[0]!.params // ['x']
 */
export function scanHeader(text: string, file: string): Scanned {
  const defines: Define[] = [];
  const outside: string[] = [];
  for (const line of stripComments(text).split('\n')) {
    const m = DEFINE.exec(line);
    if (m) {
      const raw = m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
      let variadic = false;
      const params = raw.map((p) => {
        if (p === '...') {
          variadic = true;
          return '__VA_ARGS__';
        }
        if (p.endsWith('...')) {
          variadic = true;
          return p.slice(0, -3).trim();
        }
        return p;
      });
      if (params.every((p) => /^[A-Za-z_]\w*$/.test(p))) defines.push({ name: m[1]!, params, variadic, body: tokenize(m[3]!), file });
      continue;
    }
    if (!DIRECTIVE.test(line)) outside.push(line);
  }
  return { defines, code: tokenize(outside.join('\n')) };
}

/** The index of the `)` matching the `(` at `open`, or -1. */
export function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const v = tokens[i]!;
    if (v.t !== 'punct') continue;
    if (v.v === '(' || v.v === '[' || v.v === '{') depth++;
    else if ((v.v === ')' || v.v === ']' || v.v === '}') && --depth === 0) return v.v === ')' ? i : -1;
  }
  return -1;
}

/** The argument ranges `[from, to)` of the call whose `(` is at `open` and `)` at `close`. */
export function argumentRanges(tokens: readonly Token[], open: number, close: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close; i++) {
    const v = tokens[i]!;
    if (v.t !== 'punct') continue;
    if (v.v === '(' || v.v === '[' || v.v === '{') depth++;
    else if (v.v === ')' || v.v === ']' || v.v === '}') depth--;
    else if (v.v === ',' && depth === 0) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  if (close > open + 1 || out.length > 0) out.push([start, close]);
  return out;
}

/** Which parameter of `d` takes the call's argument number `i` (variadic: the last takes the rest), or -1. */
export function parameterOf(d: { params: readonly string[]; variadic: boolean }, i: number): number {
  if (i < d.params.length) return i;
  return d.variadic ? d.params.length - 1 : -1;
}
