/**
 * The questions of the quiz bank: a list filtered by level, type, tag, active state and text, with
 * counts; the add/edit form (options one per line, answer letters or 对/错, explanation, tags, active),
 * and deactivate/reactivate. The form is checked by the import's rules: every problem is shown next to
 * its field and at the top, and the form comes back with exactly what was typed. It carries the version
 * it was rendered from: a save over someone else's change is refused (409), showing the current question
 * in the form and what was sent below it, so nothing typed is lost.
 */
import type Router from '@koa/router';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import {
  createQuizQuestion,
  findQuizQuestion,
  listQuizLevels,
  listQuizLevelSummaries,
  listQuizQuestions,
  listQuizTags,
  setQuizQuestionActive,
  splitQuizTags,
  updateQuizQuestion,
  QUIZ_LIMITS,
  QUIZ_TYPES,
  type QuizLevel,
  type QuizProblem,
  type QuizQuestion,
  type QuizQuestionForm,
  type QuizQuestionType,
} from '../../../bot/src/features/quiz';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { readCheckedForm } from '../security';
import { fieldProblems, inputField, textareaField } from './form-common';
import { problemsOf, quizActor as actor, type QuizNotice } from './quiz-common';
import { queryText } from './query';
import { dataTable } from './table';

const PAGE_SIZE = 50;

/** What the form shows: a question's values, or exactly what the editor sent. */
interface FormValues {
  readonly levelId: string;
  readonly type: string;
  readonly stem: string;
  /** One option per line. */
  readonly options: string;
  readonly answer: string;
  readonly explanation: string;
  readonly tags: string;
  readonly isActive: boolean;
}

const EMPTY: FormValues = {
  levelId: '',
  type: 'single',
  stem: '',
  options: '',
  answer: '',
  explanation: '',
  tags: '',
  isActive: true,
};

function valuesOf(question: QuizQuestion): FormValues {
  return {
    levelId: String(question.levelId),
    type: question.type,
    stem: question.stem,
    options: question.options.join('\n'),
    answer: question.answer,
    explanation: question.explanation ?? '',
    tags: question.tags.join(', '),
    isActive: question.isActive,
  };
}

function sentValues(form: Record<string, string>): FormValues {
  return {
    levelId: form.levelId ?? '',
    type: form.type ?? '',
    stem: form.stem ?? '',
    options: form.options ?? '',
    answer: form.answer ?? '',
    explanation: form.explanation ?? '',
    tags: form.tags ?? '',
    isActive: form.isActive === '1',
  };
}

/** The form as the commands take it: options one per line, tags split like the import's. */
function formInput(values: FormValues): QuizQuestionForm {
  return {
    levelId: /^\d{1,9}$/.test(values.levelId) ? Number(values.levelId) : Number.NaN,
    type: values.type,
    stem: values.stem,
    options: values.options.split(/\r?\n/),
    answer: values.answer,
    explanation: values.explanation,
    tags: splitQuizTags([values.tags]),
    isActive: values.isActive,
  };
}

const isType = (value: string): value is QuizQuestionType =>
  (QUIZ_TYPES as readonly string[]).includes(value);

function statusBadge(state: AdminState, question: QuizQuestion): SafeHtml {
  return question.isActive
    ? html`<span class="badge published">${state.say('web.quiz.active')}</span>`
    : html`<span class="badge draft">${state.say('web.quiz.inactive')}</span>`;
}

/** The deactivate/reactivate button for a question, as its own small form. */
function activeToggle(state: AdminState, question: QuizQuestion, back: string): SafeHtml {
  return html`<form method="post" action="/admin/quiz/questions/${question.id}/active" class="inline">
    ${csrfField(state)}
    <input type="hidden" name="version" value="${question.version}" />
    <input type="hidden" name="isActive" value="${question.isActive ? '0' : '1'}" />
    <input type="hidden" name="back" value="${back}" />
    <button type="submit" class="${question.isActive ? 'danger' : 'secondary'}">
      ${state.say(question.isActive ? 'web.quiz.deactivate' : 'web.quiz.reactivate')}
    </button>
  </form>`;
}

