/**
 * Outbound messages of broadcasts: the article card (a WeCom `news` item with the cover when there is
 * one, else a `textcard`), the reminder for unread urgent articles, the outage SMS, and the warning that
 * no best case is marked for the week. Templates are pure: the signed URLs travel in the outbox row, so a
 * resend is byte-for-byte the same request and WeCom's duplicate check can recognise it.
 */
import { z } from 'zod';
import { t, type Locale, type MessageKey } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';
import { ARTICLE_KINDS, type ArticleKind } from './article.entity';

/** WeCom's limits for a card: title 128 bytes, description 512 bytes (longer text is cut by WeCom). */
export const CARD_TITLE_BYTES = 128;
export const CARD_DESCRIPTION_BYTES = 512;

/** `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary, ending in `…` when cut. */
export function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let result = '';
  const budget = maxBytes - Buffer.byteLength('…');
  for (const character of text) {
    if (Buffer.byteLength(result + character) > budget) break;
    result += character;
  }
  return `${result}…`;
}

/**
 * Card text shown as written: WeCom reads a few HTML-like tags in card descriptions
 * (`<div class="highlight">`), so angle brackets become their full-width look-alikes.
 */
export function inertCardText(text: string): string {
  return text.replace(/</g, '＜').replace(/>/g, '＞');
}

/** The catalog key naming a kind (通知, 热点问题, 故障通告, 优秀案例). */
export function kindKey(kind: ArticleKind): MessageKey {
  return `broadcast.kind.${kind}` as MessageKey;
}

const cardData = z.object({
  articleId: z.number().int(),
  kind: z.enum(ARTICLE_KINDS),
  title: z.string().min(1),
  summary: z.string(),
  url: z.url(),
  coverUrl: z.url().nullable(),
});
type CardData = z.infer<typeof cardData>;

function card(data: CardData, locale: Locale, title: string, description: string) {
  const cardTitle = clipBytes(title, CARD_TITLE_BYTES);
  const cardDescription = clipBytes(inertCardText(description), CARD_DESCRIPTION_BYTES);
  return {
    subject: cardTitle,
    text: [cardTitle, description, data.url].filter(Boolean).join('\n'),
    wecom: [
      data.coverUrl
        ? {
            msgtype: 'news' as const,
            news: {
              articles: [
                { title: cardTitle, description: cardDescription, url: data.url, picurl: data.coverUrl },
              ],
            },
          }
        : {
            msgtype: 'textcard' as const,
            textcard: {
              title: cardTitle,
              description: cardDescription,
              url: data.url,
              btntxt: t(locale, 'broadcast.card.button'),
            },
          },
    ],
  };
}

/** An article as sent to its audience, one batch at a time. */
export const articleCardTemplate = defineTemplate({
  key: 'broadcast.article',
  schema: cardData,
  quietHours: 'hold',
  render: (data, locale) =>
    card(
      data,
      locale,
      t(locale, 'broadcast.card.title', { kind: t(locale, kindKey(data.kind)), title: data.title }),
      data.summary,
    ),
});

/** A reminder to the recipients of an urgent article who have not opened it yet. */
export const articleReminderTemplate = defineTemplate({
  key: 'broadcast.reminder',
  schema: cardData,
  quietHours: 'hold',
  render: (data, locale) =>
    card(
      data,
      locale,
      t(locale, 'broadcast.reminder.title', { kind: t(locale, kindKey(data.kind)), title: data.title }),
      t(locale, 'broadcast.reminder.description', { summary: data.summary }),
    ),
});

/** An outage alert by SMS to the chosen duty groups (urgent: never held). */
export const outageSmsTemplate = defineTemplate({
  key: 'broadcast.outageSms',
  schema: z.object({ title: z.string().min(1), summary: z.string() }),
  quietHours: 'send',
  render: (data, locale) => {
    const text = t(locale, 'broadcast.sms.text', { title: data.title, summary: data.summary });
    return { subject: data.title, text };
  },
});

/** Thursday's warning to tier-2: no best case is marked for this week, so Friday's push will not go. */
export const bestCaseMissingTemplate = defineTemplate({
  key: 'broadcast.bestCaseMissing',
  schema: z.object({
    week: z.string(),
    weekday: z.number().int().min(1).max(7),
    time: z.string(),
  }),
  quietHours: 'hold',
  render: (data, locale) => {
    const weekday = t(locale, `broadcast.weekday.${data.weekday}` as MessageKey);
    return {
      subject: t(locale, 'broadcast.bestCaseMissing.subject', { week: data.week }),
      text: t(locale, 'broadcast.bestCaseMissing.text', { week: data.week, weekday, time: data.time }),
    };
  },
});

/** Why the weekly push could not send a marked best case (each a `broadcast.pushFailed.*` text). */
export const PUSH_FAILURES = ['notReady', 'audienceEmpty', 'unavailable', 'error'] as const;
export type PushFailure = (typeof PUSH_FAILURES)[number];

/** Tells tier-2 (the warning group) once that a best case marked for the week was not pushed, and why. */
export const bestCasePushFailedTemplate = defineTemplate({
  key: 'broadcast.bestCasePushFailed',
  schema: z.object({ week: z.string(), title: z.string(), reason: z.enum(PUSH_FAILURES) }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'broadcast.bestCasePushFailed.subject', { week: data.week }),
    text: t(locale, 'broadcast.bestCasePushFailed.text', {
      week: data.week,
      title: data.title,
      reason: t(locale, `broadcast.pushFailed.${data.reason}`),
    }),
  }),
});

/** Tells the author that their scheduled article was cancelled because its audience reaches nobody. */
export const articleCancelledTemplate = defineTemplate({
  key: 'broadcast.cancelled',
  schema: z.object({ kind: z.enum(ARTICLE_KINDS), title: z.string() }),
  quietHours: 'hold',
  render: (data, locale) => ({
    subject: t(locale, 'broadcast.cancelled.subject', { title: data.title }),
    text: t(locale, 'broadcast.cancelled.text', { kind: t(locale, kindKey(data.kind)), title: data.title }),
  }),
});
