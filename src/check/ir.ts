import type { Node } from 'web-tree-sitter';

/**
 * The C a checked function is made of, lowered once from the syntax tree into plain data: the
 * expressions the interpreter evaluates and a flat instruction list with explicit jumps, so
 * `goto`, fall-through between labels, `break`, `continue` and `switch` are all one program
 * counter. What the lowering does not understand becomes an `unknown` node carrying its text: an
 * expression of unknown value, or a statement the interpreter must refuse to follow.
 */

/** An expression. Every node the interpreter may report on carries its 1-based line and column. */
export type Expr =
  | { k: 'id'; name: string }
  | { k: 'num'; value: number }
  | { k: 'str' }
  | { k: 'field'; base: Expr; field: string; arrow: boolean }
  | { k: 'index'; base: Expr; index: Expr }
  | { k: 'addr'; e: Expr }
  | { k: 'deref'; e: Expr }
  | { k: 'call'; callee: string | null; args: Expr[]; line: number; column: number; text: string }
  | { k: 'unary'; op: string; e: Expr }
  | { k: 'binary'; op: string; l: Expr; r: Expr }
  | { k: 'assign'; op: string; l: Expr; r: Expr }
  | { k: 'update'; op: '++' | '--'; prefix: boolean; e: Expr }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr }
  | { k: 'comma'; list: Expr[] }
  | { k: 'sizeof' }
  | { k: 'type'; text: string }
  | { k: 'unknown'; text: string };

/** One instruction of a lowered function body. */
export type Instr =
  | { op: 'eval'; e: Expr; line: number; at?: StatementAt }
  | { op: 'decl'; name: string; init: Expr | null; cleanup: string | null; line: number; at?: StatementAt }
  | { op: 'br'; c: Expr; t: number; f: number; loop: boolean; line: number; column?: number }
  | { op: 'jmp'; to: number; line: number }
  | { op: 'switch'; e: Expr; cases: Array<{ value: Expr; to: number }>; otherwise: number; line: number }
  | { op: 'ret'; e: Expr | null; line: number; at?: StatementAt }
  | { op: 'opaque'; text: string; line: number };

/**
 * Where a statement starts and how it reads (flattened, at most 60 characters): what a finding
 * made by the statement itself, not by a call in it (a store into freed memory), is placed at.
 */
export interface StatementAt { column: number; text: string }

/** A lowered function: its parameters, instructions and the line of its closing brace. */
export interface LoweredFunction {
  name: string;
  params: string[];
  /** Each parameter's type as written, without the declarator (`struct auxiliary_device`). */
  paramTypes: string[];
  code: Instr[];
  /** The definition's first line. */
  startLine: number;
  endLine: number;
  /** Why the function cannot be followed (a `goto` to a missing label, ...), or null. */
  refused: string | null;
}

const line = (n: Node) => n.startPosition.row + 1;
const column = (n: Node) => n.startPosition.column + 1;
const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
const statementAt = (n: Node): StatementAt => {
  const text = flat(n.text).replace(/;$/, '');
  return { column: column(n), text: text.length > 60 ? `${text.slice(0, 57)}...` : text };
};

/**
 * Lowers a `function_definition` node. `cleanups` maps the start offset of a declarator to the
 * cleanup function of a `__free(fn)` annotation the source mask removed there.
 * @example const f = lowerFunction(definitionNode, new Map()); f.code[0]; // { op: 'decl', ... }
 */
