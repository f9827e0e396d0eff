/**
 * Multipart forms with photos (answers with pictures, handbook entries): fields and image files read
 * with busboy under hard limits, the CSRF token checked like any form, and every file checked to really
 * be a JPEG or PNG (by its bytes, not its name or declared type) before anything is stored.
 */
import Busboy from 'busboy';
import { AppError } from '../../bot/src/errors';
import type { AdminContext } from './context';
import { checkCsrf, readCheckedForm } from './security';

export interface UploadedImage {
  readonly field: string;
  readonly data: Buffer;
  readonly extension: 'jpg' | 'png';
  readonly mimeType: 'image/jpeg' | 'image/png';
}

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** The image type of uploaded bytes, from their signature (never the name or declared type). */
export function imageType(data: Buffer): Pick<UploadedImage, 'extension' | 'mimeType'> | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff)
    return { extension: 'jpg', mimeType: 'image/jpeg' };
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { extension: 'png', mimeType: 'image/png' };
  return undefined;
}

/** Reads a form that may carry images; a plain urlencoded form comes back with no files. */
export async function readFormWithImages(
  ctx: AdminContext,
  limits: { readonly maxFiles: number; readonly maxBytes?: number },
): Promise<{ fields: Record<string, string>; images: UploadedImage[] }> {
  if (!ctx.is('multipart')) return { fields: await readCheckedForm(ctx), images: [] };
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const { fields, files } = await new Promise<{
    fields: Record<string, string>;
    files: Array<[string, Buffer]>;
  }>((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Array<[string, Buffer]> = [];
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: maxBytes, files: limits.maxFiles, fields: 20, fieldSize: 64 * 1024 },
      });
    } catch {
      reject(new AppError('BAD_REQUEST', 'not a multipart form'));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(new AppError('PAYLOAD_TOO_LARGE', 'image too large')));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        if (data.length > 0) files.push([name, data]); // an empty file input sends an empty part
      });
    });
    parser.on('filesLimit', () =>
      reject(new AppError('VALIDATION_FAILED', 'too many files', { params: { detail: 'photos' } })),
    );
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, files }));
    ctx.req.pipe(parser);
  });
  checkCsrf(ctx.state, fields._csrf);
  const images = files.map(([field, data]) => {
    const type = imageType(data);
    if (!type) throw new AppError('VALIDATION_FAILED', 'not an image', { params: { detail: 'photos' } });
    return { field, data, ...type };
  });
  return { fields, images };
}
