import { ParameterError, requireObject } from '../../machines/index.js';
import type { Node, Tree } from 'web-tree-sitter';
import { parseC, type ParseCOptions } from './grammar.js';
import { isAuxApiFunction, type AuxApiFunction } from './prefilter.js';
import type { NotAnalysed, SourceText } from './source.js';
import { describeProblem, firstSyntaxProblem, misreadStatement, syntaxProblemsOutsideFunctions } from './syntax.js';
import { endPosition, position, shorten, walk } from './tree.js';

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
  if (typeof input !== 'string') {
    requireObject('discoverFunctions(input)', input, 'C source text, or a SourceText from readSource()');
    if (typeof input.text !== 'string') throw new ParameterError('discoverFunctions(input)', input, 'C source text, or a SourceText from readSource()');
  }
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
