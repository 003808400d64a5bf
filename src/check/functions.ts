import type { Node, Point, Tree, TreeCursor } from 'web-tree-sitter';
import { parseC, type ParseCOptions } from './grammar.js';
import { auxApiMentions, isAuxApiFunction, type AuxApiFunction } from './prefilter.js';
import type { NotAnalysed, SourceText } from './source.js';

/**
 * Function discovery: from the syntax tree (never from regular expressions), every function
 * definition of a file with its calls in source order and the release callbacks it assigns, plus
 * the file's call graph as far as the later summaries need it: which functions call the
 * auxiliary-bus API directly, and which functions of the same file each one calls.
 *
 * Positions are 1-based lines and columns; a column counts characters (UTF-16 code units), which
 * is the byte column on ASCII lines.
 */

/**
 * A place in a source file: 1-based line and column.
 * @example const p: SourcePosition = { line: 12, column: 5 };
 */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * A call a function makes. `callee` is the name when the called expression is a plain identifier
 * (`kfree(p)`), else null (`ops->release(dev)`, `(*fn)(x)`); `calleeText` is always the called
 * expression's text. `arguments` are the argument texts as written (a type argument of a macro
 * such as `container_of(d, struct foo, adev)` is one argument, `struct foo`).
 * @example
 * // for `ret = auxiliary_device_add(&x->adev);` on line 40, column 8:
 * const c: CallSite = { callee: 'auxiliary_device_add', calleeText: 'auxiliary_device_add', arguments: ['&x->adev'], line: 40, column: 8 };
 */
export interface CallSite extends SourcePosition {
  callee: string | null;
  calleeText: string;
  arguments: string[];
}

/**
 * An assignment of a device's release callback: `X->dev.release = fn;` or `X.dev.release = fn;`.
 * `target` is the assigned expression, `device` the expression whose `dev` it is, `function` the
 * callback's name when the value is a plain identifier (or `&identifier`), else null; `value` is
 * the assigned text.
 * @example
 * // for `padev->adev.dev.release = pdev_aux_release;`
 * const r: ReleaseAssignment = { target: 'padev->adev.dev.release', device: 'padev->adev', function: 'pdev_aux_release', value: 'pdev_aux_release', line: 31, column: 2 };
 */
export interface ReleaseAssignment extends SourcePosition {
  target: string;
  device: string;
  function: string | null;
  value: string;
}

/**
 * A function definition the checker can read. `auxApiCalls` are the auxiliary-bus API functions
 * it calls directly and `sameFileCallees` the functions defined in the same file it calls, each
 * once, in order of first call. `end` is the position of its closing brace.
 * @example
 * const f = (await discoverFunctions('void g(void) {}\nvoid f(void) { g(); }')) as FileFunctions;
 * (f.functions[1] as AnalysedFunction).sameFileCallees // ['g']
 */
export interface AnalysedFunction {
  kind: 'function';
  name: string;
  start: SourcePosition;
  end: SourcePosition;
  calls: CallSite[];
  releaseAssignments: ReleaseAssignment[];
  auxApiCalls: AuxApiFunction[];
  sameFileCallees: string[];
}

/**
 * A function definition the checker does not read: it holds a syntax error (reason
 * `syntax-error`, the detail names the first one), no name could be found in its declarator
 * (reason `no-name`), or the parser read a statement as a type without any error node (reason
 * `misparsed`: `kfree(container_of(d, struct foo, adev));` becomes a `macro_type_specifier`,
 * and the calls in it would silently vanish). `name` is null when unknown.
 * @example
 * const u: UnanalysedFunction = { kind: 'not-analysed', name: 'f', start: { line: 1, column: 1 }, end: { line: 1, column: 20 }, reason: 'syntax-error', detail: 'missing ")" at 1:17' };
 */
export interface UnanalysedFunction {
  kind: 'not-analysed';
  name: string | null;
  start: SourcePosition;
  end: SourcePosition;
  reason: 'syntax-error' | 'no-name' | 'misparsed';
  detail: string;
}

/**
 * A syntax error outside every function definition. `mentionsAuxApi` says whether the erroneous
 * text names an auxiliary-bus API function: code the parser could not even place in a function,
 * which the checker must then report as not analysed.
 * @example const e: SyntaxProblem = { kind: 'missing', text: ';', line: 3, column: 18, mentionsAuxApi: false };
 */
export interface SyntaxProblem extends SourcePosition {
  kind: 'error' | 'missing';
  /** The unexpected text (shortened), or for `missing` the token the parser inserted. */
  text: string;
  mentionsAuxApi: boolean;
}

