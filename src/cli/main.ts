#!/usr/bin/env node
import { packageInfo } from '../package-info.js';

/** The `auxbus` executable (package.json `bin`). */

// A closed pipe (`auxbus paths ... | head`) ends the output quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before the commands (and the model and xstate they import) are loaded.
  process.stdout.write(`${packageInfo().version}\n`);
} else {
  const { runCli } = await import('./run.js');
  process.exitCode = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
