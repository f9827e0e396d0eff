import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import { STORED_IMAGE_PREFIX } from '../../notifications/channels/wecom';
import { defineTemplate } from '../../notifications/templates';
import { MEDIA_KEY } from '../../storage/media-storage';

const kind = z.enum(['question', 'support']);
const kindLabel = (value: 'question' | 'support', locale: Locale) => t(locale, `ticket.kind.${value}`);
const short = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** A new question or support request: the control desk is told who asks and how to reach them. */
export const ticketSubmittedTemplate = defineTemplate({
  key: 'ticket.submitted',
  schema: z.object({
    kind,
    refNo: z.string(),
    question: z.string(),
    reporterName: z.string(),
    reporterStaffNo: z.string(),
    reporterPhone: z.string(),
    orderNo: z.string(),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: `${kindLabel(data.kind, locale)} ${data.refNo}`,
    text: t(locale, 'ticket.alert.submitted', {
      ...data,
      kind: kindLabel(data.kind, locale),
      question: short(data.question),
    }),
  }),
});

/** Work handed to a person or department: escalated to tier 3, sent back to tier 2, or reopened. */
export const ticketHandedOverTemplate = defineTemplate({
  key: 'ticket.handedOver',
  schema: z.object({
    kind,
    refNo: z.string(),
    question: z.string(),
    event: z.enum(['escalated', 'returned', 'reopened', 'engineer']),
    by: z.string(),
    note: z.string(),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: `${kindLabel(data.kind, locale)} ${data.refNo}`,
    text: t(locale, `ticket.alert.${data.event}`, {
      ...data,
      kind: kindLabel(data.kind, locale),
      question: short(data.question),
      note: short(data.note),
    }),
  }),
});

/** SLA: a reminder before the due time, or a breach (to the duty leads and the area manager). */
export const ticketSlaTemplate = defineTemplate({
  key: 'ticket.sla',
  schema: z.object({
    kind,
    refNo: z.string(),
    target: z.enum(['firstResponse', 'resolution']),
    level: z.enum(['reminder', 'breach']),
    due: z.string(),
    assignee: z.string(),
  }),
  quietHours: 'send',
  render: (data, locale) => ({
    subject: `${kindLabel(data.kind, locale)} ${data.refNo}`,
    text: t(locale, `ticket.alert.sla.${data.level}`, {
      refNo: data.refNo,
      kind: kindLabel(data.kind, locale),
      target: t(locale, `ticket.sla.${data.target}`),
      due: data.due,
      assignee: data.assignee,
    }),
  }),
});

/** What the engineer hears in WeCom as their ticket moves. They are waiting for it: never held. */
export const ticketUpdateTemplate = defineTemplate({
  key: 'ticket.update',
  schema: z.object({
    kind,
    refNo: z.string(),
    event: z.enum(['reply', 'request', 'escalated', 'resolved', 'reopened']),
    detail: z.string(),
    /** Photos sent with an answer (storage keys): pushed as image messages after the text. */
    photos: z.array(z.string().regex(MEDIA_KEY)).max(9).optional(),
  }),
  quietHours: 'send',
  render: (data, locale) => {
    const text = t(locale, `ticket.push.${data.event}`, {
      kind: kindLabel(data.kind, locale),
      refNo: data.refNo,
      detail: data.detail,
    });
    const images = (data.photos ?? []).map((key) => ({
      msgtype: 'image' as const,
      image: { media_id: `${STORED_IMAGE_PREFIX}${key}` },
    }));
    return {
      subject: text.split('\n')[0] ?? text,
      text,
      ...(images.length > 0
        ? { wecom: [{ msgtype: 'text' as const, text: { content: text } }, ...images] }
        : {}),
    };
  },
});
