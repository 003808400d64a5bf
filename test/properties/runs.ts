/**
 * Runs and seed of the property tests: fixed in the normal suite, so CI is reproducible and a
 * coverage check after the runs cannot fail by bad luck; scripts/nightly.sh raises the runs and
 * draws a new seed (AUXBUS_FC_RUNS, AUXBUS_FC_SEED), and a failure there names the seed to replay.
 */
export function fcRuns(numRuns: number): { numRuns: number; seed: number } {
  const runs = process.env.AUXBUS_FC_RUNS === undefined ? numRuns : Math.max(numRuns, Number(process.env.AUXBUS_FC_RUNS));
  const seed = process.env.AUXBUS_FC_SEED === undefined ? 20261207 : Number(process.env.AUXBUS_FC_SEED);
  return { numRuns: runs, seed };
}
