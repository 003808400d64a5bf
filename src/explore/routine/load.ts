import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { asText, AuxbusError, ParameterError } from '../../../machines/index.js';
import { FileError } from '../../errors.js';
import { checkScenario, type AnyScenario } from './scenario.js';

/**
 * A module given to explore could not be used: it failed to load (its own code threw, or it is
 * not an ES module), or it exports no scenario.
 * @example new ScenarioModuleError('./build/my.js', 'exports no scenario')
 */
export class ScenarioModuleError extends AuxbusError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('scenario-module', `${asText(file)}: ${asText(reason)}`);
  }
}

/**
 * Loads the scenarios an ES module exports: its default export (a scenario or an array of
 * them), a named export `scenario`, and a named export `scenarios` (an array), in that order.
 * Each is checked as `checkScenario` does. Throws a FileError when the file cannot be read, a
 * ScenarioModuleError when it does not load or exports no scenario, a ParameterError naming the
 * export and field when a scenario is malformed.
 * @example const [s] = await loadScenarios('build/my-driver.js'); explore(s);
 */
export async function loadScenarios(file: string): Promise<AnyScenario[]> {
  if (typeof file !== 'string' || file.length === 0) throw new ParameterError('loadScenarios(file)', file, 'the path of a JavaScript module (a non-empty string)');
  const path = resolve(file);
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new FileError(file, 'read', 'not a file');
  } catch (e) {
    if (e instanceof AuxbusError) throw e;
    throw new FileError(file, 'read', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
    const hint = /\.[cm]?ts$/.test(path) ? '; compile it to JavaScript first (tsc)' : '';
    throw new ScenarioModuleError(file, `cannot load it as an ES module (${what})${hint}`);
  }
  const found: Array<{ where: string; value: unknown }> = [];
  const take = (where: string, value: unknown) => {
    if (Array.isArray(value)) value.forEach((v, i) => found.push({ where: `${where}[${i}]`, value: v }));
    else found.push({ where, value });
  };
  if (mod.default !== undefined) take('default export', mod.default);
  if (mod.scenario !== undefined) take('export scenario', mod.scenario);
  if (mod.scenarios !== undefined) {
    if (!Array.isArray(mod.scenarios)) throw new ScenarioModuleError(file, 'export scenarios must be an array of scenarios');
    take('export scenarios', mod.scenarios);
  }
  const unique = found.filter((f, i) => found.findIndex((g) => g.value === f.value) === i);
  if (unique.length === 0) {
    throw new ScenarioModuleError(file, 'exports no scenario; expected a default export, an export named scenario, or an array named scenarios');
  }
  for (const { where, value } of unique) checkScenario(value, `${file}: ${where}`);
  return unique.map((f) => f.value as AnyScenario);
}
