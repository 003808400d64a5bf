import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeExample } from './example.js';
import { exploreExample } from './explore-example.js';
import { kernelCallTable, violationTable } from './tables.js';
import { misuseTable } from './world-table.js';
import { mermaidMarkdown } from '../diagrams/generate.js';
import { recordMarkdown, recordSummary, type KernelRecord } from '../kunit/record.js';
import { checkSource } from '../check/check.js';
import { formatGcc } from '../check/gcc.js';

/** The package root, whether this runs from src/ (tests) or dist/src/ (npm run readme). */
function packageRoot(): string {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  return root;
}

/** An example's source as a user writes it: importing the package, not a relative path. */
function exampleSource(file = 'example.ts'): string {
  const source = readFileSync(join(packageRoot(), 'src', 'docs', file), 'utf8').replace("from '../index.js'", "from 'auxbus-model'");
  return source.split('\n').filter((l) => !l.startsWith('// ')).join('\n').trim();
}

/** The last recorded run on a kernel (docs/kernel-agreement.json, `npm run kernel:record`). */
const kernelRecord = () => JSON.parse(readFileSync(join(packageRoot(), 'docs', 'kernel-agreement.json'), 'utf8')) as KernelRecord;

function kernelAgreement(): string {
  return recordMarkdown(kernelRecord());
}

/** The corpus file whose finding the README shows whole. */
export const README_CHECK_EXAMPLE = 'double-free-bad-1.c';

/**
 * The README's one finding shown whole: what `auxbus check` prints for a corpus file that repeats
 * a patch rejected in netdev review (the shape of ice_sf_eth.c's double free, docs/real-drivers.md).
 */
async function checkExample(): Promise<string> {
  const file = README_CHECK_EXAMPLE;
  const r = await checkSource(readFileSync(join(packageRoot(), 'test', 'fixtures', 'check', 'corpus', file), 'utf8'), file);
  const gcc = formatGcc({ files: 1, functions: r.functions, findings: r.findings, notAnalysed: r.notAnalysed, assumptions: r.assumptions });
  return `\`\`\`\n$ auxbus check ${file}\n${gcc.trimEnd()}\n\`\`\``;
}

/**
 * Every generated section of the documentation: file (relative to the package root) → section
 * name → content. Each sits between its BEGIN/END markers in that file.
 * @example Object.keys(await generatedSections()) // ['README.md', 'docs/machines.md', ...]
 */
export async function generatedSections(): Promise<Record<string, Record<string, string>>> {
  return {
    'README.md': {
      'check-example': await checkExample(),
      'kernel-summary': recordSummary(kernelRecord()),
      'explore-source': `\`\`\`ts\n${exampleSource('explore-example.ts')}\n\`\`\``,
    },
    'docs/machines.md': {
      'device-mermaid': mermaidMarkdown('device').trimEnd(),
      'kernel-calls': kernelCallTable(),
      violations: violationTable(),
    },
    'docs/runtime.md': {
      'runtime-example': `\`\`\`ts\n${exampleSource()}\n\`\`\`\n\nprints\n\n\`\`\`\n${readmeExample()}\n\`\`\``,
      'explore-example': `\`\`\`ts\n${exampleSource('explore-example.ts')}\n\`\`\`\n\n\`console.log(exploreExample())\` prints\n\n\`\`\`\n${exploreExample()}\n\`\`\``,
      'world-misuses': misuseTable(),
    },
    'docs/kunit.md': { 'kernel-agreement': kernelAgreement() },
  };
}

const begin = (name: string) => `<!-- BEGIN generated:${name} (npm run readme) -->`;
const end = (name: string) => `<!-- END generated:${name} -->`;

/**
 * A document's text with each of `sections` replaced by its content. Throws if a section's
 * markers are missing from the text, so a section cannot silently disappear.
 * @example updateDoc(readFileSync('README.md', 'utf8'), (await generatedSections())['README.md']!, 'README.md')
 */
export function updateDoc(text: string, sections: Record<string, string>, file: string): string {
  let out = text;
  for (const [name, content] of Object.entries(sections)) {
    const a = out.indexOf(begin(name));
    const b = out.indexOf(end(name));
    if (a < 0 || b < a) throw new Error(`${file} has no generated section '${name}': add the lines\n${begin(name)}\n${end(name)}`);
    out = `${out.slice(0, a + begin(name).length)}\n${content}\n${out.slice(b)}`;
  }
  return out;
}
