import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../machines/index.js';
import { readmeExample } from '../../src/docs/example.js';
import { updateReadme } from '../../src/docs/readme.js';
import { kernelCallTable, violationTable } from '../../src/docs/tables.js';

describe('README', () => {
  it('its generated tables and example are what the machines and the code produce now (npm run readme)', () => {
    const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(updateReadme(text)).toBe(text);
  });

  it('the violation table has every code, and the call table every event of every machine', () => {
    const v = violationTable();
    for (const code of VIOLATION_CODES) expect(v).toContain(`| \`${code}\` |`);
    expect(kernelCallTable()).toContain('| device | `UNINIT` | auxiliary_device_uninit(adev) | `adev.uninit()` |');
  });

  it('B4: the runtime example finds exactly the double free of the ice pattern, at the kfree after uninit', () => {
    const text = readmeExample();
    expect(text.split('\n')[0]).toMatch(/^double-free \(B4\) at step \d+: auxiliary device my_mod\.foo\.0: kfree\(\)$/);
    expect(text.match(/^\S+ \(B\d+\)/gm)).toEqual(['double-free (B4)']);
  });
});
