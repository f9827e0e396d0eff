import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword, StaffCredential, WebSession } from '../../bot/src/features/accounts';
import { AuditEntry } from '../../bot/src/features/audit';
import {
  createStaff,
  Department,
  ensureDutyGroup,
  setGroupMembership,
  Staff,
  type Role,
} from '../../bot/src/features/staff';
import { startFieldline, type RunningFieldline } from '../../bot/src/main';
import { assignReport, submitReport } from '../../bot/src/features/report';
import { createKbEntry } from '../../bot/src/features/knowledge';
import { createTrainingVideo, EMPTY_AUDIENCE, saveArticleDraft } from '../../bot/src/features/broadcast';
import { createQuizLevel, createQuizQuestion } from '../../bot/src/features/quiz';
import { claimTicket, escalateTicket, submitTicket } from '../../bot/src/features/ticket';
import { submitCompletion } from '../../bot/src/features/completion';
import { t } from '../../bot/src/i18n';
import { createTestDatabase, freePort, testConfig, type TestDatabase } from '../../bot/test/support';
import { WebClient } from '../../bot/test/web';
import { databaseEnv } from '../../bot/test/wecom';
import { can } from './access';
import { ADMIN_ROUTES } from './router';

const PASSWORD = 'correct horse battery';
const zh = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t('zh-CN', key, params);

