/**
 * The quiz bank (我爱闯关题库) in the back office: the levels in play order with their settings edited in
 * place and moved up or down, a level added, the bank imported (questions and/or a levels file, CSV or
 * JSON, strictly UTF-8: every error listed by file and row, nothing imported while any is wrong; a
 * successful import redirects back with its counts) and exported. Readers (quiz.read: tier-2, managers)
 * see the levels and download the exports; admins (quiz.write) change them. A settings form carries the
 * version it was rendered from, so a save over someone else's change is refused (409) with the current
 * settings and what was typed both shown.
 */
import type Router from '@koa/router';
import Busboy from 'busboy';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import {
  checkQuizImport,
  checkQuizLevelsImport,
  createQuizLevel,
  exportQuizLevels,
  exportQuizQuestions,
  findQuizLevel,
  importFailuresOf,
  importQuizBank,
  listQuizLevelSummaries,
  moveQuizLevel,
  updateQuizLevel,
  LEVEL_DEFAULTS,
  QUIZ_IMPORT_HEADER,
  QUIZ_LEVELS_HEADER,
  QUIZ_LIMITS,
  type QuizExportFormat,
  type QuizImportError,
  type QuizImportPart,
  type QuizImportSource,
  type QuizLevel,
  type QuizProblem,
} from '../../../bot/src/features/quiz';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { checkCsrf, readCheckedForm } from '../security';
import { fieldProblems } from './form-common';
import { problemsOf, quizActor as actor, type QuizNotice } from './quiz-common';
import { dataTable } from './table';

const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** A level's settings as typed (every field is text until checked). */
interface LevelValues {
  readonly name: string;
  readonly questionsPerAttempt: string;
  readonly passPercent: string;
  readonly points: string;
}

/** A level form sent back to its editor: which one, what they typed, and what was wrong. */
interface LevelFormState {
  readonly id: number | 'new';
  readonly values: LevelValues;
  readonly problems: readonly QuizProblem[];
  /** On a conflict: what they typed, shown beside the current settings. */
  readonly sent?: LevelValues;
}

interface LevelsPageExtra {
  readonly notice?: QuizNotice;
  readonly levelForm?: LevelFormState;
  readonly importErrors?: SafeHtml;
}

const valuesOf = (level: QuizLevel): LevelValues => ({
  name: level.name,
  questionsPerAttempt: String(level.questionsPerAttempt),
  passPercent: String(level.passPercent),
  points: String(level.points),
});

const sentValues = (form: Record<string, string>): LevelValues => ({
  name: form.name ?? '',
  questionsPerAttempt: form.questionsPerAttempt ?? '',
  passPercent: form.passPercent ?? '',
  points: form.points ?? '',
});

/** One setting input of a level row; `form` ties it to the row's form (a form cannot wrap a table row). */
function levelInput(
  state: AdminState,
  options: {
    readonly form: string;
    readonly field: keyof LevelValues;
    readonly value: string;
    readonly label: string;
    readonly problems: readonly QuizProblem[];
  },
): SafeHtml {
  const { field } = options;
  const limits = field === 'name' ? undefined : QUIZ_LIMITS[field];
  const invalid = options.problems.some((problem) => problem.field === field);
  return html`<input
      form="${options.form}"
      name="${field}"
      value="${options.value}"
      aria-label="${options.label}"
      ${invalid ? html`aria-invalid="true"` : ''}
      ${
        limits
          ? html`type="number" inputmode="numeric" min="${limits.min}" max="${limits.max}" step="1" required`
          : html`maxlength="${QUIZ_LIMITS.levelName}" required`
      }
    />${fieldProblems(state, options.problems, field)}`;
}

