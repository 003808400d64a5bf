#!/usr/bin/env bash
# The long randomised runs that do not belong in `npm test`: many more fast-check sequences with
# a fresh seed each time (printed, so a failure can be replayed with AUXBUS_FC_SEED=<seed>).
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${AUXBUS_FC_SEED:-$RANDOM$RANDOM}"
runs="${AUXBUS_FC_RUNS:-5000}"
echo "nightly: AUXBUS_FC_SEED=$seed AUXBUS_FC_RUNS=$runs"
AUXBUS_FC_SEED="$seed" AUXBUS_FC_RUNS="$runs" npx vitest run test/runtime/differential.test.ts test/properties/ida-sets.property.test.ts test/properties/ida.property.test.ts test/properties/device.property.test.ts
