import { describe, expect, it } from 'vitest';
import { Store } from '../../../src/explore/world/store.js';

/**
 * The explorer's store (src/explore/world/store.ts) in its two modes: exact, and compact (hash
 * compaction: fingerprints for the visited set, words kept only for the queue).
 */

/** A fingerprint of a 2-word state: the words themselves, shifted so that none is (0, 0). */
const fp = (words: Uint32Array, base: number, out: Uint32Array) => {
  out[0] = words[base]! + 1;
  out[1] = words[base + 1]!;
};

const key = (a: number, b: number) => Uint32Array.of(a, b);

describe('Store', () => {
  it('turned compact, it still knows every state it held, refuses them again, and takes new ones', () => {
    const s = new Store(2);
    for (let i = 0; i < 100; i++) expect(s.insert(key(i, i * 7), i - 1, 0, -1)).toBe(true);
    s.compact(fp, 40);
    expect(s.mode).toBe('compact');
    for (let i = 0; i < 100; i++) expect(s.has(key(i, i * 7))).toBe(true);
    expect(s.has(key(5, 36))).toBe(false);
    expect(s.insert(key(3, 21), 0, 0, -1)).toBe(false);
    expect(s.insert(key(1000, 1), 99, 4, -1)).toBe(true);
    expect(s.size).toBe(101);
    expect(s.parent(100)).toBe(99);
    expect(s.event(100)).toBe(4);
    expect(() => s.find(key(3, 21))).toThrow(/compact/);
  });

  it('compact mode drops the words of expanded states; those it keeps are where offset() says', () => {
    const s = new Store(2);
    s.compact(fp, 0);
    for (let i = 0; i < 10_000; i++) s.insert(key(i, 1), -1, 0, -1);
    s.release(9_000, true);
    expect(s.first).toBe(9_000);
    expect(s.data.length).toBeLessThan(10_000);
    for (const n of [9_000, 9_500, 9_999]) expect([s.data[s.offset(n)], s.data[s.offset(n) + 1]]).toEqual([n, 1]);
    // Growing after the release keeps them in place.
    for (let i = 10_000; i < 30_000; i++) s.insert(key(i, 1), -1, 0, -1);
    for (const n of [9_000, 29_999]) expect(s.data[s.offset(n)]).toBe(n);
  });

  it('exact mode never drops words, and its probability of a missed state is 0; compact mode gives n² / 2^65', () => {
    const s = new Store(2);
    for (let i = 0; i < 1000; i++) s.insert(key(i, 0), -1, 0, -1);
    s.release(900, true);
    expect(s.first).toBe(0);
    expect(s.missProbability).toBe(0);
    s.compact(fp, 0);
    expect(s.missProbability).toBe(1000 ** 2 / 2 ** 65);
  });

  it('re-packing (a widened field) keeps the fingerprints of compact mode: they are of the fields, not of the words', () => {
    const s = new Store(2);
    for (let i = 0; i < 50; i++) s.insert(key(i, 2 * i), -1, 0, -1);
    s.compact(fp, 20);
    // Three words now, the third 0: the fingerprint (of the first two) is unchanged.
    s.relayout(3, (data, n, out) => {
      out[0] = data[2 * n]!;
      out[1] = data[2 * n + 1]!;
      out[2] = 0;
    });
    expect(s.words).toBe(3);
    expect(s.has(Uint32Array.of(7, 14, 0))).toBe(true);
    expect(s.insert(Uint32Array.of(30, 60, 0), -1, 0, -1)).toBe(false);
    expect([...s.data.subarray(s.offset(49), s.offset(49) + 3)]).toEqual([49, 98, 0]);
  });
});
