import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file through a temporary sibling renamed into place, so a reader never sees half of it and an
 * existing file never keeps a looser mode than asked for (secrets: 0600).
 */
export const writeAtomically = async (path: string, text: string, mode: number): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, text, { mode, flag: 'wx' });
  // The umask may have narrowed the mode; set it exactly.
  await chmod(temporary, mode);
  await rename(temporary, path);
};
