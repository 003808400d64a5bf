import type { Node } from 'web-tree-sitter';
import { kernelMacros, type MacroContext, type ScopeMacro } from './macros/data.js';
import type { MaskedSource } from './mask.js';

/**
 * The C a checked function is made of, lowered once from the syntax tree into plain data: the
 * expressions the interpreter evaluates and a flat instruction list with explicit jumps, so
 * `goto`, fall-through between labels, `break`, `continue` and `switch` are all one program
 * counter. What the lowering does not understand becomes an `unknown` node carrying its text: an
 * expression of unknown value, or a statement the interpreter must refuse to follow.
 *
 * Scope-based cleanup is explicit here: each `__free(name)` variable's cleanup is a call emitted
 * where its scope is left (the block's closing brace, a `break`, `continue` or `goto` out of it,
 * a `return` after its value is computed), so a variable of a loop body is cleaned up every turn.
 * A GNU statement expression's statements are emitted before the instruction that uses its value.
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
  /** `cleanup`: always null from {@link lowerFunction}, which emits each cleanup as a call where its scope is left. */
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
  /** The file it is defined in, when it is not the checked file (a helper of another file, linked.ts). */
  file?: string;
}

const line = (n: Node) => n.startPosition.row + 1;
const column = (n: Node) => n.startPosition.column + 1;
const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
const statementAt = (n: Node): StatementAt => {
  const text = flat(n.text).replace(/;$/, '');
  return { column: column(n), text: text.length > 60 ? `${text.slice(0, 57)}...` : text };
};
const named = (n: Node | null): Node[] => (n?.namedChildren ?? []).filter((c): c is Node => c !== null && c.type !== 'comment');

/** What the source mask found that the lowering needs (see {@link MaskedSource}). */
export type MaskFindings = Pick<MaskedSource, 'cleanups' | 'statements'> & Partial<Pick<MaskedSource, 'attributeCleanups'>>;

/**
 * Macros whose arguments the interpreter reads itself (the member path of `container_of`), even
 * where C never evaluates them: their arguments are not replaced by `sizeof`.
 */
const READS_ITS_ARGUMENTS = new Set(['container_of', 'container_of_const']);

/** The interpreter's name for taking a pointer out of a `__free` variable (path/calls.ts). */
const TAKE = 'no_free_ptr';

/** Names of the lowering's own variables: a space keeps them apart from every C name. */
const RETURN_VALUE = '(return value)';

/** A `__free` variable of a scope: what runs on it when the scope is left. */
interface Cleanup {
  variable: string;
  /** The function called on it (null: a cleanup the checker does not know, which keeps the pointer). */
  fn: string | null;
  /** How the source wrote it: `__free(kfree)`, `__cleanup(fn)`. */
  written: string;
  /** A raw `__cleanup(fn)` attribute: `fn` gets the variable's address. */
  attribute: boolean;
}

interface Scope {
  id: number;
  cleanups: Cleanup[];
}

/** What `break` (and, for a loop, `continue`) leaves, and how deep in scopes it stands. */
interface Breakable {
  brk: number[];
  cont: number[];
  depth: number;
}

/**
 * Lowers a `function_definition` node. `masked` is what the source mask found: the `__free(fn)`
 * annotations it removed (by offset) and the statement macros it rewrote; `macros` what the
 * kernel's headers (and the file itself) say about its macros.
 * @example const f = lowerFunction(definitionNode, 'foo', maskAnnotations(text), kernelMacros()); f.code[0]; // { op: 'decl', ... }
 */
export function lowerFunction(definition: Node, name: string, masked: MaskFindings, macros: MacroContext = kernelMacros()): LoweredFunction {
  return new Lowering(masked, macros).function(definition, name);
}

class Lowering {
  private readonly code: Instr[] = [];
  private readonly labels = new Map<string, { at: number; scopes: number[] }>();
  private readonly gotos: Array<{ at: number; label: string; line: number; scopes: Scope[] }> = [];
  private refused: string | null = null;
  /** Loops (what `continue` continues) and loops, switches and scope macros (what `break` leaves). */
  private readonly loops: Breakable[] = [];
  private readonly breakables: Breakable[] = [];
  /** The scopes around the statement being lowered, innermost last. */
  private readonly scopes: Scope[] = [];
  private nextScope = 0;
  private temporaries = 0;
  /**
   * Whether code may be emitted for an expression now (a statement expression inside it): not
   * where C may skip it (after `&&`, `||`, `?`, `,`).
   */
  private hoisting = true;
  /** Set while an expression is read again for what it names: nothing may be emitted. */
  private quiet = false;

