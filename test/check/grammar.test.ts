import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LANGUAGE_VERSION, MIN_COMPATIBLE_VERSION } from 'web-tree-sitter';
import { ParameterError } from '../../src/index.js';
import { DEFAULT_PARSE_TIMEOUT_MS, grammarFiles, loadCLanguage, parseC } from '../../src/check/index.js';
import { BUILD_DIR } from '../cli/run.js';

describe('the C grammar (web-tree-sitter + tree-sitter-c, WebAssembly from npm)', () => {
  it('finds both .wasm files through module resolution, inside the installed packages', () => {
    const { runtimeWasm, grammarWasm } = grammarFiles();
    expect(runtimeWasm).toMatch(/node_modules\/web-tree-sitter\/web-tree-sitter\.wasm$/);
    expect(grammarWasm).toMatch(/node_modules\/tree-sitter-c\/tree-sitter-c\.wasm$/);
    expect(existsSync(runtimeWasm) && existsSync(grammarWasm)).toBe(true);
  });

  it('loads tree-sitter-c.wasm: its ABI is one this web-tree-sitter supports', async () => {
    const c = await loadCLanguage();
    expect(c.abiVersion).toBeGreaterThanOrEqual(MIN_COMPATIBLE_VERSION);
    expect(c.abiVersion).toBeLessThanOrEqual(LANGUAGE_VERSION);
    expect(c.types).toContain('function_definition');
    expect(c.types).toContain('call_expression');
  });

  it('loads once: every call returns the same promise', async () => {
    const a = loadCLanguage();
    const b = loadCLanguage();
    expect(a).toBe(b);
    expect(await a).toBe(await b);
  });

  it('parses C into a tree (the caller frees it)', async () => {
    const r = await parseC('int f(void) { return g(1, 2); }');
    expect(r.kind).toBe('parsed');
    if (r.kind !== 'parsed') return;
    expect(r.tree.rootNode.toString()).toBe(
      '(translation_unit (function_definition type: (primitive_type) declarator: (function_declarator declarator: (identifier) '
        + 'parameters: (parameter_list (parameter_declaration type: (primitive_type)))) body: (compound_statement (return_statement '
        + '(call_expression function: (identifier) arguments: (argument_list (number_literal) (number_literal)))))))',
    );
    r.tree.delete();
  });

  it('keeps syntax errors in the tree instead of failing', async () => {
    const r = await parseC('int f(void) { g(1 }');
    expect(r.kind).toBe('parsed');
    if (r.kind !== 'parsed') return;
    expect(r.tree.rootNode.hasError).toBe(true);
    r.tree.delete();
  });

  it('rejects a bad timeout with a ParameterError', async () => {
    expect(DEFAULT_PARSE_TIMEOUT_MS).toBe(10_000);
    await expect(parseC('int x;', { timeoutMs: 0 })).rejects.toThrow(ParameterError);
    await expect(parseC('int x;', { timeoutMs: 1.5 })).rejects.toThrow('timeoutMs: got 1.5, expected an integer from 1');
  });

  it('works from the compiled JavaScript too (the build, outside src/)', () => {
    const entry = `${BUILD_DIR}/src/check/index.js`;
    const script = `import(${JSON.stringify(entry)}).then(async (m) => {
      const r = await m.discoverFunctions('int f(void) { return g(); }');
      console.log(r.functions.map((f) => f.name + ':' + f.calls.map((c) => c.callee).join(',')).join(' '));
    })`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('f:g');
  });
});
