import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_REPORTED_SYNTAX_PROBLEMS, discoverFunctions, functionsOfTree, parseC, sourceFromBytes,
  type AnalysedFunction, type FileFunctions, type CallSite,
} from '../../src/check/index.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/check/${name}`, import.meta.url), 'utf8');
}

async function functionsOf(text: string): Promise<FileFunctions> {
  const r = await discoverFunctions(text);
  if (r.kind !== 'functions') throw new Error(`not analysed: ${r.detail}`);
  return r;
}

function analysed(file: FileFunctions, name: string): AnalysedFunction {
  const f = file.functions.find((x) => x.name === name);
  if (!f || f.kind !== 'function') throw new Error(`${name} is not an analysed function`);
  return f;
}

/** A call in the compact form the expectations use: `line:col callee(arg, arg)`. */
function brief(c: CallSite): string {
  return `${c.line}:${c.column} ${c.callee ?? `<${c.calleeText}>`}(${c.arguments.join(', ')})`;
}

describe('function discovery on a driver that creates auxiliary devices (widget-aux.c)', async () => {
  const file = await functionsOf(fixture('widget-aux.c'));

  it('finds every function definition, in source order, with its extent', () => {
    expect(file.functions.map((f) => [f.kind, f.name, `${f.start.line}:${f.start.column}`, `${f.end.line}:${f.end.column}`])).toEqual([
      ['function', 'widget_aux_release', '15:1', '21:1'],
      ['function', 'widget_aux_create', '23:1', '59:1'],
      ['function', 'widget_aux_del', '61:1', '65:1'],
      ['function', 'widget_probe_ports', '67:1', '82:1'],
    ]);
  });

  it('lists the release callback\'s calls, container_of with its type argument intact', () => {
    expect(analysed(file, 'widget_aux_release').calls.map(brief)).toEqual([
      '17:26 container_of(dev, struct widget_aux, adev.dev)',
      '19:2 ida_free(&widget_ida, wa->adev.id)',
      '20:2 kfree(wa)',
    ]);
  });

  it('lists the create function\'s calls in source order, through the goto unwinding', () => {
    const create = analysed(file, 'widget_aux_create');
    expect(create.calls.map(brief)).toEqual([
      '28:7 kzalloc(sizeof(*wa), GFP_KERNEL)',
      '30:10 ERR_PTR(-ENOMEM)',
      '32:8 ida_alloc(&widget_ida, GFP_KERNEL)',
      '42:8 auxiliary_device_init(&wa->adev)',
      '46:8 auxiliary_device_add(&wa->adev)',
      '48:3 auxiliary_device_uninit(&wa->adev)',
      '49:10 ERR_PTR(ret)',
      '55:2 ida_free(&widget_ida, wa->adev.id)',
      '57:2 kfree(wa)',
      '58:9 ERR_PTR(ret)',
    ]);
    expect(create.releaseAssignments).toEqual([
      { target: 'wa->adev.dev.release', device: 'wa->adev', function: 'widget_aux_release', value: 'widget_aux_release', line: 40, column: 2 },
    ]);
    expect(create.auxApiCalls).toEqual(['auxiliary_device_init', 'auxiliary_device_add', 'auxiliary_device_uninit']);
    expect(create.sameFileCallees).toEqual([]);
  });

  it('lists the _del helper\'s delete then uninit', () => {
    const del = analysed(file, 'widget_aux_del');
    expect(del.calls.map(brief)).toEqual(['63:2 auxiliary_device_delete(&wa->adev)', '64:2 auxiliary_device_uninit(&wa->adev)']);
    expect(del.auxApiCalls).toEqual(['auxiliary_device_delete', 'auxiliary_device_uninit']);
  });

  it('knows the direct API callers and the same-file helpers each function calls', () => {
    expect(file.auxApiCallers).toEqual(['widget_aux_create', 'widget_aux_del']);
    const probe = analysed(file, 'widget_probe_ports');
    expect(probe.auxApiCalls).toEqual([]);
    expect(probe.sameFileCallees).toEqual(['widget_aux_create', 'widget_aux_del']);
    expect(probe.calls.map(brief)).toEqual([
      '72:12 widget_aux_create(parent, i)', '73:7 IS_ERR(out[i])', '80:3 widget_aux_del(out[i])', '81:9 PTR_ERR(out[i])',
    ]);
  });

  it('reports the syntax error outside functions (an __iomem annotation in the struct)', () => {
    expect(file.errorsOutsideFunctions).toEqual([{ kind: 'error', text: '__iomem', line: 9, column: 7, mentionsAuxApi: false }]);
    expect(file.moreErrorsOutsideFunctions).toBe(false);
    expect(file.auxApiCallsOutsideFunctions).toEqual([]);
  });
});

describe('functions with syntax errors are not analysed, their neighbours are (broken.c)', async () => {
  const file = await functionsOf(fixture('broken.c'));

  it('names the first error and keeps going', () => {
    expect(file.functions.map((f) => [f.kind, f.name])).toEqual([
      ['function', 'good_before'], ['not-analysed', 'broken'], ['function', 'good_after'],
    ]);
    expect(file.functions[1]).toEqual({
      kind: 'not-analysed', name: 'broken', start: { line: 6, column: 1 }, end: { line: 12, column: 1 },
      reason: 'syntax-error', detail: 'syntax error: missing ")" at 8:37',
    });
    expect(analysed(file, 'good_after').sameFileCallees).toEqual(['good_before']);
    expect(file.auxApiCallers).toEqual([]);
  });
});

