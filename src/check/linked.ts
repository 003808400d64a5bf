import { basename } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { readRegularFileSync } from '../regular-file.js';
import { functionsOfTree } from './functions.js';
import type { Link, LinkedFiles } from './link.js';
import { parseC } from './grammar.js';
import { lowerFunction, type LoweredFunction } from './ir.js';
import { kernelMacros } from './macros/data.js';
import { maskAnnotations } from './mask.js';
import { ALLOC, DEVM_ALLOC, FREE, INERT, isTracked, KEEPS } from './path/known-calls.js';
import { calledNames, renameIn } from './ir-names.js';
import { DEFAULT_MAX_SOURCE_BYTES, sourceFromBytes } from './source.js';

/**
 * Several files checked together, as a linker sees them: a call in a checked file to a function
 * it does not define resolves to the one non-static definition among the other `.c` files given
 * with it from the same directory, and runs as a same-file helper would (with the caller's values,
 * its findings at its own file and line). Those files need not name the auxiliary-bus API (the
 * pre-filter does not check them on their own): each is read, and its file-scope names listed,
 * only when a checked file calls a name it does not define, and parsed only when it may define
 * that name; what was read and parsed is kept for the rest of the run.
 */

/** One other file, parsed: every function it defines, lowered, and those other files may call. */
interface Unit {
  file: string;
  lines: string[];
  functions: Map<string, LoweredFunction>;
  /** The non-static ones. */
  exported: Set<string>;
}

/** What a file's tokens say at file scope: see {@link scopeOf}. */
interface FileScope {
  heads: Set<string>;
  exported: Set<string>;
  /** For each name followed by a brace pair at file scope, the identifiers in it. */
  bodies: Map<string, Set<string>>;
}

/**
 * What a file's tokens say at file scope (outside every brace pair, directive and comment): the
 * names it may define as functions (each identifier followed by `(`: a definition's name, a
 * prototype's, a macro's), those it exports (`EXPORT_SYMBOL*(name)`), and the identifiers of the
 * body after each; null for a file that cannot be read as C. A definition's name is always among
 * the first, so a file without the name is not parsed. Once per file and run.
 */
function scopeOf(files: LinkedFiles, file: string): FileScope | null {
  return files.memo('scope', file, () => {
    const text = readText(file);
    return text === null ? null : fileScope(text);
  });
}

/** The file parsed and lowered (once per run), or null when it cannot be read or parsed. */
function unitOf(files: LinkedFiles, file: string): Promise<Unit | null> {
  return files.memo('unit', file, () => parseUnit(file));
}

/**
 * The names among `files` whose bodies may reach a call that acts on a device or an id
 * ({@link followed}), read from tokens alone: a name is one when a body of that name (in any of
 * the files) names such a call or another such name. More names than the parsed code would give
 * (a static function stands for every function of its name, a variable named like a function for
 * the function), never fewer: a file is parsed only for a name among them.
 */
function reachingOf(cache: LinkedFiles, files: readonly string[]): Set<string> {
  return cache.memo('reach', [...files].sort().join('\0'), () => {
    const bodies = new Map<string, Set<string>>();
    for (const f of files) {
      for (const [name, ids] of scopeOf(cache, f)?.bodies ?? []) {
        const all = bodies.get(name);
        if (all) for (const id of ids) all.add(id);
        else bodies.set(name, new Set(ids));
      }
    }
    const out = new Set<string>();
    for (const [name, ids] of bodies) if ([...ids].some(followed)) out.add(name);
    for (let changed = true; changed;) {
      changed = false;
      for (const [name, ids] of bodies) {
        if (out.has(name)) continue;
        for (const id of ids) {
          if (out.has(id)) {
            out.add(name);
            changed = true;
            break;
          }
        }
      }
    }
    return out;
  });
}

function readText(file: string): string | null {
  const read = readRegularFileSync(file, DEFAULT_MAX_SOURCE_BYTES);
  if (read.kind !== 'bytes') return null;
  const source = sourceFromBytes(read.bytes, { path: file });
  return source.kind === 'source' ? source.text : null;
}

const enum Ch { Slash = 47, Star = 42, Newline = 10, Hash = 35, Quote = 34, Apostrophe = 39, Backslash = 92, Open = 123, Close = 125, Paren = 40, Semi = 59, Space = 32, Tab = 9, Return = 13 }

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);

/**
 * Identifiers followed by `(` at brace depth 0, the names of `EXPORT_SYMBOL*(name)` there, and the
 * identifiers inside the braces that follow each such name (its body, if it is a definition).
 * Comments, string and character literals and preprocessor lines (with their continuations) are
 * skipped. One pass over the characters: every file of a checked file's folder goes through it.
 */
