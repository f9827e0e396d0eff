/**
 * One ticket: the question with its photos, order number and location, the engineer's contact, the SLA
 * due times, the whole thread, and the actions the reader may take now — claim; answer (with canned
 * replies), ask the engineer for more, escalate to a tier-3 department, send back to tier 2, resolve;
 * and promote the answer into a handbook entry. Every change form carries the version it was rendered
 * from; a stale or illegal action re-renders the page with the current state and says why.
 */
import type Router from '@koa/router';
import type { EntityManager } from 'typeorm';
import { recordAudit } from '../../../bot/src/features/audit';
import { createKbEntry } from '../../../bot/src/features/knowledge';
import { readSetting } from '../../../bot/src/features/settings';
import { listDepartments, staffByIds, type Staff } from '../../../bot/src/features/staff';
import {
  canActOnTicket,
  canSeeTicket,
  cannedRepliesSetting,
  claimTicket,
  escalateTicket,
  findTicket,
  replyToTicket,
  requestMoreInfo,
  resolveTicket,
  sendBackTicket,
  ticketThread,
  type Ticket,
  type TicketMessage,
} from '../../../bot/src/features/ticket';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import { MEDIA_KEY } from '../../../bot/src/storage/media-storage';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { readFormWithImages } from '../multipart';
import {
  formVersion,
  loadVisibleRecord,
  recordActionRoutes,
  sendStoredPhoto,
  versionFields,
  type RecordActionProps,
} from '../record-actions';
import { readCheckedForm } from '../security';
import { mapLink } from './report-detail';
import { isOverdue } from './tickets';
import { staffLabel } from './staff-label';

function loadVisible(ctx: AdminContext, deps: AdminDeps): Promise<Ticket> {
  return loadVisibleRecord(ctx, 'ticket', (id) => findTicket(deps.dataSource().manager, id), canSeeTicket);
}

function photoLinks(ticket: Ticket, keys: readonly string[], say: AdminState['say']): SafeHtml {
  if (keys.length === 0) return html``;
  return html`<div class="photos">
    ${keys.map(
      (key, index) =>
        html`<a href="/admin/tickets/${ticket.id}/media/${key}" target="_blank" rel="noopener"
          ><img
            src="/admin/tickets/${ticket.id}/media/${key}"
            alt="${say('web.report.photos')} ${index + 1}"
            loading="lazy"
        /></a>`,
    )}
  </div>`;
}

function threadLine(
  ctx: AdminContext,
  deps: AdminDeps,
  ticket: Ticket,
  message: TicketMessage,
  people: ReadonlyMap<number, Staff>,
): SafeHtml {
  const { say } = ctx.state;
  const author = message.authorStaffId === null ? undefined : people.get(message.authorStaffId);
  return html`<li
    class="event ${message.type} ${message.isInternal ? 'internal' : ''}"
    data-type="${message.type}"
  >
    <time>${formatTime(ctx.state, message.at, deps.timeZone)}</time>
    <strong>${say(`web.ticket.message.${message.type}`)}</strong>
    <span class="who">${staffLabel(say, author, say('web.ticket.system'))}</span>
    ${message.isInternal ? html`<small>${say('web.ticket.internal')}</small>` : ''}
    ${message.body ? html`<p class="note">${message.body}</p>` : ''}
    ${photoLinks(ticket, message.photos, say)}
  </li>`;
}

