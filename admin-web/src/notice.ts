import type { MessageKey } from '../../bot/src/i18n';
import type { AdminContext } from './context';

/** Notices a redirect may ask the next page to show (`?notice=<key>&…params`); nothing else is accepted. */
const NOTICES: ReadonlySet<MessageKey> = new Set<MessageKey>([
  'web.saved',
  'web.password.changed',
  'web.roster.deactivated',
  'web.roster.unbound.done',
  'web.roster.passwordSet',
  'web.outbox.retried',
  'web.broadcast.scheduledDone',
  'web.broadcast.sendStarted',
  'web.broadcast.cancelledDone',
  'web.broadcast.remindedDone',
  'web.broadcast.remindedNone',
  'web.quiz.importDone',
]);
const PARAMS = ['staffNo', 'count', 'created', 'updated', 'unchanged', 'levels'] as const;

export function queryNotice(ctx: AdminContext): { kind: 'ok'; text: string } | undefined {
  const key = ctx.query.notice;
  if (typeof key !== 'string' || !NOTICES.has(key as MessageKey)) return undefined;
  const params: Record<string, string> = {};
  for (const name of PARAMS) {
    const value = ctx.query[name];
    if (typeof value === 'string') params[name] = value.slice(0, 64);
  }
  return { kind: 'ok', text: ctx.state.say(key as MessageKey, params) };
}

export function withNotice(
  path: string,
  key: MessageKey,
  params: Partial<Record<(typeof PARAMS)[number], string>> = {},
): string {
  const query = new URLSearchParams({ notice: key, ...params });
  return `${path}${path.includes('?') ? '&' : '?'}${query.toString()}`;
}
