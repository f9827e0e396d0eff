/**
 * What an article and a training video may contain, checked the same way for the web forms and the
 * commands. Problems come back as catalog keys, so each edge can list every one in the reader's language.
 */
import { z } from 'zod';
import type { MessageKey, MessageParams } from '../../i18n';
import { MEDIA_KEY } from '../../storage/media-storage';
import { isoWeek } from '../../zoned-time';
import { ROLES, type Role } from '../staff';
import { ARTICLE_KINDS, type ArticleAudience, type ArticleKind } from './article.entity';

export const ARTICLE_LIMITS = {
  title: 100,
  summary: 200,
  body: 20_000,
  /** The body column is TEXT (64 KB on MySQL/MariaDB, counted in bytes). */
  bodyBytes: 60_000,
  tags: 10,
  tag: 32,
  departments: 200,
  groups: 50,
} as const;

export const VIDEO_LIMITS = {
  title: 100,
  description: 200,
  url: 1000,
  /** Ten hours: anything longer is a typo. */
  durationSeconds: 36_000,
} as const;

/** An article as its editors give it. */
export interface ArticleInput {
  readonly kind: ArticleKind;
  readonly title: string;
  readonly summary: string;
  /** Markdown. */
  readonly body: string;
  readonly coverKey: string | null;
  readonly tags: readonly string[];
  readonly audience: ArticleAudience;
  /** Urgent articles skip quiet hours and allow reminders; outage alerts are always urgent. */
  readonly isUrgent: boolean;
  /** Duty-group keys that also get an SMS (outage alerts only). */
  readonly smsGroups: readonly string[];
  /** `YYYY-Www` (best cases only): the week whose Friday push carries it. */
  readonly featuredWeek: string | null;
}

/** A training video as its editors give it. */
export interface VideoInput {
  readonly title: string;
  readonly description: string;
  readonly durationSeconds: number;
  /** https only. */
  readonly url: string;
  readonly coverKey: string | null;
  readonly isActive: boolean;
}