async function actionForms(
  ctx: AdminContext,
  manager: EntityManager,
  ticket: Ticket,
  user: Staff,
  hasAnswer: boolean,
): Promise<SafeHtml> {
  const { say } = ctx.state;
  const canAct = canActOnTicket(user, ticket);
  const isMine = ticket.assigneeStaffId === user.id || user.role === 'admin';
  const version = versionFields(ctx.state, ticket);
  const forms: SafeHtml[] = [];
  if (canAct && ticket.status === 'new') {
    forms.push(
      html`<form method="post" action="/admin/tickets/${ticket.id}/claim" class="card" id="claim-form">
        ${csrfField(ctx.state)}<button type="submit">${say('web.ticket.claim')}</button>
      </form>`,
    );
  }
  if (canAct && isMine && (ticket.status === 'claimed' || ticket.status === 'waiting')) {
    const canned = (await readSetting(manager, cannedRepliesSetting)).value;
    forms.push(
      html`<form
        method="post"
        action="/admin/tickets/${ticket.id}/reply"
        class="card"
        id="reply-form"
        enctype="multipart/form-data"
      >
        <h2>${say('web.ticket.reply')}</h2>
        ${version}
        <label
          >${say('web.ticket.canned')}<select name="canned">
            <option value="">—</option>
            ${canned.map((text, index) => html`<option value="${index}">${text}</option>`)}
          </select></label
        >
        <label>${say('web.ticket.replyText')}<textarea name="body" maxlength="2000"></textarea></label>
        <label
          >${say('web.ticket.replyPhotos')}<input
            type="file"
            name="photos"
            accept="image/jpeg,image/png"
            multiple
        /></label>
        <button type="submit">${say('web.ticket.send')}</button>
      </form>`,
    );
    if (ticket.status === 'claimed') {
      forms.push(
        html`<form method="post" action="/admin/tickets/${ticket.id}/request" class="card" id="request-form">
          <h2>${say('web.ticket.request')}</h2>
          ${version}
          <label
            >${say('web.ticket.requestText')}<textarea name="body" required maxlength="2000"></textarea>
          </label>
          <button type="submit" class="secondary">${say('web.ticket.request')}</button>
        </form>`,
      );
    }
    if (ticket.tier === 2 && ticket.status === 'claimed') {
      const departments = (await listDepartments(manager)).filter(
        (department) => department.kind === 'tier3',
      );
      forms.push(
        html`<form
          method="post"
          action="/admin/tickets/${ticket.id}/escalate"
          class="card"
          id="escalate-form"
        >
          <h2>${say('web.ticket.escalate')}</h2>
          ${version}
          <label
            >${say('web.ticket.department')}<select name="departmentId" required>
              <option value="">—</option>
              ${departments.map((department) => html`<option value="${department.id}">${department.name}</option>`)}
            </select></label
          >
          <label
            >${say('web.ticket.escalateNote')}<textarea name="note" required maxlength="2000"></textarea>
          </label>
          <button type="submit" class="secondary">${say('web.ticket.escalate')}</button>
        </form>`,
      );
    }
    forms.push(
      html`<form method="post" action="/admin/tickets/${ticket.id}/resolve" class="card" id="resolve-form">
        <h2>${say('web.ticket.resolve')}</h2>
        ${version}
        <label>${say('web.ticket.resolveText')}<textarea name="body" maxlength="2000"></textarea></label>
        <button type="submit">${say('web.ticket.resolve')}</button>
      </form>`,
    );
  }
  if (canAct && ticket.tier === 3 && (ticket.status === 'new' || ticket.status === 'claimed')) {
    forms.push(
      html`<form
        method="post"
        action="/admin/tickets/${ticket.id}/send-back"
        class="card"
        id="send-back-form"
      >
        <h2>${say('web.ticket.sendBack')}</h2>
        ${version}
        <label
          >${say('web.ticket.sendBackNote')}<textarea name="note" required maxlength="2000"></textarea>
        </label>
        <button type="submit" class="secondary">${say('web.ticket.sendBack')}</button>
      </form>`,
    );
  }
  if (can(user, 'kb.write') && hasAnswer) {
    forms.push(
      html`<form method="post" action="/admin/tickets/${ticket.id}/promote" class="card" id="promote-form">
        ${csrfField(ctx.state)}
        <p>${say('web.ticket.promoteHint')}</p>
        <button type="submit" class="secondary">${say('web.ticket.promote')}</button>
      </form>`,
    );
  }
  return html`${forms}`;
}

