import { describe, expect, it } from 'vitest';
import { CHUNK_STATES, Store } from '../../../src/explore/world/store.js';

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

  it('compact mode drops the words of expanded states a chunk at a time; those it keeps are where chunk() and offset() say', () => {
    const s = new Store(2);
    s.compact(fp, 0);
    const n = 3 * CHUNK_STATES + 100;
    for (let i = 0; i < n; i++) s.insert(key(i, 1), -1, 0, -1);
    const full = s.bytes;
    // Expanded up to the middle of the third chunk: the first two chunks go, the third stays whole.
    s.release(2 * CHUNK_STATES + 5);
    expect(s.first).toBe(2 * CHUNK_STATES);
    expect(full - s.bytes).toBe(2 * CHUNK_STATES * 4 * 2);
    expect(() => s.chunk(2 * CHUNK_STATES - 1)).toThrow(/no words of state/);
    for (const m of [2 * CHUNK_STATES, 2 * CHUNK_STATES + 6, n - 1]) expect([s.chunk(m)[s.offset(m)], s.chunk(m)[s.offset(m) + 1]]).toEqual([m, 1]);
    // Growing after the release keeps them in place; the links of dropped states stay.
    for (let i = n; i < n + CHUNK_STATES; i++) s.insert(key(i, 1), i - 1, 3, -1);
    for (const m of [2 * CHUNK_STATES, n + CHUNK_STATES - 1]) expect(s.chunk(m)[s.offset(m)]).toBe(m);
    expect(s.parent(n + 10)).toBe(n + 9);
    expect(s.event(n + 10)).toBe(3);
  });

  it('grows a chunk at a time: bytes rise by one chunk of words and links when a chunk fills, and nothing held moves', () => {
    // A table sized for two chunks of states, so that it does not grow meanwhile.
    const s = new Store(3, 1, 2 * CHUNK_STATES);
    s.insert(Uint32Array.of(0, 0, 0), -1, 0, -1);
    const first = s.chunk(0);
    const tableAndOne = s.bytes;
    for (let i = 1; i < CHUNK_STATES; i++) s.insert(Uint32Array.of(i, 1, 2), i - 1, 0, -1);
    const beforeSecond = s.bytes;
    s.insert(Uint32Array.of(CHUNK_STATES, 1, 2), 0, 0, -1);
    // One chunk: its words (3 a state) and links (4 + 1 + 2 bytes a state), and nothing before it.
    expect(s.bytes - beforeSecond).toBe(CHUNK_STATES * (3 * 4 + 4 + 1 + 2));
    expect(beforeSecond).toBe(tableAndOne);
    expect(s.chunk(0)).toBe(first);
    expect(s.find(Uint32Array.of(7, 1, 2))).toBe(7);
    expect(s.find(Uint32Array.of(CHUNK_STATES, 1, 2))).toBe(CHUNK_STATES);
  });

  it('exact mode never drops words, and its probability of a missed state is 0; compact mode gives n² / 2^65', () => {
    const s = new Store(2);
    for (let i = 0; i < 1000; i++) s.insert(key(i, 0), -1, 0, -1);
    s.release(900);
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
    s.relayout(3, (data, base, out) => {
      out[0] = data[base]!;
      out[1] = data[base + 1]!;
      out[2] = 0;
    });
    expect(s.words).toBe(3);
    expect(s.has(Uint32Array.of(7, 14, 0))).toBe(true);
    expect(s.insert(Uint32Array.of(30, 60, 0), -1, 0, -1)).toBe(false);
    expect([...s.chunk(49).subarray(s.offset(49), s.offset(49) + 3)]).toEqual([49, 98, 0]);
  });
});
