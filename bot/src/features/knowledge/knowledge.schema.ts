/**
 * What a handbook entry may contain, checked the same way for the web form, the importer and the
 * commands. Problems come back as catalog keys, so each edge can list every one in the reader's language.
 */
import { z } from 'zod';
import type { MessageKey, MessageParams } from '../../i18n';
import { MEDIA_KEY } from '../../storage/media-storage';

export const KB_LIMITS = {
  title: 200,
  body: 20_000,
  tags: 10,
  tag: 32,
  photos: 12,
} as const;

/** An entry as its editors give it. */
export interface KbEntryInput {
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly photos: readonly string[];
  readonly isPublished: boolean;
}

export interface KbProblem {
  readonly field: 'title' | 'body' | 'tags' | 'photos';
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

const input = z.object({
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  photos: z.array(z.string()),
  isPublished: z.boolean(),
});

/** Splits typed tags: commas, semicolons and 、 in either width; trimmed, de-duplicated, empties dropped. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,，;；、\n]/)
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
}

/** Normalises an entry (trimmed title, de-duplicated tags, LF line ends) and lists everything wrong with it. */
export function checkKbEntry(
  raw: KbEntryInput,
): { ok: true; value: KbEntryInput } | { ok: false; problems: KbProblem[] } {
  const parsed = input.parse(raw);
  const value: KbEntryInput = {
    title: parsed.title.trim(),
    body: parsed.body.replace(/\r\n?/g, '\n').trim(),
    tags: [...new Set(parsed.tags.map((tag) => tag.trim()).filter(Boolean))],
    photos: parsed.photos,
    isPublished: parsed.isPublished,
  };
  const problems: KbProblem[] = [];
  if (value.title === '') problems.push({ field: 'title', key: 'kb.error.titleMissing' });
  else if ([...value.title].length > KB_LIMITS.title || /[\r\n]/.test(value.title))
    problems.push({ field: 'title', key: 'kb.error.titleLength', params: { max: KB_LIMITS.title } });
  if (value.body.length > KB_LIMITS.body)
    problems.push({ field: 'body', key: 'kb.error.bodyLength', params: { max: KB_LIMITS.body } });
  if (value.tags.length > KB_LIMITS.tags)
    problems.push({ field: 'tags', key: 'kb.error.tagCount', params: { max: KB_LIMITS.tags } });
  const longTag = value.tags.find((tag) => [...tag].length > KB_LIMITS.tag);
  if (longTag)
    problems.push({ field: 'tags', key: 'kb.error.tagLength', params: { tag: longTag, max: KB_LIMITS.tag } });
  if (value.photos.length > KB_LIMITS.photos)
    problems.push({ field: 'photos', key: 'kb.error.photoCount', params: { max: KB_LIMITS.photos } });
  if (value.photos.some((key) => !MEDIA_KEY.test(key)))
    problems.push({ field: 'photos', key: 'kb.error.photoKey' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
