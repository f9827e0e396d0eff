/**
 * "To rate" for the back office: the signed-in person's open rating tasks (ticket, summary, whom, by when)
 * and the ratings they gave in the last 24 hours, each with a form — stars (required, none preselected),
 * the tags offered for the ratee's side, a comment. The form carries the version it was rendered from.
 */
import type Router from '@koa/router';
import { AppError } from '../../../bot/src/errors';
import {
  findRatingTask,
  listEditableRatings,
  listPendingRatings,
  rateTask,
  RATING_EDIT_WINDOW_MS,
  ratingTagsFor,
  type RatingTask,
} from '../../../bot/src/features/rating';
import { staffByIds, type Staff } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import { runAuditedAction } from '../record-actions';
import { readCheckedForm } from '../security';

async function taskForm(
  ctx: AdminContext,
  deps: AdminDeps,
  task: RatingTask,
  people: Map<number, Staff>,
): Promise<SafeHtml> {
  const { say } = ctx.state;
  const ratee = people.get(task.rateeStaffId);
  const tags = await ratingTagsFor(deps.dataSource().manager, task.rateeSide);
  const until =
    task.status === 'rated' && task.ratedAt
      ? html`${say('web.ratingPending.editableUntil')}
        ${formatTime(ctx.state, new Date(task.ratedAt.getTime() + RATING_EDIT_WINDOW_MS), deps.timeZone)}`
      : html`${say('web.ratingPending.due')} ${formatTime(ctx.state, task.expiresAt, deps.timeZone)}`;
  return html`<form
    method="post"
    action="/admin/ratings/pending/${task.id}"
    class="card rating"
    data-task="${task.id}"
  >
    ${csrfField(ctx.state)}
    <input type="hidden" name="version" value="${task.version}" />
    <p>
      <strong>${say('web.ratingPending.ticket')} ${task.ticketRef}</strong> ${task.summary}<br />
      ${say('web.ratingPending.ratee')}:
      ${ratee ? say('web.withNote', { text: ratee.name, note: say(`rating.side.${task.rateeSide}`) }) : '-'} ·
      <small>${until}</small>
    </p>
    <fieldset>
      <legend>${say('web.ratingPending.stars')}</legend>
      ${[1, 2, 3, 4, 5].map(
        (stars) =>
          html`<label
            ><input
              type="radio"
              name="stars"
              value="${stars}"
              required
              ${task.stars === stars ? 'checked' : ''}
            />
            ${'★'.repeat(stars)}</label
          >`,
      )}
    </fieldset>
    ${
      tags.length === 0
        ? ''
        : html`<fieldset>
            <legend>${say('web.ratingPending.tags')}</legend>
            ${tags.map(
              (tag, index) =>
                html`<label
                  ><input
                    type="checkbox"
                    name="tag_${index}"
                    value="1"
                    ${task.tags.includes(tag) ? 'checked' : ''}
                  />
                  ${tag}</label
                >`,
            )}
          </fieldset>`
    }
    <label
      >${say('web.ratingPending.comment')}
      <textarea name="comment" maxlength="500" rows="2">${task.comment ?? ''}</textarea>
    </label>
    <button type="submit">${say('web.ratingPending.save')}</button>
  </form>`;
}

async function pendingPage(
  ctx: AdminContext,
  deps: AdminDeps,
  notice?: { kind: 'error' | 'ok'; text: string },
): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const now = new Date();
  const [pending, editable] = await Promise.all([
    listPendingRatings(manager, user.id, now),
    listEditableRatings(manager, user.id, now),
  ]);
  const people = await staffByIds(
    manager,
    [...pending, ...editable].map((task) => task.rateeStaffId),
  );
  const forms = async (tasks: readonly RatingTask[]) =>
    Promise.all(tasks.map((task) => taskForm(ctx, deps, task, people)));
  const shown = notice ?? queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.nav.ratingsPending'),
    active: 'ratingsPending',
    ...(shown ? { notice: shown } : {}),
    body: html`<section id="ratings-pending">
        ${pending.length === 0 ? html`<p id="ratings-none">${say('web.ratingPending.none')}</p>` : await forms(pending)}
      </section>
      ${
        editable.length === 0
          ? ''
          : html`<section id="ratings-editable">
              <h2>${say('web.ratingPending.editable')}</h2>
              ${await forms(editable)}
            </section>`
      }`,
  });
}

/** Tags are checkboxes named by their position in the list offered for the ratee's side. */
async function checkedTags(
  deps: AdminDeps,
  task: RatingTask,
  form: Record<string, string>,
): Promise<string[]> {
  const offered = await ratingTagsFor(deps.dataSource().manager, task.rateeSide);
  return offered.filter((_tag, index) => form[`tag_${index}`] === '1');
}

export function ratingPendingRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'ratings.rate') => AdminMiddleware,
): void {
  router.get('/admin/ratings/pending', guard('ratings.rate'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await pendingPage(ctx, deps);
  });

  router.post('/admin/ratings/pending/:id', guard('ratings.rate'), async (ctx) => {
    const user = ctx.state.user;
    const form = await readCheckedForm(ctx);
    const id = Number(ctx.params.id);
    const task = Number.isSafeInteger(id) ? await findRatingTask(deps.dataSource().manager, id) : null;
    // Only the rater sees or changes a task: anyone else is told it does not exist.
    if (!user || !task || task.raterStaffId !== user.id) throw new AppError('NOT_FOUND', `rating task ${id}`);
    const tags = await checkedTags(deps, task, form);
    await runAuditedAction(ctx, {
      dataSource: deps.dataSource,
      record: task,
      recordType: 'rating_task',
      action: 'rating.rate',
      change: (manager) =>
        rateTask({
          manager,
          taskId: task.id,
          rater: user,
          stars: Number(form.stars ?? ''),
          tags,
          comment: form.comment ?? null,
          version: Number(form.version),
          now: new Date(),
        }),
      // The audit says that a rating was given or changed, never its stars or tags: ratings stay anonymous.
      reload: () => findRatingTask(deps.dataSource().manager, task.id),
      render: (_current, notice) => pendingPage(ctx, deps, notice),
      conflictText: ctx.state.say('web.ratingPending.conflict'),
      page: '/admin/ratings/pending',
    });
  });
}
