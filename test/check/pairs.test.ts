import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/check/index.js';
import { parseC } from '../../src/check/grammar.js';
import { lowerFunction, type LoweredFunction } from '../../src/check/ir.js';
import { kernelMacros } from '../../src/check/macros/data.js';
import { maskAnnotations } from '../../src/check/mask.js';
import { findPairs, parameterMap, returnsOf, type CreatePair, type CreateReturns } from '../../src/check/pairs.js';

/**
 * Create / teardown pairs (src/check/pairs.ts): which functions of a file are paired, never
 * guessed, and what running them together reports (the corpus twins delete-unadded-*-2,
 * use-after-release-*-7 and leak-initialized-*-6 are checked by corpus.test.ts; here what is
 * particular to pairs).
 */

const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');

/** The pairs of a C text, every function of it counting as one that makes a device. */
async function pairsOf(text: string): Promise<CreatePair[]> {
  const macros = kernelMacros().forFile(text);
  const masked = maskAnnotations(text, macros);
  const p = await parseC(masked.text);
  if (p.kind !== 'parsed') throw new Error('did not parse');
  try {
    const functions = new Map<string, LoweredFunction>();
    const returns = new Map<string, CreateReturns>();
    for (const node of p.tree.rootNode.descendantsOfType('function_definition')) {
      const name = node!.childForFieldName('declarator')!.descendantsOfType('identifier')[0]!.text;
      functions.set(name, lowerFunction(node!, name, masked, macros));
      returns.set(name, returnsOf(node!));
    }
    return findPairs(p.tree, functions, new Set(functions.keys()), returns);
  } finally {
    p.tree.delete();
  }
}

describe('pairing', () => {
  it('pairs the two functions an initializer names under .probe / .remove, mapping the teardown\'s parameter to the create\'s by type', async () => {
    const pairs = await pairsOf(`
      static int foo_probe(struct auxiliary_device *adev, const struct auxiliary_device_id *id) { return 0; }
      static void foo_remove(struct auxiliary_device *adev) { }
      static struct auxiliary_driver foo_driver = { .name = "foo", .probe = foo_probe, .remove = foo_remove };`);
    expect(pairs).toEqual([{ create: 'foo_probe', teardown: 'foo_remove', map: [0], returns: 'int', how: '.probe / .remove of an initializer' }]);
  });

  it('pairs by name: X_init with the one of X_fini / X_exit / ... present, X_create with X_destroy; a pointer create is told apart from an int one', async () => {
    const pairs = await pairsOf(`
      int bar_init(struct bar *b) { return 0; }
      void bar_exit(struct bar *b) { }
      struct baz *baz_create(struct device *parent) { return 0; }
      void baz_destroy(struct baz *z) { }
      void qux_register(void) { }
      void qux_unregister(void) { }`);
    expect(pairs.map((p) => [p.create, p.teardown, p.returns, p.map])).toEqual([
      ['bar_init', 'bar_exit', 'int', [0]],
      ['qux_register', 'qux_unregister', 'void', []],
    ]);
  });

  it('does not guess: two candidate teardowns, or a teardown parameter with no single match, make no pair', async () => {
    expect(await pairsOf(`
      int a_init(struct a *x) { return 0; }
      void a_exit(struct a *x) { }
      void a_cleanup(struct a *x) { }`)).toEqual([]);
    expect(await pairsOf(`
      int b_init(struct b *x, struct b *y) { return 0; }
      void b_exit(struct b *z) { }`)).toEqual([]);
    expect(await pairsOf(`
      int c_probe(struct c *x) { return 0; }
      void c_remove(struct d *x) { }`)).toEqual([]);
  });

  it('parameterMap picks by name among parameters of one type', async () => {
    const [pair] = await pairsOf(`
      int d_init(struct d *from, struct d *to) { return 0; }
      void d_exit(struct d *to) { }`);
    expect(pair?.map).toEqual([1]);
    const same = { name: 'x', params: ['a'], paramTypes: ['struct d *'], code: [], startLine: 1, endLine: 1, refused: null };
    expect(parameterMap(same, { ...same, params: ['a', 'b'], paramTypes: ['struct d *', 'struct d *'] })).toBeNull();
  });
});

