/**
 * One article: how it reads (cover, summary, rendered body), its status and audience, sent / delivered /
 * read counts, the signed public link once it is out, and — for urgent articles — who has not read it yet,
 * with a button that reminds exactly those people. Writers (tier-2, admins) also get the actions:
 * edit, send now (after a confirmation page that says how many people it will reach), cancel a scheduled
 * send, remind the unread. Managers see everything and change nothing.
 *
 * Each action runs with its audit entry in one transaction. A refusal the person can act on — changed
 * meanwhile, no longer allowed in this state, not ready to send, reminded less than five minutes ago —
 * shows the page again, as it is now, with the reason; nothing is half-done.
 */
import type Router from '@koa/router';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError, type ErrorCode } from '../../../bot/src/errors';
import { recordAudit } from '../../../bot/src/features/audit';
import {
  EDITABLE_STATUSES,
  REMINDER_MIN_INTERVAL_MS,
  articleDetail,
  articleLink,
  cancelScheduledArticle,
  effectiveAudience,
  findArticle,
  listUnreadRecipients,
  readinessProblems,
  remindUnreadRecipients,
  resolveAudience,
  sendArticleNow,
  type Article,
  type ArticleDetail,
  type BroadcastLinkOptions,
  type BroadcastProblem,
} from '../../../bot/src/features/broadcast';
import { listDepartments, listDutyGroups } from '../../../bot/src/features/staff';
import type { MessageKey } from '../../../bot/src/i18n';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { trustedKbMarkdown } from '../kb-markdown';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { sendStoredPhoto } from '../record-actions';
import { readCheckedForm } from '../security';
import {
  articleFacts,
  audienceSummary,
  groupNames,
  kindLabel,
  loadArticleRecord,
  problemList,
  readCount,
  cancelScheduleForm,
  statusBadge,
  urgentBadge,
} from './broadcast-view';
import { dataTable } from './table';

type Notice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** How many unread people the page lists (the rest are counted). */
const UNREAD_LIMIT = 500;

/** Where signed links point: PUBLIC_BASE_URL (development: this service), never the request's Host. */
function linkOptions(deps: AdminDeps): BroadcastLinkOptions {
  return { baseUrl: deps.linkBaseUrl?.(), sessionSecret: deps.sessionSecret };
}

function countsSection(state: AdminState, detail: ArticleDetail, timeZone: string): SafeHtml {
  const { say } = state;
  const { counts, article } = detail;
  return html`<section class="card">
    <h2>${say('web.broadcast.counts')}</h2>
    <dl class="facts" id="article-counts">
      <dt>${say('web.broadcast.recipients')}</dt>
      <dd data-count="recipients">${counts.recipients}</dd>
      <dt>${say('web.broadcast.delivered')}</dt>
      <dd data-count="delivered">${counts.delivered}</dd>
      <dt>${say('web.broadcast.queued')}</dt>
      <dd data-count="queued">${counts.queued}</dd>
      <dt>${say('web.broadcast.undelivered')}</dt>
      <dd data-count="undelivered">${counts.undelivered}</dd>
      <dt>${say('web.broadcast.read')}</dt>
      <dd data-count="read">${readCount(state, counts)}</dd>
      ${
        article.isUrgent
          ? html`<dt>${say('web.broadcast.reminders')}</dt>
              <dd data-count="reminders">
                ${say('web.broadcast.reminderRounds', { rounds: article.reminderRounds, people: counts.reminded })}
                ${article.lastRemindedAt ? html`· ${formatTime(state, article.lastRemindedAt, timeZone)}` : ''}
              </dd>`
          : ''
      }
    </dl>
  </section>`;
}