function levelsTable(
  ctx: AdminContext,
  summaries: Awaited<ReturnType<typeof listQuizLevelSummaries>>,
  extra: LevelsPageExtra,
): SafeHtml {
  const { say, user } = ctx.state;
  const writer = user ? can(user, 'quiz.write') : false;
  if (summaries.length === 0) return html`<p>${say('web.quiz.noLevels')}</p>`;
  const headings = [
    say('web.quiz.position'),
    say('web.quiz.levelName'),
    say('web.quiz.questionsPerAttempt'),
    say('web.quiz.passPercent'),
    say('web.quiz.points'),
    say('web.quiz.counts'),
  ];
  return dataTable(
    'levels',
    headings,
    summaries.map(({ level, active, inactive }, index) => {
      const sentBack = extra.levelForm?.id === level.id ? extra.levelForm : undefined;
      const values = sentBack?.values ?? valuesOf(level);
      const problems = sentBack?.problems ?? [];
      const formId = `level-${level.id}`;
      const cell = (field: keyof LevelValues, label: string) =>
        writer
          ? levelInput(ctx.state, { form: formId, field, value: values[field], label, problems })
          : values[field];
      return html`<tr data-level="${level.name}">
        <td data-label="${headings[0]}">${index + 1}</td>
        <td data-label="${headings[1]}">${cell('name', headings[1] ?? '')}</td>
        <td data-label="${headings[2]}">${cell('questionsPerAttempt', headings[2] ?? '')}</td>
        <td data-label="${headings[3]}">${cell('passPercent', headings[3] ?? '')}</td>
        <td data-label="${headings[4]}">${cell('points', headings[4] ?? '')}</td>
        <td data-label="${headings[5]}">
          <a href="/admin/quiz/questions?level=${level.id}">${active} / ${inactive}</a>
        </td>
        ${
          writer
            ? html`<td class="level-actions">
                <form method="post" action="/admin/quiz/levels/${level.id}" id="${formId}" class="inline">
                  ${csrfField(ctx.state)}
                  <input type="hidden" name="version" value="${level.version}" />
                  <button type="submit">${say('web.quiz.save')}</button>
                </form>
                <form method="post" action="/admin/quiz/levels/${level.id}/move" class="inline">
                  ${csrfField(ctx.state)}
                  <button
                    type="submit"
                    name="direction"
                    value="up"
                    class="secondary"
                    ${index === 0 ? html`disabled` : ''}
                  >
                    ${say('web.quiz.up')}
                  </button>
                  <button
                    type="submit"
                    name="direction"
                    value="down"
                    class="secondary"
                    ${index === summaries.length - 1 ? html`disabled` : ''}
                  >
                    ${say('web.quiz.down')}
                  </button>
                </form>
                ${
                  sentBack?.sent
                    ? html`<span class="error-text" id="level-sent"
                        >${say('web.quiz.levelSent', {
                          name: sentBack.sent.name,
                          questions: sentBack.sent.questionsPerAttempt,
                          passPercent: sentBack.sent.passPercent,
                          points: sentBack.sent.points,
                        })}</span
                      >`
                    : ''
                }
              </td>`
            : ''
        }
      </tr>`;
    }),
    { actionsColumn: writer },
  );
}

function newLevelForm(ctx: AdminContext, extra: LevelsPageExtra): SafeHtml {
  const { say } = ctx.state;
  const sentBack = extra.levelForm?.id === 'new' ? extra.levelForm : undefined;
  const values = sentBack?.values ?? {
    name: '',
    questionsPerAttempt: String(LEVEL_DEFAULTS.questionsPerAttempt),
    passPercent: String(LEVEL_DEFAULTS.passPercent),
    points: String(LEVEL_DEFAULTS.points),
  };
  const problems = sentBack?.problems ?? [];
  const field = (name: keyof LevelValues, label: string) =>
    html`<label
      >${label}${levelInput(ctx.state, { form: 'new-level-form', field: name, value: values[name], label, problems })}</label
    >`;
  return html`<form method="post" action="/admin/quiz/levels" class="card" id="new-level-form">
    <h2>${say('web.quiz.addLevel')}</h2>
    ${csrfField(ctx.state)} ${field('name', say('web.quiz.levelName'))}
    ${field('questionsPerAttempt', say('web.quiz.questionsPerAttempt'))}
    ${field('passPercent', say('web.quiz.passPercent'))} ${field('points', say('web.quiz.points'))}
    <button type="submit">${say('web.quiz.addLevel')}</button>
  </form>`;
}

function importForm(ctx: AdminContext, extra: LevelsPageExtra): SafeHtml {
  const { say } = ctx.state;
  return html`<form
    method="post"
    action="/admin/quiz/import"
    enctype="multipart/form-data"
    class="card"
    id="import-form"
  >
    <h2>${say('web.quiz.importTitle')}</h2>
    ${extra.importErrors ?? ''}
    <p class="hint">
      ${say('web.quiz.importHelp', {
        header: QUIZ_IMPORT_HEADER.join(','),
        levelsHeader: QUIZ_LEVELS_HEADER.join(','),
      })}
    </p>
    ${csrfField(ctx.state)}
    <label
      >${say('web.quiz.importQuestions')}<input
        type="file"
        name="questions"
        accept=".csv,.json,text/csv,application/json"
    /></label>
    <label
      >${say('web.quiz.importLevels')}<input
        type="file"
        name="levels"
        accept=".csv,.json,text/csv,application/json"
    /></label>
    <button type="submit">${say('web.quiz.import')}</button>
  </form>`;
}

