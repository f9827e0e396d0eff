import type { Context } from 'koa';
import { AppError } from '../errors';

/** Reads the raw request body, refusing more than `limit` bytes (413). */
export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', `body of ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** An application/x-www-form-urlencoded body as a null-prototype record (last value wins). */
export async function readForm(ctx: Context, limit = 64 * 1024): Promise<Record<string, string>> {
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams((await readBody(ctx, limit)).toString('utf8')))
    form[key] = value;
  return form;
}
