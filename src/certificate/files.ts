import { resolve } from 'node:path';
import { Messages } from '@salesforce/core';
import { exists, writeAtomically } from '../output/files.js';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

export const KEY_FILE_NAME = 'server.key';
export const CERTIFICATE_FILE_NAME = 'server.crt';

export type KeyPairPaths = { keyFile: string; certificateFile: string };

export const keyPairPaths = (outputDir: string): KeyPairPaths => ({
  keyFile: resolve(outputDir, KEY_FILE_NAME),
  certificateFile: resolve(outputDir, CERTIFICATE_FILE_NAME),
});

/** Refuses, before anything is made, to replace a key or certificate unless asked to (`--force`). */
export const assertWritable = async (paths: KeyPairPaths, force: boolean): Promise<void> => {
  if (force) return;
  const candidates = [paths.keyFile, paths.certificateFile];
  const present = await Promise.all(candidates.map(exists));
  const taken = candidates.filter((_, i) => present[i]);
  if (taken.length > 0) throw messages.createError('error.FilesExist', [taken.join(', ')], [], EXIT_CODES.localInput);
};

/** Writes the key (mode 0600, owner only) and the certificate (0644). */
export const writeKeyPair = async (
  paths: KeyPairPaths,
  contents: { privateKeyPem: string; certificatePem: string },
  force: boolean,
): Promise<void> => {
  await assertWritable(paths, force);
  await writeAtomically(paths.keyFile, contents.privateKeyPem, 0o600);
  await writeAtomically(paths.certificateFile, contents.certificatePem, 0o644);
};
