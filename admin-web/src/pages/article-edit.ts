/**
 * Writing an article (tier-2 and admins): kind, title, summary, Markdown body with a server-rendered
 * preview (the handbook's safe renderer), cover photo, tags, audience (everyone, roles, departments/areas,
 * duty groups), urgency, SMS groups for outage alerts, the week a best case is pushed, and what to do with
 * it: preview, save, schedule for a local date-time, or send now (which saves and then asks to confirm).
 *
 * Nothing typed is ever lost: a refused save shows every problem next to its field with the form as it
 * was sent (a newly chosen cover included, carried signed); a save over someone else's change (409)
 * shows the current article in the form and what was sent beside it. Saving and scheduling happen in one
 * transaction with their audit entries, so a refused schedule leaves the article as it was.
 */
import type Router from '@koa/router';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import {
  ARTICLE_KINDS,
  ARTICLE_LIMITS,
  EDITABLE_STATUSES,
  bestCaseScheduleSetting,
  findArticle,
  saveArticleDraft,
  scheduleArticle,
  updateArticle,
  type Article,
  type ArticleInput,
  type ArticleKind,
  type BroadcastProblem,
} from '../../../bot/src/features/broadcast';
import { parseTags } from '../../../bot/src/features/knowledge';
import { readSetting } from '../../../bot/src/features/settings';
import { recordAudit } from '../../../bot/src/features/audit';
import {
  listDepartments,
  listDutyGroups,
  ROLES,
  type Role,
  type Staff,
} from '../../../bot/src/features/staff';
import type { MessageKey } from '../../../bot/src/i18n';
import { isoWeek } from '../../../bot/src/zoned-time';
import type { EntityManager } from 'typeorm';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { trustedKbMarkdown } from '../kb-markdown';
import { csrfField, layout } from '../layout';
import { withNotice } from '../notice';
import {
  formVersion,
  keptCover,
  localDateTimeInput,
  parseLocalDateTime,
  readBroadcastForm,
  receiveCover,
  refusalStatus,
  type BroadcastForm,
  type FormProblem,
} from './broadcast-form';
import {
  articleFacts,
  cancelScheduleForm,
  coverFieldset,
  kindLabel,
  loadArticleRecord,
  missingBaseUrlNotice,
  problemList,
  urgentBadge,
} from './broadcast-view';
import { fieldProblems, inputField, invalidMark, textareaField, validationProblems } from './form-common';

type Notice = { readonly kind: 'ok' | 'error'; readonly text: string };
type Intent = 'preview' | 'save' | 'schedule' | 'send';

/** What the form shows: an article's values, or exactly what the editor sent. */
export interface ArticleFormValues {
  readonly kind: string;
  readonly title: string;
  readonly summary: string;
  readonly body: string;
  readonly tags: string;
  readonly everyone: boolean;
  readonly roles: readonly string[];
  readonly departmentIds: readonly string[];
  readonly groupKeys: readonly string[];
  readonly isUrgent: boolean;
  readonly smsGroups: readonly string[];
  /** "Push it this Friday": the current ISO week. */
  readonly featuredThisWeek: boolean;
  /** Another week (`2026-W48`), from the week picker. */
  readonly featuredWeek: string;
  /** `datetime-local` text, in the configured time zone. */
  readonly scheduledAt: string;
  readonly removeCover: boolean;
  /** A cover uploaded with this form and not saved yet. */
  readonly pendingCover: string | null;
}

const EMPTY: ArticleFormValues = {
  kind: 'notice',
  title: '',
  summary: '',
  body: '',
  tags: '',
  everyone: false,
  roles: [],
  departmentIds: [],
  groupKeys: [],
  isUrgent: false,
  smsGroups: [],
  featuredThisWeek: false,
  featuredWeek: '',
  scheduledAt: '',
  removeCover: false,
  pendingCover: null,
};

function valuesOf(article: Article, thisWeek: string, timeZone: string): ArticleFormValues {
  const isThisWeek = article.featuredWeek === thisWeek;
  return {
    kind: article.kind,
    title: article.title,
    summary: article.summary,
    body: article.body,
    tags: article.tags.join(', '),
    everyone: article.audience.everyone,
    roles: article.audience.roles,
    departmentIds: article.audience.departmentIds.map(String),
    groupKeys: article.audience.groupKeys,
    isUrgent: article.isUrgent,
    smsGroups: article.smsGroups,
    featuredThisWeek: isThisWeek,
    featuredWeek: isThisWeek ? '' : (article.featuredWeek ?? ''),
    scheduledAt: article.status === 'scheduled' ? localDateTimeInput(article.scheduledAt, timeZone) : '',
    removeCover: false,
    pendingCover: null,
  };
}