async function levelsPage(ctx: AdminContext, deps: AdminDeps, extra: LevelsPageExtra = {}): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const summaries = await listQuizLevelSummaries(deps.dataSource().manager);
  const writer = can(user, 'quiz.write');
  const notice = extra.notice ?? queryNotice(ctx);
  const levelProblems =
    extra.levelForm && extra.levelForm.problems.length > 0
      ? html`<p>${say('web.quiz.levelProblems', { name: extra.levelForm.values.name })}</p>
          <ul class="errors" id="level-problems">
            ${extra.levelForm.problems.map((problem) => html`<li>${say(problem.key, problem.params)}</li>`)}
          </ul>`
      : '';
  return layout(ctx.state, {
    title: say('web.quiz.title'),
    active: 'quiz',
    ...(notice ? { notice } : {}),
    body: html`<nav class="actions">
        <a class="button" href="/admin/quiz/questions">${say('web.quiz.questions')}</a>
        ${writer ? html`<a class="button" href="/admin/quiz/questions/new">${say('web.quiz.newQuestion')}</a>` : ''}
        <a class="button secondary" id="export-csv" href="/admin/quiz/export.csv"
          >${say('web.quiz.exportCsv')}</a
        >
        <a class="button secondary" id="export-json" href="/admin/quiz/export.json"
          >${say('web.quiz.exportJson')}</a
        >
        <a class="button secondary" href="/admin/quiz/levels.csv">${say('web.quiz.exportLevelsCsv')}</a>
        <a class="button secondary" href="/admin/quiz/levels.json">${say('web.quiz.exportLevelsJson')}</a>
      </nav>
      <h2>${say('web.quiz.levels')}</h2>
      <p class="hint">${say('web.quiz.levelsHelp')}</p>
      ${levelProblems} ${levelsTable(ctx, summaries, extra)}
      ${writer ? html`${newLevelForm(ctx, extra)} ${importForm(ctx, extra)}` : ''}`,
  });
}

interface UploadedFile {
  readonly name: string;
  readonly data: Buffer;
}

/** Reads the import form: the CSRF field and up to two files (`questions`, `levels`), each capped. */
function readImportUpload(
  ctx: AdminContext,
): Promise<{ fields: Record<string, string>; files: Partial<Record<'questions' | 'levels', UploadedFile>> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const files: Partial<Record<'questions' | 'levels', UploadedFile>> = {};
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: MAX_IMPORT_BYTES, files: 2, fields: 10 },
      });
    } catch {
      reject(new AppError('BAD_REQUEST', 'not a multipart form'));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(new AppError('PAYLOAD_TOO_LARGE', 'quiz import file too large')));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        // An empty file input still sends a part: no name, no bytes.
        if ((name === 'questions' || name === 'levels') && (data.length > 0 || info.filename))
          files[name] = { name: info.filename || name, data };
      });
    });
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, files }));
    ctx.req.pipe(parser);
  });
}

const formatOf = (file: UploadedFile): QuizExportFormat =>
  file.name.toLowerCase().endsWith('.json') ? 'json' : 'csv';

/** Checks an uploaded file (its bytes: the feature insists on UTF-8); no file, nothing to check. */
function checkUpload<R>(
  file: UploadedFile | undefined,
  check: (props: QuizImportSource) => { rows: R[]; errors: QuizImportError[] },
): { rows: R[]; errors: QuizImportError[] } {
  if (!file) return { rows: [], errors: [] };
  return check({ bytes: file.data, format: formatOf(file) });
}

function importErrorList(
  state: AdminState,
  errors: ReadonlyArray<{ file: string; error: QuizImportError }>,
): SafeHtml {
  return html`<ul class="errors" id="import-errors">
    ${errors.map(
      ({ file, error }) =>
        html`<li>
          ${error.row === 0 ? file : state.say('web.quiz.importWhere', { file, row: error.row })}:
          ${state.say(error.key, error.params)}
        </li>`,
    )}
  </ul>`;
}

function sendExport(ctx: AdminContext, name: string, format: QuizExportFormat, body: string): void {
  ctx.type = format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${name}.${format}"`);
  ctx.body = body;
}

