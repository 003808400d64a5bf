import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES, VIOLATIONS } from '../../machines/index.js';
import { STACK_LINE, auxbus } from './run.js';

const flat = (s: string) => s.replace(/\s+/g, ' ');

describe('auxbus explain', () => {
  it('explains double-delete from the violation table: B7, the symptom, the section and the fix', () => {
    const r = auxbus(['explain', 'double-delete']);
    expect(r.code).toBe(0);
    const info = VIOLATIONS['double-delete'];
    expect(r.stdout).toContain('B7');
    expect(flat(r.stdout)).toContain(flat(info.fix));
    expect(flat(r.stdout)).toContain(flat(info.kernelSymptom));
    expect(r.stdout).toContain(info.section);
  });

  it('B20: a code no machine raises says it is judged by auxbus check, not by a machine', () => {
    const r = auxbus(['explain', 'wrong-error-check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(judged by auxbus check, no machine)');
    expect(r.stdout).not.toContain('checker machine');
    expect(auxbus(['explain', 'double-delete']).stdout).toContain('(device machine)');
  });

  it('--json prints the table entry itself', () => {
    const r = auxbus(['explain', 'missing-release', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(VIOLATIONS['missing-release']);
  });

  it('--list names every code, in table order with --json', () => {
    const text = auxbus(['explain', '--list']);
    expect(text.code).toBe(0);
    for (const code of VIOLATION_CODES) expect(text.stdout).toContain(code);
    const json = auxbus(['explain', '--list', '--json']);
    expect((JSON.parse(json.stdout) as Array<{ code: string }>).map((i) => i.code)).toEqual([...VIOLATION_CODES]);
  });

  it('B18 (model.md §4.6): free-outside-release with the delayed kobject_release symptom and the fix', () => {
    const r = auxbus(['explain', 'B18']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('free-outside-release');
    expect(r.stdout).toContain('kobject_release');
    expect(r.stdout).toContain('devm_kzalloc');
  });

  it('a bug class lists the codes of that class', () => {
    const r = auxbus(['explain', 'B4', '--json']);
    expect(r.code).toBe(0);
    const expected = VIOLATION_CODES.filter((c) => VIOLATIONS[c].bugClass === 'B4');
    expect((JSON.parse(r.stdout) as Array<{ code: string }>).map((i) => i.code)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(1);
  });

  it('an unknown code exits 2 with the list of known codes and no stack trace', () => {
    const r = auxbus(['explain', 'double-dlete']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    for (const code of VIOLATION_CODES) expect(r.stderr).toContain(code);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('no code and no --list is a usage error; so are a code and --list together', () => {
    expect(auxbus(['explain']).code).toBe(2);
    expect(auxbus(['explain', 'double-free', '--list']).code).toBe(2);
    expect(auxbus(['explain', 'double-free', 'double-add']).code).toBe(2);
  });
});