describe('admin web', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  const people: Record<string, Staff> = {};
  let reportId = 0;
  let kbEntryId = 0;
  let ticketId = 0;
  let completionId = 0;
  let quizQuestionId = 0;
  let articleId = 0;
  let videoId = 0;
  let photoKey = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    running = await startFieldline(testConfig({ SERVICES: 'web', ...databaseEnv(database) }), {
      port,
      host: '127.0.0.1',
    });
    await running.ready;
    base = `http://127.0.0.1:${port}`;
    await inTransaction(running.database.dataSource, async (manager) => {
      const network = await manager.save(
        manager.create(Department, { name: '网络支撑中心', kind: 'tier3', createdAt: new Date() }),
      );
      const iptv = await manager.save(
        manager.create(Department, { name: 'IPTV 支撑', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (key: string, role: Role, departmentId: number | null = null) => {
        people[key] = await createStaff({
          manager,
          staffNo: key,
          name: `${key} 姓名`,
          role,
          phone: '+8613800000000',
          departmentId,
        });
        await setPassword({ manager, staffId: people[key].id, password: PASSWORD });
      };
      await add('ADMIN1', 'admin');
      await add('MGR1', 'manager');
      await add('T2A', 'tier2');
      await add('T3NET', 'tier3', network.id);
      await add('T3TV', 'tier3', iptv.id);
      await add('ENG1', 'engineer', network.id);
      await add('LOCKME', 'tier2');
      await add('GONE', 'tier2');
      // A hazard with a photo, assigned to T3NET: a report every role with reports.read may see.
      const photo = await running.services.storage.put(
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]),
        'jpg',
        'image/jpeg',
      );
      const report = await submitReport({
        manager,
        reporter: people.ENG1!,
        kind: 'hazard',
        category: '线路',
        description: '光缆下垂',
        photos: [photo.key],
        location: { latitude: null, longitude: null, text: null },
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      });
      reportId = (
        await assignReport({
          manager,
          reportId: report.id,
          version: report.version,
          actor: people.ADMIN1!,
          assignee: { staffId: people.T3NET!.id },
          now: new Date(),
        })
      ).id;
      // A ticket with a photo, escalated to T3NET's department: one every role with tickets.read may see.
      const ticket = await submitTicket({
        manager,
        reporter: people.ENG1!,
        kind: 'question',
        question: '光猫注册失败',
        orderNo: null,
        photos: [photo.key],
        location: { latitude: null, longitude: null, text: null },
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      });
      const claimed = await claimTicket({
        manager,
        ticketId: ticket.id,
        actor: people.T2A!,
        now: new Date(),
      });
      ticketId = (
        await escalateTicket({
          manager,
          ticketId: ticket.id,
          version: claimed.version,
          actor: people.T2A!,
          departmentId: people.T3NET!.departmentId ?? 0,
          note: '请网络中心核查',
          now: new Date(),
        })
      ).id;
      photoKey = photo.key;
      // An offline completion request with a photo: one every role with completions.read may see.
      completionId = (
        await submitCompletion({
          manager,
          reporter: people.ENG1!,
          orderNo: '2026113000001',
          businessType: '拆机',
          photos: [{ item: '拆回设备及 SN 标签', key: photo.key }],
          serials: ['ZTEG00000001'],
          opticalPowerDbm: null,
          remarks: null,
          timeZone: 'Asia/Shanghai',
          now: new Date(),
        })
      ).id;
      // A published handbook entry with a photo: one every role with kb.read may see.
      kbEntryId = (
        await createKbEntry({
          manager,
          input: {
            title: '光猫注册失败',
            body: '核对 LOID。',
            tags: ['光猫'],
            photos: [photo.key],
            isPublished: true,
          },
          author: 'ADMIN1',
          now: new Date(),
        })
      ).id;
      // A quiz question: one every role with quiz.read may open.
      const quizLevel = await createQuizLevel({
        manager,
        actor: 'test',
        now: new Date(),
        input: { name: '入门', questionsPerAttempt: 5, passPercent: 80, points: 10 },
      });
      quizQuestionId = (
        await createQuizQuestion({
          manager,
          actor: 'test',
          now: new Date(),
          form: {
            levelId: quizLevel.id,
            type: 'truefalse',
            stem: 'ONU 上线前要注册 LOID',
            options: [],
            answer: '对',
            explanation: '',
            tags: [],
            isActive: true,
          },
        })
      ).id;
      // A draft article and a training video, both with a cover: ones every role with broadcast.read may see.
      articleId = (
        await saveArticleDraft({
          manager,
          input: {
            kind: 'notice',
            title: '装维上门预约规范',
            summary: '',
            body: '上门前提前 30 分钟预约。',
            coverKey: photo.key,
            tags: [],
            audience: { ...EMPTY_AUDIENCE, roles: ['engineer'] },
            isUrgent: false,
            smsGroups: [],
            featuredWeek: null,
          },
          authorId: people.T2A!.id,
          now: new Date(),
        })
      ).id;
      videoId = (
        await createTrainingVideo({
          manager,
          input: {
            title: 'FTTH 三张照片标准',
            description: '',
            durationSeconds: 330,
            url: 'https://video.example.com/ftth',
            coverKey: photo.key,
            isActive: true,
          },
          now: new Date(),
        })
      ).id;
      const desk = await ensureDutyGroup({ manager, key: 'control-desk', name: '1183301 管控' });
      await setGroupMembership({
        manager,
        groupId: desk.id,
        staffId: people.T2A!.id,
        isOnDuty: false,
        actor: 'test',
      });
      await setGroupMembership({
        manager,
        groupId: desk.id,
        staffId: people.ADMIN1!.id,
        isOnDuty: true,
        actor: 'test',
      });
    });
  });
  afterAll(async () => {
    await running.stop();
    await database.drop();
  });

  const client = () => new WebClient(base);
  async function signedIn(staffNo: string): Promise<WebClient> {
    const web = client();
    const result = await web.signIn(staffNo, PASSWORD);
    expect(result.status).toBe(302);
    return web;
  }

  describe('sign-in', () => {
    it('signs in with a new session id, HttpOnly SameSite=Lax cookie, and goes to a local next page', async () => {
      const web = client();
      web.cookies.set('fl_session', 'A'.repeat(43)); // a planted id must not survive sign-in
      const result = await web.signIn('T2A', PASSWORD, '/admin/duty');
      expect(result.status).toBe(302);
      expect(result.location).toBe('/admin/duty');
      const cookie = result.setCookies.find((header) => header.startsWith('fl_session='));
      expect(cookie).toMatch(/; path=\/admin; samesite=lax; httponly$/i);
      expect(web.cookies.get('fl_session')).not.toBe('A'.repeat(43));
      expect((await web.get('/admin/duty')).status).toBe(200);
    });

    it('redirects after sign-in only to local back-office paths', async () => {
      for (const next of [
        'https://evil.example/',
        '//evil.example/admin',
        '/\\evil.example',
        'javascript:alert(1)',
      ]) {
        expect((await client().signIn('T2A', PASSWORD, next)).location).toBe('/admin');
      }
    });

    it('gives one answer for a wrong password and an unknown staff number, and refuses engineers', async () => {
      const wrong = await client().signIn('T2A', 'not the password');
      const unknown = await client().signIn('NOBODY', PASSWORD);
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toContain(zh('web.login.invalid'));
      expect(unknown.body).toContain(zh('web.login.invalid'));
      const engineer = await client().signIn('ENG1', PASSWORD);
      expect(engineer.status).toBe(401);
      expect(engineer.body).toContain(zh('web.login.noAccess'));
    });

    it('locks an account after 5 failures in 15 minutes, and the count holds under 50 parallel attempts', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 50 }, () => client().signIn('LOCKME', 'wrong password!')),
      );
      expect(attempts.filter((attempt) => attempt.status === 401)).toHaveLength(5);
      expect(attempts.filter((attempt) => attempt.status === 429)).toHaveLength(45);
      const credential = await running.database.dataSource.manager.findOneByOrFail(StaffCredential, {
        staffId: people.LOCKME!.id,
      });
      expect(credential.failedCount).toBe(5);
      expect(credential.lockedUntil?.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
      const right = await client().signIn('LOCKME', PASSWORD);
      expect(right.status).toBe(429);
      expect(right.body).toMatch(/登录失败次数过多，账号已锁定，请于 .+ 后再试/);
    });
  });

  describe('protections', () => {
    it('refuses state changes without the CSRF token', async () => {
      const web = await signedIn('ADMIN1');
      const refused = await web.post('/admin/lang', { lang: 'en-US' });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain(zh('web.csrf'));
      expect((await web.post('/admin/logout', { _csrf: 'forged' })).status).toBe(403);
      expect((await client().post('/admin/login', { staffNo: 'ADMIN1', password: PASSWORD })).status).toBe(
        403,
      );
    });

    it('sends a strict CSP and security headers, and pages without inline script', async () => {
      const web = await signedIn('ADMIN1');
      const page = await web.get('/admin/roster');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(page.body).not.toMatch(/\son[a-z]+=/i);
      expect(page.body).not.toMatch(/style=/);
    });

    it('escapes what people typed', async () => {
      const web = await signedIn('ADMIN1');
      const form = await web.get('/admin/roster/new');
      await web.post('/admin/roster', {
        _csrf: WebClient.csrf(form.body),
        staffNo: 'XSS1',
        name: '<script>alert(1)</script>',
        phone: '13800000011',
        role: 'engineer',
        department: '"><img src=x>',
      });
      const page = await web.get('/admin/roster?q=XSS1');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.body).not.toContain('<img src=x>');
    });

    it('ends sessions on sign-out, on a password change, and on deactivation', async () => {
      const a = await signedIn('GONE');
      const b = await signedIn('GONE');
      const logout = await a.submit('/admin', '/admin/logout', {});
      expect(logout.location).toBe('/admin/login');
      expect((await a.get('/admin')).status).toBe(302);
      expect((await b.get('/admin')).status).toBe(200);

      const change = await b.submit('/admin/account/password', '/admin/account/password', {
        current: PASSWORD,
        next: 'another long password',
      });
      expect(change.location).toContain('/admin/login');
      expect((await b.get('/admin')).status).toBe(302);

      const c = await client().signIn('GONE', 'another long password');
      expect(c.status).toBe(302);
      const admin = await signedIn('ADMIN1');
      const deactivated = await admin.submit(
        `/admin/roster/${people.GONE!.id}`,
        `/admin/roster/${people.GONE!.id}/deactivate`,
        {},
      );
      expect(deactivated.status).toBe(302);
      expect(
        await running.database.dataSource.manager.countBy(WebSession, { staffId: people.GONE!.id }),
      ).toBe(0);
      expect((await client().signIn('GONE', 'another long password')).status).toBe(401);
    });

    it('writes every change to the audit log: who, what, which record, before/after, from where', async () => {
      const web = await signedIn('ADMIN1');
      await web.submit('/admin/duty', `/admin/duty/1/members/${people.T2A!.id}`, { onDuty: '1' });
      const entry = await running.database.dataSource.manager.findOne(AuditEntry, {
        where: { action: 'duty.switch' },
        order: { id: 'DESC' },
      });
      expect(entry).toMatchObject({
        actor: 'ADMIN1',
        recordType: 'duty_group_member',
        before: { isOnDuty: false },
        after: { isOnDuty: true },
      });
      expect(entry?.ip).toMatch(/127\.0\.0\.1/);
      const log = await web.get('/admin/audit?actor=ADMIN1&type=duty_group_member');
      expect(log.body).toContain('duty.switch');
    });
  });

  describe('access control', () => {
    const roles = ['ADMIN1', 'MGR1', 'T2A', 'T3NET'] as const;

    it('lets every role reach exactly the routes its capabilities allow', async () => {
      for (const staffNo of roles) {
        const web = await signedIn(staffNo);
        const user = people[staffNo]!;
        // Record-level rules are tested below; here every record is one the user may act on.
        for (const route of ADMIN_ROUTES) {
          if (route.capability === 'public' || route.path === '/admin/events') continue;
          const id = route.path.startsWith('/admin/reports/')
            ? reportId
            : route.path.startsWith('/admin/tickets/')
              ? ticketId
              : route.path.startsWith('/admin/completions/')
                ? completionId
                : route.path.startsWith('/admin/kb/')
                  ? kbEntryId
                  : route.path.startsWith('/admin/quiz/questions/')
                    ? quizQuestionId
                    : route.path.startsWith('/admin/articles/')
                      ? articleId
                      : route.path.startsWith('/admin/videos/')
                        ? videoId
                        : people.T3NET!.id;
          const ids = { id: String(id), groupId: '1', staffId: String(user.id), index: '0', key: photoKey };
          const path = route.path.replace(/:(\w+)/g, (_whole, name: keyof typeof ids) => ids[name]);
          // No CSRF token: an allowed POST stops at the CSRF check, a denied one at the access check.
          const response = route.method === 'GET' ? await web.get(path) : await web.post(path, {});
          const allowed = can(user, route.capability);
          const label = `${staffNo} ${route.method} ${route.path}`;
          if (route.method === 'POST') {
            // Both answers are 403; which check refused it tells them apart.
            const reason = response.body.includes(zh('web.csrf'))
              ? 'csrf'
              : response.body.includes(zh('web.forbidden'))
                ? 'forbidden'
                : response.status;
            expect([label, reason]).toEqual([label, allowed ? 'csrf' : 'forbidden']);
          } else {
            expect([label, response.status]).toEqual([label, allowed ? 200 : 403]);
          }
        }
      }
    });

    it('answers 404 for a record of another department, as for one that does not exist', async () => {
      const tier3 = await signedIn('T3NET');
      expect((await tier3.get(`/admin/roster/${people.T3NET!.id}`)).status).toBe(200);
      expect((await tier3.get(`/admin/roster/${people.T3TV!.id}`)).status).toBe(404);
      expect((await tier3.get('/admin/roster/999999')).status).toBe(404);
      const list = await tier3.get('/admin/roster');
      expect(list.body).toContain('T3NET');
      expect(list.body).not.toContain('T3TV');
      expect(list.body).not.toContain('ADMIN1');
    });

    it('lets desk staff switch only themselves on duty, and managers change nothing', async () => {
      const desk = await signedIn('T2A');
      expect(
        (await desk.submit('/admin/duty', `/admin/duty/1/members/${people.ADMIN1!.id}`, { onDuty: '0' }))
          .status,
      ).toBe(403);
      expect(
        (await desk.submit('/admin/duty', `/admin/duty/1/members/${people.T2A!.id}`, { onDuty: '0' })).status,
      ).toBe(302);
      const manager = await signedIn('MGR1');
      expect(
        (await manager.submit('/admin/roster', `/admin/roster/${people.T2A!.id}/deactivate`, {})).status,
      ).toBe(403);
      expect((await manager.get('/admin/outbox')).status).toBe(200);
      expect((await manager.get('/admin/audit')).status).toBe(200);
    });

    it('sends anonymous visitors to sign in, and keeps where they were going', async () => {
      const anonymous = client();
      const response = await anonymous.get('/admin/roster?q=E1');
      expect(response.status).toBe(302);
      expect(response.location).toBe('/admin/login?next=%2Fadmin%2Froster%3Fq%3DE1');
      expect((await anonymous.post('/admin/roster', {})).status).toBe(401);
    });
  });
});

describe('secure cookies behind https', () => {
  it('marks cookies Secure when PUBLIC_BASE_URL is https', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const running = await startFieldline(
      testConfig({
        SERVICES: 'web',
        PUBLIC_BASE_URL: 'https://fieldline.example.com',
        ...databaseEnv(database),
      }),
      { port, host: '127.0.0.1' },
    );
    try {
      await running.ready;
      const page = await new WebClient(`http://127.0.0.1:${port}`).get('/admin/login');
      expect(page.setCookies.find((header) => header.startsWith('fl_csrf='))).toMatch(/; secure/i);
      expect(await running.database.dataSource.manager.count(Staff)).toBe(0);
    } finally {
      await running.stop();
      await database.drop();
    }
  });
});
