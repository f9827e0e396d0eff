/**
 * Pieces the article and video pages share: problems shown at the top and beside their field, status and
 * urgency badges, who an article goes to in words, read rates, the article a route names, and what the
 * audit log keeps of an article.
 */
import {
  effectiveAudience,
  findArticle,
  isEmptyAudience,
  kindKey,
  type Article,
  type ArticleAudience,
  type ArticleCounts,
} from '../../../bot/src/features/broadcast';
import type { Department, DutyGroupView } from '../../../bot/src/features/staff';
import type { MessageKey } from '../../../bot/src/i18n';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { loadVisibleRecord } from '../record-actions';
import type { FormProblem } from './broadcast-form';

/** Every problem, at the top of a form (`id` names the list for tests and screen readers). */
export function problemList(state: AdminState, problems: readonly FormProblem[], id: string): SafeHtml {
  if (problems.length === 0) return html``;
  return html`<p>${state.say('web.broadcast.problems')}</p>
    <ul class="errors" id="${id}">
      ${problems.map((problem) => html`<li>${state.say(problem.key, problem.params)}</li>`)}
    </ul>`;
}

/** The problems of one field, right under it. */
export function fieldProblems(state: AdminState, problems: readonly FormProblem[], field: string): SafeHtml {
  return html`${problems
    .filter((problem) => problem.field === field)
    .map(
      (problem) =>
        html`<span class="error-text" data-field="${field}">${state.say(problem.key, problem.params)}</span>`,
    )}`;
}

/** `aria-invalid` for a control whose field has a problem. */
export function invalidMark(problems: readonly FormProblem[], field: string): SafeHtml {
  return problems.some((problem) => problem.field === field) ? html`aria-invalid="true"` : html``;
}

export function statusBadge(state: AdminState, article: Article): SafeHtml {
  const tone = article.status === 'sent' || article.status === 'sending' ? 'published' : 'draft';
  return html`<span class="badge ${tone}" data-status="${article.status}"
    >${state.say(`broadcast.status.${article.status}` as MessageKey)}</span
  >`;
}

export function urgentBadge(state: AdminState, article: Pick<Article, 'isUrgent'>): SafeHtml {
  return article.isUrgent
    ? html`<span class="badge critical">${state.say('web.broadcast.urgent')}</span>`
    : html``;
}

export function kindLabel(state: AdminState, kind: string): string {
  return kind === 'notice' || kind === 'hot' || kind === 'outage' || kind === 'best-case'
    ? state.say(kindKey(kind))
    : kind;
}

/** Read share of those it reached (delivered), as `42.5%`; a dash before anything was delivered. */
export function readRate(counts: ArticleCounts): string {
  return counts.delivered === 0 ? '—' : `${Math.round((counts.read / counts.delivered) * 1000) / 10}%`;
}

/**
 * Who an article goes to, in words: everyone, roles, departments/areas and duty groups by name (ids and
 * keys no longer known are shown as they are). A best case left without an audience says it goes to
 * every engineer, as it will.
 */
export function audienceSummary(
  state: AdminState,
  article: { readonly kind: Article['kind']; readonly audience: ArticleAudience },
  departments: readonly Department[],
  groups: readonly DutyGroupView[],
): string {
  const { say } = state;
  const audience = effectiveAudience(article);
  if (isEmptyAudience(audience)) return say('web.broadcast.audienceNone');
  if (audience.everyone) return say('web.broadcast.everyone');
  const parts = [
    ...audience.roles.map((role) => say(`web.role.${role}` as MessageKey)),
    ...audience.departmentIds.map(
      (id) => departments.find((department) => department.id === id)?.name ?? `#${id}`,
    ),
    ...audience.groupKeys.map((key) => groups.find((view) => view.group.key === key)?.group.name ?? key),
  ];
  const text = parts.join('、');
  return audience === article.audience ? text : say('web.broadcast.bestCaseDefault', { audience: text });
}

/** Duty groups by key, as names (for the SMS line). */
export function groupNames(keys: readonly string[], groups: readonly DutyGroupView[]): string {
  return keys.map((key) => groups.find((view) => view.group.key === key)?.group.name ?? key).join('、');
}

/** The article the route's `:id` names, for anyone who may read articles; 404 otherwise. */
export function loadArticleRecord(ctx: AdminContext, deps: AdminDeps): Promise<Article> {
  return loadVisibleRecord(
    ctx,
    'article',
    (id) => findArticle(deps.dataSource().manager, id),
    (user) => can(user, 'broadcast.read'),
  );
}

/** What the audit log keeps of an article: enough to see what changed, without the whole body. */
export function articleFacts(article: Article): Record<string, unknown> {
  return {
    kind: article.kind,
    title: article.title,
    status: article.status,
    version: article.version,
    isUrgent: article.isUrgent,
    audience: article.audience,
    smsGroups: article.smsGroups,
    tags: article.tags,
    hasCover: article.coverKey !== null,
    featuredWeek: article.featuredWeek,
    scheduledAt: article.scheduledAt?.toISOString() ?? null,
    bodyLength: article.body.length,
  };
}
