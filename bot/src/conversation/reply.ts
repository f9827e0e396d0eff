/**
 * What the bot says back. Channels decide how (a passive reply when it is one short text in time,
 * message/send otherwise); features only say what.
 */
export type BotReply =
  | { readonly type: 'text'; readonly content: string }
  | { readonly type: 'markdown'; readonly content: string }
  | {
      readonly type: 'textcard';
      readonly title: string;
      readonly description: string;
      readonly url: string;
      readonly buttonText?: string;
    }
  | {
      readonly type: 'news';
      readonly articles: ReadonlyArray<{
        readonly title: string;
        readonly description?: string;
        readonly url: string;
        readonly picUrl?: string;
      }>;
    };

export const textReply = (content: string): BotReply => ({ type: 'text', content });
