import type Router from '@koa/router';
import { listAudit, listAuditRecordTypes } from '../../../bot/src/features/audit';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { formatTime, layout } from '../layout';

function day(value: unknown): Date | undefined {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(`${value}T00:00:00Z`)
    : undefined;
}

async function auditPage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say } = ctx.state;
  const manager = deps.dataSource().manager;
  const actor = typeof ctx.query.actor === 'string' ? ctx.query.actor.slice(0, 64) : '';
  const recordType = typeof ctx.query.type === 'string' ? ctx.query.type.slice(0, 32) : '';
  const from = day(ctx.query.from);
  const to = day(ctx.query.to);
  const [entries, types] = await Promise.all([
    listAudit(manager, {
      ...(actor ? { actor } : {}),
      ...(recordType ? { recordType } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to: new Date(to.getTime() + 86_400_000) } : {}),
    }),
    listAuditRecordTypes(manager),
  ]);
  const show = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value));
  return layout(ctx.state, {
    title: say('web.audit.title'),
    active: 'audit',
    body: html`<form method="get" class="filters">
        <label>${say('web.audit.actor')}<input name="actor" value="${actor}" /></label>
        <label
          >${say('web.audit.recordType')}<select name="type">
            <option value="">${say('web.roster.all')}</option>
            ${types.map(
              (type) =>
                html`<option value="${type}" ${type === recordType ? html`selected` : ''}>${type}</option>`,
            )}
          </select></label
        >
        <label
          >${say('web.audit.from')}<input
            type="date"
            name="from"
            value="${typeof ctx.query.from === 'string' ? ctx.query.from : ''}"
        /></label>
        <label
          >${say('web.audit.to')}<input
            type="date"
            name="to"
            value="${typeof ctx.query.to === 'string' ? ctx.query.to : ''}"
        /></label>
        <button type="submit">${say('web.roster.filter')}</button>
      </form>
      ${
        entries.length === 0
          ? html`<p>${say('web.audit.none')}</p>`
          : html`<div class="table-wrap">
              <table id="audit">
                <thead>
                  <tr>
                    <th>${say('web.audit.at')}</th>
                    <th>${say('web.audit.actor')}</th>
                    <th>${say('web.audit.action')}</th>
                    <th>${say('web.audit.record')}</th>
                    <th>${say('web.audit.change')}</th>
                    <th>${say('web.audit.ip')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${entries.map(
                    (entry) =>
                      html`<tr>
                        <td data-label="${say('web.audit.at')}">
                          ${formatTime(ctx.state, entry.at, deps.timeZone)}
                        </td>
                        <td data-label="${say('web.audit.actor')}">${entry.actor}</td>
                        <td data-label="${say('web.audit.action')}">${entry.action}</td>
                        <td data-label="${say('web.audit.record')}">
                          ${entry.recordType}${entry.recordId ? ` #${entry.recordId}` : ''}
                        </td>
                        <td data-label="${say('web.audit.change')}">
                          <code>${show(entry.before)}</code> → <code>${show(entry.after)}</code>
                        </td>
                        <td data-label="${say('web.audit.ip')}">${entry.ip ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

export function auditRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'audit.read') => AdminMiddleware,
): void {
  router.get('/admin/audit', guard('audit.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await auditPage(ctx, deps);
  });
}
