/**
 * Where the command line writes, and how: colour only on a terminal (never when `NO_COLOR` is
 * set and not empty, as no-color.org asks; `FORCE_COLOR` turns it on where there is no
 * terminal), and progress on stderr: a line that rewrites itself on a terminal, else (a CI log)
 * plain lines at most one every few seconds; none with `--quiet`.
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

/** Progress on stderr: a line that rewrites itself on a terminal, else plain lines now and then. */
export interface Progress {
  update(message: string): void;
  done(): void;
}

/**
 * Seconds between two progress lines when stderr is not a terminal (a log keeps every line).
 * @example progress(io, { log: true }).update('...') // written only if 5 s passed since the last line
 */
export const PROGRESS_LOG_SECONDS = 5;

/**
 * Makes the progress indicator for an Io. On a terminal each update rewrites the line. Elsewhere,
 * with `log` (the explorers, whose runs can take minutes), an update is written as a line only
 * when {@link PROGRESS_LOG_SECONDS} have passed since the last line (or the start), so a short
 * run writes none and a long one shows it is alive. `quiet` silences it; `now` (milliseconds) is the clock.
 * @example const p = progress(io, { log: true, quiet: args.flags.quiet === true }); p.update('1000 states'); p.done();
 */
export function progress(io: Io, options: { log?: boolean; quiet?: boolean; now?: () => number } = {}): Progress {
  const tty = Boolean(io.stderr.isTTY);
  const quiet = options.quiet === true || (!tty && options.log !== true);
  const now = options.now ?? (() => performance.now());
  let last = now();
  let shown = false;
  return {
    update(message) {
      if (quiet) return;
      if (tty) {
        io.stderr.write(`\r\u001b[K${message}`);
        shown = true;
        return;
      }
      const t = now();
      if (t - last < PROGRESS_LOG_SECONDS * 1000) return;
      last = t;
      io.stderr.write(`${message}\n`);
    },
    done() {
      if (tty && shown) io.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}

/** Writes text to stdout, adding the final newline if missing. */
export function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
