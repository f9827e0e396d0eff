import type Router from '@koa/router';
import Busboy from 'busboy';
import { endSessionsFor, MIN_PASSWORD_LENGTH, setPassword } from '../../../bot/src/features/accounts';
import { recordAudit } from '../../../bot/src/features/audit';
import {
  deactivateStaff,
  exportRoster,
  findStaffById,
  findStaffByNo,
  importRoster,
  listDepartments,
  listDutyGroups,
  listStaff,
  parseRoster,
  ROLES,
  toE164,
  unbindStaff,
  updateStaff,
  validateRosterFields,
  type Role,
  type RosterError,
  type Staff,
} from '../../../bot/src/features/staff';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import { can, canSeeStaff, departmentScope } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { checkCsrf, readCheckedForm } from '../security';

const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

function roleOptions(ctx: AdminContext, selected: string, withAll: boolean): SafeHtml {
  const { say } = ctx.state;
  return html`${withAll ? html`<option value="">${say('web.roster.all')}</option>` : ''}${ROLES.map(
    (role) =>
      html`<option value="${role}" ${role === selected ? html`selected` : ''}>
        ${say(`web.role.${role}`)}
      </option>`,
  )}`;
}

function errorList(ctx: AdminContext, errors: readonly RosterError[]): SafeHtml {
  return html`<ul class="errors" id="import-errors">
    ${errors.map((error) => html`<li>${ctx.state.say('web.roster.row', { row: error.row })}: ${ctx.state.say(error.key, error.params)}</li>`)}
  </ul>`;
}

async function rosterPage(
  ctx: AdminContext,
  deps: AdminDeps,
  extra: { notice?: { kind: 'ok' | 'error'; text: string }; importErrors?: SafeHtml } = {},
): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const q = (name: string) => (typeof ctx.query[name] === 'string' ? ctx.query[name] : '');
  const role = (ROLES as readonly string[]).includes(q('role')) ? (q('role') as Role) : undefined;
  const scope = departmentScope(user);
  const [departments, groups] = await Promise.all([listDepartments(manager), listDutyGroups(manager)]);
  const departmentId = Number(q('department')) || undefined;
  const groupId = Number(q('group')) || undefined;
  const { items, total } = await listStaff(manager, {
    search: q('q').slice(0, 64),
    ...(role ? { role } : {}),
    ...(departmentId ? { departmentId } : {}),
    ...(groupId ? { groupId } : {}),
    ...(scope === undefined ? {} : { onlyDepartmentId: scope }),
  });
  const writable = can(user, 'roster.write');
  const notice = extra.notice ?? queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.roster.title'),
    active: 'roster',
    ...(notice ? { notice } : {}),
    body: html`${extra.importErrors ?? ''}
      <form method="get" action="/admin/roster" class="filters">
        <input
          name="q"
          value="${q('q')}"
          placeholder="${say('web.roster.search')}"
          aria-label="${say('web.roster.search')}"
        />
        <label
          >${say('web.roster.role')}<select name="role">
            ${roleOptions(ctx, q('role'), true)}
          </select></label
        >
        <label
          >${say('web.roster.department')}<select name="department">
            <option value="">${say('web.roster.all')}</option>
            ${departments.map(
              (department) =>
                html`<option value="${department.id}" ${department.id === departmentId ? html`selected` : ''}>
                  ${department.name}
                </option>`,
            )}
          </select></label
        >
        <label
          >${say('web.roster.group')}<select name="group">
            <option value="">${say('web.roster.all')}</option>
            ${groups.map(
              ({ group }) =>
                html`<option value="${group.id}" ${group.id === groupId ? html`selected` : ''}>
                  ${group.name}
                </option>`,
            )}
          </select></label
        >
        <button type="submit">${say('web.roster.filter')}</button>
      </form>
      ${
        writable
          ? html`<div class="actions">
                <a class="button" href="/admin/roster/new">${say('web.roster.add')}</a>
                <a class="button secondary" href="/admin/roster/export.csv">${say('web.roster.export')}</a>
              </div>
              <form
                method="post"
                action="/admin/roster/import"
                enctype="multipart/form-data"
                class="card"
                id="import-form"
              >
                ${csrfField(ctx.state)}
                <label
                  >${say('web.roster.importFile')}<input
                    type="file"
                    name="file"
                    accept=".csv,text/csv"
                    required
                /></label>
                <label class="check"
                  ><input type="checkbox" name="skipInvalid" value="1" />
                  ${say('web.roster.importSkip')}</label
                >
                <button type="submit">${say('web.roster.import')}</button>
              </form>`
          : ''
      }
      <p>${say('web.roster.count', { count: total })}</p>
      <div class="table-wrap">
        <table id="roster">
          <thead>
            <tr>
              <th>${say('web.roster.staffNo')}</th>
              <th>${say('web.roster.name')}</th>
              <th>${say('web.roster.phone')}</th>
              <th>${say('web.roster.role')}</th>
              <th>${say('web.roster.department')}</th>
              <th>${say('web.roster.groups')}</th>
              <th>${say('web.roster.wecom')}</th>
              <th>${say('web.roster.status')}</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              ({ staff, department, groups: memberOf }) =>
                html`<tr>
                  <td data-label="${say('web.roster.staffNo')}">
                    <a href="/admin/roster/${staff.id}">${staff.staffNo}</a>
                  </td>
                  <td data-label="${say('web.roster.name')}">${staff.name}</td>
                  <td data-label="${say('web.roster.phone')}">${staff.phone ?? ''}</td>
                  <td data-label="${say('web.roster.role')}">${say(`web.role.${staff.role}`)}</td>
                  <td data-label="${say('web.roster.department')}">${department ?? ''}</td>
                  <td data-label="${say('web.roster.groups')}">${memberOf.join(', ')}</td>
                  <td data-label="${say('web.roster.wecom')}">
                    ${staff.wecomUserId ? say('web.roster.bound') : say('web.roster.unbound')}
                  </td>
                  <td data-label="${say('web.roster.status')}">
                    ${staff.isActive ? say('web.roster.active') : say('web.roster.inactive')}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
  });
}