async function unreadSection(
  state: AdminState,
  deps: AdminDeps,
  article: Article,
  unreadTotal: number,
): Promise<SafeHtml> {
  const { say, user } = state;
  const unread = await listUnreadRecipients(deps.dataSource().manager, article.id, { limit: UNREAD_LIMIT });
  const headings = {
    name: say('web.broadcast.name'),
    staffNo: say('web.broadcast.staffNo'),
    department: say('web.broadcast.department'),
    phone: say('web.broadcast.phone'),
    delivery: say('web.broadcast.delivery'),
    reminded: say('web.broadcast.lastReminded'),
  };
  const canRemind = user !== undefined && can(user, 'broadcast.write');
  return html`<section class="card" id="article-unread">
    <h2>${say('web.broadcast.unread', { count: unreadTotal })}</h2>
    ${
      canRemind
        ? html`<form
              method="post"
              action="/admin/articles/${article.id}/remind"
              class="inline"
              id="article-remind"
            >
              ${csrfField(state)}
              <button type="submit">${say('web.broadcast.remind')}</button>
            </form>
            <p class="hint">
              ${say('web.broadcast.remindHint', { minutes: REMINDER_MIN_INTERVAL_MS / 60_000 })}
            </p>`
        : ''
    }
    ${
      unread.length === 0
        ? html`<p id="article-all-read">${say('web.broadcast.allRead')}</p>`
        : html`${dataTable(
            'unread',
            Object.values(headings),
            unread.map(
              (person) =>
                html`<tr data-staff="${person.staffNo}">
                  <td data-label="${headings.name}">${person.name}</td>
                  <td data-label="${headings.staffNo}">${person.staffNo}</td>
                  <td data-label="${headings.department}">${person.department ?? ''}</td>
                  <td data-label="${headings.phone}">
                    ${person.phone ? html`<a href="tel:${person.phone}">${person.phone}</a>` : ''}
                  </td>
                  <td data-label="${headings.delivery}">
                    ${say(`broadcast.delivery.${person.deliveryStatus}` as MessageKey)}
                  </td>
                  <td data-label="${headings.reminded}">
                    ${formatTime(state, person.remindedAt, deps.timeZone)}
                  </td>
                </tr>`,
            ),
          )}
          ${unread.length < unreadTotal ? html`<p class="hint">${say('web.broadcast.unreadMore', { shown: unread.length })}</p>` : ''}`
    }
  </section>`;
}

function actionBar(state: AdminState, article: Article): SafeHtml {
  const { say, user } = state;
  if (!user || !can(user, 'broadcast.write')) return html``;
  const editable = EDITABLE_STATUSES.includes(article.status);
  return html`<div class="actions" id="article-actions">
    ${editable ? html`<a class="button secondary" href="/admin/articles/${article.id}/edit">${say('web.broadcast.edit')}</a>` : ''}
    ${editable ? html`<a class="button" href="/admin/articles/${article.id}/send">${say('web.broadcast.sendNow')}</a>` : ''}
    ${article.status === 'scheduled' ? cancelScheduleForm(state, article, 'inline') : ''}
  </div>`;
}