async function detailPage(
  ctx: AdminContext,
  deps: AdminDeps,
  ticket: Ticket,
  notice?: { kind: 'ok' | 'error'; text: string },
): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const [thread, departments] = await Promise.all([
    ticketThread(manager, ticket.id),
    listDepartments(manager),
  ]);
  const people = await staffByIds(manager, [
    ticket.reporterId,
    ticket.assigneeStaffId,
    ...thread.map((message) => message.authorStaffId),
  ]);
  const reporter = people.get(ticket.reporterId);
  const assignee = ticket.assigneeStaffId === null ? undefined : people.get(ticket.assigneeStaffId);
  const department = departments.find((candidate) => candidate.id === ticket.departmentId);
  const hasAnswer = thread.some(
    (message) => message.type === 'reply' || (message.type === 'resolved' && message.body),
  );
  const shown = notice ?? queryNotice(ctx);
  const now = new Date();
  return layout(ctx.state, {
    title: `${say(`ticket.kind.${ticket.kind}`)} ${ticket.refNo}`,
    active: 'tickets',
    ...(shown ? { notice: shown } : {}),
    body: html`<section
        class="card"
        id="ticket"
        data-status="${ticket.status}"
        data-version="${ticket.version}"
      >
        <dl class="facts">
          <dt>${say('web.ticket.status')}</dt>
          <dd id="ticket-status">
            ${say(`ticket.status.${ticket.status}`)}
            ${ticket.priority === 'urgent' ? html`<span class="badge critical">${say('ticket.priority.urgent')}</span>` : ''}
            ${isOverdue(ticket, now) ? html`<span class="badge overdue">${say('web.report.overdue')}</span>` : ''}
          </dd>
          <dt>${say('web.ticket.tier')}</dt>
          <dd id="ticket-tier">
            ${ticket.tier === 3 ? `${say('web.ticket.tier3')} ${department?.name ?? ''}` : say('web.ticket.tier2')}
          </dd>
          <dt>${say('web.ticket.assignee')}</dt>
          <dd id="ticket-assignee">${staffLabel(say, assignee, '—')}</dd>
          <dt>${say('web.ticket.created')}</dt>
          <dd>${formatTime(ctx.state, ticket.createdAt, deps.timeZone)}</dd>
          <dt>${say('web.ticket.firstResponseDue')}</dt>
          <dd>
            ${formatTime(ctx.state, ticket.firstResponseDueAt, deps.timeZone)}
            ${ticket.firstResponseAt ? html` ✓ ${formatTime(ctx.state, ticket.firstResponseAt, deps.timeZone)}` : ''}
          </dd>
          <dt>${say('web.ticket.resolutionDue')}</dt>
          <dd>
            ${ticket.slaPausedAt ? say('web.ticket.paused') : formatTime(ctx.state, ticket.resolutionDueAt, deps.timeZone)}
          </dd>
          ${
            ticket.orderNo
              ? html`<dt>${say('web.ticket.orderNo')}</dt>
                  <dd id="ticket-order">${ticket.orderNo}</dd>`
              : ''
          }
          <dt>${say('web.report.contact')}</dt>
          <dd id="ticket-reporter">
            ${staffLabel(say, reporter)}
            ${reporter?.phone ? html` <a href="tel:${reporter.phone}">${reporter.phone}</a>` : ''}
          </dd>
          ${
            ticket.locationText
              ? html`<dt>${say('web.report.location')}</dt>
                  <dd>
                    ${ticket.locationText}
                    ${
                      ticket.latitude !== null && ticket.longitude !== null
                        ? html` <a
                            href="${mapLink(ticket.latitude, ticket.longitude, ticket.locationText)}"
                            target="_blank"
                            rel="noopener noreferrer"
                            >${say('web.report.map')}</a
                          >`
                        : ''
                    }
                  </dd>`
              : ''
          }
        </dl>
      </section>
      ${await actionForms(ctx, manager, ticket, user, hasAnswer)}
      <section class="card">
        <h2>${say('web.ticket.thread')}</h2>
        <ol class="timeline" id="thread">
          ${thread.map((message) => threadLine(ctx, deps, ticket, message, people))}
        </ol>
      </section>`,
  });
}

type TicketAction = 'claim' | 'reply' | 'request' | 'escalate' | 'send-back' | 'resolve';

/** A ticket action's input: the posted fields, and the stored keys of any photos sent with an answer. */
interface TicketActionInput {
  readonly fields: Record<string, string>;
  readonly photos: readonly string[];
}

