/**
 * Pieces the article and video pages share: the list of problems at the top of a form (those beside their
 * field come from form-common), the cover fieldset (coverFieldset), the "cancel the schedule" button
 * (cancelScheduleForm), the warning when PUBLIC_BASE_URL is missing (missingBaseUrlNotice), status and
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
import { csrfField } from '../layout';
import { loadVisibleRecord } from '../record-actions';
import { signPendingCover, type FormProblem } from './broadcast-form';
import { fieldProblems, invalidMark } from './form-common';

/** Every problem, at the top of a form (`id` names the list for tests and screen readers). */
export function problemList(state: AdminState, problems: readonly FormProblem[], id: string): SafeHtml {
  if (problems.length === 0) return html``;
  return html`<p>${state.say('web.broadcast.problems')}</p>
    <ul class="errors" id="${id}">
      ${problems.map((problem) => html`<li>${state.say(problem.key, problem.params)}</li>`)}
    </ul>`;
}

/**
 * The cover picture part of the article and video forms: the saved cover with a "remove" box (unless a
 * new one is pending), the pending cover carried signed in hidden fields, and the file chooser.
 */
export function coverFieldset(
  state: AdminState,
  options: {
    /** Legend of the fieldset and alt text of the saved cover. */
    readonly label: MessageKey;
    /** Where the saved cover is served; undefined when there is none. */
    readonly savedCoverUrl: string | undefined;
    /** Id of the "a new cover is waiting" hint. */
    readonly pendingHintId: string;
    readonly values: { readonly removeCover: boolean; readonly pendingCover: string | null };
    readonly problems: readonly FormProblem[];
  },
): SafeHtml {
  const { say } = state;
  const { values, problems } = options;
  const saved =
    options.savedCoverUrl && !values.pendingCover
      ? html`<label class="check photo"
          ><img src="${options.savedCoverUrl}" alt="${say(options.label)}" loading="lazy" />
          <input type="checkbox" name="removeCover" value="1" ${values.removeCover ? html`checked` : ''} />
          ${say('web.broadcast.removeCover')}</label
        >`
      : '';
  const pending = values.pendingCover
    ? html`<p class="hint" id="${options.pendingHintId}">${say('web.broadcast.coverPending')}</p>
        <input type="hidden" name="pendingCover" value="${values.pendingCover}" />
        <input
          type="hidden"
          name="pendingCoverSig"
          value="${signPendingCover(state, values.pendingCover)}"
        />`
    : '';
  return html`<fieldset class="edit-photos" ${invalidMark(problems, 'cover')}>
    <legend>${say(options.label)}</legend>
    ${saved} ${pending}
    <label
      >${say('web.broadcast.chooseCover')}<input type="file" name="cover" accept="image/jpeg,image/png"
    /></label>
    ${fieldProblems(state, problems, 'cover')}
  </fieldset>`;
}

/**
 * The "cancel the schedule" button of a scheduled article, posting the version it was shown at so that a
 * cancel over someone else's change is refused. `formClass` is the form's class: `inline` in an action bar,
 * `card` on its own under the edit form.
 */
export function cancelScheduleForm(
  state: AdminState,
  article: Article,
  formClass: 'inline' | 'card',
): SafeHtml {
  return html`<form
    method="post"
    action="/admin/articles/${article.id}/cancel"
    class="${formClass}"
    id="article-cancel"
  >
    ${csrfField(state)}
    <input type="hidden" name="version" value="${article.version}" />
    <button type="submit" class="danger">${state.say('web.broadcast.cancelSchedule')}</button>
  </form>`;
}

/**
 * For people who may send: a warning that sending cannot work yet because PUBLIC_BASE_URL is not set (the
 * cards' links would not open on phones), shown before they write a whole article only to be refused.
 */
export function missingBaseUrlNotice(
  state: AdminState,
  deps: AdminDeps,
): { readonly kind: 'error'; readonly text: string } | undefined {
  if (!state.user || !can(state.user, 'broadcast.write') || deps.linkBaseUrl?.()) return undefined;
  return { kind: 'error', text: state.say('broadcast.error.noPublicBaseUrl') };
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
function readRate(counts: ArticleCounts): string {
  return counts.delivered === 0 ? '—' : `${Math.round((counts.read / counts.delivered) * 1000) / 10}%`;
}

/** How many read it, with the read rate, as the reader's language writes it: `12（42.5%）`, `12 (42.5%)`. */
export function readCount(state: AdminState, counts: ArticleCounts): string {
  return state.say('web.broadcast.readRate', { count: counts.read, rate: readRate(counts) });
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
  const text = parts.join(say('web.listSeparator'));
  return audience === article.audience ? text : say('web.broadcast.bestCaseDefault', { audience: text });
}

/** Duty groups by key, as names in a list of the reader's language (for the SMS line). */
export function groupNames(
  state: AdminState,
  keys: readonly string[],
  groups: readonly DutyGroupView[],
): string {
  return keys
    .map((key) => groups.find((view) => view.group.key === key)?.group.name ?? key)
    .join(state.say('web.listSeparator'));
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