/**
 * The functions of one file, in source order, and the file's direct callers of the API.
 * `errorsOutsideFunctions` holds at most {@link MAX_REPORTED_SYNTAX_PROBLEMS} entries;
 * `moreErrorsOutsideFunctions` says whether there were more.
 * @example
 * const r = await discoverFunctions(readFileSync('foo.c', 'utf8'));
 * if (r.kind === 'functions') console.log(r.auxApiCallers);
 */
export interface FileFunctions {
  kind: 'functions';
  functions: (AnalysedFunction | UnanalysedFunction)[];
  /** Names of the analysed functions that call an auxiliary-bus API function directly. */
  auxApiCallers: string[];
  errorsOutsideFunctions: SyntaxProblem[];
  moreErrorsOutsideFunctions: boolean;
  /**
   * Calls of an auxiliary-bus API function outside every function definition: never valid C, so
   * code the parser could not place in a function (after a syntax error it may still read the
   * call itself cleanly). The checker must report these as not analysed.
   */
  auxApiCallsOutsideFunctions: CallSite[];
}

/** The most syntax errors outside functions listed for one file. */
export const MAX_REPORTED_SYNTAX_PROBLEMS = 50;

/**
 * Parses `input` (text, or a {@link SourceText} from `readSource` / `sourceFromBytes`) and
 * discovers its functions; the tree is freed before returning. A parse that is cancelled or fails
 * gives a {@link NotAnalysed}. Never throws on any text.
 * @example
 * const r = await discoverFunctions('int f(void) { return g(1, 2); }');
 * if (r.kind === 'functions') r.functions[0] // { kind: 'function', name: 'f', calls: [{ callee: 'g', arguments: ['1', '2'], ... }], ... }
 */
export async function discoverFunctions(input: string | SourceText, options: ParseCOptions = {}): Promise<FileFunctions | NotAnalysed> {
  const parsed = await parseC(typeof input === 'string' ? input : input.text, options);
  if (parsed.kind !== 'parsed') return parsed;
  try {
    return functionsOfTree(parsed.tree);
  } finally {
    parsed.tree.delete();
  }
}

/**
 * Discovers the functions of an already parsed tree (see {@link discoverFunctions}); the caller
 * keeps ownership of the tree.
 * @example
 * const p = await parseC(text);
 * if (p.kind === 'parsed') { const f = functionsOfTree(p.tree); p.tree.delete(); }
 */
export function functionsOfTree(tree: Tree): FileFunctions {
  const definitions = tree.rootNode.descendantsOfType('function_definition');
  const heads = definitions.map((node) => ({ node, name: functionName(node) }));
  const defined = new Set<string>();
  for (const h of heads) if (h.name !== null) defined.add(h.name);
  const functions: (AnalysedFunction | UnanalysedFunction)[] = [];
  const auxApiCallers: string[] = [];
  const text = tree.rootNode.text;
  for (const { node, name } of heads) {
    const start = position(node.startPosition);
    const end = endPosition(node.endPosition);
    if (name === null) {
      functions.push({ kind: 'not-analysed', name, start, end, reason: 'no-name', detail: `no function name found in "${shorten(node.childForFieldName('declarator')?.text ?? '')}" at ${start.line}:${start.column} (a macro or annotation before the name may have confused the parser)` });
      continue;
    }
    const problem = node.hasError ? firstSyntaxProblem(node) : null;
    if (problem) {
      functions.push({ kind: 'not-analysed', name, start, end, reason: 'syntax-error', detail: describeProblem(problem) });
      continue;
    }
    const misread = misreadStatement(node);
    if (misread) {
      const at = position(misread.startPosition);
      functions.push({ kind: 'not-analysed', name, start, end, reason: 'misparsed', detail: `"${shorten(misread.text, 60)}" at ${at.line}:${at.column} was read as a type, not a statement (typically a call whose argument is a type, e.g. container_of)` });
      continue;
    }
    const f = analyseBody(node, name, start, end, defined, text);
    if (f.auxApiCalls.length > 0) auxApiCallers.push(name);
    functions.push(f);
  }
  const outside = syntaxProblemsOutsideFunctions(tree.rootNode);
  return {
    kind: 'functions', functions, auxApiCallers, errorsOutsideFunctions: outside.problems, moreErrorsOutsideFunctions: outside.more,
    auxApiCallsOutsideFunctions: auxApiCallsOutside(tree.rootNode, text),
  };
}

const STATEMENT_PARENTS = new Set([
  'compound_statement', 'labeled_statement', 'case_statement', 'if_statement', 'else_clause', 'while_statement',
  'for_statement', 'do_statement', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
]);