function staffForm(ctx: AdminContext, staff: Staff | undefined, department: string, error?: string): string {
  const { say } = ctx.state;
  const action = staff ? `/admin/roster/${staff.id}` : '/admin/roster';
  const editable = ctx.state.user ? can(ctx.state.user, 'roster.write') : false;
  return layout(ctx.state, {
    title: staff ? `${staff.staffNo} ${staff.name}` : say('web.roster.add'),
    active: 'roster',
    ...(error ? { notice: { kind: 'error' as const, text: error } } : {}),
    body: html`<form method="post" action="${action}" class="card narrow" id="staff-form">
        ${csrfField(ctx.state)}
        <fieldset ${editable ? '' : html`disabled`}>
          <label
            >${say('web.roster.staffNo')}<input
              name="staffNo"
              value="${staff?.staffNo ?? ''}"
              ${staff ? html`readonly` : ''}
              required
              maxlength="32"
          /></label>
          <label
            >${say('web.roster.name')}<input name="name" value="${staff?.name ?? ''}" required maxlength="64"
          /></label>
          <label
            >${say('web.roster.phone')}<input
              name="phone"
              value="${staff?.phone ?? ''}"
              required
              inputmode="tel"
          /></label>
          <label
            >${say('web.roster.role')}<select name="role">
              ${roleOptions(ctx, staff?.role ?? 'engineer', false)}
            </select></label
          >
          <label
            >${say('web.roster.department')}<input name="department" value="${department}" maxlength="64"
          /></label>
          <button type="submit">${say('web.roster.save')}</button>
        </fieldset>
      </form>
      ${
        staff && editable
          ? html`<section class="card narrow">
              <p>
                ${say('web.roster.wecom')}:
                ${staff.wecomUserId ? say('web.roster.bound') : say('web.roster.unbound')} ·
                ${say('web.roster.status')}:
                ${staff.isActive ? say('web.roster.active') : say('web.roster.inactive')}
              </p>
              ${
                staff.wecomUserId
                  ? html`<form method="post" action="/admin/roster/${staff.id}/unbind">
                      ${csrfField(ctx.state)}<button type="submit" class="secondary">
                        ${say('web.roster.unbind')}
                      </button>
                    </form>`
                  : ''
              }
              ${
                staff.isActive
                  ? html`<form method="post" action="/admin/roster/${staff.id}/deactivate">
                      ${csrfField(ctx.state)}<button type="submit" class="danger">
                        ${say('web.roster.deactivate')}
                      </button>
                    </form>`
                  : ''
              }
              <form method="post" action="/admin/roster/${staff.id}/password">
                ${csrfField(ctx.state)}
                <label
                  >${say('web.roster.newPassword', { min: MIN_PASSWORD_LENGTH })}<input
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength="${MIN_PASSWORD_LENGTH}"
                    required
                /></label>
                <button type="submit" class="secondary">${say('web.roster.resetPassword')}</button>
              </form>
            </section>`
          : ''
      }`,
  });
}

