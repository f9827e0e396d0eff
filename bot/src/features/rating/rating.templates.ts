import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';

const side = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const sideLabel = (value: 1 | 2 | 3, locale: Locale) => t(locale, `rating.side.${value}`);

/** The button key of a star on a rating card: `rate:<task id>:<stars>` (at most 1024 bytes for WeCom). */
export const cardButtonKey = (taskId: number, stars: number) => `${RATING_CARD_PREFIX}${taskId}:${stars}`;
export const RATING_CARD_PREFIX = 'rate:';

/**
 * One rating task as a WeCom button card (template_card, card_type `button_interaction`: at most 6
 * buttons; `task_id` must be unique within the app, so it names the push — see
 * https://developer.work.weixin.qq.com/document/path/90236). Pushed, because a passive reply cannot carry
 * a card; the person just asked for it, so it is never held.
 */
export const ratingCardTemplate = defineTemplate({
  key: 'rating.card',
  schema: z.object({
    taskId: z.number().int().positive(),
    cardTaskId: z.string().regex(/^[A-Za-z0-9_\-@]{1,128}$/),
    ticketRef: z.string(),
    summary: z.string(),
    rateeName: z.string(),
    rateeSide: side,
  }),
  quietHours: 'send',
  render: (data, locale) => {
    const title = t(locale, 'rating.card.title', {
      name: data.rateeName,
      side: sideLabel(data.rateeSide, locale),
    });
    const text = `${title}\n${data.ticketRef} ${data.summary}\n${t(locale, 'rating.card.hint')}`;
    return {
      subject: title,
      text,
      wecom: [
        {
          msgtype: 'template_card',
          template_card: {
            card_type: 'button_interaction',
            source: { desc: t(locale, 'rating.card.source') },
            main_title: { title, desc: data.ticketRef },
            sub_title_text: data.summary,
            task_id: data.cardTaskId,
            button_list: [1, 2, 3, 4, 5].map((stars) => ({
              text: t(locale, 'rating.card.stars', { stars }),
              style: stars >= 4 ? 1 : 2,
              key: cardButtonKey(data.taskId, stars),
            })),
          },
        },
      ],
    };
  },
});

/** The one reminder about unrated tasks; not urgent, so held through quiet hours. */
export const ratingReminderTemplate = defineTemplate({
  key: 'rating.reminder',
  schema: z.object({ count: z.number().int().positive(), expiresAt: z.string() }),
  quietHours: 'hold',
  render: (data, locale) => {
    const text = t(locale, 'rating.push.reminder', data);
    return { subject: text.split('\n')[0] ?? text, text };
  },
});
