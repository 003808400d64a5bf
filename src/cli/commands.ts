import type { Command } from './command.js';

/**
 * The commands of `auxbus` by name and summary, each loaded only when it runs: a command's
 * module brings what it needs (the checker its parser, diagram Graphviz, explore the world), and
 * a process that checks one file for kbuild should not load the others. The summaries repeat the
 * commands' own; a test keeps them equal.
 */

/**
 * A command before it is loaded.
 * @example const check = await COMMANDS.find((c) => c.name === 'check')!.load();
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every command, in the order the help lists them.
 * @example COMMANDS.map((c) => c.name) // ['diagram', 'paths', 'export', ...]
 */
export const COMMANDS: readonly CommandEntry[] = Object.freeze([
  { name: 'diagram', summary: 'draw a machine\'s statechart (SVG, DOT or Mermaid), optionally with a path traced on it', load: async () => (await import('./diagram.js')).diagram },
  { name: 'paths', summary: 'export generated test paths of a machine (JSON or Markdown) for tests outside this package', load: async () => (await import('./paths.js')).paths },
  { name: 'export', summary: 'print a machine\'s XState config as JSON (for createMachine and Stately\'s editor)', load: async () => (await import('./export.js')).exportCommand },
  { name: 'explain', summary: 'what a violation code means: the kernel symptom, the spec section, the fix', load: async () => (await import('./explain.js')).explain },
  { name: 'explore', summary: 'run a driver\'s create and teardown routines on every failure path (fail-nth) and report each problem with its path', load: async () => (await import('./explore.js')).explore },
  { name: 'check', summary: 'check the error-unwind paths of kernel C that creates or tears down auxiliary devices', load: async () => (await import('./check.js')).check },
  { name: 'kunit', summary: 'generate a KUnit suite from the model; with --run, build and boot it on a kernel tree', load: async () => (await import('./kunit.js')).kunit },
  { name: 'promela', summary: 'write a composed world as Promela for the Spin model checker, every violation an assertion', load: async () => (await import('./promela.js')).promela },
]);
