import { parentPort, workerData } from 'node:worker_threads';
import { isSubject, measureSubject } from './ida-subjects.js';

/**
 * One allocator of the IDA bench, measured in a thread of its own: its own JIT and type feedback,
 * so that what ran before (another allocator, or the runtime `Ida` sharing the IDA's code with
 * other call sites) does not shape the machine code being timed.
 */
const { subject, ops, live } = workerData as { subject: unknown; ops: number; live: number };
if (!isSubject(subject)) throw new Error(`ida-worker: unknown subject ${String(subject)}`);
parentPort!.postMessage(measureSubject(subject, ops, live));
