import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Language, Parser, Tree } from 'web-tree-sitter';
import { GrammarLoadError } from './grammar-error.js';
import { requirePositiveLimit, type NotAnalysed } from './source.js';

/**
 * The C grammar for the checker: `tree-sitter-c`'s WebAssembly build run by `web-tree-sitter`,
 * loaded once per process. The package ships the grammar's `.wasm` in `dist/grammar/` (copied
 * there by the build), so an installation needs neither the native `tree-sitter-c` package nor
 * its install script; a checkout without a build takes it from `tree-sitter-c` (a development
 * dependency). Nothing is downloaded or compiled.
 */

const require = createRequire(import.meta.url);

let languagePromise: Promise<{ language: Language; Parser: typeof Parser }> | undefined;
let sharedParser: Parser | undefined;

/** The grammar the build copies beside the compiled code (dist/src/check -> dist/grammar). */
const BUNDLED_GRAMMAR = fileURLToPath(new URL('../../grammar/tree-sitter-c.wasm', import.meta.url));

/**
 * Resolves the files the grammar needs: web-tree-sitter's runtime, and the C grammar bundled in
 * `dist/grammar/` or, in a checkout run from `src/`, tree-sitter-c's own.
 * @example grammarFiles().grammarWasm // ".../dist/grammar/tree-sitter-c.wasm"
 */
export function grammarFiles(): { runtimeWasm: string; grammarWasm: string } {
  return {
    runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammarWasm: existsSync(BUNDLED_GRAMMAR) ? BUNDLED_GRAMMAR : require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
  };
}

/**
 * The C language, loaded once: later calls return the same promise. A failure is not cached, so
 * a caller may retry after fixing the installation. Rejects with {@link GrammarLoadError}.
 * @example
 * const c = await loadCLanguage();
 * c.abiVersion // 14 or 15: whatever tree-sitter-c was generated with
 */
export function loadCLanguage(): Promise<Language> {
  languageOnly ??= loaded().then(
    (l) => l.language,
    (e: unknown) => {
      languageOnly = undefined;
      throw e;
    },
  );
  return languageOnly;
}

let languageOnly: Promise<Language> | undefined;

function loaded(): Promise<{ language: Language; Parser: typeof Parser }> {
  languagePromise ??= load().catch((e: unknown) => {
    languagePromise = undefined;
    throw e;
  });
  return languagePromise;
}

// web-tree-sitter is imported here, not at the top: only `auxbus check` parses C.
async function load(): Promise<{ language: Language; Parser: typeof Parser }> {
  let files: { runtimeWasm: string; grammarWasm: string };
  try {
    files = grammarFiles();
  } catch (e) {
    throw new GrammarLoadError('the tree-sitter WebAssembly files', e);
  }
  let ts: typeof import('web-tree-sitter');
  try {
    ts = await import('web-tree-sitter');
    await ts.Parser.init({ locateFile: () => files.runtimeWasm });
  } catch (e) {
    throw new GrammarLoadError(`the web-tree-sitter runtime (${files.runtimeWasm})`, e);
  }
  try {
    return { language: await ts.Language.load(files.grammarWasm), Parser: ts.Parser };
  } catch (e) {
    throw new GrammarLoadError(`the C grammar (${files.grammarWasm})`, e);
  }
}

/** The default bound on one parse, in milliseconds of wall-clock time. */
export const DEFAULT_PARSE_TIMEOUT_MS = 10_000;

/** Options of {@link parseC}. */
export interface ParseCOptions {
  /**
   * Give up parsing after this many milliseconds (default {@link DEFAULT_PARSE_TIMEOUT_MS}); the
   * file is then "not analysed" with reason `parse-cancelled`.
   */
  timeoutMs?: number;
}

/** A syntax tree of one C source. The caller owns it and must call `tree.delete()`. */
export interface ParsedC {
  kind: 'parsed';
  tree: Tree;
}

/**
 * Parses C text into a tree-sitter syntax tree, bounded in time. Never throws on any text (a
 * broken grammar installation rejects with {@link GrammarLoadError}; a bad option with
 * `ParameterError`). Syntax errors do not fail the parse: they are ERROR / MISSING nodes in the tree.
 * @example
 * const r = await parseC('int f(void) { return g(); }');
 * if (r.kind === 'parsed') { console.log(r.tree.rootNode.type); r.tree.delete(); } // "translation_unit"
 */
export async function parseC(text: string, options: ParseCOptions = {}): Promise<ParsedC | NotAnalysed> {
  const timeoutMs = requirePositiveLimit('timeoutMs', options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS);
  const { language, Parser } = await loaded();
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(language);
  }
  const parser = sharedParser;
  const deadline = Date.now() + timeoutMs;
  let tree: Tree | null = null;
  let failure: unknown;
  try {
    // The progress callback is how tree-sitter is cancelled: returning true stops the parse.
    const progressCallback = (): boolean => Date.now() > deadline;
    tree = parser.parse(text, null, { progressCallback });
  } catch (e) {
    failure = e;
  }
  if (!tree) {
    parser.reset();
    if (failure !== undefined) {
      return { kind: 'not-analysed', reason: 'parse-failed', detail: `the parser failed: ${failure instanceof Error ? failure.message : String(failure)}` };
    }
    return { kind: 'not-analysed', reason: 'parse-cancelled', detail: `parsing took longer than ${timeoutMs} ms` };
  }
  return { kind: 'parsed', tree };
}