async function listPage(ctx: AdminContext, deps: AdminDeps, notice?: QuizNotice): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const writer = can(user, 'quiz.write');
  const levelId = Number(queryText(ctx, 'level')) || undefined;
  const type = queryText(ctx, 'type');
  const tag = queryText(ctx, 'tag', 40);
  const active = queryText(ctx, 'active');
  const search = queryText(ctx, 'q', 100);
  const page = Math.max(1, Math.min(10_000, Number(queryText(ctx, 'page')) || 1));
  const [summaries, tags, list] = await Promise.all([
    listQuizLevelSummaries(manager),
    listQuizTags(manager),
    listQuizQuestions(manager, {
      ...(levelId ? { levelId } : {}),
      ...(isType(type) ? { type } : {}),
      ...(tag ? { tag } : {}),
      ...(active === '1' || active === '0' ? { isActive: active === '1' } : {}),
      ...(search ? { search } : {}),
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    }),
  ]);
  const levelName = new Map(summaries.map(({ level }) => [level.id, level.name]));
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const filterQuery = new URLSearchParams({
    ...(levelId ? { level: String(levelId) } : {}),
    ...(isType(type) ? { type } : {}),
    ...(tag ? { tag } : {}),
    ...(active === '1' || active === '0' ? { active } : {}),
    ...(search ? { q: search } : {}),
  });
  const pageLink = (target: number) =>
    `/admin/quiz/questions?${new URLSearchParams([...filterQuery, ['page', String(target)]]).toString()}`;
  const back = `/admin/quiz/questions?${new URLSearchParams([...filterQuery, ['page', String(page)]]).toString()}`;
  const headings = {
    id: '#',
    level: say('web.quiz.levels'),
    type: say('web.quiz.type'),
    stem: say('web.quiz.stem'),
    answer: say('web.quiz.answer'),
    tags: say('web.quiz.tags'),
    status: say('web.quiz.status'),
  };
  const shown = notice ?? queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.quiz.questions'),
    active: 'quiz',
    ...(shown ? { notice: shown } : {}),
    body: html`<nav class="actions">
        <a class="button secondary" href="/admin/quiz">${say('web.quiz.levels')}</a>
        ${writer ? html`<a class="button" href="/admin/quiz/questions/new">${say('web.quiz.newQuestion')}</a>` : ''}
      </nav>
      <form method="get" action="/admin/quiz/questions" class="filters" id="question-filters">
        <input
          name="q"
          value="${search}"
          maxlength="100"
          placeholder="${say('web.quiz.search')}"
          aria-label="${say('web.quiz.search')}"
        />
        <label
          >${say('web.quiz.levels')}<select name="level">
            <option value="">${say('web.quiz.allLevels')}</option>
            ${summaries.map(
              ({ level }) =>
                html`<option value="${level.id}" ${level.id === levelId ? html`selected` : ''}>
                  ${level.name}
                </option>`,
            )}
          </select></label
        >
        <label
          >${say('web.quiz.type')}<select name="type">
            <option value="">${say('web.quiz.allTypes')}</option>
            ${QUIZ_TYPES.map(
              (value) =>
                html`<option value="${value}" ${value === type ? html`selected` : ''}>
                  ${say(`quiz.type.${value}`)}
                </option>`,
            )}
          </select></label
        >
        <label
          >${say('web.quiz.tags')}<select name="tag">
            <option value="">${say('web.quiz.allTags')}</option>
            ${tags.map((value) => html`<option value="${value}" ${value === tag ? html`selected` : ''}>${value}</option>`)}
          </select></label
        >
        <label
          >${say('web.quiz.status')}<select name="active">
            <option value="">${say('web.quiz.anyState')}</option>
            <option value="1" ${active === '1' ? html`selected` : ''}>${say('web.quiz.active')}</option>
            <option value="0" ${active === '0' ? html`selected` : ''}>${say('web.quiz.inactive')}</option>
          </select></label
        >
        <button type="submit">${say('web.quiz.filter')}</button>
      </form>
      <p id="question-count">
        ${say('web.quiz.count', { total: list.total, active: list.active, inactive: list.inactive })}
      </p>
      ${
        list.items.length === 0
          ? html`<p>${say('web.quiz.none')}</p>`
          : dataTable(
              'questions',
              Object.values(headings),
              list.items.map(
                (question) =>
                  html`<tr data-question="${question.id}">
                    <td data-label="${headings.id}">${question.id}</td>
                    <td data-label="${headings.level}">${levelName.get(question.levelId) ?? ''}</td>
                    <td data-label="${headings.type}">${say(`quiz.type.${question.type}`)}</td>
                    <td data-label="${headings.stem}">
                      <a href="/admin/quiz/questions/${question.id}">${question.stem}</a>
                    </td>
                    <td data-label="${headings.answer}">${question.answer}</td>
                    <td data-label="${headings.tags}">${question.tags.join(say('web.listSeparator'))}</td>
                    <td data-label="${headings.status}">${statusBadge(ctx.state, question)}</td>
                    ${writer ? html`<td>${activeToggle(ctx.state, question, back)}</td>` : ''}
                  </tr>`,
              ),
              { actionsColumn: writer },
            )
      }
      ${
        pages > 1
          ? html`<nav class="actions pager">
              ${page > 1 ? html`<a class="button secondary" href="${pageLink(page - 1)}">${say('web.kb.prev')}</a>` : ''}
              <span>${page} / ${pages}</span>
              ${page < pages ? html`<a class="button secondary" href="${pageLink(page + 1)}">${say('web.kb.next')}</a>` : ''}
            </nav>`
          : ''
      }`,
  });
}

