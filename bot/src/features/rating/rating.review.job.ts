import { IsNull, Not } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { addLocalDays, localDay, localMonth, previousLocalMonth } from '../../zoned-time';
import { Staff } from '../staff';
import { isWorkingDay } from '../ticket';
import { evaluationSheet } from './rating.sheet';
import { ratingSheetTemplate } from './rating.review.templates';

/**
 * Outbox data is a TEXT column (64 KB on MySQL/MariaDB, counted in bytes): a sheet larger than this is
 * mailed as a link only rather than failing the job.
 */
const MAX_SHEET_BYTES = 48_000;

/** The first working day (China's calendar: weekends, holidays and 调休 days) of `month` (`YYYY-MM`). */
export function firstWorkingDay(month: string): string {
  let day = `${month}-01`;
  // Even the Spring Festival leaves a working day within the first two weeks of a month.
  while (!isWorkingDay(day) && day.startsWith(month)) day = addLocalDays(day, 1);
  return day;
}

/**
 * Mails last month's evaluation sheet to every active manager with an email address, on the first working
 * day of the month. It runs each morning and sends on any day from that one on, so a day the service was
 * down only delays the mail; the outbox dedupe key (month + manager) makes it once per manager per month.
 */
export function ratingSheetMailJob(options: {
  readonly timeZone: string;
  readonly publicBaseUrl?: string | undefined;
}): Job {
  return {
    name: 'rating-sheet-mail',
    description: 'Email last month’s rating evaluation sheet to managers on the first working day',
    schedule: '0 9 * * *',
    async run({ now, manager }) {
      const today = localDay(now, options.timeZone);
      const month = localMonth(now, options.timeZone);
      if (today < firstWorkingDay(month)) return `waiting for ${firstWorkingDay(month)}`;
      const sheetMonth = previousLocalMonth(month);
      const managers = await manager.find(Staff, {
        where: { role: 'manager', isActive: true, email: Not(IsNull()) },
        order: { id: 'ASC' },
      });
      if (managers.length === 0) return 'no manager with an email address';
      const sheet = await evaluationSheet(manager, { month: sheetMonth, now, timeZone: options.timeZone });
      const isTruncated = Buffer.byteLength(JSON.stringify(sheet.rows)) > MAX_SHEET_BYTES;
      const data = {
        month: sheetMonth,
        rows: isTruncated ? [] : sheet.rows,
        link: options.publicBaseUrl
          ? `${options.publicBaseUrl}/admin/ratings/sheet?month=${sheetMonth}`
          : null,
        isTruncated,
      };
      let queued = 0;
      await inTransaction(manager, async (transaction) => {
        for (const person of managers) {
          const result = await enqueue(transaction, {
            channel: 'email',
            to: { staffId: person.id },
            template: ratingSheetTemplate.key,
            data,
            dedupeKey: `rating.sheet:${sheetMonth}:${person.id}`,
            now,
          });
          if (!result.isDuplicate) queued += 1;
        }
      });
      return `sheet ${sheetMonth}: ${queued} mail(s) queued, ${sheet.rows.length} row(s)`;
    },
  };
}