function sentValues(form: BroadcastForm, cover: string | null): ArticleFormValues {
  return {
    kind: form.text('kind'),
    title: form.text('title'),
    summary: form.text('summary'),
    body: form.text('body'),
    tags: form.text('tags'),
    everyone: form.isChecked('everyone'),
    roles: form.list('roles'),
    departmentIds: form.list('departmentIds'),
    groupKeys: form.list('groupKeys'),
    isUrgent: form.isChecked('isUrgent'),
    smsGroups: form.list('smsGroups'),
    featuredThisWeek: form.isChecked('featuredThisWeek'),
    featuredWeek: form.text('featuredWeek'),
    scheduledAt: form.text('scheduledAt'),
    removeCover: form.isChecked('removeCover'),
    pendingCover: cover,
  };
}

/** The form as the commands take it (the commands check everything; ids that are not ids are dropped). */
function inputOf(values: ArticleFormValues, coverKey: string | null, thisWeek: string): ArticleInput {
  return {
    kind: values.kind as ArticleKind,
    title: values.title,
    summary: values.summary,
    body: values.body,
    coverKey,
    tags: parseTags(values.tags),
    audience: {
      everyone: values.everyone,
      roles: values.roles as Role[],
      departmentIds: values.departmentIds.filter((id) => /^\d{1,9}$/.test(id)).map(Number),
      groupKeys: [...values.groupKeys],
    },
    isUrgent: values.isUrgent,
    smsGroups: [...values.smsGroups],
    featuredWeek: values.featuredThisWeek ? thisWeek : values.featuredWeek.trim() || null,
  };
}

const selected = (on: boolean) => (on ? html`selected` : html``);
const checked = (on: boolean) => (on ? html`checked` : html``);

interface FormOptions {
  readonly article?: Article;
  /** The version the form stands for: the article's, or the one the editor's form was rendered from. */
  readonly version?: number;
  readonly values: ArticleFormValues;
  readonly problems?: readonly FormProblem[];
  readonly notice?: Notice;
  /** Show the body as it will be read. */
  readonly preview?: boolean;
  /** On a conflict: what the editor sent, kept so nothing typed is lost. */
  readonly sent?: ArticleFormValues;
}

/** Who it goes to (audience), how (urgency) and who also gets an SMS (outage alerts). */
async function deliveryFields(
  state: AdminState,
  manager: EntityManager,
  values: ArticleFormValues,
  problems: readonly FormProblem[],
): Promise<SafeHtml> {
  const { say } = state;
  const [departments, groups] = await Promise.all([listDepartments(manager), listDutyGroups(manager)]);
  const departmentOptions = (kind: 'area' | 'tier3') =>
    departments
      .filter((department) => department.kind === kind)
      .map(
        (department) =>
          html`<option
            value="${department.id}"
            ${selected(values.departmentIds.includes(String(department.id)))}
          >
            ${department.name}
          </option>`,
      );
  const groupOptions = (chosen: readonly string[]) =>
    groups.map(
      ({ group }) =>
        html`<option value="${group.key}" ${selected(chosen.includes(group.key))}>${group.name}</option>`,
    );
  return html`<fieldset id="article-audience" ${invalidMark(problems, 'audience')}>
      <legend>${say('web.broadcast.audience')}</legend>
      <label class="check"
        ><input type="checkbox" name="everyone" value="1" ${checked(values.everyone)} />
        ${say('web.broadcast.everyone')}</label
      >
      <p class="hint">${say('web.broadcast.roles')}</p>
      ${ROLES.map(
        (role) =>
          html`<label class="check"
            ><input type="checkbox" name="roles" value="${role}" ${checked(values.roles.includes(role))} />
            ${say(`web.role.${role}` as MessageKey)}</label
          >`,
      )}
      <label
        >${say('web.broadcast.departments')}<select name="departmentIds" multiple size="6">
          <optgroup label="${say('web.broadcast.areas')}">${departmentOptions('area')}</optgroup>
          <optgroup label="${say('web.broadcast.tier3Departments')}">${departmentOptions('tier3')}</optgroup>
        </select></label
      >
      <label
        >${say('web.broadcast.groups')}<select name="groupKeys" multiple size="4">
          ${groupOptions(values.groupKeys)}
        </select></label
      >
      <p class="hint">${say('web.broadcast.audienceHint')}</p>
      ${fieldProblems(state, problems, 'audience')}
    </fieldset>
    <label class="check"
      ><input
        type="checkbox"
        name="isUrgent"
        value="1"
        ${checked(values.isUrgent || values.kind === 'outage')}
      />
      ${say('web.broadcast.isUrgent')}</label
    >
    <p class="hint">${say('web.broadcast.urgentHint')}</p>
    <fieldset id="article-sms" ${invalidMark(problems, 'smsGroups')}>
      <legend>${say('web.broadcast.smsGroups')}</legend>
      <label
        >${say('web.broadcast.groups')}<select name="smsGroups" multiple size="4">
          ${groupOptions(values.smsGroups)}
        </select></label
      >
      <p class="hint">${say('web.broadcast.smsHint')}</p>
      ${fieldProblems(state, problems, 'smsGroups')}
    </fieldset>`;
}