export function ticketDetailRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'tickets.read' | 'tickets.act' | 'kb.write') => AdminMiddleware,
): void {
  router.get('/admin/tickets/:id', guard('tickets.read'), async (ctx) => {
    const ticket = await loadVisible(ctx, deps);
    ctx.type = 'html';
    ctx.body = await detailPage(ctx, deps, ticket);
  });

  router.get('/admin/tickets/:id/media/:key', guard('tickets.read'), async (ctx) => {
    const ticket = await loadVisible(ctx, deps);
    const key = ctx.params.key ?? '';
    const thread = await ticketThread(deps.dataSource().manager, ticket.id);
    const belongs = ticket.photos.includes(key) || thread.some((message) => message.photos.includes(key));
    if (!MEDIA_KEY.test(key) || !belongs) throw new AppError('NOT_FOUND', 'photo');
    await sendStoredPhoto(ctx, deps.storage, key);
  });

  const act = recordActionRoutes<Ticket, TicketActionInput, TicketAction>(router, {
    base: '/admin/tickets',
    guard: guard('tickets.act'),
    readInput: async (ctx, action) => {
      // Only answers carry photos. They are stored, once the person may act, before the transaction
      // (content-addressed: a refused action leaves at most an unreferenced file, never half an answer).
      const { fields, images } = await readFormWithImages(ctx, { maxFiles: action === 'reply' ? 9 : 0 });
      return async (ticket, user) => ({
        fields,
        photos: canActOnTicket(user, ticket)
          ? await Promise.all(
              images.map(
                async (image) => (await deps.storage.put(image.data, image.extension, image.mimeType)).key,
              ),
            )
          : [],
      });
    },
    load: (ctx) => loadVisible(ctx, deps),
    reload: (id) => findTicket(deps.dataSource().manager, id),
    render: (ctx, ticket, notice) => detailPage(ctx, deps, ticket, notice),
    dataSource: deps.dataSource,
    recordType: 'ticket',
    auditPrefix: 'ticket',
    audited: (value) => ({ tier: value.tier }),
    conflictKey: 'web.ticket.conflict',
  });
  /** What every versioned ticket command is told: which ticket, in which version, by whom, when. */
  const acting = ({ manager, record, input, user }: RecordActionProps<Ticket, TicketActionInput>) => ({
    manager,
    ticketId: record.id,
    version: formVersion(input.fields),
    actor: user,
    now: new Date(),
  });

  act('claim', ({ manager, record, user }) =>
    claimTicket({ manager, ticketId: record.id, actor: user, now: new Date() }),
  );
  act('reply', async (props) => {
    const { fields, photos } = props.input;
    const canned = (await readSetting(props.manager, cannedRepliesSetting)).value[Number(fields.canned)];
    const typed = (fields.body ?? '').trim();
    const body = fields.canned && canned ? [canned, typed].filter(Boolean).join('\n') : typed;
    return replyToTicket({ ...acting(props), body, photos });
  });
  act('request', (props) => requestMoreInfo({ ...acting(props), body: props.input.fields.body ?? '' }));
  act('escalate', (props) =>
    escalateTicket({
      ...acting(props),
      departmentId: Number(props.input.fields.departmentId),
      note: props.input.fields.note ?? '',
    }),
  );
  act('send-back', (props) => sendBackTicket({ ...acting(props), note: props.input.fields.note ?? '' }));
  act('resolve', (props) => resolveTicket({ ...acting(props), body: props.input.fields.body ?? '' }));

  /** The question and its answers become an unpublished handbook entry, opened for editing. */
  router.post('/admin/tickets/:id/promote', guard('kb.write'), async (ctx) => {
    const user = ctx.state.user;
    await readCheckedForm(ctx);
    const ticket = await loadVisible(ctx, deps);
    if (!user) return;
    const entry = await inTransaction(deps.dataSource(), async (manager) => {
      const answers = (await ticketThread(manager, ticket.id))
        .filter((message) => (message.type === 'reply' || message.type === 'resolved') && message.body)
        .map((message) => message.body ?? '');
      if (answers.length === 0)
        throw new AppError('ILLEGAL_TRANSITION', `ticket ${ticket.refNo} has no answer`);
      const title = ctx.state.say('web.withNote', {
        text: ticket.question.split('\n')[0]?.slice(0, 60) ?? '',
        note: ticket.refNo,
      });
      const body = [
        `## ${ctx.state.say('web.ticket.kbQuestion')}`,
        '',
        ticket.question,
        '',
        `## ${ctx.state.say('web.ticket.kbAnswer')}`,
        '',
        answers.join('\n\n'),
      ].join('\n');
      const created = await createKbEntry({
        manager,
        input: { title, body, tags: [], photos: [], isPublished: false },
        author: user.staffNo,
        now: new Date(),
      });
      await recordAudit({
        manager,
        actor: user.staffNo,
        action: 'ticket.promote',
        recordType: 'kb_entry',
        recordId: created.id,
        after: { fromTicket: ticket.refNo },
        ip: ctx.ip,
      });
      return created;
    });
    ctx.redirect(withNotice(`/admin/kb/${entry.id}/edit`, 'web.saved'));
  });
}
