/**
 * `查询 <关键词>` (menu 知识查询): searches the field handbook and answers at once with the best matches,
 * numbered, each with a signed link to its page (valid 7 days) that opens in WeCom's browser without
 * signing in. Without keywords it asks for them; when nothing matches it says so and points to
 * `提问 <问题>`, the way to ask the control desk.
 */
import type { Flow, FlowContext, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { kbEntryLink } from './knowledge.links';
import { searchKnowledge } from './knowledge.search';

/** WeCom cuts text messages at 2048 bytes (UTF-8); keep the whole answer inside. */
export const WECOM_TEXT_LIMIT_BYTES = 2048;
export const MAX_ANSWERS = 5;
const MAX_TITLE_CHARS = 40;
const MAX_QUERY_CHARS = 100;

type KnowledgeDraft = Record<string, never>;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

export interface KnowledgeFlowOptions {
  /** Where the public pages are served: PUBLIC_BASE_URL (services.ts falls back to the local port). */
  readonly baseUrl: string;
  /** config.sessionSecret (see kbEntryLink). */
  readonly sessionSecret: string | undefined;
}

/** The `查询` flow: one search, one answer. */
export function createKnowledgeFlow(options: KnowledgeFlowOptions): Flow<KnowledgeDraft> {
  async function answer(context: FlowContext, rawQuery: string): Promise<FlowStep<KnowledgeDraft>> {
    const query = shorten(rawQuery.replace(/\s+/g, ' ').trim(), MAX_QUERY_CHARS);
    const found = await searchKnowledge(context.manager, query, { limit: MAX_ANSWERS });
    if (found.length === 0)
      return { kind: 'done', replies: [textReply(context.say('kb.flow.none', { query }))] };
    const footer = context.say('kb.flow.footer');
    let text = context.say('kb.flow.results', { query });
    let shown = 0;
    for (const { entry } of found) {
      const link = await kbEntryLink({
        manager: context.manager,
        entryId: entry.id,
        baseUrl: options.baseUrl,
        now: context.now,
        sessionSecret: options.sessionSecret,
      });
      const item = `\n${shown + 1}. ${shorten(entry.title, MAX_TITLE_CHARS)}\n${link}`;
      // Fewer answers rather than one cut in the middle of its link.
      if (bytes(text) + bytes(item) + bytes(`\n${footer}`) > WECOM_TEXT_LIMIT_BYTES) break;
      text += item;
      shown += 1;
    }
    return { kind: 'done', replies: [textReply(`${text}\n${footer}`)] };
  }

  return {
    name: 'search',
    command: 'search',
    description: 'kb.command',
    requiresBinding: true,

    async start(context, argument) {
      if (argument.trim() !== '') return answer(context, argument);
      return { kind: 'continue', step: 'query', draft: {}, replies: [textReply(context.say('kb.flow.ask'))] };
    },

    async handle(context, _step, draft, input) {
      // Typed while the flow waits, `查询 光猫` is still just the keywords.
      const text = input.kind === 'text' ? input.text.trim().replace(/^(查询|search)(\s+|$)/i, '') : '';
      if (text === '')
        return { kind: 'continue', step: 'query', draft, replies: [textReply(context.say('kb.flow.ask'))] };
      return answer(context, text);
    },
  };
}