async function detailPage(ctx: AdminContext, deps: AdminDeps, id: number, notice?: Notice): Promise<string> {
  const { say } = ctx.state;
  const state = ctx.state;
  const manager = deps.dataSource().manager;
  const detail = await articleDetail(manager, id);
  if (!detail) throw new AppError('NOT_FOUND', `article ${id}`);
  const { article, author, counts } = detail;
  const [departments, groups] = await Promise.all([listDepartments(manager), listDutyGroups(manager)]);
  const isOut = article.status === 'sending' || article.status === 'sent';
  const base = deps.linkBaseUrl?.();
  const link =
    isOut && base
      ? await articleLink({
          manager,
          id: article.id,
          now: new Date(),
          baseUrl: base,
          sessionSecret: deps.sessionSecret,
        })
      : undefined;
  const shown = notice ?? queryNotice(ctx);
  return layout(state, {
    title: article.title,
    active: 'articles',
    ...(shown ? { notice: shown } : {}),
    body: html`<nav class="actions">
        <a class="button secondary" href="/admin/articles">${say('web.broadcast.list')}</a>
      </nav>
      ${actionBar(state, article)}
      <section class="card" id="article" data-status="${article.status}" data-version="${article.version}">
        <dl class="facts">
          <dt>${say('web.broadcast.kind')}</dt>
          <dd>${kindLabel(state, article.kind)} ${urgentBadge(state, article)}</dd>
          <dt>${say('web.broadcast.status')}</dt>
          <dd id="article-status">${statusBadge(state, article)}</dd>
          <dt>${say('web.broadcast.audience')}</dt>
          <dd id="article-audience">${audienceSummary(state, article, departments, groups)}</dd>
          ${
            article.smsGroups.length > 0
              ? html`<dt>${say('web.broadcast.smsGroups')}</dt>
                  <dd>${groupNames(state, article.smsGroups, groups)}</dd>`
              : ''
          }
          ${
            article.tags.length > 0
              ? html`<dt>${say('web.broadcast.tags')}</dt>
                  <dd>${article.tags.join(say('web.listSeparator'))}</dd>`
              : ''
          }
          ${
            article.featuredWeek
              ? html`<dt>${say('web.broadcast.featured')}</dt>
                  <dd id="article-featured">${article.featuredWeek}</dd>`
              : ''
          }
          <dt>${say('web.broadcast.author')}</dt>
          <dd>${author ? say('web.withNote', { text: author.name, note: author.staffNo }) : ''}</dd>
          <dt>${say('web.broadcast.updated')}</dt>
          <dd>${formatTime(state, article.updatedAt, deps.timeZone)}</dd>
          ${
            article.status === 'scheduled'
              ? html`<dt>${say('web.broadcast.scheduledFor')}</dt>
                  <dd id="article-scheduled">${formatTime(state, article.scheduledAt, deps.timeZone)}</dd>`
              : ''
          }
          ${
            article.sentAt
              ? html`<dt>${say('web.broadcast.sentAt')}</dt>
                  <dd>${formatTime(state, article.sentAt, deps.timeZone)}</dd>`
              : ''
          }
        </dl>
      </section>
      ${isOut ? countsSection(state, detail, deps.timeZone) : ''}
      ${
        link
          ? html`<section class="card">
              <h2>${say('web.broadcast.publicLink')}</h2>
              <p><a id="article-link" href="${link}" target="_blank" rel="noopener noreferrer">${link}</a></p>
              <p class="hint">${say('web.broadcast.publicLinkHint')}</p>
            </section>`
          : ''
      }
      ${article.isUrgent && isOut ? await unreadSection(state, deps, article, counts.recipients - counts.read) : ''}
      <section class="card" id="article-body">
        <h2>${say('web.broadcast.previewTitle')}</h2>
        ${
          article.coverKey
            ? html`<div class="photos">
                <img
                  src="/admin/articles/${article.id}/cover"
                  alt="${say('web.broadcast.cover')}"
                  loading="lazy"
                />
              </div>`
            : ''
        }
        ${article.summary ? html`<p class="hint">${article.summary}</p>` : ''}
        ${trustedKbMarkdown(article.body)}
      </section>`,
  });
}

