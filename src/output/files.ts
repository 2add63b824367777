import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/**
 * Writes a file through a temporary sibling renamed into place, so a reader never sees half of it and an
 * existing file never keeps a looser mode than asked for (secrets: 0600).
 */
export const writeAtomically = async (path: string, text: string, mode: number): Promise<void> => {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, text, { mode, flag: 'wx' });
    // The umask may have narrowed the mode; set it exactly.
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    await rm(temporary, { force: true }).catch(() => undefined);
    if (UNWRITABLE.includes(code)) throw messages.createError('error.OutputNotWritable', [path, code], [dirname(path)], EXIT_CODES.localInput);
    throw e;
  }
};

/** What the file system answers when a path cannot be written: a file where a folder must be, no permission, … */
const UNWRITABLE = ['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOSPC', 'ENAMETOOLONG'];
