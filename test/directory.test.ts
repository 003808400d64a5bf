/**
 * `makeDirectory` (src/directory.ts): `mkdir -p` that always returns — it makes the missing levels
 * and fails with the error of the first it cannot make, where Node's recursive mkdir spins forever.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../src/directory.js';

const tmp = mkdtempSync(join(tmpdir(), 'auxbus-directory-test-'));

describe('makeDirectory', () => {
  it('makes every missing level, and is a no-op on a directory that exists', async () => {
    const deep = join(tmp, 'a', 'b', 'c');
    await makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDirectory(deep);
    await makeDirectory(tmp);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('a file on the way is ENOTDIR, and nothing is made', async () => {
    const file = join(tmp, 'plain');
    writeFileSync(file, 'x');
    await expect(makeDirectory(join(file, 'x', 'y'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirectory(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.runIf(process.platform === 'linux')('a level the system refuses (under /proc) fails with its error instead of retrying forever', async () => {
    await expect(makeDirectory('/proc/auxbus-no-such/dir')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
