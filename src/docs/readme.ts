import { kernelCallTable, violationTable } from './tables.js';

/** Generated sections of README.md: name → content. Each sits between its BEGIN/END markers. */
export function readmeSections(): Record<string, string> {
  return { 'kernel-calls': kernelCallTable(), violations: violationTable() };
}

const begin = (name: string) => `<!-- BEGIN generated:${name} (npm run readme) -->`;
const end = (name: string) => `<!-- END generated:${name} -->`;

/**
 * README text with every generated section replaced by what the machines produce now. Throws if
 * a section's markers are missing, so a section cannot silently disappear.
 * @example updateReadme(readFileSync('README.md', 'utf8'))
 */
export function updateReadme(text: string): string {
  let out = text;
  for (const [name, content] of Object.entries(readmeSections())) {
    const a = out.indexOf(begin(name));
    const b = out.indexOf(end(name));
    if (a < 0 || b < a) throw new Error(`README.md has no generated section '${name}': add the lines\n${begin(name)}\n${end(name)}`);
    out = `${out.slice(0, a + begin(name).length)}\n${content}\n${out.slice(b)}`;
  }
  return out;
}
