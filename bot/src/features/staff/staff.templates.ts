import { z } from 'zod';
import { t } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';

/** The SMS with the binding code. Someone is waiting for it: never held for quiet hours. */
export const bindingCodeTemplate = defineTemplate({
  key: 'staff.bindingCode',
  schema: z.object({ code: z.string().regex(/^\d{6}$/) }),
  quietHours: 'send',
  render: ({ code }, locale) => ({
    subject: t(locale, 'bind.sms.subject'),
    text: t(locale, 'bind.sms.text', { code }),
  }),
});

/** Tells admins that someone tried to bind a staff record already bound to another WeCom account. */
export const bindingTakeoverTemplate = defineTemplate({
  key: 'staff.bindingTakeoverAttempt',
  schema: z.object({ staffNo: z.string(), name: z.string(), boundTo: z.string(), attemptedBy: z.string() }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'bind.takeover.subject'),
    text: t(locale, 'bind.takeover.text', data),
  }),
});
