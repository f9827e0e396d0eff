import { inTransaction } from '../../bot/src/db/transaction';
import { AppError } from '../../bot/src/errors';
import { listOutbox, retryOutboxMessage, type OutboxStatus } from '../../bot/src/notifications';
import { UsageError, type CliCommand } from './command';

const STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'dead', 'expanded'];

export const outboxListCommand: CliCommand = {
  name: 'outbox:list',
  summary: 'List recent notifications (SMS, email, WeCom), newest first',
  usage: [
    'fieldline outbox:list [--status dead,pending] [--limit 50]',
    '  --status   only these statuses (pending, sending, sent, dead, expanded)',
  ].join('\n'),
  async run(args, { out, migratedDatabase }) {
    let statuses: OutboxStatus[] | undefined;
    let limit = 50;
    for (let i = 0; i < args.length; i += 2) {
      const [flag, value] = [args[i], args[i + 1]];
      if (flag === '--status' && value) {
        statuses = value.split(',') as OutboxStatus[];
        const unknown = statuses.filter((status) => !STATUSES.includes(status));
        if (unknown.length > 0) throw new UsageError(`unknown status ${unknown.join(', ')}`);
      } else if (flag === '--limit' && value && /^[1-9]\d{0,3}$/.test(value)) {
        limit = Number(value);
      } else {
        throw new UsageError(`unexpected argument ${flag ?? ''}`);
      }
    }
    const rows = await listOutbox((await migratedDatabase()).manager, {
      ...(statuses ? { statuses } : {}),
      limit,
    });
    if (rows.length === 0) out('No notifications.');
    for (const row of rows) {
      const to = `${row.recipientKind}:${row.recipientRef}${row.resolvedAddress ? ` → ${row.resolvedAddress}` : ''}`;
      out(
        `#${row.id} ${row.status.padEnd(8)} ${row.channel.padEnd(5)} ${row.template} ${to} attempts=${row.attempts}` +
          `${row.providerStatus ? ` provider=${row.providerStatus}` : ''}${row.lastError ? `\n    ${row.lastError}` : ''}`,
      );
    }
    return 0;
  },
};

export const outboxRetryCommand: CliCommand = {
  name: 'outbox:retry',
  summary: 'Send a dead (or waiting) notification again, now',
  usage: 'fieldline outbox:retry <id>',
  async run(args, { out, err, migratedDatabase }) {
    const [id] = args;
    if (id === undefined || args.length > 1 || !/^\d+$/.test(id))
      throw new UsageError('expected one outbox id');
    try {
      const row = await inTransaction(await migratedDatabase(), (manager) =>
        retryOutboxMessage({ manager, id: Number(id) }),
      );
      out(`#${row.id} is pending again; a running service sends it within seconds.`);
      return 0;
    } catch (error) {
      if (error instanceof AppError) {
        err(error.message);
        return 1;
      }
      throw error;
    }
  },
};