/** Loads a staff record the user may see, or answers 404 (the same as a record that does not exist). */
async function visibleStaff(ctx: AdminContext, deps: AdminDeps): Promise<Staff> {
  const id = Number(ctx.params.id);
  const staff = Number.isSafeInteger(id) ? await findStaffById(deps.dataSource().manager, id) : null;
  if (!staff || !ctx.state.user || !canSeeStaff(ctx.state.user, staff))
    throw new AppError('NOT_FOUND', `staff ${ctx.params.id}`);
  return staff;
}

async function departmentNameOf(deps: AdminDeps, staff: Staff): Promise<string> {
  if (staff.departmentId === null) return '';
  const departments = await listDepartments(deps.dataSource().manager);
  return departments.find((department) => department.id === staff.departmentId)?.name ?? '';
}

/** Reads the uploaded CSV (and the form fields) from a multipart request, capped. */
function readUpload(ctx: AdminContext): Promise<{ fields: Record<string, string>; file: string }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    let file = '';
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10 },
      });
    } catch {
      reject(new AppError('BAD_REQUEST', 'not a multipart form'));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (_name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(new AppError('PAYLOAD_TOO_LARGE', 'roster file too large')));
      stream.on('end', () => (file = Buffer.concat(chunks).toString('utf8')));
    });
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, file }));
    ctx.req.pipe(parser);
  });
}

