import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MEDIA_KEY, type MediaStorage, type StoredMedia } from './media-storage';

/**
 * Media on the local disk under `<DATA_DIR>/media/ab/cd/<sha256>.<ext>`. Writes go to a temporary file
 * and are renamed into place, so a reader never sees half a photo and a crash leaves no corrupt file.
 */
export class LocalDiskStorage implements MediaStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!MEDIA_KEY.test(key)) throw new Error(`not a media key: ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(data: Buffer, extension: string, mimeType: string): Promise<StoredMedia> {
    const key = `${createHash('sha256').update(data).digest('hex')}.${extension}`;
    const target = this.pathOf(key);
    if (!(await this.exists(key))) {
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, data);
      await rename(temporary, target);
    }
    return { key, bytes: data.length, mimeType };
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }
}
