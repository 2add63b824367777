import { chmod, lstat, mkdir, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/** Whether anything is at the path (a link is followed, as reading the file would). */
export const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

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
    if (UNWRITABLE.includes(code))
      throw messages.createError('error.OutputNotWritable', [path, code], [dirname(path)], EXIT_CODES.localInput);
    throw e;
  }
};

/** What the file system answers when a path cannot be written: a file where a folder must be, no permission, … */
const UNWRITABLE = ['ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOSPC', 'ENAMETOOLONG'];

/** How many links a path may pass through before it is taken as it stands (Linux's own limit, for ELOOP). */
const MAX_LINKS = 40;

/**
 * The file a path names once every symbolic link in it is followed, `..` and `.` resolved: the file a write
 * through the path changes. A path that does not exist yet is its folder's real path and its name; a link
 * whose target does not exist yet names that target (a write through it creates the target, as a shell's
 * `>` does). Anything else the file system answers leaves the path as given, for the write to report.
 */
export const realTarget = async (path: string, links = 0): Promise<string> => {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || links > MAX_LINKS) return absolute;
  }
  const parent = dirname(absolute);
  const isLink = await lstat(absolute).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (isLink) return realTarget(resolve(parent, await readlink(absolute)), links + 1);
  return parent === absolute ? absolute : join(await realTarget(parent, links + 1), basename(absolute));
};

/**
 * Writes a file as writeAtomically does, through a symbolic link: the file the link names is replaced (its
 * temporary sibling made beside it), and the link stays a link. Replacing the link itself with a regular
 * file would leave whatever reads its target with the old contents.
 */
export const writeThroughLinks = async (path: string, text: string, mode: number): Promise<void> =>
  writeAtomically(await realTarget(path), text, mode);