async function formPage(
  ctx: AdminContext,
  deps: AdminDeps,
  options: {
    readonly question?: QuizQuestion;
    /** The version the form stands for: the question's, or the one the editor's form was rendered from. */
    readonly version?: number;
    readonly values: FormValues;
    readonly problems?: readonly QuizProblem[];
    readonly notice?: QuizNotice;
    /** On a conflict: what the editor sent, kept so nothing typed is lost. */
    readonly sent?: FormValues;
  },
): Promise<string> {
  const { say, user } = ctx.state;
  const { question, values } = options;
  const problems = options.problems ?? [];
  const writer = user ? can(user, 'quiz.write') : false;
  const levels: QuizLevel[] = await listQuizLevels(deps.dataSource().manager);
  const action = question ? `/admin/quiz/questions/${question.id}` : '/admin/quiz/questions';
  const invalid = (field: string) =>
    problems.some((problem) => problem.field === field) ? html`aria-invalid="true"` : '';
  const notice = options.notice ?? queryNotice(ctx);
  const levelName = (id: string) => levels.find((level) => String(level.id) === id)?.name ?? id;
  return layout(ctx.state, {
    title: question ? say('web.quiz.editTitle', { id: question.id }) : say('web.quiz.newQuestion'),
    active: 'quiz',
    ...(notice ? { notice } : {}),
    body: html`<nav class="actions">
        <a class="button secondary" href="/admin/quiz/questions">${say('web.quiz.questions')}</a>
      </nav>
      ${
        problems.length > 0
          ? html`<p>${say('web.quiz.problems')}</p>
              <ul class="errors" id="question-problems">
                ${problems.map((problem) => html`<li>${say(problem.key, problem.params)}</li>`)}
              </ul>`
          : ''
      }
      ${
        question
          ? html`<p class="hint" id="question-meta">
              ${statusBadge(ctx.state, question)} ${say('web.quiz.version', { version: question.version })} ·
              ${formatTime(ctx.state, question.updatedAt ?? question.createdAt, deps.timeZone)}
            </p>`
          : ''
      }
      <form method="post" action="${action}" class="card" id="question-form">
        ${csrfField(ctx.state)}
        ${question ? html`<input type="hidden" name="version" value="${options.version ?? question.version}" />` : ''}
        <fieldset ${writer ? '' : html`disabled`}>
          <label
            >${say('web.quiz.levels')}<select name="levelId" required ${invalid('level')}>
              <option value=""></option>
              ${levels.map(
                (level) =>
                  html`<option
                    value="${level.id}"
                    ${String(level.id) === values.levelId ? html`selected` : ''}
                  >
                    ${level.name}
                  </option>`,
              )}
            </select></label
          >
          ${fieldProblems(ctx.state, problems, 'level')}
          <label
            >${say('web.quiz.type')}<select name="type" ${invalid('type')}>
              ${QUIZ_TYPES.map(
                (value) =>
                  html`<option value="${value}" ${value === values.type ? html`selected` : ''}>
                    ${say(`quiz.type.${value}`)}
                  </option>`,
              )}
            </select></label
          >
          ${fieldProblems(ctx.state, problems, 'type')}
          ${textareaField(ctx.state, {
            label: say('web.quiz.stem'),
            name: 'stem',
            value: values.stem,
            rows: 3,
            problems,
            required: true,
            maxLength: QUIZ_LIMITS.stem,
          })}
          ${textareaField(ctx.state, {
            label: say('web.quiz.options'),
            name: 'options',
            value: values.options,
            rows: 6,
            problems,
          })}
          ${inputField(ctx.state, {
            label: say('web.quiz.answer'),
            name: 'answer',
            value: values.answer,
            problems,
            maxLength: 20,
          })}
          <p class="hint">${say('web.quiz.answerHint')}</p>
          ${textareaField(ctx.state, {
            label: say('web.quiz.explanation'),
            name: 'explanation',
            value: values.explanation,
            rows: 3,
            problems,
            maxLength: QUIZ_LIMITS.explanation,
          })}
          ${inputField(ctx.state, {
            label: say('web.quiz.tags'),
            name: 'tags',
            value: values.tags,
            problems,
            placeholder: say('web.quiz.tagsHint'),
          })}
          <label class="check"
            ><input type="checkbox" name="isActive" value="1" ${values.isActive ? html`checked` : ''} />
            ${say('web.quiz.isActive')}</label
          >
          <button type="submit">${say('web.quiz.save')}</button>
        </fieldset>
      </form>
      ${question && writer ? html`<div class="actions">${activeToggle(ctx.state, question, action)}</div>` : ''}
      ${
        options.sent
          ? html`<section class="card" id="question-sent">
              <h2>${say('web.quiz.yourInput')}</h2>
              <dl class="facts">
                <dt>${say('web.quiz.levels')}</dt>
                <dd>${levelName(options.sent.levelId)}</dd>
                <dt>${say('web.quiz.type')}</dt>
                <dd>
                  ${isType(options.sent.type) ? say(`quiz.type.${options.sent.type}`) : options.sent.type}
                </dd>
                <dt>${say('web.quiz.answer')}</dt>
                <dd>${options.sent.answer}</dd>
                <dt>${say('web.quiz.tags')}</dt>
                <dd>${options.sent.tags}</dd>
                <dt>${say('web.quiz.status')}</dt>
                <dd>${say(options.sent.isActive ? 'web.quiz.active' : 'web.quiz.inactive')}</dd>
              </dl>
              <label
                >${say('web.quiz.stem')}<textarea readonly rows="3">${options.sent.stem}</textarea>
              </label>
              <label
                >${say('web.quiz.options')}<textarea readonly rows="6">${options.sent.options}</textarea>
              </label>
              <label
                >${say('web.quiz.explanation')}<textarea readonly rows="3">
${options.sent.explanation}</textarea>
              </label>
            </section>`
          : ''
      }`,
  });
}

