import { copyFile, chmod, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import { sameCertificate, type AppKind, type BoundApp } from '../apps/app.js';
import { findApp } from '../apps/kinds.js';
import { keyPairPaths } from '../certificate/files.js';
import { resolveKeyMaterial } from '../certificate/material.js';
import { EXIT_CODES } from '../exit-codes.js';
import { defaultAudience } from '../oauth/audience.js';
import { clock } from '../oauth/clock.js';
import { backoffDelay } from '../oauth/backoff.js';
import { describeOutage, isTransient, OUTAGE_BACKOFF, RetryLog, resilientConnection, type RetriedCall } from '../connection/resilient.js';
import { checkLoginWithKey, loginFailure, type LoginReport } from '../oauth/verify.js';
import { assertCiFilesOurs, writeCiFiles, type CiFilesRequest } from '../output/ci.js';
import { writeAtomically } from '../output/files.js';
import { MAX_ROUNDS, orgUnavailable } from './setup.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'plan');

/** What `sf jwtapp cert rotate` did (or, with --dry-run, would do). Never a key. */
export type RotateResult = {
  status: 'rotated' | 'planned';
  dryRun: boolean;
  app: { kind: AppKind; name: string };
  keyFile?: string;
  certificateFile: string;
  certificateExpires: string;
  certificateFingerprint: string;
  /** The files the new pair replaced, kept as dated copies. */
  keptFiles: string[];
  verification?: LoginReport;
  files: { envFile?: string; settingsFile?: string };
  /** Calls an outage answered and that were tried again. */
  retries?: RetriedCall[];
};

export type RotateRun = {
  conn: Connection;
  name: string;
  /** The integration user whose login proves the new key; without it the new key is not checked. */
  username?: string;
  outputDir: string;
  privateKeyFile?: string;
  certificateFile?: string;
  certDays: number;
  waitMs: number;
  dryRun: boolean;
  ciFiles: CiFilesRequest;
};

export type RotateProgress = {
  step(description: string): void;
  waiting(elapsedMs: number, lastAnswer: string): void;
  done(outcome?: string): void;
};

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false
  );

/**
 * `server.key` → `server-2026-11-23T15-20-00Z.key` (then `-2`, `-3` within the same second): the old files
 * stay, dated, never overwritten or deleted.
 */
const datedName = async (path: string, at: Date): Promise<string> => {
  const stem = join(dirname(path), `${basename(path, extname(path))}-${at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`);
  let candidate = `${stem}${extname(path)}`;
  // eslint-disable-next-line no-await-in-loop
  for (let n = 2; await exists(candidate); n++) candidate = `${stem}-${n}${extname(path)}`;
  return candidate;
};

type PendingFile = { path: string; text: string; mode: number };

/** Copies each file the new pair will replace to its dated name (same mode); returns the files replaced. */
const keepCurrentFiles = async (pending: PendingFile[], now: Date, kept: string[], progress: RotateProgress): Promise<PendingFile[]> => {
  const replaced = (await Promise.all(pending.map(async (f) => ((await exists(f.path)) ? f : undefined)))).filter((f): f is PendingFile => f !== undefined);
  for (const file of replaced) {
    // eslint-disable-next-line no-await-in-loop
    const copy = await datedName(file.path, now);
    // eslint-disable-next-line no-await-in-loop
    await copyFile(file.path, copy);
    // eslint-disable-next-line no-await-in-loop
    await chmod(copy, file.mode);
    kept.push(copy);
    progress.step(messages.getMessage('step.keepFile', [file.path, copy]));
  }
  return replaced;
};

/**
 * Uploads the certificate; when an outage interrupts it, reads the app again rather than sending it again
 * blindly: if the new certificate is there, it was uploaded; if not, it is uploaded again, up to
 * MAX_ROUNDS times, then the run stops with OrgUnavailableError.
 */
const uploadConverging = async (conn: Connection, name: string, app: BoundApp, certificatePem: string, log: RetryLog): Promise<void> => {
  let target = app;
  for (let round = 1; ; round++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      await target.replaceCertificate(certificatePem);
      return;
    } catch (e) {
      if (!isTransient(e)) throw e;
      if (round >= MAX_ROUNDS) throw orgUnavailable(e, log, []);
      log.record('upload the certificate: re-read the app', round + 1, describeOutage(e));
      // eslint-disable-next-line no-await-in-loop
      await clock.sleep(backoffDelay(round, OUTAGE_BACKOFF));
      // eslint-disable-next-line no-await-in-loop
      const fresh = await findApp(conn, name).catch((read: unknown) => {
        if (isTransient(read)) return undefined;
        throw read;
      });
      if (fresh && sameCertificate(fresh.app.snapshot.certificate, certificatePem)) return;
      if (fresh) target = fresh.app;
    }
  }
};