export function lowerFunction(definition: Node, name: string, cleanups: ReadonlyMap<number, string>, iterators: ReadonlySet<number> = new Set()): LoweredFunction {
  const code: Instr[] = [];
  const labels = new Map<string, number>();
  const gotos: Array<{ at: number; label: string }> = [];
  let refused: string | null = null;
  const loops: Array<{ brk: number[]; cont: number[] }> = [];
  /** What `break` leaves: the innermost loop or switch. */
  const breakables: Array<{ brk: number[] }> = [];

  const emit = (i: Instr): number => code.push(i) - 1;
  /** Lowers a loop's body; returns the jumps its `break`s and `continue`s left to patch. */
  const loopBody = (body: Node | null, before: () => void = () => {}): { brk: number[]; cont: number[] } => {
    const l = { brk: [] as number[], cont: [] as number[] };
    loops.push(l);
    breakables.push(l);
    before();
    stmt(body);
    loops.pop();
    breakables.pop();
    return l;
  };
  /** Points a loop's `break`s at `exit` and its `continue`s at `next`. */
  const closeLoop = (l: { brk: number[]; cont: number[] }, exit: number, next: number): void => {
    for (const b of l.brk) patch(b, exit);
    for (const c of l.cont) patch(c, next);
  };
  const patch = (at: number, to: number): void => {
    const i = code[at]!;
    if (i.op === 'jmp') i.to = to;
    else if (i.op === 'br') i.f = to;
  };

  const stmt = (n: Node | null): void => {
    if (!n) return;
    switch (n.type) {
      case 'compound_statement':
        for (const c of n.namedChildren) if (c) stmt(c);
        return;
      case 'comment':
      case 'type_definition':
      case 'struct_specifier':
      case 'enum_specifier':
      case 'union_specifier':
        return;
      case 'expression_statement': {
        const e = n.namedChildren.find((c) => c !== null && c.type !== 'comment');
        if (e) emit({ op: 'eval', e: expr(e), line: line(n), at: statementAt(n) });
        return;
      }
      case 'declaration':
        declaration(n);
        return;
      case 'if_statement': {
        const c = sub(n, 'condition');
        const br = emit({ op: 'br', c, t: code.length + 1, f: -1, loop: false, line: line(n), column: n.startPosition.column + 1 });
        stmt(n.childForFieldName('consequence'));
        const alt = n.childForFieldName('alternative');
        if (alt) {
          const skip = emit({ op: 'jmp', to: -1, line: line(alt) });
          patch(br, code.length);
          stmt(alt.type === 'else_clause' ? alt.namedChildren.find((c) => c !== null && c.type !== 'comment') ?? null : alt);
          patch(skip, code.length);
        } else patch(br, code.length);
        return;
      }
      case 'while_statement': {
        const head = code.length;
        // An iterator macro read as `while`: whether it runs again is not known.
        const iterator = iterators.has(n.startIndex);
        const c: Expr = iterator ? { k: 'unknown', text: 'an iterator macro' } : sub(n, 'condition');
        const br = emit({ op: 'br', c, t: head + 1, f: -1, loop: true, line: line(n) });
        const l = loopBody(n.childForFieldName('body'), () => {
          if (!iterator) return;
          // Each turn the cursor (the macro's first argument) is the next element: one nobody knows.
          const cond = sub(n, 'condition');
          const cursor = cond.k === 'comma' ? firstOfComma(cond) : null;
          if (cursor && (cursor.k === 'id' || cursor.k === 'field')) {
            emit({ op: 'eval', e: { k: 'assign', op: '=', l: cursor, r: { k: 'unknown', text: 'the next element' } }, line: line(n) });
          }
        });
        emit({ op: 'jmp', to: head, line: line(n) });
        patch(br, code.length);
        closeLoop(l, code.length, head);
        return;
      }
      case 'do_statement': {
        const top = code.length;
        const l = loopBody(n.childForFieldName('body'));
        const condAt = code.length;
        emit({ op: 'br', c: sub(n, 'condition'), t: top, f: condAt + 1, loop: true, line: line(n) });
        closeLoop(l, code.length, condAt);
        return;
      }
      case 'for_statement': {
        const init = n.childForFieldName('initializer');
        if (init) {
          if (init.type === 'declaration') declaration(init);
          else emit({ op: 'eval', e: expr(init), line: line(init) });
        }
        const head = code.length;
        const cond = n.childForFieldName('condition');
        // for (;;) has no condition: the loop is left only by break, return or goto.
        const br = cond ? emit({ op: 'br', c: expr(cond), t: head + 1, f: -1, loop: true, line: line(n) }) : -1;
        const l = loopBody(n.childForFieldName('body'));
        const contAt = code.length;
        const update = n.childForFieldName('update');
        if (update) emit({ op: 'eval', e: expr(update), line: line(update) });
        emit({ op: 'jmp', to: head, line: line(n) });
        if (br >= 0) patch(br, code.length);
        closeLoop(l, code.length, contAt);
        return;
      }
      case 'switch_statement': {
        const sw = emit({ op: 'switch', e: sub(n, 'condition'), cases: [], otherwise: -1, line: line(n) });
        const s = { brk: [] as number[] };
        breakables.push(s);
        const instr = code[sw] as Extract<Instr, { op: 'switch' }>;
        const body = n.childForFieldName('body');
        for (const c of body?.namedChildren ?? []) {
          if (!c) continue;
          if (c.type === 'case_statement') {
            const value = c.childForFieldName('value');
            if (value) instr.cases.push({ value: expr(value), to: code.length });
            else instr.otherwise = code.length;
            for (const s2 of c.namedChildren) if (s2 && s2 !== value) stmt(s2);
          } else stmt(c);
        }
        breakables.pop();
        if (instr.otherwise < 0) instr.otherwise = code.length;
        for (const b of s.brk) patch(b, code.length);
        return;
      }
      case 'break_statement': {
        const target = breakables[breakables.length - 1];
        if (!target) {
          refused ??= `break outside a loop or switch at line ${line(n)}`;
          return;
        }
        target.brk.push(emit({ op: 'jmp', to: -1, line: line(n) }));
        return;
      }
      case 'continue_statement': {
        const target = loops[loops.length - 1];
        if (!target) {
          refused ??= `continue outside a loop at line ${line(n)}`;
          return;
        }
        target.cont.push(emit({ op: 'jmp', to: -1, line: line(n) }));
        return;
      }
      case 'return_statement': {
        const e = n.namedChildren.find((c) => c !== null && c.type !== 'comment');
        emit({ op: 'ret', e: e ? expr(e) : null, line: line(n), at: statementAt(n) });
        return;
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        gotos.push({ at: emit({ op: 'jmp', to: -1, line: line(n) }), label });
        return;
      }
      case 'labeled_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        labels.set(label, code.length);
        for (const c of n.namedChildren) if (c && c.type !== 'statement_identifier') stmt(c);
        return;
      }
      case 'attributed_statement': {
        // `fallthrough;` and friends: attributes change nothing the model sees.
        for (const c of n.namedChildren) if (c && c.type !== 'attribute_declaration') stmt(c);
        return;
      }
      default:
        // A statement we do not understand (inline asm, a preprocessor conditional, an iterator
        // macro the grammar accepted in some shape): the interpreter refuses to step over it.
        emit({ op: 'opaque', text: flat(n.text).slice(0, 80), line: line(n) });
    }
  };

  const declaration = (n: Node): void => {
    let from = n.startIndex;
    for (const d of n.namedChildren) {
      if (!d) continue;
      const span = [from, d.type === 'init_declarator' ? (d.childForFieldName('value')?.startIndex ?? d.endIndex) : d.endIndex] as const;
      if (d.type === 'init_declarator' || isDeclarator(d.type)) from = d.endIndex;
      const cleanupAt = (_: Node | null) => cleanupIn(span[0], span[1]);
      if (d.type === 'init_declarator') {
        const declarator = d.childForFieldName('declarator');
        const value = d.childForFieldName('value');
        const name = declaredName(declarator);
        if (name === null) continue;
        const init = value ? (value.type === 'initializer_list' ? { k: 'unknown' as const, text: '{...}' } : expr(value)) : null;
        emit({ op: 'decl', name, init, cleanup: cleanupAt(declarator), line: line(d), at: statementAt(d) });
      } else if (isDeclarator(d.type)) {
        const name = declaredName(d);
        if (name !== null) emit({ op: 'decl', name, init: null, cleanup: cleanupAt(d), line: line(d) });
      }
    }
  };

  /** The `__free(fn)` the mask removed inside a declarator's span (before or after its name). */
  const cleanupIn = (from: number, to: number): string | null => {
    for (const [at, fn] of cleanups) if (at >= from && at < to) return fn;
    return null;
  };

  const params: string[] = [];
  const paramTypes: string[] = [];
  const fnDecl = findFunctionDeclarator(definition.childForFieldName('declarator'));
  for (const p of fnDecl?.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p?.type !== 'parameter_declaration') continue;
    const name = declaredName(p.childForFieldName('declarator'));
    if (name !== null) {
      params.push(name);
      paramTypes.push(flat(p.childForFieldName('type')?.text ?? ''));
    }
  }
  stmt(definition.childForFieldName('body'));
  emit({ op: 'ret', e: null, line: definition.endPosition.row + 1 });
  for (const g of gotos) {
    const to = labels.get(g.label);
    if (to === undefined) refused ??= `goto ${g.label}: no such label`;
    else patch(g.at, to);
  }
  return { name, params, paramTypes, code, startLine: line(definition), endLine: definition.endPosition.row + 1, refused };
}

