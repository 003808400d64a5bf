import { MIN_MAX_MEMORY } from '../explore/memory.js';
import { UsageError } from '../errors.js';

/**
 * The --max-memory value in bytes: an integer, optionally with K, M or G (powers of 1024, an
 * optional "iB" or "B"); undefined when not given. Throws UsageError on anything else.
 * @example memoryBound('512M') // 536870912
 */
export function memoryBound(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const m = typeof value === 'string' ? /^(\d{1,16})\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(value.trim()) : null;
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[(m?.[2] ?? '').toUpperCase()] ?? 1;
  const bytes = m ? Number(m[1]) * scale : NaN;
  if (!m || !Number.isSafeInteger(bytes) || bytes < MIN_MAX_MEMORY) {
    throw new UsageError(`--max-memory: got "${String(value)}", expected a size of at least ${MIN_MAX_MEMORY / 2 ** 20}M: bytes, or a number with K, M, G or T (e.g. 512M, 4G)`, 'auxbus explore --help');
  }
  return bytes;
}
