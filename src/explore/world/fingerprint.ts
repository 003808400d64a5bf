import type { WorldCodec } from './encode.js';

/**
 * The 64-bit fingerprint of a packed world state for hash compaction (store.ts): two 32-bit
 * hashes of the state's fields with different seeds and multipliers. Of the fields, not of the
 * words, so that a state keeps its fingerprint when the codec widens a field and re-packs.
 * @example
 * const fp = fieldFingerprint(codec);
 * fp(store.chunk(n), store.offset(n), out); // out[0], out[1]: the fingerprint's two words
 */
export function fieldFingerprint(codec: WorldCodec): (words: Uint32Array, base: number, out: Uint32Array) => void {
  const raw = codec.emptyRaw();
  return (words, base, out) => {
    codec.readRaw(words, base, raw);
    // MurmurHash3's block step, twice over with different seeds and constants.
    let a = 0x9e3779b9;
    let b = 0x7f4a7c15;
    const mix = (v: number) => {
      let k = Math.imul(v, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      a ^= k;
      a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
      let j = Math.imul(v ^ 0x5bd1e995, 0x85ebca6b);
      j = Math.imul((j << 16) | (j >>> 16), 0xc2b2ae35);
      b ^= j;
      b = (Math.imul((b << 11) | (b >>> 21), 9) + 0x27d4eb2f) | 0;
    };
    for (let i = 0; i < raw.slots.length; i++) mix(raw.slots[i]!);
    mix(raw.order);
    for (let i = 0; i < raw.drivers.length; i++) mix(raw.drivers[i]!);
    mix(raw.ida);
    mix(raw.ended);
    out[0] = fmix(a);
    out[1] = fmix(b);
  };
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
