import { chmod, lstat, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import { Lifecycle, Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { keyPairPaths, type KeyPairPaths } from './files.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');
const outputMessages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/** A folder that cannot hold the pair: a file in its place, no permission, read-only. */
const unusable = (path: string, code: string): Error =>
  outputMessages.createError('error.OutputNotWritable', [path, code], [path], EXIT_CODES.localInput);

/** The lock one run holds on a key folder (a directory proper-lockfile makes, as @salesforce/core does). */
export const LOCK_NAME = '.jwtapp.lock';
/** A lock not refreshed for this long belongs to a run that died (SIGKILL, a lost machine): it is taken over. */
const STALE_MS = 10_000;
/** A run waits for another at least this long, however short its own --wait (0 included). */
const MIN_WAIT_MS = 60_000;
/** How often a waiting run looks again. */
const POLL_MS = 500;

/** A key folder this run holds: its pair's paths; released once the run ends, whatever the outcome. */
export type KeyFolder = KeyPairPaths & { dir: string; release: () => Promise<void> };

const ownUid = (): number | undefined => (process.platform === 'win32' ? undefined : process.getuid?.());

/**
 * A folder that holds private keys is the owner's alone: made 0700 whatever the umask; an existing one others
 * may write to (or owned by another user) is refused before anything in it is read or written, as ssh refuses
 * such a folder, since whoever can write it can swap the pair setup then uploads. Not on Windows, whose modes
 * say nothing of it.
 */
export const assertPrivateFolder = async (dir: string): Promise<void> => {
  const path = resolve(dir);
  const found = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw unusable(path, e.code ?? e.message);
  });
  if (!found) {
    await mkdir(path, { recursive: true, mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      throw unusable(path, e.code ?? e.message);
    });
    // The umask may have narrowed the mode; never widened it. Set it exactly.
    if (process.platform !== 'win32') await chmod(path, 0o700);
    return;
  }
  if (!found.isDirectory()) throw unusable(path, 'ENOTDIR');
  const uid = ownUid();
  if (uid === undefined) return;
  const mode = (found.mode & 0o7777).toString(8).padStart(4, '0');
  if ((found.mode & 0o022) !== 0)
    throw messages.createError('error.KeyFolderWritableByOthers', [path, mode], [path, path], EXIT_CODES.localInput);
  if (found.uid !== uid && found.uid !== 0)
    throw messages.createError('error.KeyFolderNotOwned', [path, found.uid, uid], [path], EXIT_CODES.localInput);
  // A key file in it that others may write could have been swapped already.
  const keyFile = keyPairPaths(path).keyFile;
  const key = await lstat(keyFile).catch(() => undefined);
  if (key && ((key.mode & 0o022) !== 0 || (key.uid !== uid && key.uid !== 0) || key.isSymbolicLink())) {
    throw messages.createError(
      'error.KeyFileWritableByOthers',
      [keyFile, (key.mode & 0o7777).toString(8).padStart(4, '0')],
      [keyFile],
      EXIT_CODES.localInput,
    );
  }
};

/**
 * The key folder for one run, checked (see assertPrivateFolder) and locked: a second run on the same folder
 * waits while the first holds it, up to `waitMs` (its --wait; a minute at least), then stops with KeyFolderLockedError, so two rotations never
 * interleave their uploads and file switches. A lock left by a run that died is taken over once stale.
 */
export const openKeyFolder = async (
  dir: string,
  options: { waitMs: number; onWait?: () => void },
): Promise<KeyFolder> => {
  const path = resolve(dir);
  await assertPrivateFolder(path);
  const lockfilePath = join(path, LOCK_NAME);
  // Real time, not the plugin's clock: the other run is another process, which a fake clock does not hurry.
  const waitMs = Math.max(options.waitMs, MIN_WAIT_MS);
  const deadline = Date.now() + waitMs;
  let warned = false;
  for (;;) {
    try {
      // eslint-disable-next-line no-await-in-loop
      const release = await lock(path, {
        lockfilePath,
        realpath: false,
        stale: STALE_MS,
        retries: 0,
        // The lock could not be refreshed in time (a stalled machine): another run may take it over. The run goes
        // on — crashing here would leave a half-made switch — and the journal still lets the next run repair.
        onCompromised: () => undefined,
      });
      return { dir: path, ...keyPairPaths(path), release: () => release().catch(() => undefined) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw unusable(path, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      }
      if (Date.now() >= deadline) {
        throw messages.createError(
          'error.KeyFolderLocked',
          [path, Math.round(waitMs / 1000)],
          [lockfilePath, Math.round(STALE_MS / 1000)],
          EXIT_CODES.localInput,
        );
      }
      if (!warned) {
        warned = true;
        options.onWait?.();
        // eslint-disable-next-line no-await-in-loop
        await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.KeyFolderBusy', [path]));
      }
      // eslint-disable-next-line no-await-in-loop
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  }
};
