/**
 * `通知` (recent notices and hot issues), `案例` (the latest best cases) and `视频` (training videos): each
 * answers at once with a WeCom news list — up to 8 items a message, WeCom's limit — whose items open the
 * article's signed page (which records the read) or the video.
 */
import type { Flow, FlowContext, FlowStep } from '../../conversation/flow';
import { textReply, type BotReply } from '../../conversation/reply';
import type { MessageKey } from '../../i18n';
import { plainExcerpt } from '../knowledge';
import { readSetting } from '../settings';
import type { ArticleKind } from './article.entity';
import { articleCoverLink, articleLink, videoCoverLink } from './broadcast.links';
import { listActiveVideos, recentArticlesFor, type ArticleListing } from './broadcast.queries';
import { formatDuration } from './broadcast.schema';
import { linkBase, type BroadcastLinkOptions } from './broadcast.sending';
import { bestCaseScheduleSetting } from './broadcast.settings';
import {
  CARD_DESCRIPTION_BYTES,
  CARD_TITLE_BYTES,
  clipBytes,
  inertCardText,
  kindKey,
} from './broadcast.templates';

/** WeCom's news message carries 1 to 8 articles. */
export const NEWS_LIMIT = 8;
/** Training videos listed at most (in news messages of 8). */
const MAX_VIDEOS = 24;

export type BroadcastFlowOptions = BroadcastLinkOptions;

type NewsItem = Extract<BotReply, { type: 'news' }>['articles'][number];

const done = (replies: BotReply[]): FlowStep<undefined> => ({ kind: 'done', replies });

function newsReplies(items: readonly NewsItem[]): BotReply[] {
  const replies: BotReply[] = [];
  for (let start = 0; start < items.length; start += NEWS_LIMIT)
    replies.push({ type: 'news', articles: items.slice(start, start + NEWS_LIMIT) });
  return replies;
}

async function articleItems(
  context: FlowContext,
  articles: readonly ArticleListing[],
  options: BroadcastFlowOptions,
): Promise<NewsItem[]> {
  return Promise.all(
    articles.map(async (article) => {
      const linkProps = {
        manager: context.manager,
        id: article.id,
        baseUrl: linkBase(options),
        now: context.now,
        sessionSecret: options.sessionSecret,
      };
      const title = context.say('broadcast.card.title', {
        kind: context.say(kindKey(article.kind)),
        title: article.title,
      });
      return {
        title: clipBytes(title, CARD_TITLE_BYTES),
        description: clipBytes(
          inertCardText(article.summary || plainExcerpt(article.bodyStart)),
          CARD_DESCRIPTION_BYTES,
        ),
        url: await articleLink(linkProps),
        ...(article.coverKey ? { picUrl: await articleCoverLink(linkProps) } : {}),
      };
    }),
  );
}

/** What `通知` says when there is nothing to list. */
const noNotices = (context: FlowContext) => Promise.resolve(context.say('broadcast.notices.none'));

/** What `案例` says when there is nothing to list: when the weekly push (broadcast.bestCaseSchedule) comes. */
async function noBestCases(context: FlowContext): Promise<string> {
  const schedule = (await readSetting(context.manager, bestCaseScheduleSetting)).value;
  return context.say('broadcast.cases.none', {
    weekday: context.say(`broadcast.weekday.${schedule.pushWeekday}` as MessageKey),
    time: schedule.pushTime,
  });
}

function articleListFlow(
  name: string,
  command: 'notices' | 'cases',
  description: MessageKey,
  kinds: readonly ArticleKind[],
  none: (context: FlowContext) => Promise<string>,
  options: BroadcastFlowOptions,
): Flow<undefined> {
  return {
    name,
    command,
    description,
    requiresBinding: true,
    async start(context) {
      if (!context.staff) return done([]);
      const articles = await recentArticlesFor(context.manager, context.staff, kinds, NEWS_LIMIT);
      if (articles.length === 0) return done([textReply(await none(context))]);
      return done(newsReplies(await articleItems(context, articles, options)));
    },
    handle: () => Promise.resolve(done([])),
  };
}

function videosFlow(options: BroadcastFlowOptions): Flow<undefined> {
  return {
    name: 'videos',
    command: 'videos',
    description: 'command.videos',
    requiresBinding: true,
    async start(context) {
      const videos = (await listActiveVideos(context.manager)).slice(0, MAX_VIDEOS);
      if (videos.length === 0) return done([textReply(context.say('broadcast.videos.none'))]);
      const items = await Promise.all(
        videos.map(async (video) => ({
          title: clipBytes(
            context.say('broadcast.videos.item', {
              title: video.title,
              length: formatDuration(video.durationSeconds),
            }),
            CARD_TITLE_BYTES,
          ),
          ...(video.description
            ? { description: clipBytes(inertCardText(video.description), CARD_DESCRIPTION_BYTES) }
            : {}),
          url: video.url,
          ...(video.coverKey
            ? {
                picUrl: await videoCoverLink({
                  manager: context.manager,
                  id: video.id,
                  baseUrl: linkBase(options),
                  now: context.now,
                  sessionSecret: options.sessionSecret,
                }),
              }
            : {}),
        })),
      );
      return done(newsReplies(items));
    },
    handle: () => Promise.resolve(done([])),
  };
}

/** The `通知`, `案例` and `视频` flows (links signed for `options.baseUrl`). */
export function createBroadcastFlows(options: BroadcastFlowOptions): Flow<undefined>[] {
  return [
    articleListFlow('notices', 'notices', 'command.notices', ['notice', 'hot'], noNotices, options),
    articleListFlow('cases', 'cases', 'command.cases', ['best-case'], noBestCases, options),
    videosFlow(options),
  ];
}