async function featuredFields(
  state: AdminState,
  deps: AdminDeps,
  values: ArticleFormValues,
  problems: readonly FormProblem[],
): Promise<SafeHtml> {
  const { say } = state;
  const schedule = (await readSetting(deps.dataSource().manager, bestCaseScheduleSetting)).value;
  const thisWeek = isoWeek(new Date(), deps.timeZone);
  return html`<fieldset id="article-featured" ${invalidMark(problems, 'featuredWeek')}>
    <legend>${say('web.broadcast.featured')}</legend>
    <label class="check"
      ><input type="checkbox" name="featuredThisWeek" value="1" ${checked(values.featuredThisWeek)} /> ${say(
        'web.broadcast.featuredThisWeek',
        {
          week: thisWeek,
          weekday: say(`broadcast.weekday.${schedule.pushWeekday}` as MessageKey),
          time: schedule.pushTime,
        },
      )}</label
    >
    <label
      >${say('web.broadcast.featuredWeek')}<input
        type="week"
        name="featuredWeek"
        value="${values.featuredWeek}"
        placeholder="2026-W48"
    /></label>
    <p class="hint">
      ${say('web.broadcast.featuredHint', {
        weekday: say(`broadcast.weekday.${schedule.warnWeekday}` as MessageKey),
        time: schedule.warnTime,
      })}
    </p>
    ${fieldProblems(state, problems, 'featuredWeek')}
  </fieldset>`;
}

function previewCard(state: AdminState, values: ArticleFormValues): SafeHtml {
  const { say } = state;
  return html`<section class="card" id="article-preview">
    <h2>${say('web.broadcast.previewTitle')}</h2>
    <p>
      ${kindLabel(state, values.kind)}
      ${urgentBadge(state, { isUrgent: values.isUrgent || values.kind === 'outage' })}
    </p>
    <h2 id="article-preview-title">${values.title}</h2>
    ${values.summary ? html`<p class="hint">${values.summary}</p>` : ''} ${trustedKbMarkdown(values.body)}
  </section>`;
}

function sentCard(state: AdminState, sent: ArticleFormValues): SafeHtml {
  const { say } = state;
  return html`<section class="card" id="article-sent">
    <h2>${say('web.broadcast.yourInput')}</h2>
    <label>${say('web.broadcast.articleTitle')}<input readonly value="${sent.title}" /></label>
    <label>${say('web.broadcast.summary')}<textarea readonly rows="2">${sent.summary}</textarea></label>
    <label>${say('web.broadcast.body')}<textarea readonly rows="10">${sent.body}</textarea></label>
    <label>${say('web.broadcast.tags')}<input readonly value="${sent.tags}" /></label>
  </section>`;
}

