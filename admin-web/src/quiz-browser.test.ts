/**
 * The quiz bank in a real browser (Debian's Chromium via playwright-core) at 375 px, WeCom's in-app
 * browser width: a desk editor opens a question, changes it, saves, and sees the change on the question
 * and in the list; a level's settings are changed in place. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { createQuizLevel, createQuizQuestion, QuizLevel, QuizQuestion } from '../../bot/src/features/quiz';
import { createStaff } from '../../bot/src/features/staff';
import type { RunningFieldline } from '../../bot/src/main';
import { expectFitsScreen, launchChromium, openPhonePage, signInOnPage } from '../../bot/test/browser';
import { createTestDatabase, type TestDatabase } from '../../bot/test/support';
import { startWebService } from '../../bot/test/web-service';

const PASSWORD = 'correct horse battery';

describe('quiz bank in Chromium at 375 px', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  let browser: Browser;
  let questionId = 0;
  let levelId = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ running, base } = await startWebService(database));
    await inTransaction(running.database.dataSource, async (manager) => {
      const admin = await createStaff({
        manager,
        staffNo: 'A2001',
        name: '王芳',
        role: 'admin',
        phone: '+8613800000002',
      });
      await setPassword({ manager, staffId: admin.id, password: PASSWORD });
      const level = await createQuizLevel({
        manager,
        actor: 'setup',
        now: new Date(),
        input: { name: '入门', questionsPerAttempt: 5, passPercent: 80, points: 10 },
      });
      levelId = level.id;
      questionId = (
        await createQuizQuestion({
          manager,
          actor: 'setup',
          now: new Date(),
          form: {
            levelId,
            type: 'single',
            stem: '光猫 LOS 灯红表示？',
            options: ['光路故障', '电源故障'],
            answer: 'A',
            explanation: '',
            tags: ['光猫'],
            isActive: true,
          },
        })
      ).id;
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running.stop();
    await database.drop();
  });

  const fits = (page: Page, name: string) => expectFitsScreen(page, `375-quiz-${name}`);

  it('edits a question and a level, and shows the change', async () => {
    const page = await openPhonePage(browser);
    const target = `/admin/quiz/questions/${questionId}`;
    await signInOnPage(page, base, { staffNo: 'A2001', password: PASSWORD, next: target });
    await fits(page, 'question');

    // A mistake first: a third option but an answer letter that does not exist.
    await page.selectOption('#question-form select[name=type]', 'multiple');
    await page.fill('#question-form textarea[name=stem]', '哪些会导致 LOS 灯红？');
    await page.fill('#question-form textarea[name=options]', '尾纤断\n光猫断电\n分光器故障');
    await page.fill('#question-form input[name=answer]', 'AD');
    await page.click('#question-form button[type=submit]');
    await page.waitForSelector('#question-problems');
    expect(await page.textContent('.error-text[data-field=answer]')).toContain('答案“AD”无效');
    expect(await page.inputValue('#question-form textarea[name=options]')).toBe(
      '尾纤断\n光猫断电\n分光器故障',
    );
    await fits(page, 'question-problems');

    await page.fill('#question-form input[name=answer]', 'AC');
    await Promise.all([
      page.waitForURL(`${base}${target}?notice=web.saved`),
      page.click('#question-form button[type=submit]'),
    ]);
    expect(await page.textContent('.notice.ok')).toContain('已保存');
    expect(await page.inputValue('#question-form textarea[name=stem]')).toBe('哪些会导致 LOS 灯红？');
    expect(
      await running.database.dataSource.manager.findOneByOrFail(QuizQuestion, { id: questionId }),
    ).toMatchObject({
      type: 'multiple',
      answer: 'AC',
      options: ['尾纤断', '光猫断电', '分光器故障'],
      version: 2,
    });

    await page.goto(`${base}/admin/quiz/questions`);
    expect(await page.textContent(`#questions tr[data-question="${questionId}"]`)).toContain(
      '哪些会导致 LOS 灯红？',
    );
    await fits(page, 'list');

    await page.goto(`${base}/admin/quiz`);
    await page.fill(`input[form="level-${levelId}"][name=points]`, '25');
    await Promise.all([
      page.waitForURL(`${base}/admin/quiz?notice=web.saved`),
      page.click(`#level-${levelId} button[type=submit]`),
    ]);
    expect(await page.inputValue(`input[form="level-${levelId}"][name=points]`)).toBe('25');
    expect(
      (await running.database.dataSource.manager.findOneByOrFail(QuizLevel, { id: levelId })).points,
    ).toBe(25);
    await fits(page, 'levels');

    // An import: the upload redirects back to the levels with the counts (a reload repeats nothing).
    await page.setInputFiles('#import-form input[name=questions]', {
      name: 'bank.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'level,type,stem,options,answer,explanation,tags\n进阶,truefalse,尾纤可以随意弯折,,错,,\n',
      ),
    });
    await Promise.all([
      page.waitForURL(/\/admin\/quiz\?notice=web\.quiz\.importDone&/),
      page.click('#import-form button[type=submit]'),
    ]);
    expect(await page.textContent('.notice.ok')).toContain(
      '导入完成：题目新增 1 道、更新 0 道、未变 0 道；关卡新增或修改 1 个。',
    );
    expect(await page.locator('#levels tr[data-level="进阶"]').count()).toBe(1);
    await fits(page, 'imported');
    await page.close();
  });
});
