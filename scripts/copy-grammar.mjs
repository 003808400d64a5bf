// Copies the C grammar's WebAssembly build (and its licence) from the tree-sitter-c development
// dependency into dist/grammar/, where the checker loads it from. The package ships this copy,
// so installing auxbus-model needs neither tree-sitter-c's native builds nor its install script.
// Usage: node scripts/copy-grammar.mjs [OUT_DIR]   (default: dist/grammar)
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const wasm = require.resolve('tree-sitter-c/tree-sitter-c.wasm');
const out = process.argv[2] ?? join(root, 'dist', 'grammar');
mkdirSync(out, { recursive: true });
copyFileSync(wasm, join(out, 'tree-sitter-c.wasm'));
copyFileSync(join(dirname(wasm), 'LICENSE'), join(out, 'tree-sitter-c.LICENSE'));
