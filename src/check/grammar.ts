import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { AuxbusError } from '../../machines/common/errors.js';
import { requirePositiveLimit, type NotAnalysed } from './source.js';

/**
 * The C grammar for the checker: `tree-sitter-c`'s WebAssembly build run by `web-tree-sitter`,
 * both located through Node's module resolution (so the same code works from `src/` under
 * vitest and from `dist/`), loaded once per process. Nothing is downloaded or compiled.
 */

/**
 * The grammar or the parser runtime could not be loaded (a missing or corrupt `.wasm`, an ABI the
 * runtime does not support). The checker cannot run at all; `cause` holds the original error.
 * @example
 * try { await loadCLanguage() } catch (e) { if (e instanceof GrammarLoadError) console.error(e.message) }
 */
export class GrammarLoadError extends AuxbusError {
  constructor(
    what: string,
    /** The error the loader threw. */
    override readonly cause: unknown,
  ) {
    super('grammar-load', `cannot load ${what}: ${cause instanceof Error ? cause.message : String(cause)}; expected the npm packages web-tree-sitter and tree-sitter-c to be installed (npm ci)`);
  }
}

const require = createRequire(import.meta.url);

let languagePromise: Promise<Language> | undefined;
let sharedParser: Parser | undefined;

/**
 * Resolves the files the grammar needs: web-tree-sitter's runtime and tree-sitter-c's grammar.
 * @example grammarFiles().grammarWasm // ".../node_modules/tree-sitter-c/tree-sitter-c.wasm"
 */
export function grammarFiles(): { runtimeWasm: string; grammarWasm: string } {
  return {
    runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammarWasm: require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
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
  languagePromise ??= load().catch((e: unknown) => {
    languagePromise = undefined;
    throw e;
  });
  return languagePromise;
}

async function load(): Promise<Language> {
  let files: { runtimeWasm: string; grammarWasm: string };
  try {
    files = grammarFiles();
  } catch (e) {
    throw new GrammarLoadError('the tree-sitter WebAssembly files', e);
  }
  try {
    await Parser.init({ locateFile: () => files.runtimeWasm });
  } catch (e) {
    throw new GrammarLoadError(`the web-tree-sitter runtime (${files.runtimeWasm})`, e);
  }
  try {
    return await Language.load(files.grammarWasm);
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
  const language = await loadCLanguage();
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
