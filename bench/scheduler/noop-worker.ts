import { QueueName } from '@scaleplan/contracts';
import { Worker } from 'bullmq';

/**
 * The baseline's worker process: a bare BullMQ Worker on the runs queue with the same settings as
 * apps/worker (concurrency 1, 15 s locks), whose processor does nothing. Exits on SIGTERM.
 */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.SCALEPLAN_QUEUE_PREFIX ?? 'bench-bare';
const worker = new Worker(QueueName.Runs, async () => ({ ok: true }), {
  connection: { url, maxRetriesPerRequest: null },
  prefix,
  concurrency: 1,
  lockDuration: 15_000,
  stalledInterval: 15_000,
});
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
