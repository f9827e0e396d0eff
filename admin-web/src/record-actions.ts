/**
 * What report and ticket pages share: serving a record's stored photo, and running an action on a
 * record so that a refusal the person can act on (changed meanwhile, not allowed in this state, bad
 * input) re-renders the record's page with the reason and its current state instead of an error page.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../bot/src/db/transaction';
import { AppError, type ErrorCode } from '../../bot/src/errors';
import { recordAudit } from '../../bot/src/features/audit';
import type { Staff } from '../../bot/src/features/staff';
import type { MediaStorage } from '../../bot/src/storage/media-storage';
import type { AdminContext } from './context';
import { withNotice } from './notice';

const MIME: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png' };

/**
 * Sends a stored photo (the caller has checked the reader may see the record it belongs to). Any Koa
 * context: the back office and the public handbook pages serve photos the same way.
 */
export async function sendStoredPhoto(
  ctx: { type: string; body: unknown; set(field: string, value: string): void },
  storage: MediaStorage,
  key: string,
  maxAgeSeconds = 86_400,
): Promise<void> {
  ctx.type = MIME[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', `private, max-age=${maxAgeSeconds}`);
  ctx.body = await storage.read(key);
}

/** A record as actions see it: anything with an id, a status and a version. */
interface ActedRecord {
  readonly id: number;
  readonly status: string;
  readonly version: number;
}

/**
 * One web action on a record, the same way everywhere: the change and its audit entry in one
 * transaction, then a redirect to the record — or its page again with the reason if it was refused.
 */
export async function runAuditedAction<R extends ActedRecord>(
  ctx: AdminContext,
  options: {
    readonly dataSource: () => DataSource;
    readonly record: R;
    /** Audit names: `report` + `assign` → action `report.assign` on record type `recordType`. */
    readonly recordType: string;
    readonly action: string;
    readonly change: (manager: EntityManager) => Promise<R>;
    /** Extra facts for the audit entry beyond status and version. */
    readonly audited?: (record: R) => Record<string, unknown>;
    readonly reload: () => Promise<R | null>;
    readonly render: (record: R, notice: { kind: 'error'; text: string }) => Promise<string>;
    readonly conflictText: string;
    readonly page: string;
  },
): Promise<void> {
  const { record } = options;
  const facts = (value: R) => ({ status: value.status, version: value.version, ...options.audited?.(value) });
  await runRecordAction(ctx, {
    work: () =>
      inTransaction(options.dataSource(), async (manager) => {
        const updated = await options.change(manager);
        await recordAudit({
          manager,
          actor: ctx.state.user?.staffNo ?? '?',
          action: options.action,
          recordType: options.recordType,
          recordId: record.id,
          before: facts(record),
          after: facts(updated),
          ip: ctx.ip,
        });
      }),
    rerender: async (notice) => options.render((await options.reload()) ?? record, notice),
    conflictText: options.conflictText,
    page: options.page,
  });
}

/**
 * The record named by the route's `:id`, if the signed-in reader may see it. A record they may not see is
 * reported as missing, like one that does not exist: its existence is not theirs to know.
 */
export async function loadVisibleRecord<R>(
  ctx: AdminContext,
  label: string,
  find: (id: number) => Promise<R | null>,
  canSee: (user: Staff, record: R) => boolean,
): Promise<R> {
  const user = ctx.state.user;
  const id = Number(ctx.params.id);
  const record = Number.isSafeInteger(id) ? await find(id) : null;
  if (!user || record === null || !canSee(user, record)) throw new AppError('NOT_FOUND', `${label} ${id}`);
  return record;
}

const REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'CONFLICT',
  'ILLEGAL_TRANSITION',
  'VALIDATION_FAILED',
  'FORBIDDEN',
]);

export async function runRecordAction(
  ctx: AdminContext,
  options: {
    /** The change, in its own transaction. */
    readonly work: () => Promise<void>;
    /** The record's page as it is now, with a notice on top. */
    readonly rerender: (notice: { kind: 'error'; text: string }) => Promise<string>;
    /** What "someone else changed it meanwhile" means for this kind of record. */
    readonly conflictText: string;
    /** Where to go after success. */
    readonly page: string;
  },
): Promise<void> {
  try {
    await options.work();
  } catch (error) {
    if (!(error instanceof AppError) || !REFUSALS.has(error.code)) throw error;
    ctx.state.log.info({ code: error.code, reason: error.message }, 'record action refused');
    const text =
      error.code === 'CONFLICT'
        ? options.conflictText
        : error.code === 'ILLEGAL_TRANSITION' || error.code === 'FORBIDDEN'
          ? ctx.state.say('web.report.illegal')
          : error.userMessage(ctx.state.locale);
    ctx.status = error.status;
    ctx.type = 'html';
    ctx.body = await options.rerender({ kind: 'error', text });
    return;
  }
  ctx.redirect(withNotice(options.page, 'web.saved'));
}
