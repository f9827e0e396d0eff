import { z } from 'zod';
import { t } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';
import { sheetCsv, type SheetRow } from './rating.sheet';

const rate = z.number().min(0).max(1).nullable();
const row = z.object({
  staffId: z.number().int(),
  staffNo: z.string(),
  name: z.string(),
  department: z.string(),
  ratingsReceived: z.number().int().min(0),
  averageStars: z.number().min(1).max(5).nullable(),
  ratingsOwed: z.number().int().min(0),
  ratingsGiven: z.number().int().min(0),
  responseRate: rate,
  ticketsHandled: z.number().int().min(0),
  score: z.number().min(0).max(100).nullable(),
}) satisfies z.ZodType<SheetRow>;

const figure = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));

/**
 * The monthly evaluation sheet for a manager: the sheet as a text table in the body and as a CSV
 * attachment (opens in Excel), with a link to the web page (and its .xlsx) when PUBLIC_BASE_URL is set.
 * `isTruncated`: the sheet was too large to travel in an outbox row, so the mail carries only the link.
 */
export const ratingSheetTemplate = defineTemplate({
  key: 'rating.monthlySheet',
  schema: z.object({
    month: z.string().regex(/^\d{4}-\d{2}$/),
    rows: z.array(row),
    link: z.string().nullable(),
    isTruncated: z.boolean(),
  }),
  quietHours: 'hold',
  render: (data, locale) => {
    const lines = data.rows.map((line, index) =>
      t(locale, 'rating.sheetMail.row', {
        rank: index + 1,
        name: line.name,
        staffNo: line.staffNo,
        stars: figure(line.averageStars, 2),
        received: line.ratingsReceived,
        responseRate: line.responseRate === null ? '—' : `${(line.responseRate * 100).toFixed(1)}%`,
        tickets: line.ticketsHandled,
        score: figure(line.score, 1),
      }),
    );
    const text = [
      t(locale, 'rating.sheetMail.intro', { month: data.month, count: data.rows.length }),
      '',
      ...(data.isTruncated ? [t(locale, 'rating.sheetMail.truncated')] : lines),
      '',
      data.link === null ? '' : t(locale, 'rating.sheetMail.link', { link: data.link }),
    ]
      .join('\n')
      .trim();
    return {
      subject: t(locale, 'rating.sheetMail.subject', { month: data.month }),
      text,
      attachments: data.isTruncated
        ? []
        : [
            {
              filename: `evaluation-${data.month}.csv`,
              contentType: 'text/csv; charset=utf-8',
              content: sheetCsv(data.rows, locale),
            },
          ],
    };
  },
});