/** The confirmation before sending: who and how many it will reach, or what it still lacks. */
async function sendPage(
  ctx: AdminContext,
  deps: AdminDeps,
  article: Article,
  notice?: Notice,
  refused: readonly BroadcastProblem[] = [],
): Promise<string> {
  const { say } = ctx.state;
  const state = ctx.state;
  const manager = deps.dataSource().manager;
  const [departments, groups, reach] = await Promise.all([
    listDepartments(manager),
    listDutyGroups(manager),
    resolveAudience(manager, effectiveAudience(article)),
  ]);
  const problems = [...refused, ...readinessProblems(article)].filter(
    (problem, index, all) => all.findIndex((other) => other.key === problem.key) === index,
  );
  const canSend = problems.length === 0 && reach.length > 0;
  return layout(state, {
    title: say('web.broadcast.confirmTitle', { title: article.title }),
    active: 'articles',
    ...(notice ? { notice } : {}),
    body: html`<section class="card" id="article-confirm">
        <dl class="facts">
          <dt>${say('web.broadcast.kind')}</dt>
          <dd>${kindLabel(state, article.kind)} ${urgentBadge(state, article)}</dd>
          <dt>${say('web.broadcast.audience')}</dt>
          <dd>${audienceSummary(state, article, departments, groups)}</dd>
          <dt>${say('web.broadcast.reach')}</dt>
          <dd id="article-reach">${reach.length}</dd>
          ${
            article.kind === 'outage' && article.smsGroups.length > 0
              ? html`<dt>${say('web.broadcast.smsGroups')}</dt>
                  <dd>${groupNames(state, article.smsGroups, groups)}</dd>`
              : ''
          }
        </dl>
        <p class="hint">${say('web.broadcast.reachHint')}</p>
      </section>
      ${problemList(state, problems, 'article-problems')}
      ${
        problems.length === 0 && reach.length === 0
          ? html`<p class="notice error">${say('broadcast.error.audienceEmpty')}</p>`
          : ''
      }
      <div class="actions">
        ${
          canSend
            ? html`<form
                method="post"
                action="/admin/articles/${article.id}/send"
                class="inline"
                id="article-send"
              >
                ${csrfField(state)}
                <input type="hidden" name="version" value="${article.version}" />
                <button type="submit" class="danger">
                  ${say('web.broadcast.confirmSend', { count: reach.length })}
                </button>
              </form>`
            : ''
        }
        <a class="button secondary" href="/admin/articles/${article.id}/edit">${say('web.broadcast.edit')}</a>
        <a class="button secondary" href="/admin/articles/${article.id}">${say('web.broadcast.view')}</a>
      </div>`,
  });
}

const REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'CONFLICT',
  'ILLEGAL_TRANSITION',
  'VALIDATION_FAILED',
  'RATE_LIMITED',
  'UNAVAILABLE',
]);

function refusalText(state: AdminState, error: AppError, current: Article, timeZone: string): string {
  const { say } = state;
  switch (error.code) {
    case 'CONFLICT':
      return say('web.broadcast.conflictAction');
    case 'ILLEGAL_TRANSITION':
      return say('web.broadcast.illegal', {
        status: say(`broadcast.status.${current.status}` as MessageKey),
      });
    case 'UNAVAILABLE':
      return say('broadcast.error.noPublicBaseUrl');
    case 'RATE_LIMITED':
      return say('web.broadcast.remindTooSoon', {
        minutes: REMINDER_MIN_INTERVAL_MS / 60_000,
        time: current.lastRemindedAt
          ? formatTime(state, new Date(current.lastRemindedAt.getTime() + REMINDER_MIN_INTERVAL_MS), timeZone)
          : '',
      });
    default:
      return say('web.broadcast.notReady');
  }
}

/**
 * One action on an article with its audit entry in one transaction, then a redirect with a notice — or,
 * refused, the page again as it is now with the reason (and the problems, for "not ready to send").
 */
async function articleAction(
  ctx: AdminContext,
  deps: AdminDeps,
  article: Article,
  options: {
    readonly action: 'send' | 'cancel' | 'remind';
    readonly work: (
      manager: EntityManager,
    ) => Promise<{ article: Article; facts?: Record<string, unknown>; audited: boolean; next: string }>;
    readonly rerender: (current: Article, notice: Notice, problems: BroadcastProblem[]) => Promise<string>;
  },
): Promise<void> {
  let next: string;
  try {
    next = await inTransaction(deps.dataSource(), async (manager) => {
      const result = await options.work(manager);
      if (result.audited)
        await recordAudit({
          manager,
          actor: ctx.state.user?.staffNo ?? '?',
          action: `article.${options.action}`,
          recordType: 'article',
          recordId: article.id,
          before: articleFacts(article),
          after: { ...articleFacts(result.article), ...result.facts },
          ip: ctx.ip,
        });
      return result.next;
    });
  } catch (error) {
    if (!(error instanceof AppError) || !REFUSALS.has(error.code)) throw error;
    ctx.state.log.info({ code: error.code, reason: error.message }, `article ${options.action} refused`);
    const current = (await findArticle(deps.dataSource().manager, article.id)) ?? article;
    const problems =
      error.code === 'VALIDATION_FAILED'
        ? ((error.details as { problems?: BroadcastProblem[] } | undefined)?.problems ?? [])
        : [];
    ctx.status = error.status;
    ctx.type = 'html';
    ctx.body = await options.rerender(
      current,
      { kind: 'error', text: refusalText(ctx.state, error, current, deps.timeZone) },
      problems,
    );
    return;
  }
  ctx.redirect(next);
}