function fileScope(text: string): FileScope {
  const heads = new Set<string>();
  const exported = new Set<string>();
  const bodies = new Map<string, Set<string>>();
  let depth = 0;
  // The body's identifiers go to every name seen since the last declaration ended: the function's
  // and those of annotations around it (`__printf(2, 3)`, `__acquires(x)`), a superset.
  let owners: Array<Set<string>> = [];
  let pending: string[] = [];
  // The identifier before the current token, when nothing but blanks came between (for `name (`).
  let last: string | null = null;
  let exportNext = false;
  let lineStart = true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === Ch.Newline) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === Ch.Space || c === Ch.Tab || c === Ch.Return) {
      i++;
      continue;
    }
    if (c === Ch.Hash && lineStart) {
      // A directive: to the end of its line and its continuation lines.
      while (i < n && text.charCodeAt(i) !== Ch.Newline) i += text.charCodeAt(i) === Ch.Backslash ? 2 : 1;
      continue;
    }
    lineStart = false;
    if (c === Ch.Slash && text.charCodeAt(i + 1) === Ch.Star) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === Ch.Slash && text.charCodeAt(i + 1) === Ch.Slash) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === Ch.Quote || c === Ch.Apostrophe) {
      i++;
      while (i < n && text.charCodeAt(i) !== c && text.charCodeAt(i) !== Ch.Newline) i += text.charCodeAt(i) === Ch.Backslash ? 2 : 1;
      i++;
      last = null;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const id = text.slice(i, j);
      i = j;
      if (depth > 0) {
        for (const ids of owners) ids.add(id);
      } else if (exportNext) {
        exported.add(id);
        exportNext = false;
      }
      last = id;
      continue;
    }
    if (c === Ch.Paren && depth === 0 && last !== null) {
      heads.add(last);
      pending.push(last);
      exportNext = last.startsWith('EXPORT_SYMBOL');
    } else if (c === Ch.Open) {
      if (depth === 0) {
        owners = pending.map((name) => {
          const ids = bodies.get(name) ?? new Set<string>();
          bodies.set(name, ids);
          return ids;
        });
      }
      depth++;
    } else if (c === Ch.Close) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        owners = [];
        pending = [];
      }
    } else if (c === Ch.Semi && depth === 0) pending = [];
    if (c !== Ch.Paren) exportNext = false;
    last = null;
    i++;
  }
  return { heads, exported, bodies };
}

async function parseUnit(file: string): Promise<Unit | null> {
  const text = readText(file);
  if (text === null) return null;
  const macros = kernelMacros().forFile(text);
  const masked = maskAnnotations(text, macros);
  const parsed = await parseC(masked.text);
  if (parsed.kind !== 'parsed') return null;
  try {
    const found = functionsOfTree(parsed.tree);
    const readable = new Set<string>();
    for (const f of found.functions) if (f.kind === 'function') readable.add(`${f.start.line}:${f.start.column}`);
    const functions = new Map<string, LoweredFunction>();
    const exported = new Set<string>();
    for (const node of parsed.tree.rootNode.descendantsOfType('function_definition')) {
      if (!node || !readable.has(`${node.startPosition.row + 1}:${node.startPosition.column + 1}`)) continue;
      const name = found.functions.find((f) => f.start.line === node.startPosition.row + 1 && f.start.column === node.startPosition.column + 1)?.name;
      if (!name || functions.has(name)) continue;
      try {
        functions.set(name, { ...lowerFunction(node, name, masked, macros), file });
      } catch {
        // Nested too deep to lower: calls of it stay calls of another file.
        continue;
      }
      if (!isStatic(node)) exported.add(name);
    }
    return { file, lines: text.split('\n'), functions, exported };
  } finally {
    parsed.tree.delete();
  }
}

function isStatic(definition: Node): boolean {
  return definition.children.some((c) => c !== null && c.type === 'storage_class_specifier' && c.text === 'static');
}

/** Names the checker runs itself, whatever a file defines: never resolved to another file. */
function known(name: string): boolean {
  return isTracked(name) || INERT.has(name) || KEEPS.has(name);
}

/** What linking gave a checked file: its functions and those of other files it calls, and their files' lines. */
export interface Linked {
  functions: Map<string, LoweredFunction>;
  /** Lines of each other file a linked function comes from. */
  lines: Map<string, string[]>;
}

/**
 * Adds to a checked file's functions those of its siblings its code calls and that reach what the
 * model follows (an allocation, a free, the IDA, the bus, a device reference, `container_of`),
 * directly or through what they call in turn (their own files' functions, static ones too, and
 * other siblings' non-static ones). A helper that reaches none of it stays a call of another file,
 * as without linking: running it would change nothing the model judges. A name resolves to
 * another file only when exactly one sibling defines it non-static and that file does not export
 * it: two definitions (alternatives under `#ifdef`, two modules in one directory) leave the call
 * one of another file, and so does an `EXPORT_SYMBOL*`ed function, the interface of a module that
 * may not be the caller's (a directory often builds several: drivers/soc/qcom/ builds
 * pmic_glink, pdr_interface and qmi_helpers; the Makefile, not read here, says which files
 * link into which), whose contract with its callers is its documented one. A linked function keeps its name when no function of the set has it and it is not
 * static; otherwise it is named `file.c:name` (not a C identifier, so it meets no name of the
 * code), and its own file's calls of it are renamed with it.
 * @example const { functions } = await linkFunctions(own, link);
 */
