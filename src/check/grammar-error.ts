import { asText, AuxbusError } from '../../machines/common/errors.js';

/*
 * Its own file so that the public declarations can name it without web-tree-sitter's types
 * (which do not compile with skipLibCheck off: they need @types/emscripten).
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
    super('grammar-load', `cannot load ${asText(what)}: ${causeText(cause)}; expected web-tree-sitter installed and the grammar in dist/grammar (npm run build) or the tree-sitter-c package (npm ci)`);
  }
}

/** An error's message, or the value described; never throws (a revoked proxy as the cause). */
function causeText(cause: unknown): string {
  try {
    if (cause instanceof Error) return asText(cause.message);
  } catch {
    // a revoked proxy: described below
  }
  return asText(cause);
}
