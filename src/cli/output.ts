/**
 * Where the command line writes, and how: colour only on a terminal (never when `NO_COLOR` is
 * set and not empty, as no-color.org asks; `FORCE_COLOR` turns it on where there is no
 * terminal), and progress lines on stderr only when stderr is a terminal.
 */

/** The streams and environment a command runs with (tests and `npm start` pass their own). */
export interface Io {
  /** Standard input, for commands that read it (`auxbus check -`); default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Styles; each is the identity when colour is off. */
export interface Colors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

/**
 * Whether to colour a stream.
 * @example colorEnabled({ isTTY: true }, { NO_COLOR: '1' }) // false
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const sgr = (on: boolean, open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);

/** The styles for a stream. */
export function colors(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Colors {
  const on = colorEnabled(stream, env);
  return { bold: sgr(on, 1, 22), dim: sgr(on, 2, 22), red: sgr(on, 31, 39), yellow: sgr(on, 33, 39), green: sgr(on, 32, 39), cyan: sgr(on, 36, 39) };
}

/** A progress line on stderr that rewrites itself; silent unless stderr is a terminal. */
export interface Progress {
  update(message: string): void;
  done(): void;
}

/** Makes the progress indicator for an Io. */
export function progress(io: Io): Progress {
  const on = Boolean(io.stderr.isTTY);
  let shown = false;
  return {
    update(message) {
      if (!on) return;
      io.stderr.write(`\r\u001b[K${message}`);
      shown = true;
    },
    done() {
      if (on && shown) io.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}

/** Writes text to stdout, adding the final newline if missing. */
export function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
