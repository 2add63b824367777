import { X509Certificate, createPrivateKey } from 'node:crypto';
import { copyFile, chmod, readFile, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Lifecycle, Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { exists, writeAtomically } from '../output/files.js';
import type { KeyFolder } from './folder.js';
import { sameCertificate } from './inspect.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

/**
 * While a run replaces the pair an app holds, this file in the key folder says so: which app, and where the
 * pair the app held before was kept. A run that ends, however it ends, removes it; one that finds it left by
 * an interrupted run (SIGINT, SIGKILL, a CI cancel, a lost connection) repairs the folder from it first.
 */
export const JOURNAL_NAME = '.jwtapp-switch.json';

type Journal = {
  app: string;
  startedAt: string;
  /** The pair the app held when the run began, kept as dated copies. */
  previous: { keyFile?: string; certificateFile?: string };
};

/** A file of the new pair; without text, the file is kept (dated) and removed: the new pair has none. */
export type FileToWrite = { path: string; text?: string; mode: number };

/** The switch of a key folder to a new pair, begun: put back the previous pair, or end it. */
export type PairSwitch = {
  /** The files the new pair replaced, each with its dated copy. */
  kept: Array<{ path: string; copy: string }>;
  /** The previous pair back in place (the app was given its certificate back, or never lost it). */
  rollBack(): Promise<void>;
  /** The folder and the app agree: the journal goes. */
  finish(): Promise<void>;
};

/**
 * `server.key` → `server-2026-11-23T15-20-00Z.key` (then `-2`, `-3` within the same second): the old files
 * stay, dated, never overwritten or deleted.
 */
const datedName = async (path: string, at: Date): Promise<string> => {
  const stem = join(
    dirname(path),
    `${basename(path, extname(path))}-${at
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-')}`,
  );
  let candidate = `${stem}${extname(path)}`;
  // eslint-disable-next-line no-await-in-loop
  for (let n = 2; await exists(candidate); n++) candidate = `${stem}-${n}${extname(path)}`;
  return candidate;
};

/** Copies a file to its dated name, with the same mode; the copy's path. */
export const keepDatedCopy = async (path: string, mode: number, at: Date): Promise<string> => {
  const copy = await datedName(path, at);
  await copyFile(path, copy);
  await chmod(copy, mode);
  return copy;
};

const journalPath = (folder: KeyFolder): string => join(folder.dir, JOURNAL_NAME);

/**
 * Begins replacing the folder's pair with `files`: the current files are kept as dated copies, the journal
 * names them, then the new files are written (each atomically). From here until `finish` or `rollBack`, an
 * interruption is repaired by the next run (see `repairInterruptedSwitch`).
 */
export const beginPairSwitch = async (
  folder: KeyFolder,
  app: string,
  files: FileToWrite[],
  now: Date,
): Promise<PairSwitch> => {
  const replaced: Array<{ path: string; copy: string }> = [];
  for (const file of files) {
    // eslint-disable-next-line no-await-in-loop
    if (await exists(file.path))
      // eslint-disable-next-line no-await-in-loop
      replaced.push({ path: file.path, copy: await keepDatedCopy(file.path, file.mode, now) });
  }
  const copyOf = (path: string): string | undefined => replaced.find((r) => r.path === path)?.copy;
  const journal: Journal = {
    app,
    startedAt: now.toISOString(),
    previous: { keyFile: copyOf(folder.keyFile), certificateFile: copyOf(folder.certificateFile) },
  };
  // Nothing replaced, nothing to put back: a run that finds the new files reuses them, or says they are not the app's.
  if (replaced.length > 0)
    await writeAtomically(journalPath(folder), `${JSON.stringify(journal, undefined, 2)}\n`, 0o600);
  for (const file of files) {
    // eslint-disable-next-line no-await-in-loop
    await (file.text === undefined ? rm(file.path, { force: true }) : writeAtomically(file.path, file.text, file.mode));
  }
  return {
    kept: replaced,
    rollBack: async (): Promise<void> => {
      for (const r of replaced) {
        // eslint-disable-next-line no-await-in-loop
        await writeAtomically(r.path, await readFile(r.copy, 'utf8'), r.path === folder.keyFile ? 0o600 : 0o644);
      }
      await rm(journalPath(folder), { force: true });
    },
    finish: () => rm(journalPath(folder), { force: true }),
  };
};

const readJournal = async (folder: KeyFolder): Promise<Journal | undefined> => {
  let text: string;
  try {
    text = await readFile(journalPath(folder), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Journal>;
    return {
      app: String(parsed.app ?? ''),
      startedAt: String(parsed.startedAt ?? ''),
      previous: parsed.previous ?? {},
    };
  } catch {
    return { app: '', startedAt: '', previous: {} };
  }
};

/** A pair of files whose key signs for its certificate; undefined when either is missing or they differ. */
const readPair = async (
  keyFile: string | undefined,
  certificateFile: string | undefined,
): Promise<{ key: string; certificate: string } | undefined> => {
  if (!keyFile || !certificateFile) return undefined;
  try {
    const [key, certificate] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certificateFile, 'utf8')]);
    return new X509Certificate(certificate).checkPrivateKey(createPrivateKey(key)) ? { key, certificate } : undefined;
  } catch {
    return undefined;
  }
};

/** Whether an interrupted run's journal is in the folder (a read of the app is then needed to repair it). */
export const hasInterruptedSwitch = (folder: KeyFolder): Promise<boolean> => exists(journalPath(folder));

/**
 * Repairs what an interrupted run left: of the folder's pair and the pair the journal kept, the one whose
 * certificate the app holds now goes (back) in place, and the journal goes. When the app holds neither, the
 * folder is left as it is and the run stops: which key is right cannot be known here.
 * `appCertificate`: the certificate the app holds, as read from the org.
 */
export const repairInterruptedSwitch = async (
  folder: KeyFolder,
  appCertificate: string | undefined,
): Promise<'none' | 'kept' | 'rolled-back'> => {
  const journal = await readJournal(folder);
  if (!journal) return 'none';
  const startedAt = journal.startedAt || '?';
  // The folder's files as a pair: a run killed between writing the new key and the new certificate leaves the
  // new key beside the old certificate, which the app still holds. Only a key and certificate that belong
  // together are kept; otherwise the pair the journal kept goes back.
  const current = await readPair(folder.keyFile, folder.certificateFile);
  const previous = await readPair(journal.previous.keyFile, journal.previous.certificateFile);
  // No app to compare with (it was removed meanwhile), or the folder already holds the pair the app holds.
  if (!appCertificate || (current && sameCertificate(current.certificate, appCertificate))) {
    await rm(journalPath(folder), { force: true });
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.InterruptedSwitchKept', [folder.dir, startedAt, journal.app]),
    );
    return 'kept';
  }
  if (previous && sameCertificate(previous.certificate, appCertificate)) {
    await writeAtomically(folder.keyFile, previous.key, 0o600);
    await writeAtomically(folder.certificateFile, previous.certificate, 0o644);
    await rm(journalPath(folder), { force: true });
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.InterruptedSwitchRolledBack', [folder.dir, startedAt, journal.app]),
    );
    return 'rolled-back';
  }
  throw messages.createError(
    'error.InterruptedSwitchUnresolved',
    [folder.dir, startedAt, journal.app],
    [journal.app, journalPath(folder)],
    EXIT_CODES.localInput,
  );
};
