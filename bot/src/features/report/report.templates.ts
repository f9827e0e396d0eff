import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';
import { HAZARD_RESOLUTIONS, LEAD_RESOLUTIONS } from './report.entity';

const kind = z.enum(['hazard', 'lead']);
const kindLabel = (value: 'hazard' | 'lead', locale: Locale) =>
  t(locale, value === 'hazard' ? 'report.kind.hazard' : 'report.kind.lead');

/** The SMS the control desk gets for a new report: who reported it and how to reach them. */
export const reportSubmittedTemplate = defineTemplate({
  key: 'report.submitted',
  schema: z.object({
    kind,
    refNo: z.string(),
    category: z.string(),
    description: z.string(),
    reporterName: z.string(),
    reporterStaffNo: z.string(),
    reporterPhone: z.string(),
    location: z.string(),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'report.sms.subject', { kind: kindLabel(data.kind, locale), refNo: data.refNo }),
    text: t(locale, 'report.sms.submitted', {
      ...data,
      kind: kindLabel(data.kind, locale),
      description: data.description.slice(0, 60),
    }),
  }),
});

/** A critical hazard: the area manager hears of it at once. */
export const reportCriticalTemplate = defineTemplate({
  key: 'report.critical',
  schema: z.object({
    refNo: z.string(),
    category: z.string(),
    description: z.string(),
    reporterName: z.string(),
    location: z.string(),
  }),
  quietHours: 'send',
  render: (data, locale) => ({
    subject: t(locale, 'report.sms.subject', { kind: t(locale, 'report.kind.hazard'), refNo: data.refNo }),
    text: t(locale, 'report.sms.critical', { ...data, description: data.description.slice(0, 60) }),
  }),
});

/** Tells the person or department a report was assigned to. */
export const reportAssignedTemplate = defineTemplate({
  key: 'report.assigned',
  schema: z.object({
    kind,
    refNo: z.string(),
    category: z.string(),
    description: z.string(),
    by: z.string(),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'report.sms.subject', { kind: kindLabel(data.kind, locale), refNo: data.refNo }),
    text: t(locale, 'report.sms.assigned', {
      ...data,
      kind: kindLabel(data.kind, locale),
      description: data.description.slice(0, 60),
    }),
  }),
});

/** A reminder that a report has been left untouched. */
export const reportReminderTemplate = defineTemplate({
  key: 'report.reminder',
  schema: z.object({ kind, refNo: z.string(), category: z.string(), minutes: z.number() }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'report.sms.subject', { kind: kindLabel(data.kind, locale), refNo: data.refNo }),
    text: t(locale, 'report.sms.reminder', { ...data, kind: kindLabel(data.kind, locale) }),
  }),
});

/** What the reporter hears in WeCom as the report moves (assigned, a note for them, closed, reopened). */
export const reportUpdateTemplate = defineTemplate({
  key: 'report.update',
  schema: z.object({
    kind,
    refNo: z.string(),
    event: z.enum(['assigned', 'note', 'closed', 'reopened']),
    detail: z.string(),
    /** For `closed`: the outcome (rendered in the reporter's language) and a converted lead's value. */
    resolution: z.enum([...HAZARD_RESOLUTIONS, ...LEAD_RESOLUTIONS]).optional(),
    value: z.number().nullable().optional(),
  }),
  // The reporter is waiting for this answer: it is a reply, not an alert (quiet hours do not hold it).
  quietHours: 'send',
  render: (data, locale) => {
    const resolution = data.resolution
      ? t(locale, `report.resolution.${data.resolution}`) +
        (data.value ? t(locale, 'report.push.value', { value: data.value }) : '')
      : '';
    const text = t(locale, `report.push.${data.event}`, {
      kind: kindLabel(data.kind, locale),
      refNo: data.refNo,
      detail: data.detail,
      resolution,
    }).trim();
    return { subject: text.split('\n')[0] ?? text, text };
  },
});
