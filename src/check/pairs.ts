import type { Node, Tree } from 'web-tree-sitter';
import type { LoweredFunction } from './ir.js';

/**
 * Create / teardown pairs of one file: the function that makes a device and the one that takes
 * it down, run one after the other (check.ts). Found, never guessed, in two ways:
 * - an initializer that names both under a member pair (`.probe = x_probe, .remove = x_remove` of
 *   a `struct auxiliary_driver`, `pci_driver`, `platform_driver`, any struct), see {@link MEMBER_PAIRS};
 * - a name pair of two functions of the file, see {@link NAME_PAIRS}.
 * A create with two candidate teardowns (`x_exit` and `x_cleanup`) is not paired. The teardown's
 * parameters must each map to one of the create's: by type, and by name among several of one
 * type (`probe(pdev, id)` / `remove(pdev)` share `pdev`); otherwise the pair is not made.
 */

/** How a create's success shows: `0` from an int, a valid pointer, or (void) always. */
export type CreateReturns = 'int' | 'pointer' | 'void';

/** One pair: the create, its teardown, and which create parameter each teardown parameter is. */
export interface CreatePair {
  create: string;
  teardown: string;
  /** For each teardown parameter, the index of the create parameter it is given. */
  map: number[];
  returns: CreateReturns;
  /** How the pair was found, for messages: `.probe / .remove of an initializer`, `the names x_init / x_exit`. */
  how: string;
}

/** Member names of an initializer that name a create and its teardown. */
export const MEMBER_PAIRS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['probe', ['remove']],
  ['init', ['fini', 'exit', 'deinit', 'uninit', 'cleanup']],
  ['register', ['unregister']],
  ['add', ['del', 'remove']],
  ['create', ['destroy']],
];

/** Name suffixes of a create and its teardown: `X_init` / `X_exit`, ... (X the same, non-empty). */
export const NAME_PAIRS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['_init', ['_fini', '_exit', '_deinit', '_uninit', '_cleanup']],
  ['_register', ['_unregister']],
  ['_add', ['_del', '_remove']],
  ['_create', ['_destroy']],
  ['_probe', ['_remove']],
];

/** How a function definition returns: void, a pointer, or a value (an int). */
export function returnsOf(definition: Node): CreateReturns {
  const declarator = definition.childForFieldName('declarator');
  if (declarator?.type === 'pointer_declarator') return 'pointer';
  return definition.childForFieldName('type')?.text === 'void' ? 'void' : 'int';
}

const normal = (type: string) => type.replace(/\s+/g, ' ').trim();

/**
 * Which create parameter each teardown parameter is, or null when that is not clear: each
 * teardown parameter's type must be that of exactly one create parameter, or of several of which
 * exactly one has its name.
 * @example parameterMap(probe, remove) // [0]: remove(pdev) gets probe's pdev
 */
export function parameterMap(create: LoweredFunction, teardown: LoweredFunction): number[] | null {
  const map: number[] = [];
  for (const [i, name] of teardown.params.entries()) {
    const type = normal(teardown.paramTypes[i] ?? '');
    const same = create.params.map((_, j) => j).filter((j) => normal(create.paramTypes[j] ?? '') === type);
    const named = same.filter((j) => create.params[j] === name);
    const j = same.length === 1 ? same[0]! : named.length === 1 ? named[0]! : -1;
    if (j < 0 || map.includes(j)) return null;
    map.push(j);
  }
  return map;
}

/**
 * The pairs of a file whose create is one of `creates` (the functions that make a device), both
 * functions defined (and lowered) in it.
 * @example findPairs(tree, lowered, new Set(['x_probe']), returns)
 */
export function findPairs(tree: Tree, functions: ReadonlyMap<string, LoweredFunction>, creates: ReadonlySet<string>, returns: ReadonlyMap<string, CreateReturns>): CreatePair[] {
  const found = new Map<string, CreatePair>();
  const add = (create: string, teardown: string, how: string): void => {
    const c = functions.get(create);
    const t = functions.get(teardown);
    if (!c || !t || create === teardown || !creates.has(create) || found.has(`${create}\0${teardown}`)) return;
    const map = parameterMap(c, t);
    if (map === null) return;
    found.set(`${create}\0${teardown}`, { create, teardown, map, returns: returns.get(create) ?? 'int', how });
  };
  for (const list of tree.rootNode.descendantsOfType('initializer_list')) {
    if (!list) continue;
    const members = new Map<string, string>();
    for (const pair of list.namedChildren) {
      if (pair?.type !== 'initializer_pair') continue;
      const designator = pair.childForFieldName('designator');
      const value = pair.childForFieldName('value');
      const field = designator?.type === 'field_designator' ? designator.namedChildren[0]?.text : undefined;
      if (field && value?.type === 'identifier') members.set(field, value.text);
    }
    for (const [create, teardowns] of MEMBER_PAIRS) {
      const c = members.get(create);
      const present = teardowns.filter((t) => members.has(t));
      if (c !== undefined && present.length === 1) add(c, members.get(present[0]!)!, `.${create} / .${present[0]} of an initializer`);
    }
  }
  for (const name of functions.keys()) {
    for (const [suffix, teardowns] of NAME_PAIRS) {
      if (!name.endsWith(suffix) || name.length === suffix.length) continue;
      const stem = name.slice(0, -suffix.length);
      const present = teardowns.map((t) => stem + t).filter((t) => functions.has(t));
      if (present.length === 1) add(name, present[0]!, `the names ${name} / ${present[0]}`);
    }
  }
  return [...found.values()];
}
