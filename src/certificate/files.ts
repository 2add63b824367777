import { chmod, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

export const KEY_FILE_NAME = 'server.key';
export const CERTIFICATE_FILE_NAME = 'server.crt';

export type KeyPairPaths = { keyFile: string; certificateFile: string };

export const keyPairPaths = (outputDir: string): KeyPairPaths => ({
  keyFile: resolve(outputDir, KEY_FILE_NAME),
  certificateFile: resolve(outputDir, CERTIFICATE_FILE_NAME),
});

const exists = async (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false
  );

/** Refuses, before anything is made, to replace a key or certificate unless asked to (`--force`). */
export const assertWritable = async (paths: KeyPairPaths, force: boolean): Promise<void> => {
  if (force) return;
  const candidates = [paths.keyFile, paths.certificateFile];
  const present = await Promise.all(candidates.map(exists));
  const taken = candidates.filter((_, i) => present[i]);
  if (taken.length > 0) throw messages.createError('error.FilesExist', [taken.join(', ')]);
};

/**
 * Writes the key (mode 0600, owner only) and the certificate (0644). Each goes to a temporary file in the
 * same folder first and is renamed into place, so a reader never sees half a key and an existing file
 * keeps no looser mode than 0600.
 */
export const writeKeyPair = async (
  paths: KeyPairPaths,
  contents: { privateKeyPem: string; certificatePem: string },
  force: boolean
): Promise<void> => {
  await assertWritable(paths, force);
  await mkdir(resolve(paths.keyFile, '..'), { recursive: true });
  await writeAtomically(paths.keyFile, contents.privateKeyPem, 0o600);
  await writeAtomically(paths.certificateFile, contents.certificatePem, 0o644);
};

const writeAtomically = async (path: string, text: string, mode: number): Promise<void> => {
  const temporary = join(resolve(path, '..'), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, text, { mode, flag: 'wx' });
  // The umask may have narrowed the mode; set it exactly.
  await chmod(temporary, mode);
  await rename(temporary, path);
};