export function rosterRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'roster.read' | 'roster.write') => AdminMiddleware,
): void {
  const audit = (
    ctx: AdminContext,
    manager: Parameters<typeof recordAudit>[0]['manager'],
    action: string,
    recordId: number,
    before: unknown,
    after: unknown,
  ) =>
    recordAudit({
      manager,
      actor: ctx.state.user?.staffNo ?? '?',
      action,
      recordType: 'staff',
      recordId,
      before,
      after,
      ip: ctx.ip,
    });
  const snapshot = (staff: Staff) => ({
    staffNo: staff.staffNo,
    name: staff.name,
    phone: staff.phone,
    role: staff.role,
    departmentId: staff.departmentId,
    isActive: staff.isActive,
    wecomUserId: staff.wecomUserId,
  });

  router.get('/admin/roster', guard('roster.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await rosterPage(ctx, deps);
  });

  router.get('/admin/roster/export.csv', guard('roster.write'), async (ctx) => {
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', 'attachment; filename="roster.csv"');
    ctx.body = `\ufeff${await exportRoster(deps.dataSource().manager)}`;
  });

  router.get('/admin/roster/new', guard('roster.write'), (ctx) => {
    ctx.type = 'html';
    ctx.body = staffForm(ctx, undefined, '');
  });

  router.post('/admin/roster', guard('roster.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const row = validateRosterFields(0, [
      form.staffNo ?? '',
      form.name ?? '',
      form.phone ?? '',
      form.role ?? '',
      form.department ?? '',
      '',
    ]);
    if (Array.isArray(row)) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = staffForm(
        ctx,
        undefined,
        form.department ?? '',
        row.map((error) => ctx.state.say(error.key, error.params)).join('；'),
      );
      return;
    }
    if (await findStaffByNo(deps.dataSource().manager, row.staffNo)) {
      ctx.status = 409;
      ctx.type = 'html';
      ctx.body = staffForm(
        ctx,
        undefined,
        row.department,
        ctx.state.say('web.roster.exists', { staffNo: row.staffNo }),
      );
      return;
    }
    await inTransaction(deps.dataSource(), async (tx) => {
      await importRoster({ manager: tx, rows: [row], actor: ctx.state.user?.staffNo ?? '?' });
      await recordAudit({
        manager: tx,
        actor: ctx.state.user?.staffNo ?? '?',
        action: 'staff.create',
        recordType: 'staff',
        recordId: row.staffNo,
        after: row,
        ip: ctx.ip,
      });
    });
    ctx.redirect(withNotice('/admin/roster', 'web.saved'));
  });

  router.post('/admin/roster/import', guard('roster.write'), async (ctx) => {
    const { fields, file } = await readUpload(ctx);
    checkCsrf(ctx.state, fields._csrf);
    const { rows, errors } = parseRoster(file);
    const { say } = ctx.state;
    if (errors.length > 0 && fields.skipInvalid !== '1') {
      ctx.status = 422;
      ctx.type = 'html';
      ctx.body = await rosterPage(ctx, deps, {
        notice: { kind: 'error', text: say('web.roster.importErrors') },
        importErrors: errorList(ctx, errors),
      });
      return;
    }
    const outcome = await inTransaction(deps.dataSource(), async (manager) => {
      const result = await importRoster({ manager, rows, actor: ctx.state.user?.staffNo ?? '?' });
      await recordAudit({
        manager,
        actor: ctx.state.user?.staffNo ?? '?',
        action: 'roster.import',
        recordType: 'roster',
        after: { rows: rows.length, ...result },
        ip: ctx.ip,
      });
      return result;
    });
    ctx.type = 'html';
    ctx.body = await rosterPage(ctx, deps, {
      notice: { kind: 'ok', text: say('web.roster.imported', { count: rows.length, ...outcome }) },
      ...(errors.length > 0
        ? {
            importErrors: html`<p>${say('web.roster.importSkipped')}</p>
              ${errorList(ctx, errors)}`,
          }
        : {}),
    });
  });

  router.get('/admin/roster/:id', guard('roster.read'), async (ctx) => {
    const staff = await visibleStaff(ctx, deps);
    ctx.type = 'html';
    ctx.body = staffForm(ctx, staff, await departmentNameOf(deps, staff));
  });

  router.post('/admin/roster/:id', guard('roster.write'), async (ctx) => {
    const staff = await visibleStaff(ctx, deps);
    const form = await readCheckedForm(ctx);
    const phone = toE164(form.phone ?? '');
    const role = (ROLES as readonly string[]).includes(form.role ?? '') ? (form.role as Role) : undefined;
    const name = (form.name ?? '').trim();
    if (!phone || !role || name === '' || name.length > 64) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = staffForm(
        ctx,
        staff,
        form.department ?? '',
        ctx.state.say('roster.error.phone', { value: form.phone ?? '' }),
      );
      return;
    }
    await inTransaction(deps.dataSource(), async (manager) => {
      const { before, after } = await updateStaff({
        manager,
        staffId: staff.id,
        name,
        phone,
        role,
        departmentName: (form.department ?? '').trim().slice(0, 64),
      });
      await audit(ctx, manager, 'staff.update', staff.id, snapshot(before), snapshot(after));
    });
    ctx.redirect(withNotice(`/admin/roster/${staff.id}`, 'web.saved'));
  });

  router.post('/admin/roster/:id/deactivate', guard('roster.write'), async (ctx) => {
    const staff = await visibleStaff(ctx, deps);
    await readCheckedForm(ctx);
    await inTransaction(deps.dataSource(), async (manager) => {
      if (await deactivateStaff({ manager, staffId: staff.id })) {
        await endSessionsFor(manager, staff.id);
        await audit(ctx, manager, 'staff.deactivate', staff.id, { isActive: true }, { isActive: false });
      }
    });
    ctx.redirect(withNotice('/admin/roster', 'web.roster.deactivated', { staffNo: staff.staffNo }));
  });

  router.post('/admin/roster/:id/unbind', guard('roster.write'), async (ctx) => {
    const staff = await visibleStaff(ctx, deps);
    await readCheckedForm(ctx);
    await inTransaction(deps.dataSource(), async (manager) => {
      await unbindStaff({ manager, staffId: staff.id });
      await audit(
        ctx,
        manager,
        'staff.unbind',
        staff.id,
        { wecomUserId: staff.wecomUserId },
        { wecomUserId: null },
      );
    });
    ctx.redirect(
      withNotice(`/admin/roster/${staff.id}`, 'web.roster.unbound.done', { staffNo: staff.staffNo }),
    );
  });

  router.post('/admin/roster/:id/password', guard('roster.write'), async (ctx) => {
    const staff = await visibleStaff(ctx, deps);
    const form = await readCheckedForm(ctx);
    if ((form.password ?? '').length < MIN_PASSWORD_LENGTH) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = staffForm(
        ctx,
        staff,
        await departmentNameOf(deps, staff),
        ctx.state.say('web.password.tooShort', { min: MIN_PASSWORD_LENGTH }),
      );
      return;
    }
    await inTransaction(deps.dataSource(), async (manager) => {
      await setPassword({ manager, staffId: staff.id, password: form.password ?? '' });
      await audit(ctx, manager, 'staff.password', staff.id, null, { passwordSet: true });
    });
    ctx.redirect(
      withNotice(`/admin/roster/${staff.id}`, 'web.roster.passwordSet', { staffNo: staff.staffNo }),
    );
  });
}
