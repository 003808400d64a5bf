import { comingCommand } from './coming.js';

/** `auxbus explore`: announced, not in this version. */
export const explore = comingCommand(
  'explore',
  'explore every interleaving of a bounded world and report violations with counterexamples',
  'it will explore a composed world (K devices, a shared IDA,\ndrivers, fault injection) exhaustively and print each violation with the shortest path\nthat reaches it.',
);