async function formPage(ctx: AdminContext, deps: AdminDeps, options: FormOptions): Promise<string> {
  const { say } = ctx.state;
  const state = ctx.state;
  const { article, values } = options;
  const problems = options.problems ?? [];
  const action = article ? `/admin/articles/${article.id}/edit` : '/admin/articles/new';
  const manager = deps.dataSource().manager;
  const isScheduled = article?.status === 'scheduled';
  const notice = options.notice ?? missingBaseUrlNotice(state, deps);
  return layout(state, {
    title: article ? say('web.broadcast.editTitle', { title: article.title }) : say('web.broadcast.new'),
    active: 'articles',
    ...(notice ? { notice } : {}),
    body: html`<nav class="actions">
        <a class="button secondary" href="/admin/articles">${say('web.broadcast.list')}</a>
        ${article ? html`<a class="button secondary" href="/admin/articles/${article.id}">${say('web.broadcast.view')}</a>` : ''}
      </nav>
      ${problemList(state, problems, 'article-problems')} ${options.preview ? previewCard(state, values) : ''}
      <form method="post" action="${action}" enctype="multipart/form-data" class="card" id="article-form">
        ${csrfField(state)}
        ${article ? html`<input type="hidden" name="version" value="${options.version ?? article.version}" />` : ''}
        <label
          >${say('web.broadcast.kind')}<select name="kind" ${invalidMark(problems, 'kind')}>
            ${ARTICLE_KINDS.map(
              (kind) =>
                html`<option value="${kind}" ${selected(kind === values.kind)}>
                  ${kindLabel(state, kind)}
                </option>`,
            )}
          </select></label
        >
        ${fieldProblems(state, problems, 'kind')}
        ${inputField(state, {
          label: say('web.broadcast.articleTitle'),
          name: 'title',
          value: values.title,
          problems,
          required: true,
          maxLength: ARTICLE_LIMITS.title,
        })}
        ${textareaField(state, {
          label: say('web.broadcast.summary'),
          name: 'summary',
          value: values.summary,
          rows: 2,
          problems,
          maxLength: ARTICLE_LIMITS.summary,
          hint: say('web.broadcast.summaryHint'),
        })}
        ${textareaField(state, {
          label: say('web.broadcast.body'),
          name: 'body',
          value: values.body,
          rows: 16,
          problems,
          maxLength: ARTICLE_LIMITS.body,
          hint: say('web.broadcast.bodyHint'),
        })}
        ${coverFieldset(state, {
          label: 'web.broadcast.cover',
          savedCoverUrl: article?.coverKey ? `/admin/articles/${article.id}/cover` : undefined,
          pendingHintId: 'article-pending-cover',
          values,
          problems,
        })}
        ${inputField(state, {
          label: say('web.broadcast.tags'),
          name: 'tags',
          value: values.tags,
          problems,
          placeholder: say('web.broadcast.tagsHint'),
        })}
        ${await deliveryFields(state, manager, values, problems)}
        ${await featuredFields(state, deps, values, problems)}
        ${inputField(state, {
          label: say('web.broadcast.scheduledAt', { zone: deps.timeZone }),
          type: 'datetime-local',
          name: 'scheduledAt',
          value: values.scheduledAt,
          problems,
        })}
        <div class="actions">
          <button type="submit" name="intent" value="preview" class="secondary" formnovalidate>
            ${say('web.broadcast.preview')}
          </button>
          <button type="submit" name="intent" value="save" class="secondary">
            ${say(isScheduled ? 'web.broadcast.save' : 'web.broadcast.saveDraft')}
          </button>
          <button type="submit" name="intent" value="schedule">${say('web.broadcast.schedule')}</button>
          <button type="submit" name="intent" value="send" class="danger">
            ${say('web.broadcast.sendNow')}
          </button>
        </div>
        <p class="hint">${say('web.broadcast.sendHint')}</p>
      </form>
      ${article && isScheduled ? cancelScheduleForm(state, article, 'card') : ''}
      ${options.sent ? sentCard(state, options.sent) : ''}`,
  });
}

function intentOf(value: string): Intent {
  return value === 'preview' || value === 'schedule' || value === 'send' ? value : 'save';
}

async function audit(
  manager: EntityManager,
  ctx: AdminContext,
  action: 'create' | 'update' | 'schedule',
  article: Article,
  before: Article | undefined,
): Promise<void> {
  await recordAudit({
    manager,
    actor: ctx.state.user?.staffNo ?? '?',
    action: `article.${action}`,
    recordType: 'article',
    recordId: article.id,
    ...(before ? { before: articleFacts(before) } : {}),
    after: articleFacts(article),
    ip: ctx.ip,
  });
}

/** The article's page once saved: its detail, or the send confirmation when "send now" was pressed. */
function nextPage(article: Article, intent: Intent): string {
  return intent === 'send'
    ? `/admin/articles/${article.id}/send`
    : withNotice(
        `/admin/articles/${article.id}`,
        intent === 'schedule' ? 'web.broadcast.scheduledDone' : 'web.saved',
      );
}

