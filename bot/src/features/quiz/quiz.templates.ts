/**
 * The 闯关 question as a WeCom template card, pushed beside the text question so it can be answered with a
 * tap. Button keys name the attempt and the question index, so a click on an older card (another question,
 * another attempt) is recognised and refused rather than judged against the wrong question.
 */
import { z } from 'zod';
import { t } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';
import { QUIZ_LETTERS } from './quiz.schema';

/** Every quiz card key starts with this (the dispatcher routes clicks by it). */
export const QUIZ_CARD_PREFIX = 'quiz:';

/**
 * `quiz:<attempt id>:<question index>:<choice>`, the choice being a shown letter, Y/N for 对/错, or `pick`
 * (the submit button of a multiple-choice card: read the ticked options). At most 1024 bytes for WeCom.
 */
export const quizCardKey = (attemptId: number, index: number, choice: string) =>
  `${QUIZ_CARD_PREFIX}${attemptId}:${index}:${choice}`;

/** The checkbox's question key on a multiple-choice card: the ticked options arrive under it. */
export const quizQuestionKey = (attemptId: number, index: number) =>
  `${QUIZ_CARD_PREFIX}${attemptId}:${index}`;

const CARD_KEY = /^quiz:(\d{1,12}):(\d{1,3}):([A-F]|Y|N|pick)$/;

/** The parts of a quiz card key; undefined for anything that is not one. */
export function parseQuizCardKey(
  key: string,
): { attemptId: number; index: number; choice: string } | undefined {
  const match = CARD_KEY.exec(key);
  if (!match) return undefined;
  return { attemptId: Number(match[1]), index: Number(match[2]), choice: match[3] as string };
}

/**
 * Cuts `text` to `max` characters with an ellipsis. WeCom's card fields have suggested lengths (title 36,
 * title desc 44, sub-title 160, horizontal value 30, checkbox option 17 characters) beyond which the
 * phone cuts them anyway; the whole question is in the text message beside the card.
 */
function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const characters = [...flat];
  return characters.length <= max ? flat : `${characters.slice(0, max - 1).join('')}…`;
}

const questionCardData = z.object({
  attemptId: z.number().int().positive(),
  index: z.number().int().min(0).max(999),
  total: z.number().int().positive(),
  // WeCom: unique within the app, digits, letters and _-@, at most 128 bytes.
  cardTaskId: z.string().regex(/^[A-Za-z0-9_\-@]{1,128}$/),
  type: z.enum(['single', 'multiple', 'truefalse']),
  levelName: z.string(),
  stem: z.string(),
  /** Option texts in the order this attempt shows them (empty for true/false). */
  options: z.array(z.string()).max(QUIZ_LETTERS.length),
});

/**
 * One question as a card (https://developer.work.weixin.qq.com/document/path/90236, template_card):
 * - single choice: `button_interaction`, one button per option letter, the options listed above them;
 * - true/false: `button_interaction` with 对 and 错;
 * - multiple choice: `vote_interaction` with a multi-select checkbox (mode 1) and a submit button. A
 *   button card cannot select several options, and `multiple_interaction` offers only single-select
 *   drop-downs; the vote card's callback carries the ticked option ids in SelectedItems (QuestionKey,
 *   OptionIds), which is exactly a multiple-choice answer. Typing the letters (`AC`) still works.
 * Pushed (a passive reply cannot carry a card) and never held: the person is answering right now.
 */
export const quizQuestionCardTemplate = defineTemplate({
  key: 'quiz.questionCard',
  schema: questionCardData,
  quietHours: 'send',
  render: (data, locale) => {
    const title = t(locale, 'quiz.card.title', {
      number: data.index + 1,
      total: data.total,
      type: t(locale, `quiz.type.${data.type}`),
    });
    const lines = data.options.map((option, shown) => `${QUIZ_LETTERS[shown]}. ${option}`);
    const text = [title, data.stem, ...lines].join('\n');
    const source = { desc: t(locale, 'quiz.card.source') };
    const key = (choice: string) => quizCardKey(data.attemptId, data.index, choice);
    if (data.type === 'multiple') {
      return {
        subject: title,
        text,
        wecom: [
          {
            msgtype: 'template_card',
            template_card: {
              card_type: 'vote_interaction',
              source,
              main_title: { title: clip(title, 36), desc: clip(data.stem, 44) },
              task_id: data.cardTaskId,
              checkbox: {
                question_key: quizQuestionKey(data.attemptId, data.index),
                mode: 1,
                option_list: data.options.map((option, shown) => ({
                  id: QUIZ_LETTERS[shown],
                  text: clip(`${QUIZ_LETTERS[shown]}. ${option}`, 17),
                  is_checked: false,
                })),
              },
              submit_button: { text: t(locale, 'quiz.card.submit'), key: key('pick') },
            },
          },
        ],
      };
    }
    // All buttons look alike: a style must not hint at the answer.
    const buttons =
      data.type === 'truefalse'
        ? [
            { text: t(locale, 'quiz.card.true'), style: 1, key: key('Y') },
            { text: t(locale, 'quiz.card.false'), style: 1, key: key('N') },
          ]
        : data.options.map((_, shown) => ({
            text: QUIZ_LETTERS[shown],
            style: 1,
            key: key(QUIZ_LETTERS[shown]!),
          }));
    return {
      subject: title,
      text,
      wecom: [
        {
          msgtype: 'template_card',
          template_card: {
            card_type: 'button_interaction',
            source,
            main_title: { title: clip(title, 36), desc: clip(data.levelName, 44) },
            sub_title_text: clip(data.stem, 160),
            ...(data.options.length > 0
              ? {
                  horizontal_content_list: data.options.map((option, shown) => ({
                    keyname: QUIZ_LETTERS[shown],
                    value: clip(option, 30),
                  })),
                }
              : {}),
            task_id: data.cardTaskId,
            button_list: buttons,
          },
        },
      ],
    };
  },
});
