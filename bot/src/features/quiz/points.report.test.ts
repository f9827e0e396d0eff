/**
 * Monthly points for the evaluation against a real database: ledger rows on both sides of a month
 * boundary in Asia/Shanghai (16:00 UTC on the last day), totals split into quiz and report points,
 * shared ranks for equal totals, engineers without points listed at 0, other roles only with points that
 * month, deactivated people not at all, and the CSV and Excel files read back and checked against totals
 * computed by hand from the rows.
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import { Workbook } from 'exceljs';
import { inTransaction } from '../../db/transaction';
import { useTestDatabase } from '../../../test/support';
import { createStaff, Department, parseCsv, Staff, type Role } from '../staff';
import { creditPoints } from './points.commands';
import { localMonthRange } from '../../zoned-time';
import { monthlyPoints, pointsLedger } from './points.report';
import { pointsCsv, pointsWorkbook } from './points.sheet';
import { QuizAttempt } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';

const TZ = 'Asia/Shanghai';
/** The last instant of December and the first of January, Shanghai time. */
const DEC_LAST = new Date('2025-12-31T15:59:59.999Z');
const JAN_FIRST = new Date('2025-12-31T16:00:00.000Z');

describe('monthly points', () => {
  const db = useTestDatabase();
  const people: Record<string, Staff> = {};
  let attemptId = 0;

  beforeAll(async () => {
    await inTransaction(db().dataSource, async (manager) => {
      const network = await manager.save(
        manager.create(Department, { name: '装维一班', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, role: Role, departmentId: number | null) => {
        people[staffNo] = await createStaff({
          manager,
          staffNo,
          name,
          role,
          phone: '+8613800000000',
          departmentId,
        });
      };
      await add('E1', '=王强', 'engineer', network.id);
      await add('E2', '李四', 'engineer', network.id);
      await add('E3', '赵六', 'engineer', null);
      await add('E4', '钱七', 'engineer', null);
      await add('T2', '孙工', 'tier2', null);
      await add('M1', '周经理', 'manager', null);
      await add('E9', '吴九', 'engineer', null);
      const level = await manager.save(
        manager.create(QuizLevel, {
          name: '入门',
          sortOrder: 1,
          questionsPerAttempt: 1,
          passPercent: 80,
          points: 15,
          createdAt: new Date(),
        }),
      );
      attemptId = (
        await manager.save(
          manager.create(QuizAttempt, {
            staffId: people.E1!.id,
            levelId: level.id,
            questionIds: [],
            optionOrders: [],
            answers: [],
            currentIndex: 0,
            score: 0,
            status: 'passed',
            startedAt: JAN_FIRST,
            updatedAt: JAN_FIRST,
            finishedAt: JAN_FIRST,
          }),
        )
      ).id;
      let source = 100;
      const credit = (staffNo: string, points: number, now: Date, report = true) =>
        creditPoints({
          manager,
          staffId: people[staffNo]!.id,
          points,
          reasonKey: report ? 'report.hazard.fixed' : 'quiz.passed',
          sourceType: report ? 'report' : 'quiz-attempt',
          sourceId: report ? (source += 1) : attemptId,
          now,
        });
      // December (Shanghai): E1 10 + 5 reports, E2 30, the tier-2 desk 5.
      await credit('E1', 10, new Date('2025-12-01T00:00:00.000Z'));
      await credit('E1', 5, DEC_LAST);
      await credit('E2', 30, new Date('2025-12-15T04:00:00.000Z'));
      await credit('T2', 5, DEC_LAST);
      // January: E1 15 quiz + 20 report = 35, E2 20 + 15 = 35 (a tie), E3 10; E4 none.
      await credit('E1', 15, JAN_FIRST, false);
      await credit('E1', 20, new Date('2026-01-31T15:59:59.000Z'));
      await credit('E2', 20, JAN_FIRST);
      await credit('E2', 15, new Date('2026-01-10T08:00:00.000Z'));
      await credit('E3', 10, new Date('2026-01-20T08:00:00.000Z'));
      // February (2026-01-31T16:00Z is Feb 1st in Shanghai): not January's.
      await credit('E3', 99, new Date('2026-01-31T16:00:00.000Z'));
      // E9 earned 50 in January and has left since: out of every ranking, ledger kept.
      await credit('E9', 50, new Date('2026-01-15T08:00:00.000Z'));
      await manager.update(Staff, { id: people.E9!.id }, { isActive: false });
    });
  });

  it('bounds a local month in the configured time zone', () => {
    expect(localMonthRange('2026-01', TZ)).toEqual({
      from: JAN_FIRST,
      to: new Date('2026-01-31T16:00:00.000Z'),
    });
    expect(localMonthRange('2025-12', TZ).to).toEqual(JAN_FIRST);
  });

  it('totals each month from the ledger rows, quiz and report points apart, ranked by total', async () => {
    const january = await monthlyPoints(db().dataSource.manager, { month: '2026-01', timeZone: TZ });
    expect(
      january.rows.map((row) => [row.staffNo, row.quizPoints, row.reportPoints, row.total, row.rank]),
    ).toEqual([
      ['E1', 15, 20, 35, 1],
      ['E2', 0, 35, 35, 1],
      ['E3', 0, 10, 10, 3],
      ['E4', 0, 0, 0, 4],
    ]);
    expect(january.rows[0]).toMatchObject({ name: '=王强', department: '装维一班' });
    // The tier-2 desk earned nothing in January and the manager never did: neither is listed.
    const december = await monthlyPoints(db().dataSource.manager, { month: '2025-12', timeZone: TZ });
    // In December the tier-2 desk earned 5 and is ranked with the engineers.
    expect(december.rows.map((row) => [row.staffNo, row.total, row.rank])).toEqual([
      ['E2', 30, 1],
      ['E1', 15, 2],
      ['T2', 5, 3],
      ['E3', 0, 4],
      ['E4', 0, 4],
    ]);
  });

  it('writes the month as CSV (formula-safe) and as a workbook that read back to the same totals', async () => {
    const january = await monthlyPoints(db().dataSource.manager, { month: '2026-01', timeZone: TZ });
    const csv = pointsCsv(january, 'zh-CN');
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(parseCsv(csv).map((record) => record.fields)).toEqual([
      ['姓名', '工号', '部门', '闯关积分', '隐患商机积分', '合计', '排名'],
      ["'=王强", 'E1', '装维一班', '15', '20', '35', '1'],
      ['李四', 'E2', '装维一班', '0', '35', '35', '1'],
      ['赵六', 'E3', '', '0', '10', '10', '3'],
      ['钱七', 'E4', '', '0', '0', '0', '4'],
    ]);
    const workbook = new Workbook();
    const file = await pointsWorkbook(january, 'en-US');
    // exceljs types its Buffer parameter against an older @types/node Buffer.
    await workbook.xlsx.load(file as unknown as Parameters<typeof workbook.xlsx.load>[0]);
    const sheet = workbook.getWorksheet('2026-01');
    const rows: unknown[][] = [];
    sheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows).toEqual([
      ['Name', 'Staff no.', 'Department', 'Quiz points', 'Report points', 'Total', 'Rank'],
      ['=王强', 'E1', '装维一班', 15, 20, 35, 1],
      ['李四', 'E2', '装维一班', 0, 35, 35, 1],
      ['赵六', 'E3', '', 0, 10, 10, 3],
      ['钱七', 'E4', '', 0, 0, 0, 4],
    ]);
    // A name that looks like a formula stays text in the workbook.
    expect(sheet?.getCell('A2').type).toBe(3 /* ValueType.String */);
  });

  it("lists a person's ledger rows for a month, newest first, with the quiz level", async () => {
    const lines = await pointsLedger(db().dataSource.manager, {
      staffId: people.E1!.id,
      month: '2026-01',
      timeZone: TZ,
    });
    expect(lines.map((line) => [line.points, line.reasonKey, line.sourceType, line.levelName])).toEqual([
      [20, 'report.hazard.fixed', 'report', null],
      [15, 'quiz.passed', 'quiz-attempt', '入门'],
    ]);
    expect(lines[1]?.sourceId).toBe(attemptId);
    const all = await pointsLedger(db().dataSource.manager, { staffId: people.E1!.id, timeZone: TZ });
    expect(all.reduce((sum, line) => sum + line.points, 0)).toBe(50);
    const departed = await pointsLedger(db().dataSource.manager, { staffId: people.E9!.id, timeZone: TZ });
    expect(departed.map((line) => line.points)).toEqual([50]);
  });
});
