import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINARY_RATIO, DEFAULT_MAX_SOURCE_BYTES, ParameterError, readSource, sourceFromBytes } from '../../src/index.js';

const FIXTURE = new URL('../fixtures/check/widget-aux.c', import.meta.url).pathname;

describe('sourceFromBytes', () => {
  it('accepts UTF-8 C text as it is', () => {
    expect(sourceFromBytes(Buffer.from('int x; /* é */\n'))).toEqual({ kind: 'source', text: 'int x; /* é */\n', byteLength: 16, invalidUtf8: 0, notes: [] });
    expect(sourceFromBytes('int y;', { path: 'y.c' })).toEqual({ kind: 'source', path: 'y.c', text: 'int y;', byteLength: 6, invalidUtf8: 0, notes: [] });
  });

  it('refuses empty and white-space-only input', () => {
    expect(sourceFromBytes(new Uint8Array(0))).toEqual({ kind: 'not-analysed', reason: 'empty', detail: 'the file is empty' });
    expect(sourceFromBytes(' \n\t\r\n')).toEqual({ kind: 'not-analysed', reason: 'empty', detail: 'the file holds only white space' });
  });

  it('calls a NUL byte binary, and a high share of control bytes or invalid UTF-8', () => {
    expect(sourceFromBytes(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]))).toEqual({
      kind: 'not-analysed', reason: 'binary', detail: 'a NUL byte at offset 7: binary content, not C source',
    });
    expect(sourceFromBytes(Buffer.from('int x;\x01\x02\x03\x04\x05\x06'))).toMatchObject({ reason: 'binary', detail: '6 of 12 bytes are control characters or invalid UTF-8: binary content, not C source' });
    const noise = Buffer.alloc(100, 0xff);
    expect(sourceFromBytes(noise)).toMatchObject({ kind: 'not-analysed', reason: 'binary' });
    expect(BINARY_RATIO).toBe(0.1);
  });

  it('decodes a few non-UTF-8 bytes (Latin-1 in a comment) as U+FFFD and says so', () => {
    const latin1 = Buffer.concat([Buffer.from('/* Fran'), Buffer.from([0xe7]), Buffer.from('ois */\nint x;\n')]);
    expect(sourceFromBytes(latin1)).toEqual({
      kind: 'source', text: '/* Fran\uFFFDois */\nint x;\n', byteLength: 22, invalidUtf8: 1,
      notes: ['1 byte sequence is not UTF-8; decoded as U+FFFD (the structure of the code is unaffected)'],
    });
  });

  it('does not count a U+FFFD written in the file as invalid', () => {
    expect(sourceFromBytes('char *s = "\uFFFD";')).toMatchObject({ kind: 'source', invalidUtf8: 0, notes: [] });
  });

  it('refuses input over the size limit (default 2 MiB)', () => {
    expect(DEFAULT_MAX_SOURCE_BYTES).toBe(2 * 1024 * 1024);
    expect(sourceFromBytes('int x;', { maxBytes: 5 })).toEqual({ kind: 'not-analysed', reason: 'too-large', detail: 'the file has 6 bytes, more than the limit of 5' });
    expect(sourceFromBytes(Buffer.alloc(DEFAULT_MAX_SOURCE_BYTES + 1, 0x20))).toMatchObject({ reason: 'too-large' });
  });

  it('rejects a bad size limit with a ParameterError', () => {
    expect(() => sourceFromBytes('x', { maxBytes: 0 })).toThrow(ParameterError);
    expect(() => sourceFromBytes('x', { maxBytes: Number.NaN })).toThrow('maxBytes: got NaN, expected an integer from 1');
  });
});

describe('readSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-source-'));

  it('reads a C file, keeping its path', async () => {
    const r = await readSource(FIXTURE);
    expect(r).toMatchObject({ kind: 'source', path: FIXTURE, invalidUtf8: 0 });
    if (r.kind === 'source') expect(r.text.startsWith('// SPDX-License-Identifier: GPL-2.0\n')).toBe(true);
  });

  it('turns unreadable paths into "not analysed", never a rejection', async () => {
    expect(await readSource(join(dir, 'absent.c'))).toEqual({ kind: 'not-analysed', reason: 'unreadable', detail: `cannot read ${join(dir, 'absent.c')}: ENOENT` });
    mkdirSync(join(dir, 'sub.c'));
    expect(await readSource(join(dir, 'sub.c'))).toEqual({ kind: 'not-analysed', reason: 'unreadable', detail: `cannot read ${join(dir, 'sub.c')}: it is a directory, not a regular file` });
  });

  it('refuses a FIFO without opening it (opening one for reading would wait for a writer) and a character device', async () => {
    const fifo = join(dir, 'p.c');
    execFileSync('mkfifo', [fifo]);
    expect(await readSource(fifo)).toEqual({ kind: 'not-analysed', reason: 'unreadable', detail: `cannot read ${fifo}: it is a FIFO (named pipe), not a regular file` });
    expect(await readSource('/dev/zero')).toEqual({ kind: 'not-analysed', reason: 'unreadable', detail: 'cannot read /dev/zero: it is a character device, not a regular file' });
  });

  it('rejects a path that is not a string, and input that is neither text nor bytes, with a ParameterError', async () => {
    await expect(readSource(Symbol('p') as never)).rejects.toThrow(ParameterError);
    expect(() => sourceFromBytes(undefined as never)).toThrow(ParameterError);
    expect(() => sourceFromBytes({ length: 3 } as never)).toThrow(/sourceFromBytes\(input\)/);
  });

  it('classifies empty, binary and oversized files', async () => {
    writeFileSync(join(dir, 'empty.c'), '');
    writeFileSync(join(dir, 'blob.c'), Buffer.from([1, 2, 0, 4]));
    writeFileSync(join(dir, 'big.c'), 'int x;\n'.repeat(10));
    expect(await readSource(join(dir, 'empty.c'))).toMatchObject({ reason: 'empty' });
    expect(await readSource(join(dir, 'blob.c'))).toMatchObject({ reason: 'binary' });
    expect(await readSource(join(dir, 'big.c'), { maxBytes: 69 })).toEqual({ kind: 'not-analysed', reason: 'too-large', detail: 'the file has 70 bytes, more than the limit of 69' });
    expect(await readSource(join(dir, 'big.c'), { maxBytes: 70 })).toMatchObject({ kind: 'source', byteLength: 70 });
  });

  it('rejects a bad size limit with a ParameterError', async () => {
    await expect(readSource(FIXTURE, { maxBytes: -1 })).rejects.toThrow(ParameterError);
  });
});
