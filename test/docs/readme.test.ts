import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../machines/index.js';
import { readmeExample } from '../../src/docs/example.js';
import { exploreExample } from '../../src/docs/explore-example.js';
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

  it('§1.3, §5 B3: the explorer example finds exactly one problem, leak-initialized, on the dev_set_name and device_add failure paths only', () => {
    const text = exploreExample();
    expect(text.split('\n')[0]).toBe('explore my-aux: 4 paths (the fault-free run and each of its 3 fallible calls failing in turn), 2 clean: 1 problem (leak-initialized B3)');
    expect(text.match(/^problem .*/gm)).toEqual(['problem 1 of 1: leak-initialized (B3)']);
    expect(text).toContain('on 2 of 4 paths: #2 fail-nth 2 (dev_set_name), #3 fail-nth 3 (device_add)');
  });
});
