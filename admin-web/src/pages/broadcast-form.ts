/**
 * Reading the article and training-video forms. They differ from the other back-office forms in three
 * ways, which is why they have their own reader: checkbox groups and multi-selects repeat a field name
 * (every value is kept, not the last one); an article body may be 20,000 characters (well past the
 * 64 KB urlencoded default once percent-encoded); and one optional cover photo may come along. Every
 * part is capped, the CSRF token is checked before anything is used, and an oversized or non-image
 * cover is reported as a problem of the form rather than failing the request, so what was typed is
 * never lost. Also here: the date-time and week conversions the forms need (Asia/Shanghai by default,
 * whatever TZ says), and the signed "pending cover" a form carries between a preview and a save.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Busboy from 'busboy';
import { AppError } from '../../../bot/src/errors';
import { readBody } from '../../../bot/src/http/body';
import type { MediaStorage } from '../../../bot/src/storage/media-storage';
import { MEDIA_KEY } from '../../../bot/src/storage/media-storage';
import { localClock, localDay, parseLocalDay, zonedInstant } from '../../../bot/src/zoned-time';
import type { AdminContext, AdminState } from '../context';
import { imageType, MAX_IMAGE_BYTES } from '../multipart';
import { checkCsrf } from '../security';
import type { FieldProblem } from './form-common';

/** The largest form body: a full article body percent-encoded three bytes per byte, and room for the rest. */
const MAX_FORM_BYTES = 512 * 1024;
/** Enough for every department and group of a large operator, each a separate value. */
const MAX_FIELDS = 600;

/** A problem of the article or video form, shown beside its field. */
export type FormProblem = FieldProblem;

interface Upload {
  readonly data: Buffer;
  readonly isTooLarge: boolean;
}

/** A submitted form: every value of every field, and the cover photo if one was chosen. */
export class BroadcastForm {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    /** The chosen cover photo (at most one file is read). */
    readonly upload: Upload | undefined,
    readonly hasTooManyFiles: boolean,
  ) {}

  /** The field's first value ('' when it was not sent). */
  text(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }

  /** Every value sent under the name (checkbox groups, multi-selects). */
  list(name: string): string[] {
    return [...(this.values.get(name) ?? [])];
  }

  /** True when a checkbox with value `1` was ticked. */
  isChecked(name: string): boolean {
    return this.list(name).includes('1');
  }
}

function add(values: Map<string, string[]>, name: string, value: string): void {
  const existing = values.get(name);
  if (existing) existing.push(value);
  else values.set(name, [value]);
}

function readMultipart(ctx: AdminContext): Promise<BroadcastForm> {
  return new Promise((resolve, reject) => {
    const values = new Map<string, string[]>();
    let upload: Upload | undefined;
    let hasTooManyFiles = false;
    let fieldBytes = 0;
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: MAX_FIELDS, fieldSize: MAX_FORM_BYTES },
      });
    } catch {
      reject(new AppError('BAD_REQUEST', 'not a multipart form'));
      return;
    }
    parser.on('field', (name, value, info) => {
      fieldBytes += Buffer.byteLength(value);
      // Each field is capped by busboy; all of them together by this running total.
      if (info.valueTruncated || fieldBytes > MAX_FORM_BYTES)
        reject(new AppError('PAYLOAD_TOO_LARGE', `form fields over ${MAX_FORM_BYTES} bytes`));
      else add(values, name, value);
    });
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      let isTooLarge = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (isTooLarge = true));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        // An empty file input still sends a part: no name, no bytes.
        if (data.length > 0 || info.filename) upload = { data, isTooLarge };
      });
    });
    parser.on('filesLimit', () => (hasTooManyFiles = true));
    parser.on('fieldsLimit', () => reject(new AppError('PAYLOAD_TOO_LARGE', 'too many form fields')));
    parser.on('error', reject);
    parser.on('close', () => resolve(new BroadcastForm(values, upload, hasTooManyFiles)));
    ctx.req.pipe(parser);
  });
}

async function readUrlencoded(ctx: AdminContext): Promise<BroadcastForm> {
  const values = new Map<string, string[]>();
  let count = 0;
  for (const [name, value] of new URLSearchParams((await readBody(ctx, MAX_FORM_BYTES)).toString('utf8'))) {
    count += 1;
    if (count > MAX_FIELDS) throw new AppError('PAYLOAD_TOO_LARGE', 'too many form fields');
    add(values, name, value);
  }
  return new BroadcastForm(values, undefined, false);
}

/**
 * Reads an article or video form (multipart with an optional cover photo, or urlencoded) and checks its
 * CSRF token: FORBIDDEN before anything in it is looked at when the token is missing or wrong.
 */
