import type Router from '@koa/router';
import { recordAudit } from '../../../bot/src/features/audit';
import { listOutbox, retryOutboxMessage } from '../../../bot/src/notifications';
import { inTransaction } from '../../../bot/src/db/transaction';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { readCheckedForm } from '../security';

const SHOWN = ['dead', 'pending'] as const;

async function outboxPage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const status = SHOWN.find((value) => value === ctx.query.status);
  // Pending rows that have failed at least once (retries waiting); dead ones gave up.
  const rows = (
    await listOutbox(deps.dataSource().manager, { statuses: status ? [status] : SHOWN, limit: 200 })
  ).filter((row) => row.status === 'dead' || row.lastError !== null);
  const notice = queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.outbox.title'),
    active: 'outbox',
    ...(notice ? { notice } : {}),
    body: html`<form method="get" class="filters">
        <label
          >${say('web.outbox.filter')}<select name="status">
            <option value="">${say('web.roster.all')}</option>
            ${SHOWN.map((value) => html`<option value="${value}" ${value === status ? html`selected` : ''}>${say(`web.outbox.status.${value}`)}</option>`)}
          </select></label
        >
        <button type="submit">${say('web.roster.filter')}</button>
      </form>
      ${
        rows.length === 0
          ? html`<p>${say('web.outbox.none')}</p>`
          : html`<div class="table-wrap">
              <table id="outbox">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>${say('web.outbox.filter')}</th>
                    <th>${say('web.outbox.channel')}</th>
                    <th>${say('web.outbox.recipient')}</th>
                    <th>${say('web.outbox.template')}</th>
                    <th>${say('web.outbox.attempts')}</th>
                    <th>${say('web.outbox.error')}</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (row) =>
                      html`<tr>
                        <td data-label="#">${row.id}</td>
                        <td data-label="${say('web.outbox.filter')}">
                          ${say(row.status === 'dead' ? 'web.outbox.status.dead' : 'web.outbox.status.pending')}<br /><small
                            >${formatTime(ctx.state, row.createdAt, deps.timeZone)}</small
                          >
                        </td>
                        <td data-label="${say('web.outbox.channel')}">${row.channel}</td>
                        <td data-label="${say('web.outbox.recipient')}">
                          ${row.recipientKind}:${row.recipientRef}${row.resolvedAddress ? ` → ${row.resolvedAddress}` : ''}
                        </td>
                        <td data-label="${say('web.outbox.template')}">${row.template}</td>
                        <td data-label="${say('web.outbox.attempts')}">${row.attempts}</td>
                        <td data-label="${say('web.outbox.error')}" class="error-text">
                          ${row.lastError ?? ''}
                        </td>
                        <td>
                          ${
                            can(user, 'outbox.retry') && row.status === 'dead'
                              ? html`<form method="post" action="/admin/outbox/${row.id}/retry">
                                  ${csrfField(ctx.state)}<button type="submit">
                                    ${say('web.outbox.retry')}
                                  </button>
                                </form>`
                              : ''
                          }
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

export function outboxRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'outbox.read' | 'outbox.retry') => AdminMiddleware,
): void {
  router.get('/admin/outbox', guard('outbox.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await outboxPage(ctx, deps);
  });
  router.post('/admin/outbox/:id/retry', guard('outbox.retry'), async (ctx) => {
    await readCheckedForm(ctx);
    const id = Number(ctx.params.id);
    await inTransaction(deps.dataSource(), async (manager) => {
      const row = await retryOutboxMessage({ manager, id });
      await recordAudit({
        manager,
        actor: ctx.state.user?.staffNo ?? '?',
        action: 'outbox.retry',
        recordType: 'outbox',
        recordId: row.id,
        before: { status: 'dead' },
        after: { status: 'pending' },
        ip: ctx.ip,
      });
    });
    ctx.redirect(withNotice('/admin/outbox', 'web.outbox.retried'));
  });
}
