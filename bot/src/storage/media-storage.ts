/**
 * Where photos live once downloaded from WeCom (MediaIds expire after 3 days). Files are addressed by the
 * SHA-256 of their content, so the same photo sent twice is stored once and a key can never be guessed
 * from anything but the bytes.
 */
export interface StoredMedia {
  /** `<sha256>.<ext>`: what records keep. */
  readonly key: string;
  readonly bytes: number;
  readonly mimeType: string;
}

export interface MediaStorage {
  put(data: Buffer, extension: string, mimeType: string): Promise<StoredMedia>;
  read(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

export const MEDIA_KEY = /^[0-9a-f]{64}\.(jpg|png)$/;
