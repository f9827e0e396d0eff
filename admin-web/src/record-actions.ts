/**
 * What report and ticket pages share: serving a record's stored photo, and running an action on a
 * record so that a refusal the person can act on (changed meanwhile, not allowed in this state, bad
 * input) re-renders the record's page with the reason and its current state instead of an error page.
 */
import { AppError, type ErrorCode } from '../../bot/src/errors';
import type { MediaStorage } from '../../bot/src/storage/media-storage';
import type { AdminContext } from './context';
import { withNotice } from './notice';

const MIME: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png' };

/** Sends a stored photo (the caller has checked the reader may see the record it belongs to). */
export async function sendStoredPhoto(ctx: AdminContext, storage: MediaStorage, key: string): Promise<void> {
  ctx.type = MIME[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', 'private, max-age=86400');
  ctx.body = await storage.read(key);
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
