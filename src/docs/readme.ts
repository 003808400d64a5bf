import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeExample } from './example.js';
import { exploreExample } from './explore-example.js';
import { kernelCallTable, violationTable } from './tables.js';
import { misuseTable } from './world-table.js';
import { mermaidMarkdown } from '../diagrams/generate.js';
import { recordMarkdown, type KernelRecord } from '../kunit/record.js';

/** An example's source as a user writes it: importing the package, not a relative path. */
function exampleSource(file = 'example.ts'): string {
  // Run from src/ (tests) or dist/src/ (npm run readme): find the package root either way.
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const ts = join(root, 'src', 'docs', file);
  const source = readFileSync(ts, 'utf8').replace("from '../index.js'", "from 'auxbus-model'");
  return source.split('\n').filter((l) => !l.startsWith('// ')).join('\n').trim();
}

/** The last recorded run on a kernel (docs/kernel-agreement.json, `npm run kernel:record`). */
function kernelAgreement(): string {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  return recordMarkdown(JSON.parse(readFileSync(join(root, 'docs', 'kernel-agreement.json'), 'utf8')) as KernelRecord);
}

/** Generated sections of README.md: name → content. Each sits between its BEGIN/END markers. */
export function readmeSections(): Record<string, string> {
  return {
    'kernel-calls': kernelCallTable(),
    violations: violationTable(),
    'runtime-example': `\`\`\`ts\n${exampleSource()}\n\`\`\`\n\nprints\n\n\`\`\`\n${readmeExample()}\n\`\`\``,
    'device-mermaid': mermaidMarkdown('device').trimEnd(),
    'world-misuses': misuseTable(),
    'kernel-agreement': kernelAgreement(),
    'explore-example': `\`\`\`ts\n${exampleSource('explore-example.ts')}\n\`\`\`\n\n\`console.log(exploreExample())\` prints\n\n\`\`\`\n${exploreExample()}\n\`\`\``,
  };
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