export interface BroadcastProblem {
  readonly field:
    | 'kind'
    | 'title'
    | 'summary'
    | 'body'
    | 'cover'
    | 'tags'
    | 'audience'
    | 'smsGroups'
    | 'featuredWeek'
    | 'scheduledAt'
    | 'description'
    | 'duration'
    | 'url';
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

export const EMPTY_AUDIENCE: ArticleAudience = {
  everyone: false,
  roles: [],
  departmentIds: [],
  groupKeys: [],
};

const audienceSchema = z.object({
  everyone: z.boolean(),
  roles: z.array(z.string()),
  departmentIds: z.array(z.number().int()),
  groupKeys: z.array(z.string()),
});

const articleSchema = z.object({
  kind: z.string(),
  title: z.string(),
  summary: z.string(),
  body: z.string(),
  coverKey: z.string().nullable(),
  tags: z.array(z.string()),
  audience: audienceSchema,
  isUrgent: z.boolean(),
  smsGroups: z.array(z.string()),
  featuredWeek: z.string().nullable(),
});

const videoSchema = z.object({
  title: z.string(),
  description: z.string(),
  durationSeconds: z.number(),
  url: z.string(),
  coverKey: z.string().nullable(),
  isActive: z.boolean(),
});

const ISO_WEEK = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/;

/**
 * True for an ISO week label that exists: 01–52, and 53 only in years that have one (28 December is
 * always in a year's last ISO week).
 */
export function isIsoWeekLabel(value: string): boolean {
  const match = ISO_WEEK.exec(value);
  if (!match) return false;
  if (match[2] !== '53') return true;
  return isoWeek(new Date(Date.UTC(Number(match[1]), 11, 28, 12)), 'UTC') === `${match[1]}-W53`;
}
const length = (text: string) => [...text].length;

/** A title must be given, fit on one line and have at most `max` characters. */
function titleProblems(title: string, max: number): BroadcastProblem[] {
  if (title === '') return [{ field: 'title', key: 'broadcast.error.titleMissing' }];
  if (length(title) > max || /[\r\n]/.test(title))
    return [{ field: 'title', key: 'broadcast.error.titleLength', params: { max } }];
  return [];
}

/** True when the audience names nobody at all (nothing chosen). */
export function isEmptyAudience(audience: ArticleAudience): boolean {
  return (
    !audience.everyone &&
    audience.roles.length === 0 &&
    audience.departmentIds.length === 0 &&
    audience.groupKeys.length === 0
  );
}

/**
 * Normalises an article (trimmed text, LF line ends, de-duplicated tags and audience, outage alerts
 * urgent) and lists everything wrong with it. Whether departments and groups exist is the commands' check.
 */
export function checkArticle(
  raw: ArticleInput,
): { ok: true; value: ArticleInput } | { ok: false; problems: BroadcastProblem[] } {
  const parsed = articleSchema.parse(raw);
  const problems: BroadcastProblem[] = [];
  const kind = (ARTICLE_KINDS as readonly string[]).includes(parsed.kind)
    ? (parsed.kind as ArticleKind)
    : undefined;
  if (!kind) problems.push({ field: 'kind', key: 'broadcast.error.kind' });
  const roles = [...new Set(parsed.audience.roles)];
  const value: ArticleInput = {
    kind: kind ?? 'notice',
    title: parsed.title.trim(),
    summary: parsed.summary.replace(/\s+/g, ' ').trim(),
    body: parsed.body.replace(/\r\n?/g, '\n').trim(),
    coverKey: parsed.coverKey === '' ? null : parsed.coverKey,
    tags: [...new Set(parsed.tags.map((tag) => tag.trim()).filter(Boolean))],
    audience: {
      everyone: parsed.audience.everyone,
      roles: roles.filter((role): role is Role => (ROLES as readonly string[]).includes(role)),
      departmentIds: [...new Set(parsed.audience.departmentIds)].sort((a, b) => a - b),
      groupKeys: [...new Set(parsed.audience.groupKeys.map((key) => key.trim()).filter(Boolean))].sort(),
    },
    isUrgent: kind === 'outage' || parsed.isUrgent,
    smsGroups: [...new Set(parsed.smsGroups.map((key) => key.trim()).filter(Boolean))].sort(),
    featuredWeek:
      parsed.featuredWeek === null || parsed.featuredWeek.trim() === '' ? null : parsed.featuredWeek.trim(),
  };
  problems.push(...titleProblems(value.title, ARTICLE_LIMITS.title));
  if (length(value.summary) > ARTICLE_LIMITS.summary)
    problems.push({
      field: 'summary',
      key: 'broadcast.error.summaryLength',
      params: { max: ARTICLE_LIMITS.summary },
    });
  if (length(value.body) > ARTICLE_LIMITS.body || Buffer.byteLength(value.body) > ARTICLE_LIMITS.bodyBytes)
    problems.push({ field: 'body', key: 'broadcast.error.bodyLength', params: { max: ARTICLE_LIMITS.body } });
  if (value.coverKey !== null && !MEDIA_KEY.test(value.coverKey))
    problems.push({ field: 'cover', key: 'broadcast.error.cover' });
  if (value.tags.length > ARTICLE_LIMITS.tags)
    problems.push({ field: 'tags', key: 'broadcast.error.tagCount', params: { max: ARTICLE_LIMITS.tags } });
  const longTag = value.tags.find((tag) => length(tag) > ARTICLE_LIMITS.tag);
  if (longTag)
    problems.push({
      field: 'tags',
      key: 'broadcast.error.tagLength',
      params: { tag: longTag, max: ARTICLE_LIMITS.tag },
    });
  const badRole = roles.find((role) => !(ROLES as readonly string[]).includes(role));
  if (badRole) problems.push({ field: 'audience', key: 'broadcast.error.role', params: { role: badRole } });
  if (
    value.audience.departmentIds.length > ARTICLE_LIMITS.departments ||
    value.audience.groupKeys.length > ARTICLE_LIMITS.groups ||
    value.smsGroups.length > ARTICLE_LIMITS.groups
  )
    problems.push({ field: 'audience', key: 'broadcast.error.audienceSize' });
  if (value.smsGroups.length > 0 && value.kind !== 'outage')
    problems.push({ field: 'smsGroups', key: 'broadcast.error.smsOnlyOutage' });
  if (value.featuredWeek !== null) {
    if (value.kind !== 'best-case')
      problems.push({ field: 'featuredWeek', key: 'broadcast.error.featuredOnlyBestCase' });
    else if (!isIsoWeekLabel(value.featuredWeek))
      problems.push({ field: 'featuredWeek', key: 'broadcast.error.featuredWeek' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** Best cases with no audience chosen go to every engineer (the weekly push's readers). */
export const BEST_CASE_DEFAULT_AUDIENCE: ArticleAudience = {
  everyone: false,
  roles: ['engineer'],
  departmentIds: [],
  groupKeys: [],
};

/** Who an article goes to: its audience, or every engineer for a best case left without one. */
export function effectiveAudience(article: {
  readonly kind: ArticleKind;
  readonly audience: ArticleAudience;
}): ArticleAudience {
  return article.kind === 'best-case' && isEmptyAudience(article.audience)
    ? BEST_CASE_DEFAULT_AUDIENCE
    : article.audience;
}

/** What an article needs before it can be scheduled or sent (a draft may be incomplete). */
export function readinessProblems(article: {
  readonly kind: ArticleKind;
  readonly body: string;
  readonly audience: ArticleAudience;
}): BroadcastProblem[] {
  const problems: BroadcastProblem[] = [];
  if (article.body.trim() === '') problems.push({ field: 'body', key: 'broadcast.error.bodyMissing' });
  if (isEmptyAudience(effectiveAudience(article)))
    problems.push({ field: 'audience', key: 'broadcast.error.audienceMissing' });
  return problems;
}

/** True for an absolute https URL without credentials (what a video link may be). */
export function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Normalises a training video and lists everything wrong with it. */
export function checkVideo(
  raw: VideoInput,
): { ok: true; value: VideoInput } | { ok: false; problems: BroadcastProblem[] } {
  const parsed = videoSchema.parse(raw);
  const value: VideoInput = {
    title: parsed.title.trim(),
    description: parsed.description.replace(/\s+/g, ' ').trim(),
    durationSeconds: parsed.durationSeconds,
    url: parsed.url.trim(),
    coverKey: parsed.coverKey === '' ? null : parsed.coverKey,
    isActive: parsed.isActive,
  };
  const problems: BroadcastProblem[] = [];
  problems.push(...titleProblems(value.title, VIDEO_LIMITS.title));
  if (length(value.description) > VIDEO_LIMITS.description)
    problems.push({
      field: 'description',
      key: 'broadcast.error.summaryLength',
      params: { max: VIDEO_LIMITS.description },
    });
  if (
    !Number.isInteger(value.durationSeconds) ||
    value.durationSeconds < 1 ||
    value.durationSeconds > VIDEO_LIMITS.durationSeconds
  )
    problems.push({ field: 'duration', key: 'broadcast.error.videoDuration' });
  if (value.url.length > VIDEO_LIMITS.url || !isHttpsUrl(value.url))
    problems.push({ field: 'url', key: 'broadcast.error.videoUrl' });
  if (value.coverKey !== null && !MEDIA_KEY.test(value.coverKey))
    problems.push({ field: 'cover', key: 'broadcast.error.cover' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** `m:ss` or `h:mm:ss` for a video length. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** `m:ss`, `h:mm:ss` or a plain number of seconds → seconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,5}$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)$/.exec(trimmed);
  if (!match) return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}