/** A `macro_type_specifier` standing where a statement belongs: a statement the parser misread. */
function misreadStatement(definition: Node): Node | null {
  const body = definition.childForFieldName('body');
  if (!body) return null;
  for (const node of body.descendantsOfType('macro_type_specifier')) {
    if (node.parent && STATEMENT_PARENTS.has(node.parent.type)) return node;
  }
  return null;
}

function position(p: Point): SourcePosition {
  return { line: p.row + 1, column: p.column + 1 };
}

/** tree-sitter's end is exclusive and 0-based: the same number is the 1-based column of the last character. */
function endPosition(p: Point): SourcePosition {
  return p.column === 0 && p.row > 0 ? { line: p.row, column: 1 } : { line: p.row + 1, column: Math.max(p.column, 1) };
}

function shorten(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Pre-order walk with a cursor (no recursion: deep trees cannot overflow the stack). `visit`
 * returns whether to descend into the current node.
 */
function walk(root: Node, visit: (cursor: TreeCursor) => boolean): void {
  const cursor = root.walk();
  try {
    let depth = 0;
    let descend = visit(cursor);
    for (;;) {
      if (descend && cursor.gotoFirstChild()) {
        depth++;
        descend = visit(cursor);
        continue;
      }
      while (depth > 0 && !cursor.gotoNextSibling()) {
        cursor.gotoParent();
        depth--;
      }
      if (depth === 0) return;
      descend = visit(cursor);
    }
  } finally {
    cursor.delete();
  }
}

const PASS_THROUGH_DECLARATORS = new Set(['parenthesized_declarator', 'attributed_declarator']);

/**
 * The defined function's name: follow the declarator chain (pointer, parenthesized, function
 * declarators) down to its identifier; it names a function only if a function declarator was on
 * the way (otherwise the parser mistook something else for the definition's head).
 */
function functionName(definition: Node): string | null {
  let d = definition.childForFieldName('declarator');
  let sawFunctionDeclarator = false;
  while (d) {
    if (d.type === 'function_declarator') sawFunctionDeclarator = true;
    if (d.type === 'identifier') return sawFunctionDeclarator ? d.text : null;
    let next = d.childForFieldName('declarator');
    if (!next && PASS_THROUGH_DECLARATORS.has(d.type)) next = d.namedChildren.find((c) => c !== null && c.type !== 'attribute_declaration' && c.type !== 'comment') ?? null;
    d = next;
  }
  return null;
}

interface Problem {
  kind: 'error' | 'missing';
  node: Node;
}

const TYPE_KEYWORDS = new Set(['struct', 'union', 'enum']);

/**
 * The one ERROR shape tolerated inside a function: a type name passed to a macro, as in
 * `container_of(dev, struct foo, adev.dev)` or `list_entry(p, union bar, node)`. tree-sitter
 * reads the argument `struct foo` as two nodes, an identifier and an ERROR (either one holding
 * the keyword); the call and every other argument are intact, so nothing the checker reads is
 * lost. Recognised from the tree: the argument between two commas is exactly those two nodes.
 */
function isTypeArgumentOfMacro(error: Node): boolean {
  if (error.parent?.type !== 'argument_list') return false;
  const group: Node[] = [error];
  for (let n = error.previousSibling; n && n.type !== ',' && n.type !== '('; n = n.previousSibling) if (n.type !== 'comment') group.unshift(n);
  for (let n = error.nextSibling; n && n.type !== ',' && n.type !== ')'; n = n.nextSibling) if (n.type !== 'comment') group.push(n);
  if (group.length !== 2) return false;
  const words = group.map(identifierWord);
  if (words[0] === null || words[1] === null) return false;
  return group.filter((n) => n.isError).length === 1 && TYPE_KEYWORDS.has(words[0]!) && !TYPE_KEYWORDS.has(words[1]!);
}

/** The identifier a node is (an identifier, or an ERROR holding just one identifier), else null. */
function identifierWord(node: Node): string | null {
  if (node.type === 'identifier' || node.type === 'type_identifier') return node.text;
  if (!node.isError || node.childCount !== 1) return null;
  const only = node.child(0);
  return only && (only.type === 'identifier' || only.type === 'type_identifier') ? only.text : null;
}

function problemsUnder(root: Node, limit: number, skipFunctions: boolean): { problems: Problem[]; more: boolean } {
  const problems: Problem[] = [];
  let more = false;
  walk(root, (cursor) => {
    if (problems.length >= limit) {
      more = true;
      return false;
    }
    const node = cursor.currentNode;
    if (skipFunctions && node.type === 'function_definition') return false;
    if (node.isMissing) {
      problems.push({ kind: 'missing', node });
      return false;
    }
    if (node.isError) {
      if (!isTypeArgumentOfMacro(node)) problems.push({ kind: 'error', node });
      return false;
    }
    return node.hasError;
  });
  return { problems, more };
}

function firstSyntaxProblem(definition: Node): Problem | null {
  return problemsUnder(definition, 1, false).problems[0] ?? null;
}

function describeProblem(p: Problem): string {
  const at = position(p.node.startPosition);
  return p.kind === 'missing'
    ? `syntax error: missing "${p.node.type}" at ${at.line}:${at.column}`
    : `syntax error: unexpected "${shorten(p.node.text)}" at ${at.line}:${at.column}`;
}

function syntaxProblemsOutsideFunctions(root: Node): { problems: SyntaxProblem[]; more: boolean } {
  if (!root.hasError) return { problems: [], more: false };
  const { problems, more } = problemsUnder(root, MAX_REPORTED_SYNTAX_PROBLEMS, true);
  return {
    more,
    problems: problems.map((p) => ({
      kind: p.kind,
      text: p.kind === 'missing' ? p.node.type : shorten(p.node.text),
      ...position(p.node.startPosition),
      mentionsAuxApi: p.kind === 'error' && auxApiMentions(p.node.text).length > 0,
    })),
  };
}

function auxApiCallsOutside(root: Node, text: string): CallSite[] {
  const found: CallSite[] = [];
  walk(root, (cursor) => {
    const type = cursor.nodeType;
    if (type === 'function_definition') return false;
    if (type === 'call_expression') {
      const call = callSite(cursor.currentNode, text);
      if (call.callee !== null && isAuxApiFunction(call.callee)) found.push(call);
    }
    return true;
  });
  return found;
}

function analyseBody(definition: Node, name: string, start: SourcePosition, end: SourcePosition, defined: Set<string>, text: string): AnalysedFunction {
  const calls: CallSite[] = [];
  const releaseAssignments: ReleaseAssignment[] = [];
  const auxApiCalls: AuxApiFunction[] = [];
  const sameFileCallees: string[] = [];
  const body = definition.childForFieldName('body');
  if (body) {
    walk(body, (cursor) => {
      const type = cursor.nodeType;
      if (type === 'function_definition') return false; // a nested (GCC) function has its own entry
      if (type === 'call_expression') {
        const call = callSite(cursor.currentNode, text);
        calls.push(call);
        if (call.callee !== null) {
          if (isAuxApiFunction(call.callee) && !auxApiCalls.includes(call.callee)) auxApiCalls.push(call.callee);
          if (defined.has(call.callee) && !sameFileCallees.includes(call.callee)) sameFileCallees.push(call.callee);
        }
      } else if (type === 'assignment_expression') {
        const release = releaseAssignment(cursor.currentNode);
        if (release) releaseAssignments.push(release);
      }
      return true;
    });
  }
  return { kind: 'function', name, start, end, calls, releaseAssignments, auxApiCalls, sameFileCallees };
}

function callSite(call: Node, text: string): CallSite {
  const fn = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  return {
    callee: fn?.type === 'identifier' ? fn.text : null,
    calleeText: fn?.text ?? '',
    arguments: args ? argumentTexts(args, text) : [],
    ...position(call.startPosition),
  };
}

/** Splits an argument list at its top-level commas, so a macro's `struct foo` stays one argument. */
function argumentTexts(list: Node, text: string): string[] {
  const out: string[] = [];
  let first = -1;
  let last = -1;
  let sawComma = false;
  const flush = (): void => {
    out.push(first < 0 ? '' : text.slice(first, last));
  };
  for (const child of list.children) {
    if (!child) continue;
    const t = child.type;
    if (t === '(' || t === ')' || t === 'comment') continue;
    if (t === ',') {
      flush();
      sawComma = true;
      first = -1;
      last = -1;
      continue;
    }
    if (first < 0) first = child.startIndex;
    last = child.endIndex;
  }
  if (first >= 0 || sawComma) flush();
  return out;
}

function releaseAssignment(assignment: Node): ReleaseAssignment | null {
  if (assignment.childForFieldName('operator')?.type !== '=') return null;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (!left || !right || left.type !== 'field_expression') return null;
  if (left.childForFieldName('field')?.text !== 'release') return null;
  const dev = left.childForFieldName('argument');
  if (!dev || dev.type !== 'field_expression' || dev.childForFieldName('field')?.text !== 'dev') return null;
  const device = dev.childForFieldName('argument');
  if (!device) return null;
  let fn: Node | null = right;
  if (fn.type === 'pointer_expression' && fn.childForFieldName('operator')?.type === '&') fn = fn.childForFieldName('argument');
  return {
    target: left.text,
    device: device.text,
    function: fn?.type === 'identifier' ? fn.text : null,
    value: right.text,
    ...position(assignment.startPosition),
  };
}