describe('declarator shapes, release assignments and calls through pointers (shapes.c)', async () => {
  const file = await functionsOf(fixture('shapes.c'));

  it('names functions returning function pointers and split over lines', () => {
    expect(file.functions.map((f) => `${f.name} ${f.start.line}-${f.end.line}`)).toEqual(['pick 4-7', 'lookup 9-13', 'setup 15-23']);
  });

  it('gives no callee name for calls through expressions, and leaves comments out of arguments', () => {
    expect(analysed(file, 'lookup').calls.map(brief)).toEqual(['12:9 <t->ops->find>(t, key, 1)']);
    expect(analysed(file, 'setup').calls.map(brief)).toEqual(['21:2 <(*p->ops.start)>(p)', '22:2 empty()']);
  });

  it('reports release assignments through "." and "->", with & and NULL values, and ignores comparisons', () => {
    expect(analysed(file, 'setup').releaseAssignments).toEqual([
      { target: 'h.dev.release', device: 'h', function: 'h_release', value: 'h_release', line: 17, column: 2 },
      { target: 'p->sub.dev.release', device: 'p->sub', function: 'p_release', value: '&p_release', line: 18, column: 2 },
      { target: 'p->dev.release', device: 'p', function: null, value: 'NULL', line: 19, column: 2 },
    ]);
  });
});

describe('what the parser gets wrong is not analysed, never guessed (misread.c)', async () => {
  const file = await functionsOf(fixture('misread.c'));

  it('an annotation before the name (__init) leaves a definition without a name', () => {
    expect(file.functions[0]).toEqual({
      kind: 'not-analysed', name: null, start: { line: 1, column: 19 }, end: { line: 4, column: 1 }, reason: 'no-name',
      detail: 'no function name found in "(void)" at 1:19 (a macro or annotation before the name may have confused the parser)',
    });
    expect(file.errorsOutsideFunctions).toEqual([{ kind: 'missing', text: ';', line: 1, column: 18, mentionsAuxApi: false }]);
  });

  it('a call statement read as a type (kfree(container_of(...))) makes the function not analysed', () => {
    expect(file.functions[1]).toEqual({
      kind: 'not-analysed', name: 'gadget_release', start: { line: 6, column: 1 }, end: { line: 9, column: 1 }, reason: 'misparsed',
      detail: '"kfree(container_of(dev, struct gadget, adev))" at 8:2 was read as a type, not a statement (typically a call whose argument is a type, e.g. container_of)',
    });
    expect(analysed(file, 'gadget_release_ok').calls.map(brief)).toEqual(['13:21 container_of(dev, struct gadget, adev.dev)', '15:2 kfree(g)']);
  });
});

describe('details', () => {
  it('sees functions inside #ifdef blocks and calls in both branches, in source order', async () => {
    const file = await functionsOf('#ifdef A\nint f(void)\n{\n#ifdef B\n\ta();\n#else\n\tb();\n#endif\n\treturn 0;\n}\n#endif\n');
    expect(file.functions.map((f) => f.name)).toEqual(['f']);
    expect(analysed(file, 'f').calls.map(brief)).toEqual(['5:2 a()', '7:2 b()']);
  });

  it('orders nested calls by where they start (the outer call first)', async () => {
    const file = await functionsOf('void f(void) { kfree(get(x, y(z))); }');
    expect(analysed(file, 'f').calls.map(brief)).toEqual(['1:16 kfree(get(x, y(z)))', '1:22 get(x, y(z))', '1:29 y(z)']);
  });

  it('counts columns in characters, after non-ASCII text', async () => {
    const file = await functionsOf('/* Ünïcödé */ void f(void) { g(); }');
    expect(analysed(file, 'f').calls.map(brief)).toEqual(['1:30 g()']);
  });

  it('reports API calls the parser could not place in a function, and errors outside functions that name the API', async () => {
    const file = await functionsOf('} auxiliary_device_add(&a->adev) = 3; foo bar baz )\n');
    expect(file.functions).toEqual([]);
    expect(file.auxApiCallsOutsideFunctions.map(brief)).toEqual(['1:3 auxiliary_device_add(&a->adev)']);
    const errors = await functionsOf('int x = {\n auxiliary_device_uninit(a) b c d ] ;\n');
    expect(errors.errorsOutsideFunctions.filter((e) => e.mentionsAuxApi).length).toBeGreaterThan(0);
  });

  it('lists at most MAX_REPORTED_SYNTAX_PROBLEMS errors outside functions and says there were more', async () => {
    const file = await functionsOf(')\n'.repeat(200) + 'int ok(void) { return 0; }\n');
    expect(file.errorsOutsideFunctions.length).toBeLessThanOrEqual(MAX_REPORTED_SYNTAX_PROBLEMS);
    expect(file.errorsOutsideFunctions.length + (file.moreErrorsOutsideFunctions ? 1 : 0)).toBeGreaterThan(0);
    expect(file.functions.map((f) => f.name)).toEqual(['ok']);
  });

  it('takes a SourceText, and a parsed tree through functionsOfTree', async () => {
    const source = sourceFromBytes('void f(void) { g(); }');
    if (source.kind !== 'source') throw new Error('expected source');
    expect((await discoverFunctions(source)).kind).toBe('functions');
    const parsed = await parseC('void f(void) { g(); }');
    if (parsed.kind !== 'parsed') throw new Error('expected a tree');
    expect(functionsOfTree(parsed.tree).functions.map((f) => f.name)).toEqual(['f']);
    parsed.tree.delete();
  });

  it('finds no functions in a file of declarations', async () => {
    expect(await functionsOf('struct a { int b; };\nextern int c(void);\n')).toEqual({
      kind: 'functions', functions: [], auxApiCallers: [], errorsOutsideFunctions: [], moreErrorsOutsideFunctions: false, auxApiCallsOutsideFunctions: [],
    });
  });
});
