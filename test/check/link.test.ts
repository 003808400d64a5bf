import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../machines/index.js';
import { checkSource } from '../../src/check/index.js';
import { LinkedFiles, requireLink } from '../../src/check/link.js';

/** What the checker is told of the files given with a checked one (src/check/link.ts). */

describe('LinkedFiles / requireLink', () => {
  it('makes each memo once per kind and key', () => {
    const files = new LinkedFiles();
    let made = 0;
    const make = () => ++made;
    expect(files.memo('scope', 'a.c', make)).toBe(1);
    expect(files.memo('scope', 'a.c', make)).toBe(1);
    expect(files.memo('unit', 'a.c', make)).toBe(2);
    expect(files.memo('scope', 'b.c', make)).toBe(3);
    // A null result is kept too (a file that cannot be read is read once).
    expect(files.memo('scope', 'c.c', () => null)).toBeNull();
    expect(files.memo('scope', 'c.c', make)).toBeNull();
  });

  it('refuses a malformed link with a typed error', async () => {
    expect(requireLink({ siblings: ['b.c'], self: 'a.c', files: new LinkedFiles() }).siblings).toEqual(['b.c']);
    expect(() => requireLink({ siblings: 'b.c', files: new LinkedFiles() })).toThrow(ParameterError);
    expect(() => requireLink({ siblings: ['b.c'], files: {} })).toThrow(ParameterError);
    expect(() => requireLink({ siblings: ['b.c'], self: '', files: new LinkedFiles() })).toThrow(ParameterError);
    await expect(checkSource('int f(void) { return 0; }', 'a.c', {}, { siblings: [''], files: new LinkedFiles() })).rejects.toThrow(ParameterError);
  });
});
