import { type ViolationCode, type WorldFinding } from '../../../machines/index.js';

/** A guess at the bytes of one JS object a cache keeps (a list of calls or findings, a Map entry). */
export const JS_ENTRY = 96;

/** Codes of bit 31 and up share it: a step with one of them is always checked against the reported set. */
export const OTHER_CODES = 1 << 31;

/** Violation codes as bits, so that "does this step reach a code not reported yet" is one AND. */
export class CodeBits {
  private readonly index = new Map<ViolationCode, number>();

  bit(code: ViolationCode): number {
    let i = this.index.get(code);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(code, i);
    }
    return i < 31 ? 1 << i : OTHER_CODES;
  }

  mask(findings: readonly WorldFinding[]): number {
    let m = 0;
    for (const f of findings) m |= this.bit(f.code);
    return m;
  }
}

/** Grows a typed array to at least `n` elements (doubling), filling the new part with `fill`. */
export function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, n: number, fill: number): T {
  if (n <= a.length) return a;
  let cap = a.length * 2;
  while (cap < n) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