export async function linkFunctions(own: ReadonlyMap<string, LoweredFunction>, link: Link): Promise<Linked> {
  const functions = new Map(own);
  const lines = new Map<string, string[]>();
  if (link.siblings.length === 0) return { functions, lines };
  const graph = await callGraph(own, link);
  // Which nodes reach the model: a fixed point over the call graph (cycles included).
  const reaches = new Set<Helper>();
  for (const n of graph.nodes) if (n.direct) reaches.add(n);
  for (let changed = true; changed;) {
    changed = false;
    for (const n of graph.nodes) {
      if (!reaches.has(n) && [...n.calls.values()].some((c) => reaches.has(c))) {
        reaches.add(n);
        changed = true;
      }
    }
  }
  // Names, in the order the nodes were met: a non-static one keeps its own unless taken.
  const names = new Map<Helper, string>();
  for (const n of graph.nodes) {
    if (!reaches.has(n)) continue;
    const as = n.unit.exported.has(n.name) && !functions.has(n.name) ? n.name : `${basename(n.unit.file)}:${n.name}`;
    names.set(n, as);
    functions.set(as, n.fn);
  }
  for (const [n, as] of names) {
    const renames = new Map<string, string>();
    for (const [called, c] of n.calls) {
      const to = names.get(c);
      if (to !== undefined) renames.set(called, to);
    }
    functions.set(as, renameIn(n.fn, as, renames));
    if (!lines.has(n.unit.file)) lines.set(n.unit.file, n.unit.lines);
  }
  return { functions, lines };
}

/** A function of another file the checked file's code may reach, and what it calls there. */
interface Helper {
  unit: Unit;
  name: string;
  fn: LoweredFunction;
  /** It calls what the model follows itself. */
  direct: boolean;
  /** The names it calls (or names as values) that resolve to other nodes. */
  calls: Map<string, Helper>;
}

/**
 * What makes a helper of another file worth running: a call that acts on a device or an id (the
 * auxiliary-bus API, a device reference, the IDA, a devres action). Allocation, kfree() and
 * container_of alone do not: kernel directories are full of helpers that allocate and free their
 * own buffers (mlx4's crash dump, ice's scheduler tree), and running them all put real probe
 * functions past their step budget without a device in sight.
 */
const followed = (name: string): boolean => isTracked(name) && !ALLOC.has(name) && !DEVM_ALLOC.has(name) && !FREE.has(name);

/** Every function of another file the checked file's calls resolve to, and theirs in turn. */
async function callGraph(own: ReadonlyMap<string, LoweredFunction>, link: Link): Promise<{ nodes: Helper[] }> {
  const nodes: Helper[] = [];
  const byKey = new Map<string, Helper>();
  const external = new Map<string, Helper | null>();
  const todo: Helper[] = [];

  const node = (u: Unit, name: string): Helper => {
    const key = `${u.file}\0${name}`;
    let n = byKey.get(key);
    if (!n) {
      const fn = u.functions.get(name)!;
      n = { unit: u, name, fn, direct: calledNames(fn, false).some(followed), calls: new Map() };
      byKey.set(key, n);
      nodes.push(n);
      todo.push(n);
    }
    return n;
  };
  // Names no body of the directory can reach a device or an id through: never parsed for.
  const reaching = reachingOf(link.files, [...link.siblings, ...(link.self === undefined ? [] : [link.self])]);
  const resolveExternal = async (name: string): Promise<Helper | null> => {
    if (external.has(name)) return external.get(name)!;
    if (!reaching.has(name)) {
      external.set(name, null);
      return null;
    }
    const defs: Unit[] = [];
    let moduleApi = false;
    for (const s of link.siblings) {
      const scope = scopeOf(link.files, s);
      if (scope?.heads.has(name) !== true) continue;
      const u = await unitOf(link.files, s);
      if (!u?.exported.has(name)) continue;
      defs.push(u);
      if (scope.exported.has(name)) moduleApi = true;
    }
    const got = defs.length === 1 && !moduleApi ? node(defs[0]!, name) : null;
    external.set(name, got);
    return got;
  };

  for (const fn of own.values()) {
    for (const n of calledNames(fn, false)) if (!own.has(n) && !known(n)) await resolveExternal(n);
  }
  while (todo.length > 0) {
    const n = todo.shift()!;
    for (const called of calledNames(n.fn, true)) {
      let c: Helper | null = null;
      if (n.unit.functions.has(called)) c = node(n.unit, called);
      else if (!own.has(called) && !known(called)) c = await resolveExternal(called);
      if (c) n.calls.set(called, c);
    }
  }
  return { nodes };
}
