import { z } from 'zod';
import { toOutboundMessages } from '../../channels/wecom/push';
import type { BotReply } from '../../conversation/reply';
import { t } from '../../i18n';
import { defineTemplate } from './template';

const botReplySchema: z.ZodType<BotReply> = z.union([
  z.object({ type: z.literal('text'), content: z.string() }),
  z.object({ type: z.literal('markdown'), content: z.string() }),
  z.object({
    type: z.literal('textcard'),
    title: z.string(),
    description: z.string(),
    url: z.string(),
    buttonText: z.string().optional(),
  }),
  z.object({
    type: z.literal('news'),
    articles: z.array(
      z.object({
        title: z.string(),
        description: z.string().optional(),
        url: z.string(),
        picUrl: z.string().optional(),
      }),
    ),
  }),
]);

/**
 * The bot's answer to a member's message when it could not go back passively (too slow, too long, not
 * plain text). The member is waiting for it: never held for quiet hours.
 */
export const botReplyTemplate = defineTemplate({
  key: 'bot.reply',
  schema: z.object({ replies: z.array(botReplySchema).min(1) }),
  quietHours: 'send',
  render: ({ replies }, locale) => ({
    subject: t(locale, 'notify.botReply.subject'),
    text: replies
      .map((reply) => ('content' in reply ? reply.content : 'title' in reply ? reply.title : ''))
      .join('\n\n'),
    wecom: replies.flatMap(toOutboundMessages),
  }),
});
