import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { readSetting } from '../settings';
import { areaManagers } from '../staff';
import { ReportEvent } from './report-event.entity';
import { DESK_GROUP } from './report.commands';
import { Report } from './report.entity';
import { untouchedReports } from './report.queries';
import { reportReminderSetting } from './report.settings';

/** Reminder levels: 1 the desk was reminded, 2 the area manager too. */
const DESK = 1;
const MANAGER = 2;

/** Raises a report's reminder level only if nobody touched it meanwhile (a guarded update). */
async function raiseLevel(manager: EntityManager, report: Report, level: number): Promise<boolean> {
  const result = await manager.update(
    Report,
    { id: report.id, version: report.version, reminderLevel: report.reminderLevel },
    { reminderLevel: level },
  );
  return result.affected === 1;
}

async function remind(manager: EntityManager, report: Report, level: number, now: Date): Promise<boolean> {
  const minutes = Math.floor((now.getTime() - report.touchedAt.getTime()) / 60_000);
  const data = { kind: report.kind, refNo: report.refNo, category: report.category, minutes };
  if (!(await raiseLevel(manager, report, level))) return false;
  // The reminder belongs to this stretch of silence: a later touch starts a new one (version in the key).
  const key = `report:${report.id}:v${report.version}:remind${level}`;
  if (level === DESK) {
    await enqueue(manager, {
      channel: 'sms',
      to: { group: DESK_GROUP },
      template: 'report.reminder',
      data,
      dedupeKey: key,
      now,
    });
  } else {
    for (const areaManager of await areaManagers(manager, report.areaId)) {
      await enqueue(manager, {
        channel: 'sms',
        to: { staffId: areaManager.id },
        template: 'report.reminder',
        data,
        dedupeKey: `${key}:${areaManager.id}`,
        now,
      });
    }
  }
  await manager.insert(ReportEvent, {
    reportId: report.id,
    type: 'reminded',
    actor: 'system',
    note: null,
    isForReporter: false,
    data: { level, minutes },
    at: now,
  });
  return true;
}

/**
 * Reminds about reports nobody has touched: after `deskAfterMinutes` the control desk, after
 * `managerAfterMinutes` the reporter's area manager. Each level fires once per stretch of silence; any
 * action on the report (assign, note, close, reopen) resets the clock and the level.
 */
export const reportRemindersJob: Job = {
  name: 'report-reminders',
  description: 'Remind the desk, then the area manager, of hazard and lead reports left untouched',
  schedule: '*/5 * * * *',
  async run({ now, manager }) {
    const { value } = await readSetting(manager, reportReminderSetting);
    let desk = 0;
    let managers = 0;
    // The desk first: a report silent past both limits reminds the desk and then the manager in one run.
    const deskBefore = new Date(now.getTime() - value.deskAfterMinutes * 60_000);
    for (const report of await untouchedReports(manager, deskBefore, DESK)) {
      if (await inTransaction(manager, (tx) => remind(tx, report, DESK, now))) desk += 1;
    }
    const managerBefore = new Date(now.getTime() - value.managerAfterMinutes * 60_000);
    for (const report of await untouchedReports(manager, managerBefore, MANAGER)) {
      if (await inTransaction(manager, (tx) => remind(tx, report, MANAGER, now))) managers += 1;
    }
    return `reminded the desk of ${desk}, managers of ${managers}`;
  },
};