  constructor(private readonly masked: MaskFindings, private readonly macros: MacroContext) {}

  function(definition: Node, name: string): LoweredFunction {
    const params: string[] = [];
    const paramTypes: string[] = [];
    const fnDecl = findFunctionDeclarator(definition.childForFieldName('declarator'));
    for (const p of fnDecl?.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p?.type !== 'parameter_declaration') continue;
      const param = declaredName(p.childForFieldName('declarator'));
      if (param !== null) {
        params.push(param);
        paramTypes.push(flat(p.childForFieldName('type')?.text ?? ''));
      }
    }
    this.stmt(definition.childForFieldName('body'));
    const endLine = definition.endPosition.row + 1;
    this.emit({ op: 'ret', e: null, line: endLine });
    this.closeGotos();
    return { name, params, paramTypes, code: this.code, startLine: line(definition), endLine, refused: this.refused };
  }

  private emit(i: Instr): number {
    return this.code.push(i) - 1;
  }

  /** A conditional jump whose true branch is the next instruction (after any code its condition emitted). */
  private branch(c: Expr, loop: boolean, n: Node, withColumn = false): number {
    const at = this.emit({ op: 'br', c, t: -1, f: -1, loop, line: line(n), ...(withColumn ? { column: column(n) } : {}) });
    (this.code[at] as Extract<Instr, { op: 'br' }>).t = at + 1;
    return at;
  }

  private patch(at: number, to: number): void {
    const i = this.code[at]!;
    if (i.op === 'jmp') i.to = to;
    else if (i.op === 'br') i.f = to;
  }

  /** Lowers a loop's (or scope macro's) body; returns the jumps its `break`s and `continue`s left to patch. */
  private loopBody(body: Node | null, before: () => void = () => {}): Breakable {
    const l: Breakable = { brk: [], cont: [], depth: this.scopes.length };
    this.loops.push(l);
    this.breakables.push(l);
    before();
    this.stmt(body);
    this.loops.pop();
    this.breakables.pop();
    return l;
  }

  /** Points a loop's `break`s at `exit` and its `continue`s at `next`. */
  private closeLoop(l: Breakable, exit: number, next: number): void {
    for (const b of l.brk) this.patch(b, exit);
    for (const c of l.cont) this.patch(c, next);
  }

  // ---- scopes and their cleanups ----------------------------------------------------------------

  private openScope(): void {
    this.scopes.push({ id: this.nextScope++, cleanups: [] });
  }

  /** Leaves the innermost scope by falling off its end at `endLine`: its cleanups run there. */
  private closeScope(endLine: number): void {
    const s = this.scopes.pop();
    if (s) this.runCleanups([s], endLine);
  }

  /** Runs the cleanups of `scopes` (innermost last), innermost scope first, last declared first. */
  private runCleanups(scopes: readonly Scope[], at: number): void {
    for (let s = scopes.length - 1; s >= 0; s--) {
      const list = scopes[s]!.cleanups;
      for (let c = list.length - 1; c >= 0; c--) this.emit(this.cleanupCall(list[c]!, at));
    }
  }

  /**
   * The call a cleanup makes as its scope is left. It has no line of its own: it is placed on the
   * statement that leaves the scope (a return, a goto, a break, the block's closing brace).
   */
  private cleanupCall(c: Cleanup, at: number): Instr {
    const v: Expr = { k: 'id', name: c.variable };
    // An unknown cleanup is a function of another file: it may keep the pointer, and frees nothing the path can see.
    const callee = c.fn ?? c.written;
    return { op: 'eval', e: { k: 'call', callee, args: [v], line: at, column: 1, text: `${c.written} of ${c.variable}` }, line: at };
  }

  private hasCleanups(from = 0): boolean {
    return this.scopes.slice(from).some((s) => s.cleanups.length > 0);
  }

  /** A `return` (or `return_ptr()`): the value first, then every scope's cleanups, then the return. */
  private lowerReturn(value: Expr | null, n: Node): void {
    const at = statementAt(n);
    if (!this.hasCleanups()) {
      this.emit({ op: 'ret', e: value, line: line(n), at });
      return;
    }
    if (value !== null) this.emit({ op: 'decl', name: RETURN_VALUE, init: value, cleanup: null, line: line(n), at });
    this.runCleanups(this.scopes, line(n));
    this.emit({ op: 'ret', e: value === null ? null : { k: 'id', name: RETURN_VALUE }, line: line(n), at });
  }

  /** Each goto leaving scopes with cleanups goes through code of its own that runs them, then jumps. */
  private closeGotos(): void {
    for (const g of this.gotos) {
      const label = this.labels.get(g.label);
      if (label === undefined) {
        this.refused ??= `goto ${g.label}: no such label`;
        continue;
      }
      const left = g.scopes.filter((s) => !label.scopes.includes(s.id));
      if (!left.some((s) => s.cleanups.length > 0)) {
        this.patch(g.at, label.at);
        continue;
      }
      this.patch(g.at, this.code.length);
      this.runCleanups(left, g.line);
      this.emit({ op: 'jmp', to: label.at, line: g.line });
    }
  }

  // ---- statements -------------------------------------------------------------------------------

  private stmt(n: Node | null): void {
    if (!n) return;
    switch (n.type) {
      case 'compound_statement':
        this.openScope();
        for (const c of n.namedChildren) if (c) this.stmt(c);
        this.closeScope(n.endPosition.row + 1);
        return;
      case 'comment':
      case 'type_definition':
      case 'struct_specifier':
      case 'enum_specifier':
      case 'union_specifier':
        return;
      case 'expression_statement': {
        const e = named(n)[0];
        if (!e) return;
        const take = this.returningTake(e);
        if (take) {
          this.lowerReturn(take, n);
          return;
        }
        this.emit({ op: 'eval', e: this.expr(e), line: line(n), at: statementAt(n) });
        return;
      }
      case 'declaration':
        this.declaration(n);
        return;
      case 'if_statement': {
        const macro = this.masked.statements.get(n.startIndex);
        const scope = macro === undefined ? undefined : this.macros.scope(macro);
        if (scope) {
          this.scopeMacro(n, scope, macro!);
          return;
        }
        const c = this.sub(n, 'condition');
        const br = this.branch(c, false, n, true);
        this.stmt(n.childForFieldName('consequence'));
        const alt = n.childForFieldName('alternative');
        if (alt) {
          const skip = this.emit({ op: 'jmp', to: -1, line: line(alt) });
          this.patch(br, this.code.length);
          this.stmt(alt.type === 'else_clause' ? named(alt)[0] ?? null : alt);
          this.patch(skip, this.code.length);
        } else this.patch(br, this.code.length);
        return;
      }
      case 'while_statement': {
        const head = this.code.length;
        // An iterator macro read as `while`: whether it runs again is not known.
        const macro = this.masked.statements.get(n.startIndex);
        const c: Expr = macro !== undefined ? { k: 'unknown', text: 'an iterator macro' } : this.sub(n, 'condition');
        const br = this.branch(c, true, n);
        const l = this.loopBody(n.childForFieldName('body'), () => {
          if (macro === undefined) return;
          // Each turn the cursors (the arguments the macro assigns: the first, for one the headers do not define) are
          // the next element: one nobody knows.
          const args = commaList(this.lowerQuietly(() => this.sub(n, 'condition')));
          for (const i of this.macros.loop(macro)?.cursors ?? [0]) {
            const cursor = args[i];
            if (cursor && (cursor.k === 'id' || cursor.k === 'field')) {
              this.emit({ op: 'eval', e: { k: 'assign', op: '=', l: cursor, r: { k: 'unknown', text: 'the next element' } }, line: line(n) });
            }
          }
        });
        this.emit({ op: 'jmp', to: head, line: line(n) });
        this.patch(br, this.code.length);
        this.closeLoop(l, this.code.length, head);
        return;
      }
      case 'do_statement': {
        const top = this.code.length;
        const l = this.loopBody(n.childForFieldName('body'));
        const condAt = this.code.length;
        const c = this.sub(n, 'condition');
        const br = this.emit({ op: 'br', c, t: top, f: -1, loop: true, line: line(n) });
        this.patch(br, br + 1);
        this.closeLoop(l, this.code.length, condAt);
        return;
      }
      case 'for_statement': {
        const init = n.childForFieldName('initializer');
        // A declaration in the header is in a scope of its own: the loop's.
        const scoped = init?.type === 'declaration';
        if (scoped) this.openScope();
        if (init) {
          if (init.type === 'declaration') this.declaration(init);
          else this.emit({ op: 'eval', e: this.expr(init), line: line(init) });
        }
        const head = this.code.length;
        const cond = n.childForFieldName('condition');
        // for (;;) has no condition: the loop is left only by break, return or goto. Its test is
        // a constant 1 all the same, so its turns are counted as those of while (1) are.
        const br = this.branch(cond ? this.expr(cond) : { k: 'num', value: 1 }, true, n);
        const l = this.loopBody(n.childForFieldName('body'));
        const contAt = this.code.length;
        const update = n.childForFieldName('update');
        if (update) this.emit({ op: 'eval', e: this.expr(update), line: line(update) });
        this.emit({ op: 'jmp', to: head, line: line(n) });
        this.patch(br, this.code.length);
        this.closeLoop(l, this.code.length, contAt);
        if (scoped) this.closeScope(n.endPosition.row + 1);
        return;
      }
      case 'switch_statement': {
        const sw = this.emit({ op: 'switch', e: this.sub(n, 'condition'), cases: [], otherwise: -1, line: line(n) });
        const s: Breakable = { brk: [], cont: [], depth: this.scopes.length };
        this.breakables.push(s);
        const instr = this.code[sw] as Extract<Instr, { op: 'switch' }>;
        const body = n.childForFieldName('body');
        this.openScope();
        for (const c of body?.namedChildren ?? []) {
          if (!c) continue;
          if (c.type === 'case_statement') {
            const value = c.childForFieldName('value');
            if (value) instr.cases.push({ value: this.expr(value), to: this.code.length });
            else instr.otherwise = this.code.length;
            for (const s2 of c.namedChildren) if (s2 && s2 !== value) this.stmt(s2);
          } else this.stmt(c);
        }
        this.closeScope(body ? body.endPosition.row + 1 : line(n));
        this.breakables.pop();
        if (instr.otherwise < 0) instr.otherwise = this.code.length;
        for (const b of s.brk) this.patch(b, this.code.length);
        return;
      }
      case 'break_statement': {
        const target = this.breakables[this.breakables.length - 1];
        if (!target) {
          this.refused ??= `break outside a loop or switch at line ${line(n)}`;
          return;
        }
        this.runCleanups(this.scopes.slice(target.depth), line(n));
        target.brk.push(this.emit({ op: 'jmp', to: -1, line: line(n) }));
        return;
      }
      case 'continue_statement': {
        const target = this.loops[this.loops.length - 1];
        if (!target) {
          this.refused ??= `continue outside a loop at line ${line(n)}`;
          return;
        }
        this.runCleanups(this.scopes.slice(target.depth), line(n));
        target.cont.push(this.emit({ op: 'jmp', to: -1, line: line(n) }));
        return;
      }
      case 'return_statement': {
        const e = named(n)[0];
        this.lowerReturn(e ? this.expr(e) : null, n);
        return;
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        // What the goto leaves is known once its label is: the scopes as they stand here (cleanups declared so far).
        const scopes = this.scopes.map((s) => ({ id: s.id, cleanups: [...s.cleanups] }));
        this.gotos.push({ at: this.emit({ op: 'jmp', to: -1, line: line(n) }), label, line: line(n), scopes });
        return;
      }
      case 'labeled_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        this.labels.set(label, { at: this.code.length, scopes: this.scopes.map((s) => s.id) });
        for (const c of n.namedChildren) if (c && c.type !== 'statement_identifier') this.stmt(c);
        return;
      }
      case 'attributed_statement': {
        // `fallthrough;` and friends: attributes change nothing the model sees.
        for (const c of n.namedChildren) if (c && c.type !== 'attribute_declaration') this.stmt(c);
        return;
      }
      default:
        // A statement we do not understand (inline asm, a preprocessor conditional, an iterator
        // macro the grammar accepted in some shape): the interpreter refuses to step over it.
        this.emit({ op: 'opaque', text: flat(n.text).slice(0, 80), line: line(n) });
    }
  }

  /**
   * A scope macro the mask read as `if`: `scoped_guard(class, args) body` runs its body once
   * (skipped when a conditional lock is not taken), `scoped_class` always once, and
   * `scoped_cond_guard(class, fail, args) body` (read as `if (class) fail; else body`) runs `fail`
   * when the lock is not taken and the body when it is. A `break` or `continue` inside leaves the
   * macro's own loop, as the kernel's `for` does.
   */
  private scopeMacro(n: Node, scope: ScopeMacro, macro: string): void {
    const args = commaList(this.lowerQuietly(() => this.sub(n, 'condition')));
    const written = typeof scope.class === 'string' ? scope.class : args[scope.class];
    const cls = typeof written === 'string' ? written : written?.k === 'id' ? written.name : null;
    const l: Breakable = { brk: [], cont: [], depth: this.scopes.length };
    this.loops.push(l);
    this.breakables.push(l);
    if (scope.kind === 'cond-guard') {
      const br = this.branch({ k: 'unknown', text: `whether ${macro} takes ${cls ?? 'its lock'}` }, false, n, true);
      // The branch taken is the lock failing: the mask put `fail` where the if's consequence is (as `if(0) fail; else`).
      this.stmt(n.childForFieldName('consequence'));
      const skip = this.emit({ op: 'jmp', to: -1, line: line(n) });
      this.patch(br, this.code.length);
      const alt = n.childForFieldName('alternative');
      this.stmt(alt ? (alt.type === 'else_clause' ? named(alt)[0] ?? null : alt) : null);
      this.patch(skip, this.code.length);
    } else {
      // The lock's (or class's) arguments are evaluated as the macro takes them.
      const rest = args.filter((a, i) => i !== scope.class && i !== scope.var && a.k !== 'unknown');
      if (rest.length > 0) this.emit({ op: 'eval', e: rest.length === 1 ? rest[0]! : { k: 'comma', list: rest }, line: line(n) });
      const conditional = scope.kind === 'guard' && cls !== null && this.macros.guardConditional(cls) === true;
      const br = conditional ? this.branch({ k: 'unknown', text: `whether ${macro} takes ${cls}` }, false, n, true) : -1;
      this.stmt(n.childForFieldName('consequence'));
      if (br >= 0) this.patch(br, this.code.length);
    }
    this.loops.pop();
    this.breakables.pop();
    this.closeLoop(l, this.code.length, this.code.length);
  }

  private declaration(n: Node): void {
    let from = n.startIndex;
    for (const d of n.namedChildren) {
      if (!d) continue;
      const span = [from, d.type === 'init_declarator' ? (d.childForFieldName('value')?.startIndex ?? d.endIndex) : d.endIndex] as const;
      if (d.type === 'init_declarator' || isDeclarator(d.type)) from = d.endIndex;
      if (d.type === 'init_declarator') {
        const declarator = d.childForFieldName('declarator');
        const value = d.childForFieldName('value');
        const name = declaredName(declarator);
        if (name === null) continue;
        const init = value ? (value.type === 'initializer_list' ? { k: 'unknown' as const, text: '{...}' } : this.expr(value)) : null;
        this.emit({ op: 'decl', name, init, cleanup: null, line: line(d), at: statementAt(d) });
        this.declareCleanup(name, span[0], span[1]);
      } else if (isDeclarator(d.type)) {
        const name = declaredName(d);
        if (name === null) continue;
        this.emit({ op: 'decl', name, init: null, cleanup: null, line: line(d) });
        this.declareCleanup(name, span[0], span[1]);
      }
    }
  }

  /** The `__free(fn)` the mask removed inside a declarator's span (before or after its name), added to the scope. */
  private declareCleanup(variable: string, from: number, to: number): void {
    for (const [at, cls] of this.masked.cleanups) {
      if (at < from || at >= to) continue;
      const attribute = this.masked.attributeCleanups?.has(at) ?? false;
      const written = attribute ? `__cleanup(${cls})` : `__free(${cls})`;
      // __free(name) calls what DEFINE_FREE(name, ...) says; __cleanup(fn) gives fn the variable's address, which
      // the path cannot follow: both are then a function of another file that may keep the pointer.
      const fn = attribute ? null : this.macros.freeFunction(cls) ?? null;
      const scope = this.scopes[this.scopes.length - 1];
      if (scope) scope.cleanups.push({ variable, fn, written, attribute });
      return;
    }
  }

  /** `return_ptr(p);` (a macro that takes the pointer and returns it): the value it returns, else null. */
  private returningTake(e: Node): Expr | null {
    if (e.type !== 'call_expression') return null;
    const fn = e.childForFieldName('function');
    const take = fn?.type === 'identifier' ? this.macros.take(fn.text) : undefined;
    if (!take?.returns) return null;
    const args = this.callArguments(e.childForFieldName('arguments'));
    const arg = args[take.param];
    if (!arg) return null;
    return { k: 'call', callee: TAKE, args: [arg], line: line(e), column: column(e), text: flat(e.text).slice(0, 80) };
  }

  // ---- expressions ------------------------------------------------------------------------------

  /** The lowered child in `field`, or an unknown expression when the tree has none there. */
  private sub(n: Node, field: string): Expr {
    const c = n.childForFieldName(field);
    return c ? this.expr(c) : { k: 'unknown', text: flat(n.text).slice(0, 80) };
  }

  /** Lowers with no code emitted (a second reading of an expression, or one C never runs as written). */
  private lowerQuietly(f: () => Expr): Expr {
    const was = this.quiet;
    this.quiet = true;
    try {
      return f();
    } finally {
      this.quiet = was;
    }
  }

  /** Lowers `n` where C may not evaluate it (after `&&`, `||`, `?`, `,`): no code is hoisted out of it. */
  private maybe(n: Node | null, whole: Node): Expr {
    const was = this.hoisting;
    this.hoisting = false;
    try {
      return n ? this.expr(n) : { k: 'unknown', text: flat(whole.text).slice(0, 80) };
    } finally {
      this.hoisting = was;
    }
  }

  private unknown(n: Node): Expr {
    return { k: 'unknown', text: flat(n.text).slice(0, 80) };
  }

  /** Lowers an expression node. */
  expr(n: Node): Expr {
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
        return Number.isFinite(v) ? { k: 'num', value: v } : this.unknown(n);
      }
      case 'char_literal':
        return { k: 'num', value: n.text.length >= 3 ? n.text.charCodeAt(1) : 0 };
      case 'string_literal':
      case 'concatenated_string':
        return { k: 'str' };
      case 'parenthesized_expression': {
        const inner = named(n)[0];
        if (inner?.type === 'compound_statement') return this.statementExpression(inner);
        return inner ? this.expr(inner) : this.unknown(n);
      }
      case 'cast_expression':
        return this.sub(n, 'value');
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return { k: 'sizeof' };
      case 'field_expression':
        return {
          k: 'field', base: this.sub(n, 'argument'), field: n.childForFieldName('field')?.text ?? '',
          arrow: n.childForFieldName('operator')?.type === '->',
        };
      case 'subscript_expression':
        return { k: 'index', base: this.sub(n, 'argument'), index: this.sub(n, 'index') };
      case 'pointer_expression': {
        const op = n.childForFieldName('operator')?.type;
        const arg = this.sub(n, 'argument');
        return op === '&' ? { k: 'addr', e: arg } : { k: 'deref', e: arg };
      }
      case 'call_expression':
        return this.call(n);
      case 'unary_expression':
        return { k: 'unary', op: n.childForFieldName('operator')?.type ?? '', e: this.sub(n, 'argument') };
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.type ?? '';
        const l = this.sub(n, 'left');
        const r = op === '&&' || op === '||' ? this.maybe(n.childForFieldName('right'), n) : this.sub(n, 'right');
        return { k: 'binary', op, l, r };
      }
      case 'assignment_expression':
        return { k: 'assign', op: n.childForFieldName('operator')?.type ?? '=', l: this.sub(n, 'left'), r: this.sub(n, 'right') };
      case 'update_expression': {
        const op = n.childForFieldName('operator')?.type === '--' ? '--' : '++';
        const arg = n.childForFieldName('argument')!;
        return { k: 'update', op, prefix: n.startIndex < arg.startIndex, e: this.expr(arg) };
      }
      case 'conditional_expression': {
        const c = this.sub(n, 'condition');
        const t = n.childForFieldName('consequence') ? this.maybe(n.childForFieldName('consequence'), n) : this.lowerQuietly(() => this.sub(n, 'condition'));
        return { k: 'cond', c, t, f: this.maybe(n.childForFieldName('alternative'), n) };
      }
      case 'comma_expression':
        return { k: 'comma', list: [this.sub(n, 'left'), this.maybe(n.childForFieldName('right'), n)] };
      default:
        return this.unknown(n);
    }
  }

  /**
   * A call. Macros the headers explain are read as C reads their expansion: an argument that only
   * feeds `sizeof` is not evaluated (`kzalloc_obj(*p)` after `kfree(p)` reads nothing), a
   * hand-over (`retain_and_null_ptr(p)`) is the interpreter's `no_free_ptr`, and
   * `guard(mutex)(&m)` only evaluates its arguments (a lock the model does not follow).
   */
  private call(n: Node): Expr {
    const fn = n.childForFieldName('function');
    const argList = n.childForFieldName('arguments');
    if (fn?.type === 'call_expression') {
      const inner = fn.childForFieldName('function');
      if (inner?.type === 'identifier' && this.macros.declarator(inner.text)) {
        return { k: 'comma', list: [...this.callArguments(argList), { k: 'unknown', text: flat(n.text).slice(0, 80) }] };
      }
    }
    const callee = fn?.type === 'identifier' ? fn.text : null;
    let args = this.callArguments(argList);
    const text = flat(n.text).slice(0, 80);
    if (callee !== null) {
      const quiet = READS_ITS_ARGUMENTS.has(callee) ? undefined : this.macros.sizeofOnly(callee);
      if (quiet) args = args.map((a, i) => (quiet.includes(i) ? { k: 'sizeof' } : a));
      const take = this.macros.take(callee);
      if (take && !take.returns && callee !== TAKE) {
        const arg = args[take.param];
        if (arg) return { k: 'call', callee: TAKE, args: [arg], line: line(n), column: column(n), text };
      }
    }
    return { k: 'call', callee, args, line: line(n), column: column(n), text };
  }

  /**
   * A GNU statement expression `({ ...; value; })`: its statements are lowered in place, before the
   * instruction that uses its value (which they precede in C too), in a scope of their own; the last
   * expression statement is its value. Where C may skip it (`a && ({ ... })`) it cannot be moved
   * out: it becomes a statement the interpreter refuses to step over if it matters, and its value
   * is unknown.
   */
  private statementExpression(body: Node): Expr {
    if (this.quiet) return { k: 'unknown', text: 'a statement expression' };
    if (!this.hoisting) {
      this.emit({ op: 'opaque', text: flat(body.text).slice(0, 80), line: line(body) });
      return { k: 'unknown', text: 'a statement expression' };
    }
    const kids = named(body);
    const last = kids[kids.length - 1];
    const value = last?.type === 'expression_statement' ? named(last)[0] : undefined;
    this.openScope();
    for (const k of value ? kids.slice(0, -1) : kids) this.stmt(k);
    let result: Expr = { k: 'unknown', text: 'a statement expression without a value' };
    if (value) {
      const tmp = `(statement expression ${++this.temporaries})`;
      this.emit({ op: 'decl', name: tmp, init: this.expr(value), cleanup: null, line: line(value), at: statementAt(last!) });
      result = { k: 'id', name: tmp };
    }
    this.closeScope(body.endPosition.row + 1);
    return result;
  }

  /**
   * A call's arguments, split at its top-level commas: a macro's type argument (`struct foo` in
   * `container_of(p, struct foo, adev)`) is read by the grammar as two nodes, one an error; it is
   * one argument, a type.
   */
  private callArguments(list: Node | null): Expr[] {
    const out: Expr[] = [];
    let group: Node[] = [];
    const flush = () => {
      if (group.length === 1 && group[0]!.type !== 'type_descriptor' && !group[0]!.isError) out.push(this.expr(group[0]!));
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
}

/** The elements of a comma expression, in order (`a, b, c` → [a, b, c]). */
function commaList(e: Expr): Expr[] {
  return e.k === 'comma' ? e.list.flatMap(commaList) : [e];
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