function versionOf(form: Record<string, string>): number {
  const version = Number(form.version);
  if (!Number.isSafeInteger(version) || version < 1)
    throw new AppError('VALIDATION_FAILED', 'version', { params: { detail: 'version' } });
  return version;
}

export function articleDetailRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'broadcast.read' | 'broadcast.write') => AdminMiddleware,
): void {
  router.get('/admin/articles/:id', guard('broadcast.read'), async (ctx) => {
    const article = await loadArticleRecord(ctx, deps);
    ctx.type = 'html';
    ctx.body = await detailPage(ctx, deps, article.id);
  });

  router.get('/admin/articles/:id/cover', guard('broadcast.read'), async (ctx) => {
    const article = await loadArticleRecord(ctx, deps);
    if (!article.coverKey) throw new AppError('NOT_FOUND', 'cover');
    await sendStoredPhoto(ctx, deps.storage, article.coverKey);
  });

  router.get('/admin/articles/:id/send', guard('broadcast.write'), async (ctx) => {
    const article = await loadArticleRecord(ctx, deps);
    if (!EDITABLE_STATUSES.includes(article.status)) {
      ctx.redirect(`/admin/articles/${article.id}`);
      return;
    }
    ctx.type = 'html';
    ctx.body = await sendPage(ctx, deps, article);
  });

  router.post('/admin/articles/:id/send', guard('broadcast.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const article = await loadArticleRecord(ctx, deps);
    const version = versionOf(form);
    await articleAction(ctx, deps, article, {
      action: 'send',
      work: async (manager) => {
        const started = await sendArticleNow({
          manager,
          id: article.id,
          version,
          now: new Date(),
          links: linkOptions(deps),
        });
        return {
          article: started.article,
          facts: { recipients: started.recipients, batches: started.batches, smsGroups: started.smsGroups },
          audited: true,
          next: withNotice(`/admin/articles/${article.id}`, 'web.broadcast.sendStarted', {
            count: String(started.recipients),
          }),
        };
      },
      rerender: (current, notice, problems) =>
        EDITABLE_STATUSES.includes(current.status)
          ? sendPage(ctx, deps, current, notice, problems)
          : detailPage(ctx, deps, current.id, notice),
    });
  });

  router.post('/admin/articles/:id/cancel', guard('broadcast.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const article = await loadArticleRecord(ctx, deps);
    const version = versionOf(form);
    await articleAction(ctx, deps, article, {
      action: 'cancel',
      work: async (manager) => ({
        article: await cancelScheduledArticle({ manager, id: article.id, version, now: new Date() }),
        audited: true,
        next: withNotice(`/admin/articles/${article.id}`, 'web.broadcast.cancelledDone'),
      }),
      rerender: (current, notice) => detailPage(ctx, deps, current.id, notice),
    });
  });

  router.post('/admin/articles/:id/remind', guard('broadcast.write'), async (ctx) => {
    await readCheckedForm(ctx);
    const article = await loadArticleRecord(ctx, deps);
    await articleAction(ctx, deps, article, {
      action: 'remind',
      work: async (manager) => {
        const sent = await remindUnreadRecipients({
          manager,
          id: article.id,
          now: new Date(),
          links: linkOptions(deps),
        });
        return {
          article: sent.article,
          facts: { round: sent.round, reminded: sent.reminded, batches: sent.batches },
          // Everyone had read it: no round was used and nothing changed, so there is nothing to audit.
          audited: sent.reminded > 0,
          next:
            sent.reminded > 0
              ? withNotice(`/admin/articles/${article.id}`, 'web.broadcast.remindedDone', {
                  count: String(sent.reminded),
                })
              : withNotice(`/admin/articles/${article.id}`, 'web.broadcast.remindedNone'),
        };
      },
      rerender: (current, notice) => detailPage(ctx, deps, current.id, notice),
    });
  });
}
