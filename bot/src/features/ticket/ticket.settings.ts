import { z } from 'zod';
import { defineSetting } from '../settings';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour clock');
const minutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 30);
const targets = z.object({ firstResponse: minutes, resolution: minutes });
const byPriority = z.object({ urgent: targets, normal: targets });

export const ticketSlaSetting = defineSetting({
  key: 'ticket.sla',
  description: 'SLA targets in working minutes: first response and resolution, per kind and priority',
  schema: z.object({ question: byPriority, support: byPriority }),
  defaultValue: {
    question: {
      urgent: { firstResponse: 10, resolution: 120 },
      normal: { firstResponse: 30, resolution: 480 },
    },
    support: {
      urgent: { firstResponse: 5, resolution: 60 },
      normal: { firstResponse: 15, resolution: 240 },
    },
  },
});

export const workingHoursSetting = defineSetting({
  key: 'ticket.workingHours',
  description: 'The desk’s working hours on working days (local time, TZ); SLA clocks run only then',
  schema: z
    .object({ start: clockTime, end: clockTime })
    .refine((value) => value.start < value.end, 'start must be before end'),
  defaultValue: { start: '08:00', end: '20:00' },
});

export const slaReminderSetting = defineSetting({
  key: 'ticket.slaReminder',
  description:
    'Minutes before an SLA due time that the assignee is reminded, and the duty group told of breaches',
  schema: z.object({
    minutesBefore: z.number().int().min(1).max(240),
    breachGroup: z.string().min(1).max(64),
  }),
  defaultValue: { minutesBefore: 5, breachGroup: 'duty-leads' },
});

export const cannedRepliesSetting = defineSetting({
  key: 'ticket.cannedReplies',
  description: 'Canned replies the desk can pick when answering (常用回复)',
  schema: z.array(z.string().min(1).max(500)).max(50),
  defaultValue: [
    '请重启光猫后等待 3 分钟再试，若仍不行请回复“未解决”。',
    '请核对 LOID 与工单一致后重新注册。',
    '已在后台处理，请现场复测。',
    '请拍一张设备指示灯的照片发过来。',
  ],
});

export const archiveAfterSetting = defineSetting({
  key: 'ticket.archiveAfterHours',
  description: 'Hours after which a resolved ticket is archived if the engineer has not confirmed',
  schema: z
    .number()
    .int()
    .min(1)
    .max(24 * 30),
  defaultValue: 24,
});