/** The question named by the route's `:id`, or 404. */
async function loadQuestion(ctx: AdminContext, deps: AdminDeps): Promise<QuizQuestion> {
  const question = await findQuizQuestion(deps.dataSource().manager, Number(ctx.params.id));
  if (!question) throw new AppError('NOT_FOUND', `quiz question ${ctx.params.id}`);
  return question;
}

/** Only back to a question page or the question list (never elsewhere). */
function safeBack(back: string | undefined, fallback: string): string {
  return back && /^\/admin\/quiz\/questions(\/\d+)?(\?[^\\\r\n]*)?$/.test(back) ? back : fallback;
}

/**
 * Answers a change made over someone else's (409): the question as it is now, with what was sent (if a
 * whole form was) beside it so nothing typed is lost.
 */
async function showConflict(ctx: AdminContext, deps: AdminDeps, sent?: FormValues): Promise<void> {
  const current = await loadQuestion(ctx, deps);
  ctx.status = 409;
  ctx.type = 'html';
  ctx.body = await formPage(ctx, deps, {
    question: current,
    values: valuesOf(current),
    notice: { kind: 'error', text: ctx.state.say('web.quiz.conflict') },
    ...(sent ? { sent } : {}),
  });
}

export function quizQuestionRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'quiz.read' | 'quiz.write') => AdminMiddleware,
): void {
  router.get('/admin/quiz/questions', guard('quiz.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await listPage(ctx, deps);
  });

  router.get('/admin/quiz/questions/new', guard('quiz.write'), async (ctx) => {
    const level = queryText(ctx, 'level');
    ctx.type = 'html';
    ctx.body = await formPage(ctx, deps, { values: { ...EMPTY, levelId: /^\d+$/.test(level) ? level : '' } });
  });

  router.post('/admin/quiz/questions', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const values = sentValues(form);
    let created: QuizQuestion;
    try {
      created = await inTransaction(deps.dataSource(), (manager) =>
        createQuizQuestion({ manager, ...actor(ctx), form: formInput(values) }),
      );
    } catch (error) {
      const problems = problemsOf(error);
      if (!problems) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = await formPage(ctx, deps, { values, problems });
      return;
    }
    ctx.redirect(withNotice(`/admin/quiz/questions/${created.id}`, 'web.saved'));
  });

  router.get('/admin/quiz/questions/:id', guard('quiz.read'), async (ctx) => {
    const question = await loadQuestion(ctx, deps);
    ctx.type = 'html';
    ctx.body = await formPage(ctx, deps, { question, values: valuesOf(question) });
  });

  router.post('/admin/quiz/questions/:id', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const question = await loadQuestion(ctx, deps);
    const values = sentValues(form);
    const version = Number(form.version);
    try {
      await inTransaction(deps.dataSource(), (manager) =>
        updateQuizQuestion({ manager, ...actor(ctx), id: question.id, version, form: formInput(values) }),
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'CONFLICT') {
        ctx.state.log.info({ reason: error.message }, 'quiz question edit refused: stale version');
        await showConflict(ctx, deps, values);
        return;
      }
      const problems = problemsOf(error);
      if (!problems) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = await formPage(ctx, deps, { question, version, values, problems });
      return;
    }
    ctx.redirect(withNotice(`/admin/quiz/questions/${question.id}`, 'web.saved'));
  });

  router.post('/admin/quiz/questions/:id/active', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const question = await loadQuestion(ctx, deps);
    const back = safeBack(form.back, `/admin/quiz/questions/${question.id}`);
    try {
      await inTransaction(deps.dataSource(), (manager) =>
        setQuizQuestionActive({
          manager,
          ...actor(ctx),
          id: question.id,
          version: Number(form.version),
          isActive: form.isActive === '1',
        }),
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'CONFLICT') throw error;
      ctx.state.log.info({ reason: error.message }, 'quiz question (de)activation refused: stale version');
      await showConflict(ctx, deps);
      return;
    }
    ctx.redirect(withNotice(back, 'web.saved'));
  });
}
