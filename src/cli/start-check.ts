import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VIOLATIONS } from '../../machines/index.js';
import { checkPaths, formatGcc } from '../check/index.js';
import type { Colors } from './output.js';

/**
 * The C checker's part of `npm start`: `auxbus check` over the bundled C corpus (our own driver
 * code with planted bugs and their correct twins): what it found, per code, and one finding as
 * a compiler prints it.
 */

/** Where the bundled C corpus is, in a checkout (from dist/src/cli or src/cli). */
function corpusDir(): string | null {
  for (const up of ['../../../test/fixtures/check/corpus', '../../test/fixtures/check/corpus']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return null;
}

/** The summary text (and whether the run found what the corpus plants). */
export async function checkSummary(c: Colors): Promise<{ text: string }> {
  const dir = corpusDir();
  const title = c.bold('auxbus check: the bundled C corpus (buggy driver functions and their correct twins) run path by path on the model');
  if (!dir) return { text: `${title}\n  (the corpus is in a checkout of the repository, test/fixtures/check/corpus; not found here)` };
  const r = await checkPaths([dir]);
  const byCode = new Map<string, number>();
  for (const f of r.findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  const buggy = new Set(r.findings.map((f) => f.at.file));
  const files = r.files;
  const lines = [
    title,
    `  ${files} files, ${r.functions} functions, ${r.paths} paths: ${r.findings.length} findings in ${buggy.size} files, ${files - buggy.size} files clean, ${r.notAnalysed.length} not analysed`,
    ...[...byCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `  ${String(n).padStart(3)}  ${code} (${VIOLATIONS[code as keyof typeof VIOLATIONS].bugClass})`),
  ];
  const first = r.findings.find((f) => f.code === 'double-free') ?? r.findings[0];
  if (first) {
    const shown = formatGcc({ files: 1, functions: 1, findings: [first], notAnalysed: [] }).replaceAll(`${dir}/`, '');
    lines.push('  one of them, as `auxbus check FILE` prints it:', ...shown.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  return { text: lines.join('\n') };
}
