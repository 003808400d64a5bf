#!/usr/bin/env node
import { EXIT } from './command.js';
import { runCli } from './run.js';

/** The `auxbus` executable (package.json `bin`). */

// A closed pipe (`auxbus paths ... | head`) ends the output quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
});