/**
 * A new key and certificate for an existing app, without breaking the pipeline that uses it: the new
 * pair is made (or brought) and checked locally; the current files are kept as dated copies; the app is
 * written with only its certificate changed; the new key's login is checked with a bounded wait. A
 * refusal propagation does not explain puts the previous certificate and files back, so the old key keeps
 * working; CI files are rewritten only once the new key works.
 */
export const runRotate = async (run: RotateRun, progress: RotateProgress): Promise<RotateResult> => {
  const log = new RetryLog();
  const conn = resilientConnection(run.conn, log);
  if ((run.ciFiles.envFile ?? run.ciFiles.settingsFile) && !run.username) {
    throw messages.createError('error.CiFilesNeedUsername', [], [], EXIT_CODES.localInput);
  }
  await assertCiFilesOurs(run.ciFiles, false, run);
  const now = new Date(clock.now());
  const material = await resolveKeyMaterial({
    outputDir: run.outputDir,
    privateKeyFile: run.privateKeyFile,
    certificateFile: run.certificateFile,
    certDays: run.certDays,
    force: true,
    now,
  });
  const { kind, app } = await findApp(conn, run.name);
  const previousCertificate = app.snapshot.certificate;
  if (!previousCertificate) throw messages.createError('error.NoCertificateToRotate', [run.name], [run.name], EXIT_CODES.orgRefused);
  const result: RotateResult = {
    status: 'planned',
    dryRun: run.dryRun,
    app: { kind, name: run.name },
    ...(material.keyFile ? { keyFile: material.keyFile } : {}),
    certificateFile: material.certificateFile,
    certificateExpires: material.certificate.notAfter,
    certificateFingerprint: material.certificate.sha256Fingerprint,
    keptFiles: [],
    files: {},
  };
  if (run.dryRun) return result;

  // The current pair stays, dated; the new one takes its place.
  const current = keyPairPaths(run.outputDir);
  const replaced = await keepCurrentFiles(material.pendingFiles, now, result.keptFiles, progress);
  for (const file of material.pendingFiles) {
    // eslint-disable-next-line no-await-in-loop
    await writeAtomically(file.path, file.text, file.mode);
  }
  const restoreFiles = async (): Promise<void> => {
    for (const [i, file] of replaced.entries()) {
      // eslint-disable-next-line no-await-in-loop
      await copyFile(result.keptFiles[i], file.path);
    }
  };
  const putBack = async (): Promise<void> => {
    await app.replaceCertificate(previousCertificate);
    await restoreFiles();
  };

  progress.step(messages.getMessage('step.uploadCertificate', [run.name]));
  await uploadConverging(conn, run.name, app, material.certificatePem, log).catch(async (e: unknown) => {
    // Not uploaded as far as anyone can tell: the old pair goes back where the pipeline reads it.
    if (isTransient(e) || (e instanceof Error && e.name === 'OrgUnavailableError')) await restoreFiles();
    throw e;
  });
  progress.done();
  if (log.calls.length > 0) result.retries = log.calls;

  const loginUrl = conn.instanceUrl.replace(/\/$/, '');
  const clientId = app.snapshot.consumerKey;
  if (run.username && material.key && clientId && run.waitMs > 0) {
    progress.step(messages.getMessage('step.verifyNewKey', [run.username]));
    const { report } = await checkLoginWithKey({
      username: run.username,
      clientId,
      loginUrl,
      key: material.key,
      waitMs: run.waitMs,
      onRetry: ({ elapsedMs, diagnosis }) => progress.waiting(elapsedMs, diagnosis.description || diagnosis.code),
    });
    progress.done(report.success ? 'ok' : 'refused');
    result.verification = report;
    if (!report.success) {
      const error = loginFailure(report);
      // Refused for a reason propagation does not explain: the old key must keep working.
      if (report.error?.persistence === 'permanent') {
        await putBack();
        error.actions = [messages.getMessage('rotate.putBack', [run.name]), ...(error.actions ?? [])];
      }
      throw Object.assign(error, { result });
    }
  } else {
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.NewKeyNotVerified'));
  }
  if (run.username) {
    result.files = await writeCiFiles(
      { username: run.username, clientId: clientId ?? '', loginUrl, instanceUrl: loginUrl, audience: defaultAudience(loginUrl), keyFile: material.keyFile ?? current.keyFile, apiVersion: conn.getApiVersion() },
      material,
      run.ciFiles,
      // The files carry the old key's path or contents: the previous ones stay, dated, as the key files do.
      async (path) => {
        await keepCurrentFiles([{ path, text: '', mode: 0o600 }], now, result.keptFiles, progress);
      }
    );
  }
  result.status = 'rotated';
  return result;
};
