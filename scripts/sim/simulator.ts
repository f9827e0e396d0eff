/**
 * The interactive WeCom simulator behind `fieldline sim`: a terminal chat with the local bot that behaves
 * exactly like WeCom on the wire (signed, encrypted deliveries with WeCom's retries) and shows every
 * reply, passive or pushed. Non-text input: /photo <file>, /location <lat> <lng> [label], /click <EventKey>,
 * /scan <code>, /event <name> [key], and /card <n|key> or /card <option ids…> to answer the last pushed
 * template card (rating stars, quiz questions) as a click on it would.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { APP_MENU } from '../../bot/src/conversation/menu';
import { describeTemplateCard, readTemplateCard, templateCardEventXml, type SimCard } from './template-card';
import type { WecomClient } from './wecom-client';

export const SIM_HELP = [
  'Type a message and press Enter to send it as the member. Commands:',
  '  /photo <file.jpg|png>           send a photo (development mode: uploaded to the fake WeCom)',
  '  /location <lat> <lng> [label]   send a location',
  '  /click <EventKey>               press a menu item; keys: ' +
    APP_MENU.flatMap((g) => g.items.map((i) => i.key)).join(', '),
  '  /scan <code>                    scan a barcode (scancode_waitmsg)',
  '  /event <name> [key]             any other event, e.g. /event enter_agent',
  '  /card <n|key>                   click button n (or the button with that key) on the last pushed card',
  '  /card <option ids…>             on a vote card: tick these options and submit, e.g. /card A C',
  '  /help  /quit',
].join('\n');

export interface SimulatorOptions {
  readonly client: WecomClient;
  readonly input: Readable;
  readonly output: Writable;
  /** Base URL of the development fake WeCom API; pushes are shown and photos uploaded only with it. */
  readonly fakeApiBase: string | undefined;
}

/** Runs until /quit or the input ends. */
export async function runSimulator(options: SimulatorOptions): Promise<void> {
  const { client, output } = options;
  const user = client.options.userId;
  const say = (line: string) => output.write(`${line}\n`);
  const stopFeed = new AbortController();
  // The last template card pushed to the member: what /card answers.
  const cards: CardMemory = { last: undefined };
  const feed = options.fakeApiBase
    ? followPushes(options.fakeApiBase, user, say, cards, stopFeed.signal)
    : undefined;
  say(
    `Chatting as "${user}" with ${client.options.baseUrl} (corp ${client.options.corp.corpId}). /help for commands.`,
  );
  if (!options.fakeApiBase)
    say('(A real corp is configured: pushed messages go to WeCom and are not shown here.)');

  const lines = readline.createInterface({ input: options.input, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit' || line === '/exit') break;
    if (line === '/help') {
      say(SIM_HELP);
      continue;
    }
    try {
      const xml = await toMessageXml(line, options, cards);
      if (xml === undefined) {
        say('Unknown command; /help lists them.');
        continue;
      }
      const result = await client.deliver(xml);
      if (result.status !== 200) say(`! the bot answered HTTP ${result.status}: ${result.body}`);
      else if (result.reply) say(`bot> ${result.reply.content}`);
      if (result.deliveries > 1) say(`(answered on delivery ${result.deliveries}, as WeCom would retry)`);
    } catch (error) {
      say(`! ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  lines.close();
  stopFeed.abort();
  await feed;
}

interface CardMemory {
  last: SimCard | undefined;
}

async function toMessageXml(
  line: string,
  options: SimulatorOptions,
  cards: CardMemory,
): Promise<string | undefined> {
  const { client } = options;
  if (!line.startsWith('/')) return client.textXml(line);
  const [command = '', ...args] = line.split(/\s+/);
  switch (command) {
    case '/photo': {
      if (!options.fakeApiBase) throw new Error('photos can be simulated only in development mode');
      const file = args.join(' ');
      const data = await readFile(file);
      const type = path.extname(file).toLowerCase() === '.png' ? 'image/png' : 'image/jpeg';
      const response = await fetch(`${options.fakeApiBase}/__fake/media`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: data,
      });
      const { media_id: mediaId } = (await response.json()) as { media_id: string };
      return client.imageXml(mediaId);
    }
    case '/location': {
      const [lat, lng, ...label] = args;
      if (lat === undefined || lng === undefined || Number.isNaN(Number(lat)) || Number.isNaN(Number(lng))) {
        throw new Error('usage: /location <lat> <lng> [label]');
      }
      return client.locationXml(Number(lat), Number(lng), label.join(' '));
    }
    case '/click':
      if (args[0] === undefined) throw new Error('usage: /click <EventKey>');
      return client.eventXml('click', args[0]);
    case '/scan':
      if (args[0] === undefined) throw new Error('usage: /scan <code>');
      return client.eventXml('scancode_waitmsg', 'SCAN', [
        [
          'ScanCodeInfo',
          {
            children: [
              ['ScanType', 'barcode'],
              ['ScanResult', args[0]],
            ],
          },
        ],
      ]);
    case '/event':
      if (args[0] === undefined) throw new Error('usage: /event <name> [key]');
      return client.eventXml(args[0], args[1] ?? '');
    case '/card':
      return templateCardEventXml(client, cards.last, args);
    default:
      return undefined;
  }
}

/** Long-polls the fake WeCom API for messages pushed to the member and prints them as they arrive. */
async function followPushes(
  apiBase: string,
  user: string,
  say: (line: string) => void,
  cards: CardMemory,
  signal: AbortSignal,
): Promise<void> {
  let after = 0;
  const first = await fetch(`${apiBase}/__fake/messages?touser=${encodeURIComponent(user)}`, {
    signal,
  }).catch(() => undefined);
  if (first?.ok) {
    const { messages } = (await first.json()) as { messages: Array<{ id: number }> };
    after = messages.at(-1)?.id ?? 0; // only what arrives from now on
  }
  while (!signal.aborted) {
    try {
      const response = await fetch(
        `${apiBase}/__fake/messages?touser=${encodeURIComponent(user)}&after=${after}&wait=20000`,
        {
          signal,
        },
      );
      const { messages } = (await response.json()) as {
        messages: Array<{ id: number; msgtype: string; payload: Record<string, unknown> }>;
      };
      for (const message of messages) {
        after = message.id;
        const card = message.msgtype === 'template_card' ? readTemplateCard(message.payload) : undefined;
        if (card) cards.last = card;
        say(
          `bot (push)> ${card ? describeTemplateCard(card) : describePush(message.msgtype, message.payload)}`,
        );
      }
    } catch {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function describePush(msgtype: string, payload: Record<string, unknown>): string {
  const field = (name: string) => (typeof payload[name] === 'string' ? payload[name] : '');
  switch (msgtype) {
    case 'text':
    case 'markdown':
      return field('content');
    case 'textcard':
      return `[${field('title')}] ${field('description')} → ${field('url')}`;
    case 'news':
      return ((payload.articles as Array<{ title: string; url: string }> | undefined) ?? [])
        .map((article) => `[${article.title}] ${article.url}`)
        .join(' | ');
    default:
      return `${msgtype}: ${JSON.stringify(payload)}`;
  }
}
