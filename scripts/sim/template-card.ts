/**
 * WeCom template cards in the simulator: a pushed card shown as readable lines (buttons numbered, tick
 * boxes with their option ids), and the `template_card_event` WeCom sends when a member clicks a button or
 * ticks options and presses submit (https://developer.work.weixin.qq.com/document/path/90240). Only what
 * a card needs to be shown and answered is read from the push; anything else in it is ignored.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { WecomClient } from './wecom-client';

const button = z.object({ text: z.string().default(''), key: z.string() });

const cardSchema = z.object({
  card_type: z.string(),
  task_id: z.string().default(''),
  source: z.object({ desc: z.string().optional() }).optional(),
  main_title: z.object({ title: z.string().optional(), desc: z.string().optional() }).optional(),
  sub_title_text: z.string().optional(),
  horizontal_content_list: z
    .array(z.object({ keyname: z.string().default(''), value: z.string().default('') }))
    .optional(),
  button_list: z.array(button).optional(),
  checkbox: z
    .object({
      question_key: z.string(),
      mode: z.number().optional(),
      option_list: z.array(z.object({ id: z.string(), text: z.string().default('') })),
    })
    .optional(),
  submit_button: button.optional(),
});

/** A pushed card as the simulator keeps it: what /card needs to answer it. */
export type SimCard = z.infer<typeof cardSchema>;

/** The card in a `template_card` push's payload; undefined when the payload is not a card. */
export function readTemplateCard(payload: unknown): SimCard | undefined {
  const parsed = cardSchema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}

/** Whether /card can answer this card: a button card, or a vote card with its tick boxes and submit. */
export function isClickable(card: SimCard): boolean {
  if (card.card_type === 'button_interaction') return (card.button_list?.length ?? 0) > 0;
  if (card.card_type === 'vote_interaction')
    return card.checkbox !== undefined && card.submit_button !== undefined;
  return false;
}

/** The card as lines for the terminal: header, text, then numbered buttons or tick boxes and submit. */
export function describeTemplateCard(card: SimCard): string {
  const title = [card.main_title?.title, card.main_title?.desc].filter(Boolean).join(' — ');
  const source = card.source?.desc ? ` · ${card.source.desc}` : '';
  const lines = [`[card ${card.card_type}${source}] ${title}`];
  if (card.sub_title_text) lines.push(`  ${card.sub_title_text}`);
  for (const item of card.horizontal_content_list ?? []) lines.push(`  ${item.keyname}: ${item.value}`);
  if (card.card_type === 'vote_interaction' && card.checkbox) {
    const many = card.checkbox.mode === 1;
    lines.push(`  tick ${many ? 'one or more' : 'one'}:`);
    for (const option of card.checkbox.option_list) lines.push(`  (${option.id}) ${option.text}`);
    if (card.submit_button) lines.push(`  submit: ${card.submit_button.text} (${card.submit_button.key})`);
    if (isClickable(card))
      lines.push(`  → /card <option ids…> to tick and submit, e.g. /card ${exampleIds(card)}`);
    return lines.join('\n');
  }
  (card.button_list ?? []).forEach((one, index) => lines.push(`  [${index + 1}] ${one.text} (${one.key})`));
  if (isClickable(card)) lines.push('  → /card <n|key> to click a button');
  return lines.join('\n');
}

function exampleIds(card: SimCard): string {
  const ids = card.checkbox?.option_list.map((option) => option.id) ?? [];
  return (card.checkbox?.mode === 1 ? ids.slice(0, 2) : ids.slice(0, 1)).join(' ');
}

/**
 * The inner XML of the `template_card_event` for `/card <args>` on `card`: the clicked button's key (by
 * its number or the key itself), or on a vote card the submit key with the ticked option ids under the
 * checkbox's question key. Throws a usage error when the arguments do not fit the card.
 */
export function templateCardEventXml(
  client: WecomClient,
  card: SimCard | undefined,
  args: readonly string[],
): string {
  if (!card)
    throw new Error(
      'no card has been pushed yet; /card answers the last card the bot pushed (shown in development mode only)',
    );
  if (!isClickable(card))
    throw new Error(`the last card (${card.card_type}) has no buttons or tick boxes to answer with /card`);
  // WeCom gives every callback a fresh response code (valid once, to update the card).
  const common = [
    ['TaskId', card.task_id],
    ['CardType', card.card_type],
    ['ResponseCode', randomBytes(12).toString('hex')],
  ] as const;
  const { checkbox, submit_button: submit } = card;
  if (card.card_type === 'vote_interaction' && checkbox && submit) {
    const ids = checkbox.option_list.map((option) => option.id);
    const ticked = [...new Set(args.flatMap((arg) => arg.split(',')).filter((id) => id !== ''))];
    if (ticked.length === 0) throw new Error(`usage: /card <option ids…>, e.g. /card ${exampleIds(card)}`);
    const unknown = ticked.filter((id) => !ids.includes(id));
    if (unknown.length > 0)
      throw new Error(`no option ${unknown.join(', ')} on the last card; its options are ${ids.join(', ')}`);
    if (checkbox.mode !== 1 && ticked.length > 1) throw new Error('the last card allows one option only');
    return client.eventXml('template_card_event', submit.key, [
      ...common,
      [
        'SelectedItems',
        {
          children: [
            [
              'SelectedItem',
              {
                children: [
                  ['QuestionKey', checkbox.question_key],
                  ['OptionIds', { children: ticked.map((id) => ['OptionId', id] as const) }],
                ],
              },
            ],
          ],
        },
      ],
    ]);
  }
  const buttons = card.button_list ?? [];
  const [choice, ...rest] = args;
  if (choice === undefined || rest.length > 0) throw new Error('usage: /card <n|key> (one button)');
  const byKey = buttons.find((one) => one.key === choice);
  const byNumber = /^\d+$/.test(choice) ? buttons[Number(choice) - 1] : undefined;
  const pressed = byKey ?? byNumber;
  if (!pressed)
    throw new Error(
      `no button ${choice} on the last card: give a number from 1 to ${buttons.length} or a button's key`,
    );
  return client.eventXml('template_card_event', pressed.key, common);
}
