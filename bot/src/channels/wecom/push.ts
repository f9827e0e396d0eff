/**
 * Turns bot replies into message/send payloads: texts over WeCom's 2048-byte limit are split on line
 * breaks (or, failing that, between characters) into several messages, in order.
 */
import type { BotReply } from '../../conversation/reply';
import type { OutboundMessage } from './api-client';
import { TEXT_LIMIT_BYTES } from './throttle';

/** Splits text into parts of at most `maxBytes` UTF-8 bytes, preferring line boundaries. */
export function splitText(text: string, maxBytes = TEXT_LIMIT_BYTES): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let current = '';
  const flush = () => {
    if (current !== '') parts.push(current);
    current = '';
  };
  for (const line of text.split(/(?<=\n)/)) {
    if (Buffer.byteLength(current + line) <= maxBytes) {
      current += line;
      continue;
    }
    flush();
    if (Buffer.byteLength(line) <= maxBytes) {
      current = line;
      continue;
    }
    for (const character of line) {
      if (Buffer.byteLength(current + character) > maxBytes) flush();
      current += character;
    }
  }
  flush();
  return parts.map((part) => part.replace(/\n$/, ''));
}

export function toOutboundMessages(reply: BotReply): OutboundMessage[] {
  switch (reply.type) {
    case 'text':
      return splitText(reply.content).map((content) => ({ msgtype: 'text', text: { content } }));
    case 'markdown':
      return splitText(reply.content).map((content) => ({ msgtype: 'markdown', markdown: { content } }));
    case 'textcard':
      return [
        {
          msgtype: 'textcard',
          textcard: {
            title: reply.title,
            description: reply.description,
            url: reply.url,
            ...(reply.buttonText ? { btntxt: reply.buttonText } : {}),
          },
        },
      ];
    case 'news':
      return [
        {
          msgtype: 'news',
          news: {
            articles: reply.articles.slice(0, 8).map((article) => ({
              title: article.title,
              url: article.url,
              ...(article.description ? { description: article.description } : {}),
              ...(article.picUrl ? { picurl: article.picUrl } : {}),
            })),
          },
        },
      ];
  }
}
