import type { MessageKey } from '../../bot/src/i18n';
import { formatLocalDateTime } from '../../bot/src/zoned-time';
import { can, type Capability } from './access';
import type { AdminState } from './context';
import { html, type SafeHtml } from './html';

export interface PageModel {
  readonly title: string;
  readonly body: SafeHtml;
  /** A notice to show above the content (already in the reader's language). */
  readonly notice?: { readonly kind: 'ok' | 'error'; readonly text: string };
  readonly active?: string;
}

const NAV: ReadonlyArray<{ key: string; href: string; label: MessageKey; capability: Capability }> = [
  { key: 'home', href: '/admin', label: 'web.nav.home', capability: 'home' },
  { key: 'tickets', href: '/admin/tickets', label: 'web.nav.tickets', capability: 'tickets.read' },
  {
    key: 'completions',
    href: '/admin/completions',
    label: 'web.nav.completions',
    capability: 'completions.read',
  },
  { key: 'hazards', href: '/admin/hazards', label: 'web.nav.hazards', capability: 'reports.read' },
  { key: 'leads', href: '/admin/leads', label: 'web.nav.leads', capability: 'reports.read' },
  {
    key: 'reportStats',
    href: '/admin/report-stats',
    label: 'web.nav.reportStats',
    capability: 'reports.stats',
  },
  { key: 'kb', href: '/admin/kb', label: 'web.nav.kb', capability: 'kb.read' },
  { key: 'quiz', href: '/admin/quiz', label: 'web.nav.quiz', capability: 'quiz.read' },
  { key: 'points', href: '/admin/points', label: 'web.nav.points', capability: 'points.read' },
  { key: 'articles', href: '/admin/articles', label: 'web.nav.articles', capability: 'broadcast.read' },
  { key: 'videos', href: '/admin/videos', label: 'web.nav.videos', capability: 'broadcast.read' },
  {
    key: 'ticketStats',
    href: '/admin/ticket-stats',
    label: 'web.nav.ticketStats',
    capability: 'tickets.stats',
  },
  {
    key: 'completionStats',
    href: '/admin/completion-stats',
    label: 'web.nav.completionStats',
    capability: 'completions.stats',
  },
  {
    key: 'ratingReview',
    href: '/admin/ratings',
    label: 'web.nav.ratingReview',
    capability: 'ratings.review',
  },
  { key: 'ratingSelf', href: '/admin/ratings/me', label: 'web.nav.ratingSelf', capability: 'ratings.self' },
  {
    key: 'ratingsPending',
    href: '/admin/ratings/pending',
    label: 'web.nav.ratingsPending',
    capability: 'ratings.rate',
  },
  { key: 'roster', href: '/admin/roster', label: 'web.nav.roster', capability: 'roster.read' },
  { key: 'duty', href: '/admin/duty', label: 'web.nav.duty', capability: 'duty.read' },
  { key: 'outbox', href: '/admin/outbox', label: 'web.nav.outbox', capability: 'outbox.read' },
  { key: 'audit', href: '/admin/audit', label: 'web.nav.audit', capability: 'audit.read' },
];

/** The page shell: header with navigation, language switch and sign-out; no inline script or style. */
export function layout(state: AdminState, page: PageModel): string {
  const { say, user } = state;
  const nav = user
    ? html`<nav class="nav">
        ${NAV.filter((item) => can(user, item.capability)).map(
          (item) =>
            html`<a href="${item.href}" class="${page.active === item.key ? 'active' : ''}"
              >${say(item.label)}</a
            >`,
        )}
        <a href="/admin/account/password" class="${page.active === 'password' ? 'active' : ''}"
          >${say('web.nav.password')}</a
        >
        <form method="post" action="/admin/logout" class="inline">
          <input type="hidden" name="_csrf" value="${state.csrf}" />
          <button type="submit" class="link">${say('web.nav.signOut')}</button>
        </form>
      </nav>`
    : html``;
  return html`<!doctype html>
    <html lang="${state.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · ${say('web.app')}</title>
        <link rel="stylesheet" href="/admin/static/app.css" />
        <script src="/admin/static/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/admin">${say('web.app')}</a>
          ${nav}
          <form method="post" action="/admin/lang" class="inline lang">
            <input type="hidden" name="_csrf" value="${state.csrf}" />
            <input type="hidden" name="lang" value="${state.locale === 'zh-CN' ? 'en-US' : 'zh-CN'}" />
            <button type="submit" class="link" id="lang-switch">${say('web.lang.switch')}</button>
          </form>
        </header>
        <main>
          <h1>${page.title}</h1>
          ${page.notice ? html`<p class="notice ${page.notice.kind}" role="status">${page.notice.text}</p>` : ''}
          ${page.body}
        </main>
      </body>
    </html>`.value;
}

/** A hidden CSRF field for a form. */
export function csrfField(state: AdminState): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${state.csrf}" />`;
}

/** A date-time in the configured time zone and the reader's language. */
export function formatTime(state: AdminState, at: Date | null, timeZone: string): string {
  if (!at) return '';
  return formatLocalDateTime(at, state.locale, timeZone);
}
