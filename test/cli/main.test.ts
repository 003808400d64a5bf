import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS as LAZY } from '../../src/cli/commands.js';
import { ANSI, STACK_LINE, auxbus } from './run.js';

const COMMANDS = ['diagram', 'paths', 'export', 'explain', 'explore', 'check', 'kunit', 'promela'];

describe('auxbus conventions', () => {
  it('--help at the top level lists every command, none of them announced as coming, and exits 0', () => {
    const r = auxbus(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).not.toMatch(/\(coming/);
    expect(r.stdout).toContain('exit codes');
  });

  it.each(COMMANDS)('%s --help prints its usage and exits 0', (c) => {
    const r = auxbus([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: auxbus ${c}`);
    expect(auxbus(['help', c]).stdout).toBe(r.stdout);
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(auxbus(['--version']).stdout.trim()).toBe(version);
  });

  it('no command prints the help and exits 2', () => {
    const r = auxbus([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('usage: auxbus COMMAND');
  });

  it('an unknown flag exits 2 with a one-line reason and no stack trace', () => {
    const r = auxbus(['paths', '--machine', 'device', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown option --bogus');
    expect(r.stderr).toContain('auxbus paths --help');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('an unknown command, a bad value and a missing value exit 2 without a stack trace', () => {
    for (const args of [['frobnicate'], ['diagram', '--format', 'png'], ['diagram', '--machine'], ['paths', '--machine', 'device', '--ref-bound', 'x']]) {
      const r = auxbus(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('a command given a path that does not exist: exit 2 with a one-line reason and no stack trace', () => {
    const r = auxbus(['check', 'no/such/file.c']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['auxbus check: no/such/file.c: no such file or directory; expected a C file or a directory']);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('colours only when asked: FORCE_COLOR colours a pipe, NO_COLOR wins over it', () => {
    expect(auxbus(['explain', 'double-free']).stdout).not.toMatch(ANSI);
    expect(auxbus(['explain', 'double-free'], { FORCE_COLOR: '1' }).stdout).toMatch(ANSI);
    const off = auxbus(['explain', 'double-free'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(off.code).toBe(0);
    expect(off.stdout).not.toMatch(ANSI);
    const err = auxbus(['explain', 'nope'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(err.stderr).not.toMatch(ANSI);
    expect(auxbus(['explain', 'nope'], { FORCE_COLOR: '1' }).stderr).toMatch(ANSI);
  });

  it('prints no progress on stderr when stderr is not a terminal', () => {
    const r = auxbus(['paths', '--machine', 'driver']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('the command table', () => {
  it('each lazily loaded command has the name and summary the table lists for the top-level help', async () => {
    for (const entry of LAZY) {
      const c = await entry.load();
      expect([c.name, c.summary]).toEqual([entry.name, entry.summary]);
    }
    expect(LAZY.map((c) => c.name)).toEqual(COMMANDS);
  });
});