export async function readBroadcastForm(ctx: AdminContext): Promise<BroadcastForm> {
  const form = ctx.is('multipart') ? await readMultipart(ctx) : await readUrlencoded(ctx);
  checkCsrf(ctx.state, form.text('_csrf') || ctx.get('X-CSRF-Token'));
  return form;
}

/** What is wrong with the uploaded cover itself (size, type, more than one file); none when no file came. */
function coverProblems(form: BroadcastForm): FormProblem[] {
  if (form.hasTooManyFiles) return [{ field: 'cover', key: 'web.broadcast.coverOne' }];
  if (!form.upload) return [];
  if (form.upload.isTooLarge)
    return [
      { field: 'cover', key: 'web.broadcast.coverSize', params: { max: MAX_IMAGE_BYTES / 1024 / 1024 } },
    ];
  if (!imageType(form.upload.data)) return [{ field: 'cover', key: 'broadcast.error.cover' }];
  return [];
}

/** Stores an acceptable uploaded cover (JPEG or PNG by its bytes) and returns its media key. */
async function storeCover(storage: MediaStorage, form: BroadcastForm): Promise<string | undefined> {
  const upload = form.upload;
  const type = upload && !upload.isTooLarge ? imageType(upload.data) : undefined;
  if (!upload || !type) return undefined;
  return (await storage.put(upload.data, type.extension, type.mimeType)).key;
}

/**
 * A cover stored by an earlier post of the same form (a preview, or a save refused for another field)
 * travels in a hidden field, signed with the session's CSRF token so a form can only carry a cover its
 * own session uploaded — never an arbitrary stored file named by hand.
 */
export function signPendingCover(state: AdminState, key: string): string {
  return createHmac('sha256', state.csrf).update(`pending-cover.${key}`).digest('base64url');
}

/** The pending cover the form carries, if its key is a media key and its signature checks out. */
export function pendingCover(state: AdminState, form: BroadcastForm): string | undefined {
  const key = form.text('pendingCover');
  const signature = form.text('pendingCoverSig');
  if (!MEDIA_KEY.test(key) || signature === '') return undefined;
  const expected = Buffer.from(signPendingCover(state, key));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? key : undefined;
}

/**
 * The cover a posted form carries on: a newly uploaded one (stored at once, so a refused save does not
 * lose it), else the signed pending cover of an earlier post; with the problems of the upload itself.
 */
export async function receiveCover(
  state: AdminState,
  storage: MediaStorage,
  form: BroadcastForm,
): Promise<{ problems: FormProblem[]; cover: string | null }> {
  const problems = coverProblems(form);
  const uploaded = problems.length === 0 ? await storeCover(storage, form) : undefined;
  return { problems, cover: uploaded ?? pendingCover(state, form) ?? null };
}

/** The cover a save keeps: a new (pending) one, none if "remove" was ticked, else the saved one. */
export function keptCover(
  values: { readonly pendingCover: string | null; readonly removeCover: boolean },
  savedKey: string | null | undefined,
): string | null {
  return values.pendingCover ?? (values.removeCover ? null : (savedKey ?? null));
}

/** HTTP status for a refused form: 413 when the cover was too large, 400 otherwise. */
export function refusalStatus(problems: readonly FormProblem[]): number {
  return problems.some((problem) => problem.key === 'web.broadcast.coverSize') ? 413 : 400;
}

/**
 * The version an edit form was rendered from (its optimistic lock); undefined for a new record. A
 * missing or malformed version is a broken form, refused as VALIDATION_FAILED.
 */
export function formVersion(form: BroadcastForm, isEdit: boolean): number | undefined {
  if (!isEdit) return undefined;
  const version = Number(form.text('version'));
  if (!Number.isSafeInteger(version) || version < 1)
    throw new AppError('VALIDATION_FAILED', 'version', { params: { detail: 'version' } });
  return version;
}

/**
 * A `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds allowed) as the instant it names in `timeZone`;
 * undefined for anything else, including days that do not exist.
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$/.exec(value.trim());
  if (!match || !parseLocalDay(match[1] ?? '', timeZone)) return undefined;
  return zonedInstant(match[1] ?? '', Number(match[2]) * 60 + Number(match[3]), timeZone);
}

/** An instant as a `datetime-local` value in `timeZone` ('' for none). */
export function localDateTimeInput(at: Date | null, timeZone: string): string {
  if (!at) return '';
  return `${localDay(at, timeZone)}T${localClock(at, timeZone)}`;
}

/** A positive whole number from a form value (ids), or undefined. */
export function positiveId(value: string): number | undefined {
  if (!/^\d{1,9}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}
