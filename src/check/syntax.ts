import type { Node } from 'web-tree-sitter';
import { MAX_REPORTED_SYNTAX_PROBLEMS, type SyntaxProblem } from './functions.js';
import { auxApiMentions } from './prefilter.js';
import { position, shorten, walk } from './tree.js';

/**
 * Syntax errors as the checker sees them: the one error shape it tolerates (a macro's type
 * argument), the first real problem in a function, the problems outside every function, and
 * statements the grammar misread as types without an error node.
 */

const STATEMENT_PARENTS = new Set([
  'compound_statement', 'labeled_statement', 'case_statement', 'if_statement', 'else_clause', 'while_statement',
  'for_statement', 'do_statement', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
]);

/** A `macro_type_specifier` standing where a statement belongs: a statement the parser misread. */
export function misreadStatement(definition: Node): Node | null {
  const body = definition.childForFieldName('body');
  if (!body) return null;
  for (const node of body.descendantsOfType('macro_type_specifier')) {
    if (node.parent && STATEMENT_PARENTS.has(node.parent.type)) return node;
  }
  return null;
}

export interface Problem {
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

export function problemsUnder(root: Node, limit: number, skipFunctions: boolean): { problems: Problem[]; more: boolean } {
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

export function firstSyntaxProblem(definition: Node): Problem | null {
  return problemsUnder(definition, 1, false).problems[0] ?? null;
}

export function describeProblem(p: Problem): string {
  const at = position(p.node.startPosition);
  return p.kind === 'missing'
    ? `syntax error: missing "${p.node.type}" at ${at.line}:${at.column}`
    : `syntax error: unexpected "${shorten(p.node.text)}" at ${at.line}:${at.column}`;
}

export function syntaxProblemsOutsideFunctions(root: Node): { problems: SyntaxProblem[]; more: boolean } {
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
