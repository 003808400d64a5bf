import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where this package lives and what it is called, found from this module's own location, so
 * that it works the same from `src/` (tests), from `dist/src/` (the command line) and from an
 * installed copy.
 */

/** The package's name, version and root folder. */
export interface PackageInfo {
  name: string;
  version: string;
  root: string;
}

let cached: PackageInfo | undefined;

/**
 * Reads the nearest package.json above this module.
 * @example packageInfo().name // 'auxbus-model'
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'auxbus-model') return (cached = { name: pkg.name, version: pkg.version ?? '0.0.0', root: dir });
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('auxbus-model: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