function firstOfComma(e: Expr): Expr {
  return e.k === 'comma' ? firstOfComma(e.list[0]!) : e;
}

function isDeclarator(type: string): boolean {
  return type === 'identifier' || type.endsWith('_declarator');
}

function declaredName(d: Node | null): string | null {
  while (d) {
    if (d.type === 'identifier') return d.text;
    const next: Node | null = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c !== null && (c.type === 'identifier' || c.type.endsWith('_declarator'))) ?? null;
    d = next;
  }
  return null;
}

function findFunctionDeclarator(d: Node | null): Node | null {
  while (d) {
    if (d.type === 'function_declarator') return d;
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c !== null && c.type.endsWith('_declarator')) ?? null;
  }
  return null;
}

/** The lowered child in `field`, or an unknown expression when the tree has none there. */
function sub(n: Node, field: string): Expr {
  const c = n.childForFieldName(field);
  return c ? expr(c) : { k: 'unknown', text: flat(n.text).slice(0, 80) };
}

const unknown = (n: Node): Expr => ({ k: 'unknown', text: flat(n.text).slice(0, 80) });

/** Lowers an expression node. */
export function expr(n: Node): Expr {
  switch (n.type) {
    case 'identifier':
      return { k: 'id', name: n.text };
    case 'true':
      return { k: 'num', value: 1 };
    case 'false':
      return { k: 'num', value: 0 };
    case 'null':
      return { k: 'id', name: 'NULL' };
    case 'number_literal': {
      const v = Number.parseInt(n.text.replace(/[uUlL]+$/, ''), n.text.startsWith('0x') || n.text.startsWith('0X') ? 16 : 10);
      return Number.isFinite(v) ? { k: 'num', value: v } : unknown(n);
    }
    case 'char_literal':
      return { k: 'num', value: n.text.length >= 3 ? n.text.charCodeAt(1) : 0 };
    case 'string_literal':
    case 'concatenated_string':
      return { k: 'str' };
    case 'parenthesized_expression': {
      const inner = n.namedChildren.find((c) => c !== null && c.type !== 'comment');
      return inner ? expr(inner) : unknown(n);
    }
    case 'cast_expression':
      return sub(n, 'value');
    case 'sizeof_expression':
    case 'alignof_expression':
    case 'offsetof_expression':
      return { k: 'sizeof' };
    case 'field_expression':
      return {
        k: 'field', base: sub(n, 'argument'), field: n.childForFieldName('field')?.text ?? '',
        arrow: n.childForFieldName('operator')?.type === '->',
      };
    case 'subscript_expression':
      return { k: 'index', base: sub(n, 'argument'), index: sub(n, 'index') };
    case 'pointer_expression': {
      const op = n.childForFieldName('operator')?.type;
      const arg = sub(n, 'argument');
      return op === '&' ? { k: 'addr', e: arg } : { k: 'deref', e: arg };
    }
    case 'call_expression': {
      const fn = n.childForFieldName('function');
      const args = callArguments(n.childForFieldName('arguments'));
      return { k: 'call', callee: fn?.type === 'identifier' ? fn.text : null, args, line: line(n), column: column(n), text: flat(n.text).slice(0, 80) };
    }
    case 'unary_expression':
      return { k: 'unary', op: n.childForFieldName('operator')?.type ?? '', e: sub(n, 'argument') };
    case 'binary_expression':
      return { k: 'binary', op: n.childForFieldName('operator')?.type ?? '', l: sub(n, 'left'), r: sub(n, 'right') };
    case 'assignment_expression':
      return { k: 'assign', op: n.childForFieldName('operator')?.type ?? '=', l: sub(n, 'left'), r: sub(n, 'right') };
    case 'update_expression': {
      const op = n.childForFieldName('operator')?.type === '--' ? '--' : '++';
      const arg = n.childForFieldName('argument')!;
      return { k: 'update', op, prefix: n.startIndex < arg.startIndex, e: expr(arg) };
    }
    case 'conditional_expression':
      return {
        k: 'cond', c: sub(n, 'condition'),
        t: n.childForFieldName('consequence') ? sub(n, 'consequence') : sub(n, 'condition'),
        f: sub(n, 'alternative'),
      };
    case 'comma_expression':
      return { k: 'comma', list: [sub(n, 'left'), sub(n, 'right')] };
    default:
      return unknown(n);
  }
}

/**
 * A call's arguments, split at its top-level commas: a macro's type argument (`struct foo` in
 * `container_of(p, struct foo, adev)`) is read by the grammar as two nodes, one an error; it is
 * one argument, a type.
 */
function callArguments(list: Node | null): Expr[] {
  const out: Expr[] = [];
  let group: Node[] = [];
  const flush = () => {
    if (group.length === 1 && group[0]!.type !== 'type_descriptor' && !group[0]!.isError) out.push(expr(group[0]!));
    else if (group.length > 0) out.push({ k: 'type', text: flat(group.map((g) => g.text).join(' ')) });
    group = [];
  };
  for (const c of list?.children ?? []) {
    if (!c || c.type === '(' || c.type === ')' || c.type === 'comment') continue;
    if (c.type === ',') flush();
    else group.push(c);
  }
  flush();
  return out;
}
