import { z } from 'zod';
import { t } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';

/** The SMS the completion desk gets for a new request: which order, who is waiting on site, any flag. */
export const completionSubmittedTemplate = defineTemplate({
  key: 'completion.submitted',
  schema: z.object({
    refNo: z.string(),
    orderNo: z.string(),
    businessType: z.string(),
    reporterName: z.string(),
    reporterStaffNo: z.string(),
    reporterPhone: z.string(),
    isPowerOutOfRange: z.boolean(),
    isResubmission: z.boolean(),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'completion.sms.subject', { refNo: data.refNo }),
    text: t(locale, 'completion.sms.submitted', {
      refNo: data.refNo,
      orderNo: data.orderNo,
      businessType: data.businessType,
      reporterName: data.reporterName,
      reporterStaffNo: data.reporterStaffNo,
      reporterPhone: data.reporterPhone,
      flags: [
        data.isResubmission ? t(locale, 'completion.flag.resubmission') : '',
        data.isPowerOutOfRange ? t(locale, 'completion.flag.power') : '',
      ].join(''),
    }),
  }),
});

/** Nobody claimed a request in time: the desk again (level 1), then the duty leads (level 2). */
export const completionRealertTemplate = defineTemplate({
  key: 'completion.realert',
  schema: z.object({
    refNo: z.string(),
    orderNo: z.string(),
    businessType: z.string(),
    minutes: z.number(),
    level: z.union([z.literal(1), z.literal(2)]),
  }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'completion.sms.subject', { refNo: data.refNo }),
    text: t(locale, data.level === 1 ? 'completion.sms.realertDesk' : 'completion.sms.realertLead', data),
  }),
});

/** The decision, pushed to the engineer the moment it is made. */
export const completionResultTemplate = defineTemplate({
  key: 'completion.result',
  schema: z.object({
    refNo: z.string(),
    orderNo: z.string(),
    outcome: z.enum(['completed', 'rejected']),
    reason: z.string().optional(),
    note: z.string(),
  }),
  // The engineer is waiting on site for this answer: a reply, never held by quiet hours.
  quietHours: 'send',
  render: (data, locale) => {
    const text = t(locale, `completion.push.${data.outcome}`, {
      refNo: data.refNo,
      orderNo: data.orderNo,
      reason: data.reason ?? '',
      note: data.note ? t(locale, 'completion.push.note', { note: data.note }) : '',
    });
    return { subject: text.split('\n')[0] ?? text, text };
  },
});

/**
 * The document handed to the operator's order system (channel `orders`): everything needed to close the
 * order out. `refNo` is the idempotency key a receiver must honour (the outbox may deliver twice).
 */
export const completionHandOffTemplate = defineTemplate({
  key: 'completion.handOff',
  schema: z.object({
    requestId: z.number(),
    refNo: z.string(),
    orderNo: z.string(),
    businessType: z.string(),
    serials: z.array(z.string()),
    opticalPowerDbm: z.number().nullable(),
    isPowerOutOfRange: z.boolean(),
    reporterStaffNo: z.string(),
    submittedAt: z.string(),
  }),
  quietHours: 'send',
  render: (data) => ({ subject: data.refNo, text: `${data.refNo} ${data.orderNo}`, json: data }),
});