/** Handles a post of the form, for a new article (`existing` undefined) or an existing one. */
async function submit(
  ctx: AdminContext,
  deps: AdminDeps,
  user: Staff,
  form: BroadcastForm,
  existing?: Article,
) {
  const now = new Date();
  const thisWeek = isoWeek(now, deps.timeZone);
  const intent = intentOf(form.text('intent'));
  const { problems, cover } = await receiveCover(ctx.state, deps.storage, form);
  const values = sentValues(form, cover);
  const version = formVersion(form, existing !== undefined);
  const render = async (status: number, options: Omit<FormOptions, 'article' | 'version'>) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = await formPage(ctx, deps, { ...(existing ? { article: existing, version } : {}), ...options });
  };
  if (intent === 'preview')
    return render(problems.length > 0 ? 400 : 200, { values, problems, preview: true });
  const at = intent === 'schedule' ? parseLocalDateTime(values.scheduledAt, deps.timeZone) : undefined;
  if (intent === 'schedule' && !at)
    problems.push({ field: 'scheduledAt', key: 'broadcast.error.scheduledAt' });
  if (problems.length > 0) return render(refusalStatus(problems), { values, problems });
  const input = inputOf(values, keptCover(values, existing?.coverKey), thisWeek);
  let saved: Article;
  try {
    saved = await inTransaction(deps.dataSource(), async (manager) => {
      let article = existing
        ? await updateArticle({ manager, id: existing.id, version: version ?? 0, changes: input, now })
        : await saveArticleDraft({ manager, input, authorId: user.id, now });
      await audit(manager, ctx, existing ? 'update' : 'create', article, existing);
      if (at) {
        const before = article;
        article = await scheduleArticle({ manager, id: article.id, version: article.version, at, now });
        await audit(manager, ctx, 'schedule', article, before);
      }
      return article;
    });
  } catch (error) {
    if (
      existing &&
      error instanceof AppError &&
      (error.code === 'CONFLICT' || error.code === 'ILLEGAL_TRANSITION')
    ) {
      ctx.state.log.info({ code: error.code, reason: error.message }, 'article save refused');
      const current = (await findArticle(deps.dataSource().manager, existing.id)) ?? existing;
      const editable = EDITABLE_STATUSES.includes(current.status);
      ctx.status = 409;
      ctx.type = 'html';
      ctx.body = await formPage(ctx, deps, {
        article: current,
        values: { ...valuesOf(current, thisWeek, deps.timeZone), pendingCover: values.pendingCover },
        notice: {
          kind: 'error',
          text: ctx.state.say(editable ? 'web.broadcast.conflict' : 'web.broadcast.notEditable', {
            status: ctx.state.say(`broadcast.status.${current.status}` as MessageKey),
          }),
        },
        sent: values,
      });
      return;
    }
    const found = validationProblems<BroadcastProblem>(error);
    if (!found) throw error;
    return render(400, { values, problems: found });
  }
  ctx.redirect(nextPage(saved, intent));
}

export function articleEditRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'broadcast.write') => AdminMiddleware,
): void {
  router.get('/admin/articles/new', guard('broadcast.write'), async (ctx) => {
    const kind = (ARTICLE_KINDS as readonly string[]).includes(String(ctx.query.kind))
      ? String(ctx.query.kind)
      : 'notice';
    ctx.type = 'html';
    ctx.body = await formPage(ctx, deps, { values: { ...EMPTY, kind, isUrgent: kind === 'outage' } });
  });

  router.post('/admin/articles/new', guard('broadcast.write'), async (ctx) => {
    const form = await readBroadcastForm(ctx);
    const user = ctx.state.user;
    if (!user) return;
    await submit(ctx, deps, user, form);
  });

  router.get('/admin/articles/:id/edit', guard('broadcast.write'), async (ctx) => {
    const article = await loadArticleRecord(ctx, deps);
    if (!EDITABLE_STATUSES.includes(article.status)) {
      ctx.redirect(`/admin/articles/${article.id}`);
      return;
    }
    ctx.type = 'html';
    ctx.body = await formPage(ctx, deps, {
      article,
      values: valuesOf(article, isoWeek(new Date(), deps.timeZone), deps.timeZone),
    });
  });

  router.post('/admin/articles/:id/edit', guard('broadcast.write'), async (ctx) => {
    const form = await readBroadcastForm(ctx);
    const article = await loadArticleRecord(ctx, deps);
    const user = ctx.state.user;
    if (!user) return;
    await submit(ctx, deps, user, form, article);
  });
}
