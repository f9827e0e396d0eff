/**
 * Child process of `npm run bench:outbox`: enqueues SMS from a process that has no relay, as a CLI or a
 * web-only instance would, and prints each commit time so the parent can measure the delay to the
 * provider (the running service's `drain-outbox` job has to notice these rows on its own).
 */
import 'reflect-metadata';
import { z } from 'zod';
import type { DatabaseConfig } from '../../bot/src/config';
import { createDataSource } from '../../bot/src/db/data-source';
import { inTransaction } from '../../bot/src/db/transaction';
import { defineTemplate, enqueue } from '../../bot/src/notifications';

defineTemplate({
  key: 'bench.alert',
  schema: z.object({ text: z.string() }),
  quietHours: 'send',
  render: ({ text }) => ({ subject: 'bench', text }),
});

async function main(): Promise<void> {
  const [databaseJson = '{}', staffId = '0', count = '0', rate = '20', label = 'child'] =
    process.argv.slice(2);
  const dataSource = createDataSource(JSON.parse(databaseJson) as DatabaseConfig);
  await dataSource.initialize();
  for (let i = 0; i < Number(count); i += 1) {
    const text = `${label} #${i}`;
    await inTransaction(dataSource, (manager) =>
      enqueue(manager, {
        channel: 'sms',
        to: { staffId: Number(staffId) },
        template: 'bench.alert',
        data: { text },
        dedupeKey: `bench:${label}:${i}`,
      }),
    );
    process.stdout.write(`${JSON.stringify({ text, at: Date.now() })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000 / Number(rate)));
  }
  await dataSource.destroy();
}

void main();