export function quizRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'quiz.read' | 'quiz.write') => AdminMiddleware,
): void {
  router.get('/admin/quiz', guard('quiz.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await levelsPage(ctx, deps);
  });

  router.post('/admin/quiz/levels', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const values = sentValues(form);
    try {
      await inTransaction(deps.dataSource(), (manager) =>
        createQuizLevel({ manager, ...actor(ctx), input: values }),
      );
    } catch (error) {
      const problems = problemsOf(error);
      if (!problems) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = await levelsPage(ctx, deps, { levelForm: { id: 'new', values, problems } });
      return;
    }
    ctx.redirect(withNotice('/admin/quiz', 'web.saved'));
  });

  router.post('/admin/quiz/levels/:id', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const id = Number(ctx.params.id);
    const values = sentValues(form);
    try {
      await inTransaction(deps.dataSource(), (manager) =>
        updateQuizLevel({ manager, ...actor(ctx), id, version: Number(form.version), input: values }),
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'CONFLICT') {
        ctx.state.log.info({ reason: error.message }, 'quiz level edit refused: stale version');
        const current = await findQuizLevel(deps.dataSource().manager, id);
        ctx.status = 409;
        ctx.type = 'html';
        ctx.body = await levelsPage(ctx, deps, {
          notice: {
            kind: 'error',
            text: ctx.state.say('web.quiz.levelConflict', { name: current?.name ?? values.name }),
          },
          ...(current ? { levelForm: { id, values: valuesOf(current), problems: [], sent: values } } : {}),
        });
        return;
      }
      const problems = problemsOf(error);
      if (!problems) throw error;
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = await levelsPage(ctx, deps, { levelForm: { id, values, problems } });
      return;
    }
    ctx.redirect(withNotice('/admin/quiz', 'web.saved'));
  });

  router.post('/admin/quiz/levels/:id/move', guard('quiz.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const direction = form.direction === 'up' ? 'up' : form.direction === 'down' ? 'down' : undefined;
    if (!direction) throw new AppError('BAD_REQUEST', 'direction');
    await inTransaction(deps.dataSource(), (manager) =>
      moveQuizLevel({ manager, ...actor(ctx), id: Number(ctx.params.id), direction }),
    );
    ctx.redirect(withNotice('/admin/quiz', 'web.saved'));
  });

  router.post('/admin/quiz/import', guard('quiz.write'), async (ctx) => {
    const { fields, files } = await readImportUpload(ctx);
    checkCsrf(ctx.state, fields._csrf);
    const { say } = ctx.state;
    const refuse = async (status: number, extra: LevelsPageExtra) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = await levelsPage(ctx, deps, extra);
    };
    if (!files.questions && !files.levels)
      return refuse(400, { notice: { kind: 'error', text: say('web.quiz.importNothing') } });
    const names: Record<QuizImportPart, string> = {
      questions: files.questions?.name ?? '',
      levels: files.levels?.name ?? '',
    };
    const levels = checkUpload(files.levels, checkQuizLevelsImport);
    const questions = checkUpload(files.questions, checkQuizImport);
    const errors = [
      ...levels.errors.map((error) => ({ file: names.levels, error })),
      ...questions.errors.map((error) => ({ file: names.questions, error })),
    ];
    if (errors.length > 0)
      return refuse(422, {
        notice: { kind: 'error', text: say('web.quiz.importFailed', { count: errors.length }) },
        importErrors: importErrorList(ctx.state, errors),
      });
    const uploaded = [files.questions?.name, files.levels?.name].filter(Boolean).join(' + ');
    let result;
    try {
      result = await inTransaction(deps.dataSource(), (manager) =>
        importQuizBank({
          manager,
          ...actor(ctx),
          levels: levels.rows,
          questions: questions.rows,
          source: uploaded,
        }),
      );
    } catch (error) {
      // Someone edited a level or question the files change while they were being applied: nothing was
      // imported; say so, naming the files, so they can be checked against the bank and uploaded again.
      if (error instanceof AppError && error.code === 'CONFLICT') {
        ctx.state.log.info({ reason: error.message }, 'quiz import refused: bank changed meanwhile');
        return refuse(409, {
          notice: { kind: 'error', text: say('web.quiz.importConflict', { files: uploaded }) },
        });
      }
      // A level name taken meanwhile by another editor: reported against its row, like a check error.
      const failures = importFailuresOf(error);
      if (!failures) throw error;
      return refuse(422, {
        notice: { kind: 'error', text: say('web.quiz.importFailed', { count: failures.length }) },
        importErrors: importErrorList(
          ctx.state,
          failures.map(({ part, error: problem }) => ({ file: names[part], error: problem })),
        ),
      });
    }
    ctx.redirect(
      withNotice('/admin/quiz', 'web.quiz.importDone', {
        created: String(result.created),
        updated: String(result.updated),
        unchanged: String(result.unchanged),
        levels: String(result.levels.length + result.newLevels.length),
      }),
    );
  });

  for (const format of ['csv', 'json'] as const) {
    router.get(`/admin/quiz/export.${format}`, guard('quiz.read'), async (ctx) => {
      sendExport(
        ctx,
        'quiz-questions',
        format,
        (await exportQuizQuestions(deps.dataSource().manager, format)).text,
      );
    });
    router.get(`/admin/quiz/levels.${format}`, guard('quiz.read'), async (ctx) => {
      sendExport(
        ctx,
        'quiz-levels',
        format,
        (await exportQuizLevels(deps.dataSource().manager, format)).text,
      );
    });
  }
}
