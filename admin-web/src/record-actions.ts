/**
 * What report and ticket pages share: serving a record's stored photo, and running an action on a
 * record so that a refusal the person can act on (changed meanwhile, not allowed in this state, bad
 * input) re-renders the record's page with the reason and its current state instead of an error page.
 */
import type Router from '@koa/router';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../bot/src/db/transaction';
import { AppError, type ErrorCode } from '../../bot/src/errors';
import { recordAudit } from '../../bot/src/features/audit';
import type { Staff } from '../../bot/src/features/staff';
import type { MessageKey } from '../../bot/src/i18n';
import type { MediaStorage } from '../../bot/src/storage/media-storage';
import type { AdminContext, AdminMiddleware, AdminState } from './context';
import { html, type SafeHtml } from './html';
import { csrfField } from './layout';
import { withNotice } from './notice';
import { readCheckedForm } from './security';

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

/** What one action route hands its command: the record as loaded, the posted input and who acts. */
export interface RecordActionProps<R, I> {
  readonly manager: EntityManager;
  readonly record: R;
  readonly input: I;
  readonly user: Staff;
}

/**
 * Declares a kind of record's action routes once: `POST {path}/{action}` behind `guard`, which reads the
 * posted input (its CSRF token checked) before loading the record the reader may see, then runs the
 * action's command through {@link runAuditedAction}. Returns the function that adds one action.
 */
export function recordActionRoutes<R extends ActedRecord, I, A extends string = string>(
  router: Router<AdminState>,
  route: {
    /** The record's page, e.g. `/admin/reports` for `/admin/reports/:id`. */
    readonly base: string;
    readonly guard: AdminMiddleware;
    /**
     * Reads the posted form before the record is loaded; what it returns finishes the input once the
     * record and the person acting are known (e.g. storing uploads only for someone who may act).
     */
    readonly readInput: (ctx: AdminContext, action: A) => Promise<(record: R, user: Staff) => Promise<I>>;
    readonly load: (ctx: AdminContext) => Promise<R>;
    readonly reload: (id: number) => Promise<R | null>;
    readonly render: (
      ctx: AdminContext,
      record: R,
      notice: { kind: 'error'; text: string },
    ) => Promise<string>;
    readonly dataSource: () => DataSource;
    /** Audit names: record type `recordType`, action `{auditPrefix}.{action}`. */
    readonly recordType: string;
    readonly auditPrefix: string;
    readonly audited?: (record: R) => Record<string, unknown>;
    readonly conflictKey: MessageKey;
  },
): (action: A, change: (props: RecordActionProps<R, I>) => Promise<R>) => void {
  return (action, change) => {
    router.post(`${route.base}/:id/${action}`, route.guard, async (ctx) => {
      const user = ctx.state.user;
      const finishInput = await route.readInput(ctx, action);
      const record = await route.load(ctx);
      if (!user) return;
      const input = await finishInput(record, user);
      await runAuditedAction(ctx, {
        dataSource: route.dataSource,
        record,
        recordType: route.recordType,
        action: `${route.auditPrefix}.${action}`,
        change: (manager) => change({ manager, record, input, user }),
        ...(route.audited ? { audited: route.audited } : {}),
        reload: () => route.reload(record.id),
        render: (current, notice) => route.render(ctx, current, notice),
        conflictText: ctx.state.say(route.conflictKey),
        page: `${route.base}/${record.id}`,
      });
    });
  };
}

/** Reads a plain action form (its CSRF token checked): the input is its fields as posted. */
export async function readActionFields(ctx: AdminContext): Promise<() => Promise<Record<string, string>>> {
  const fields = await readCheckedForm(ctx);
  return () => Promise.resolve(fields);
}

/** The version an action form was rendered from; a missing or malformed one is refused. */
export function formVersion(form: Readonly<Record<string, string>>): number {
  const version = Number(form.version);
  if (!Number.isSafeInteger(version) || version < 1)
    throw new AppError('VALIDATION_FAILED', 'version', { params: { detail: 'version' } });
  return version;
}

/** The hidden fields every change form carries: the CSRF token and the version it was rendered from. */
export function versionFields(state: AdminState, record: { readonly version: number }): SafeHtml {
  return html`${csrfField(state)}<input type="hidden" name="version" value="${record.version}" />`;
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
