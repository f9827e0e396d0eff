import type Router from '@koa/router';
import { recordAudit } from '../../../bot/src/features/audit';
import { listDutyGroups, switchOnDuty } from '../../../bot/src/features/staff';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import { canSwitchDuty } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { readCheckedForm } from '../security';

async function dutyPage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const groups = await listDutyGroups(deps.dataSource().manager);
  const notice = queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.duty.title'),
    active: 'duty',
    ...(notice ? { notice } : {}),
    body: html`${groups.map(
      ({ group, members }) =>
        html`<section class="card" id="group-${group.key}">
          <h2>${group.name} <small>${group.key}</small></h2>
          ${members.length === 0 ? html`<p>${say('web.duty.noMembers')}</p>` : ''}
          ${members.length > 0 && members.every(({ member }) => !member.isOnDuty) ? html`<p class="notice error">${say('web.duty.nobodyOnDuty')}</p>` : ''}
          <ul class="members">
            ${members.map(
              ({ member, staff }) =>
                html`<li data-staff="${staff.staffNo}">
                  <span class="who">${staff.staffNo} ${staff.name}</span>
                  <span class="state ${member.isOnDuty ? 'on' : 'off'}"
                    >${member.isOnDuty ? say('web.duty.onDuty') : say('web.duty.offDuty')}</span
                  >
                  ${member.onDutyChangedBy ? html`<small>${say('web.duty.changed', { by: member.onDutyChangedBy, at: formatTime(ctx.state, member.onDutyChangedAt, deps.timeZone) })}</small>` : ''}
                  ${
                    canSwitchDuty(user, staff.id)
                      ? html`<form
                          method="post"
                          action="/admin/duty/${group.id}/members/${staff.id}"
                          class="inline"
                        >
                          ${csrfField(ctx.state)}
                          <input type="hidden" name="onDuty" value="${member.isOnDuty ? '0' : '1'}" />
                          <button type="submit" class="${member.isOnDuty ? 'secondary' : ''}">
                            ${member.isOnDuty ? say('web.duty.switchOff') : say('web.duty.switchOn')}
                          </button>
                        </form>`
                      : ''
                  }
                </li>`,
            )}
          </ul>
        </section>`,
    )}`,
  });
}

export function dutyRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'duty.read' | 'duty.switch') => AdminMiddleware,
): void {
  router.get('/admin/duty', guard('duty.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await dutyPage(ctx, deps);
  });

  router.post('/admin/duty/:groupId/members/:staffId', guard('duty.switch'), async (ctx) => {
    const user = ctx.state.user;
    const groupId = Number(ctx.params.groupId);
    const staffId = Number(ctx.params.staffId);
    if (!user || !Number.isSafeInteger(groupId) || !Number.isSafeInteger(staffId))
      throw new AppError('NOT_FOUND', 'member');
    if (!canSwitchDuty(user, staffId)) throw new AppError('FORBIDDEN', 'may switch only oneself');
    const form = await readCheckedForm(ctx);
    const isOnDuty = form.onDuty === '1';
    await inTransaction(deps.dataSource(), async (manager) => {
      const member = await switchOnDuty({ manager, groupId, staffId, isOnDuty, actor: user.staffNo });
      await recordAudit({
        manager,
        actor: user.staffNo,
        action: 'duty.switch',
        recordType: 'duty_group_member',
        recordId: member.id,
        before: { isOnDuty: !isOnDuty },
        after: { isOnDuty },
        ip: ctx.ip,
      });
    });
    ctx.redirect(withNotice('/admin/duty', 'web.saved'));
  });
}
