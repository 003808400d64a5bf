import { WORLD_LIMITS } from '../../machines/index.js';
import { ANY_CALL, routineCode } from '../explore/world/index.js';
import { worldPromela } from '../promela/index.js';
import { writeFileWhole } from '../write-file.js';
import { EXIT, type Command } from './command.js';
import { parseOrHelp } from './help.js';
import { print } from './output.js';

/**
 * `auxbus promela`: the composed world (K devices sharing one IDA, faults, the code each slot runs)
 * as Promela generated from the compiled machines' tables, for Spin (docs/promela.md).
 */
export const promela: Command = {
  name: 'promela',
  summary: 'write a composed world as Promela for the Spin model checker, every violation an assertion',
  usage: 'auxbus promela [--devices K] [--ids M] [--drivers LIST] [--faults] [--deferred-release] [--code any|routine] [--multicore] [-o FILE]',
  description:
    'Writes the world of K device slots sharing one IDA of M ids as Promela, generated from the\n' +
    'compiled machines\' tables: component states as numbers, each step of a component the\n' +
    'compiled machine\'s own, the wiring of the world step around them, one d_step per call (Spin\n' +
    'stores exactly the states `auxbus explore --world --no-symmetry` counts), every violation an\n' +
    'assert(!violation_<code>). Run it with: spin -o2 -a world.pml && gcc -O2 -DSAFETY -DNOREDUCE\n' +
    '-o pan pan.c && ./pan -c0 (docs/promela.md). What it cannot generate exactly is refused\n' +
    'with the reason (exit 2).',
  options: [
    { name: 'devices', type: 'string', valueName: 'K', integer: WORLD_LIMITS.devices, default: '1', description: 'device slots' },
    { name: 'ids', type: 'string', valueName: 'M', integer: WORLD_LIMITS.idaIds, description: 'ids in the IDA range (default: one per device)' },
    { name: 'drivers', type: 'string', valueName: 'LIST', description: "comma-separated probe results of the aux drivers, e.g. 'ok,fails'" },
    { name: 'faults', type: 'boolean', description: 'inject every fault (kzalloc, ida_alloc, init, add)' },
    { name: 'deferred-release', type: 'boolean', description: 'the last put only schedules the release; it runs at a later RELEASE call or at the end (model.md §4.6)' },
    { name: 'code', type: 'string', values: ['any', 'routine'], valueName: 'CODE', default: 'any', description: 'who makes the calls: any (any call, misuse included) or routine (the documented create/teardown routine in each slot)' },
    { name: 'multicore', type: 'boolean', description: 'for Spin\'s multicore verifier (gcc -DNCORE=N), which refuses hidden variables: the same states, a few bytes more each' },
    { name: 'out', type: 'string', short: 'o', valueName: 'FILE', description: 'write the model to FILE (whole or not at all) instead of standard output' },
  ],
  notes: 'examples:\n  auxbus promela --devices 2 --ids 2 --faults -o world.pml\n  spin -o2 -a world.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -c0',
  async run(argv, io) {
    const args = parseOrHelp(promela, argv, io);
    if (!args) return EXIT.ok;
    const devices = args.flags.devices as number;
    const ids = (args.flags.ids as number | undefined) ?? Math.min(devices, WORLD_LIMITS.idaIds.max);
    const list = (args.flags.drivers as string | undefined)?.split(',').filter((s) => s !== '') ?? [];
    const code = args.flags.code === 'routine' ? routineCode('none') : ANY_CALL;
    const model = worldPromela({
      devices,
      idaRange: { min: 0, max: ids - 1 },
      drivers: list.map((probe) => ({ probe: probe as 'ok' | 'fails' })),
      faults: args.flags.faults === true,
      deferredRelease: args.flags['deferred-release'] === true,
    }, code, { multicore: args.flags.multicore === true });
    const out = args.flags.out as string | undefined;
    if (out !== undefined) writeFileWhole(out, model.text);
    else print(io, model.text.trimEnd());
    return EXIT.ok;
  },
};