describe('running a pair', () => {
  it('reports what breaks in the teardown under the pair\'s name, and neither function on its own reports it', async () => {
    const text = readFileSync(join(CORPUS, 'delete-unadded-bad-2.c'), 'utf8');
    const r = await checkSource(text, 'f.c');
    expect(r.pairs).toEqual(['lynx_aux_add → lynx_aux_del']);
    expect(r.findings.map((f) => [f.function, f.code, f.at.line])).toEqual([['lynx_aux_add → lynx_aux_del', 'delete-unadded', 52]]);
    expect(r.findings[0]!.message).toContain('after lynx_aux_add() succeeded, lynx_aux_del() (paired: .add / .del of an initializer)');
  });

  it('what probe stores with platform_set_drvdata() is what remove finds with platform_get_drvdata(): the twin that uninits is clean', async () => {
    const dir = join(import.meta.dirname, '../fixtures/check/pairs');
    const bad = readFileSync(join(dir, 'drvdata-bad.c'), 'utf8');
    const line = bad.split('\n').findIndex((l) => l.includes('expect: leak-initialized')) + 1;
    const r = await checkSource(bad, 'drvdata-bad.c');
    expect(r.findings.map((f) => [f.function, f.code, f.at.line])).toEqual([['owl_probe → owl_remove', 'leak-initialized', line]]);
    expect((await checkSource(readFileSync(join(dir, 'drvdata-ok.c'), 'utf8'), 'drvdata-ok.c')).findings).toEqual([]);
    // Unpaired (no initializer, no name pair), remove gets an unknown struct from
    // platform_get_drvdata(): nothing to judge, as before.
    const alone = bad.replace(/static struct platform_driver[\s\S]*$/, '').replaceAll('owl_remove', 'owl_stop');
    expect(alone).not.toContain('.remove');
    expect((await checkSource(alone, 'alone.c')).findings).toEqual([]);
  });

  it('a pair past the step budget is not analysed, with the reason; the create and the teardown on their own still are', async () => {
    const text = readFileSync(join(CORPUS, 'leak-initialized-bad-6.c'), 'utf8');
    const r = await checkSource(text, 'f.c', { maxSteps: 50 });
    expect(r.functionNames).toEqual(['lynx_diag_init', 'lynx_diag_exit']);
    expect(r.notAnalysed).toEqual([expect.objectContaining({ function: 'lynx_diag_init → lynx_diag_exit', reason: expect.stringMatching(/^the pair \(the names lynx_diag_init \/ lynx_diag_exit\) is not analysed: budget/) })]);
    expect(r.findings).toEqual([]);
  });

  it('a pair whose create is not analysed on its own is not run, and says why', async () => {
    const text = readFileSync(join(CORPUS, 'leak-initialized-bad-6.c'), 'utf8');
    const r = await checkSource(text, 'f.c', { maxSteps: 5 });
    const pair = r.notAnalysed.find((n) => n.function === 'lynx_diag_init → lynx_diag_exit');
    expect(pair?.reason).toBe('the pair (the names lynx_diag_init / lynx_diag_exit) is not analysed: lynx_diag_init on its own is not (its entry says why)');
    expect(r.notAnalysed.find((n) => n.function === 'lynx_diag_init')?.reason).toMatch(/^budget/);
  });

  it('a create that fails is not followed by its teardown: a teardown that only breaks after a failure reports nothing', async () => {
    // lynx_diag_init returns an error on every path that leaves no device: the teardown would
    // delete a device that was never added, were it run after a failed create.
    const text = readFileSync(join(CORPUS, 'leak-initialized-ok-6.c'), 'utf8')
      .replace('\t\tpf->diag = NULL;\n\t\tauxiliary_device_uninit(&diag->adev);\n\t\treturn 0;', '\t\treturn ret;');
    expect(text).toContain('/* Optional: go on without it. */\n\t\treturn ret;\n\t}');
    const r = await checkSource(text, 'f.c');
    expect(r.findings.filter((f) => f.function.includes('→'))).toEqual([]);
  });
});
