/**
 * The article list: notices, hot issues, outage alerts and best cases, newest change first, filtered by
 * kind, status and title text, each with its scheduled or sent time and its sent / delivered / read
 * counts. Writers (tier-2, admins) get the "new article" buttons; managers read.
 */
import type Router from '@koa/router';
import {
  ARTICLE_KINDS,
  ARTICLE_STATUSES,
  listArticles,
  type ArticleKind,
  type ArticleListItem,
  type ArticleStatus,
} from '../../../bot/src/features/broadcast';
import type { MessageKey } from '../../../bot/src/i18n';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html } from '../html';
import { formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import { kindLabel, missingBaseUrlNotice, readCount, statusBadge, urgentBadge } from './broadcast-view';
import { queryText } from './query';
import { dataTable } from './table';

const PAGE_SIZE = 50;

const isKind = (value: string): value is ArticleKind => (ARTICLE_KINDS as readonly string[]).includes(value);
const isStatus = (value: string): value is ArticleStatus =>
  (ARTICLE_STATUSES as readonly string[]).includes(value);

/** The time that matters for the row: when it goes out, when it went out, or when it was last changed. */
function rowTime(state: AdminState, item: ArticleListItem, timeZone: string): string {
  const { article } = item;
  if (article.status === 'scheduled')
    return state.say('web.broadcast.timeScheduled', {
      time: formatTime(state, article.scheduledAt, timeZone),
    });
  if (article.sentAt)
    return state.say('web.broadcast.timeSent', { time: formatTime(state, article.sentAt, timeZone) });
  return state.say('web.broadcast.timeUpdated', { time: formatTime(state, article.updatedAt, timeZone) });
}

async function listPage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  const state = ctx.state;
  if (!user) return '';
  const kind = queryText(ctx, 'kind');
  const status = queryText(ctx, 'status');
  const text = queryText(ctx, 'q', 100);
  const page = Math.max(1, Math.min(10_000, Number(queryText(ctx, 'page')) || 1));
  const items = await listArticles(deps.dataSource().manager, {
    ...(isKind(kind) ? { kinds: [kind] } : {}),
    ...(isStatus(status) ? { statuses: [status] } : {}),
    ...(text ? { text } : {}),
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  const filterQuery = new URLSearchParams({
    ...(isKind(kind) ? { kind } : {}),
    ...(isStatus(status) ? { status } : {}),
    ...(text ? { q: text } : {}),
  });
  const pageLink = (target: number) =>
    `/admin/articles?${new URLSearchParams([...filterQuery, ['page', String(target)]]).toString()}`;
  const headings = {
    kind: say('web.broadcast.kind'),
    title: say('web.broadcast.articleTitle'),
    status: say('web.broadcast.status'),
    time: say('web.broadcast.time'),
    recipients: say('web.broadcast.recipients'),
    delivered: say('web.broadcast.delivered'),
    read: say('web.broadcast.read'),
  };
  const notice = queryNotice(ctx) ?? missingBaseUrlNotice(state, deps);
  return layout(state, {
    title: say('web.broadcast.title'),
    active: 'articles',
    ...(notice ? { notice } : {}),
    body: html`<nav class="actions">
        ${
          can(user, 'broadcast.write')
            ? html`<a class="button" href="/admin/articles/new" id="article-new"
                  >${say('web.broadcast.new')}</a
                >
                <a class="button secondary" href="/admin/articles/new?kind=outage"
                  >${say('web.broadcast.newOutage')}</a
                >`
            : ''
        }
        <a class="button secondary" href="/admin/videos">${say('web.nav.videos')}</a>
      </nav>
      <form method="get" action="/admin/articles" class="filters" id="article-filters">
        <input
          type="search"
          name="q"
          value="${text}"
          maxlength="100"
          placeholder="${say('web.broadcast.search')}"
          aria-label="${say('web.broadcast.search')}"
        />
        <label
          >${say('web.broadcast.kind')}<select name="kind">
            <option value="">${say('web.broadcast.allKinds')}</option>
            ${ARTICLE_KINDS.map(
              (value) =>
                html`<option value="${value}" ${value === kind ? html`selected` : ''}>
                  ${kindLabel(state, value)}
                </option>`,
            )}
          </select></label
        >
        <label
          >${say('web.broadcast.status')}<select name="status">
            <option value="">${say('web.broadcast.allStatuses')}</option>
            ${ARTICLE_STATUSES.map(
              (value) =>
                html`<option value="${value}" ${value === status ? html`selected` : ''}>
                  ${say(`broadcast.status.${value}` as MessageKey)}
                </option>`,
            )}
          </select></label
        >
        <button type="submit">${say('web.broadcast.filter')}</button>
      </form>
      ${
        items.length === 0
          ? html`<p id="article-none">${say('web.broadcast.none')}</p>`
          : dataTable(
              'articles',
              Object.values(headings),
              items.map(
                (item) =>
                  html`<tr data-article="${item.article.id}">
                    <td data-label="${headings.kind}">${kindLabel(state, item.article.kind)}</td>
                    <td data-label="${headings.title}">
                      <a href="/admin/articles/${item.article.id}">${item.article.title}</a>
                      ${urgentBadge(state, item.article)}
                    </td>
                    <td data-label="${headings.status}">${statusBadge(state, item.article)}</td>
                    <td data-label="${headings.time}">${rowTime(state, item, deps.timeZone)}</td>
                    <td data-label="${headings.recipients}" class="count-cell" data-count="recipients">
                      ${item.counts.recipients}
                    </td>
                    <td data-label="${headings.delivered}" class="count-cell" data-count="delivered">
                      ${item.counts.delivered}
                    </td>
                    <td data-label="${headings.read}" class="count-cell" data-count="read">
                      ${readCount(state, item.counts)}
                    </td>
                  </tr>`,
              ),
            )
      }
      ${
        page > 1 || items.length === PAGE_SIZE
          ? html`<nav class="actions pager">
              ${page > 1 ? html`<a class="button secondary" href="${pageLink(page - 1)}">${say('web.kb.prev')}</a>` : ''}
              <span>${page}</span>
              ${items.length === PAGE_SIZE ? html`<a class="button secondary" href="${pageLink(page + 1)}">${say('web.kb.next')}</a>` : ''}
            </nav>`
          : ''
      }`,
  });
}

export function articleListRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'broadcast.read') => AdminMiddleware,
): void {
  router.get('/admin/articles', guard('broadcast.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await listPage(ctx, deps);
  });
}
