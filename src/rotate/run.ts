import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import { sameCertificate, type AppKind, type BoundApp } from '../apps/app.js';
import { findApp } from '../apps/kinds.js';
import { keyPairPaths } from '../certificate/files.js';
import { openKeyFolder, type KeyFolder } from '../certificate/folder.js';
import { resolveKeyMaterial, type KeyMaterial } from '../certificate/material.js';
import { beginPairSwitch, keepDatedCopy, type FileToWrite, type PairSwitch } from '../certificate/switch.js';
import { EXIT_CODES } from '../exit-codes.js';
import { withResult } from '../output/error-payload.js';
import { defaultAudience } from '../oauth/audience.js';
import { clock } from '../retry/clock.js';
import { resilientConnection } from '../connection/resilient.js';
import { inRounds, isTransient, RetryLog, type RetriedCall } from '../retry/outage.js';
import { checkLoginWithKey, loginFailure, type LoginReport } from '../oauth/verify.js';
import { assertCiFilesOurs, writeCiFiles, type CiFilesRequest } from '../output/ci.js';
import { repairKeyFolder, settleKeyFolder } from '../apps/key-folder.js';
import {
  assertKeyHasAStore,
  checkStores,
  openStores,
  writeLogin,
  type CiSecretsRequest,
  type WrittenSecrets,
} from '../ci-secrets/stores.js';
import type { SecretStore } from '../ci-secrets/store.js';
import type { LoginValues } from '../ci-secrets/names.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'rotate');
const certificateMessages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

/** What `sf jwtapp cert rotate` did (or, with --dry-run, would do). Never a key. */
export type RotateResult = {
  status: 'rotated' | 'planned';
  dryRun: boolean;
  app: { kind: AppKind; name: string };
  keyFile?: string;
  /** Absent when the key is kept only in the CI (--key-in-ci-only): no file of the pair is written. */
  certificateFile?: string;
  certificateExpires: string;
  certificateFingerprint: string;
  /** The files the new pair replaced, kept as dated copies. */
  keptFiles: string[];
  verification?: LoginReport;
  files: { envFile?: string; settingsFile?: string };
  /** The CI secret stores given the new key once it logged in, and the names written (never the values). */
  ciSecrets?: WrittenSecrets[];
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
  /** The CI secret stores to give the new key once it has logged in, and whether the key is kept only there. */
  ciSecrets?: CiSecretsRequest & { keyInCiOnly: boolean };
};

export type RotateProgress = {
  step(description: string): void;
  waiting(elapsedMs: number, lastAnswer: string): void;
  done(outcome?: string): void;
};

/**
 * What goes into the key folder: a generated pair, or a brought one copied in, so the folder always holds the
 * pair the app holds and the next routine `setup` re-uploads nothing older. A certificate brought without its
 * key leaves no key in the folder (the previous one is kept, dated): a later run says the pair is incomplete
 * rather than upload a certificate the app no longer holds.
 */
const folderFiles = (material: KeyMaterial, folder: KeyFolder): FileToWrite[] => {
  if (material.origin !== 'brought') return material.pendingFiles;
  return [
    { path: folder.keyFile, text: material.privateKeyPem, mode: 0o600 },
    { path: folder.certificateFile, text: material.certificatePem, mode: 0o644 },
  ];
};

/**
 * Uploads the certificate; when an outage interrupts it, reads the app again rather than sending it again
 * blindly: if the new certificate is there, it was uploaded; if not, it is uploaded again, up to
 * MAX_ROUNDS times, then the run stops with OrgUnavailableError.
 */
const uploadConverging = (
  conn: Connection,
  name: string,
  app: BoundApp,
  certificatePem: string,
  log: RetryLog,
): Promise<void> => {
  let target = app;
  return inRounds(
    async (round) => {
      if (round > 1) {
        const fresh = await findApp(conn, name).catch((read: unknown) => {
          if (isTransient(read)) return undefined;
          throw read;
        });
        if (fresh && sameCertificate(fresh.app.snapshot.certificate, certificatePem)) return;
        if (fresh) target = fresh.app;
      }
      await target.replaceCertificate(certificatePem);
    },
    { log, operation: () => 'upload the certificate: re-read the app' },
  );
};

/**
 * A new key and certificate for an existing app, without breaking the pipeline that uses it. The key folder is
 * held for the whole run (a second run waits, see openKeyFolder), and a switch an earlier run left half done is
 * repaired first. The new pair is made (or brought) and checked locally; the current files are kept as dated
 * copies, and a journal says so until the folder and the app agree again; the app is written with only its
 * certificate changed; the new key's login is checked with a bounded wait, the old certificate's answers while
 * the new one propagates waited out. A refusal propagation does not explain puts the previous certificate and
 * files back, so the old key keeps working; CI files are rewritten once the app holds the new certificate.
 */
export const runRotate = async (run: RotateRun, progress: RotateProgress): Promise<RotateResult> => {
  const log = new RetryLog();
  const conn = resilientConnection(run.conn, log);
  if ((run.ciFiles.envFile ?? run.ciFiles.settingsFile) && !run.username) {
    throw messages.createError('error.CiFilesNeedUsername', [], [], EXIT_CODES.localInput);
  }
  const stores = rotationStores(run);
  await assertCiFilesOurs(run.ciFiles, false, run);
  if (run.dryRun) {
    const material = await resolveRotationKeys(run, run.outputDir);
    const planned = plannedResult(run, (await appToRotate(conn, run.name)).kind, material);
    await checkStores(stores);
    return planned;
  }
  if (run.ciSecrets?.keyInCiOnly) return rotateHeld(run, conn, undefined, { log, stores }, progress);
  const folder = await openKeyFolder(run.outputDir, {
    waitMs: run.waitMs,
    onWait: () => progress.step(certificateMessages.getMessage('step.waitForFolder', [run.outputDir])),
  });
  try {
    return await rotateHeld(run, conn, folder, { log, stores }, progress);
  } finally {
    await folder.release();
  }
};

/** The CI's secret stores, their tokens read. Only a login of the new key lets them change: it needs the user and a wait. */
const rotationStores = (run: RotateRun): SecretStore[] => {
  const stores = run.ciSecrets ? openStores(run.ciSecrets) : [];
  assertKeyHasAStore(run.ciSecrets?.keyInCiOnly ?? false, stores);
  if (stores.length > 0 && (!run.username || run.waitMs === 0)) {
    throw messages.createError('error.CiSecretsNeedLogin', [], [], EXIT_CODES.localInput);
  }
  return stores;
};

const resolveRotationKeys = (run: RotateRun, outputDir: string): Promise<KeyMaterial> =>
  resolveKeyMaterial({
    outputDir,
    privateKeyFile: run.privateKeyFile,
    certificateFile: run.certificateFile,
    inMemory: run.ciSecrets?.keyInCiOnly,
    certDays: run.certDays,
    force: true,
    now: new Date(clock.now()),
  });

/** The folder's switch to the new pair; a key kept only in the CI has no folder: nothing to keep, put back or finish. */
const beginSwitch = (
  folder: KeyFolder | undefined,
  name: string,
  material: KeyMaterial,
  now: Date,
): Promise<PairSwitch> =>
  folder
    ? beginPairSwitch(folder, name, folderFiles(material, folder), now)
    : Promise.resolve({ kept: [], rollBack: async () => {}, finish: async () => {} });

/** The app to rotate, which must hold a certificate (it is set up for the JWT bearer flow). */
const appToRotate = async (conn: Connection, name: string): Promise<{ kind: AppKind; app: BoundApp }> => {
  const found = await findApp(conn, name);
  if (!found.app.snapshot.certificate)
    throw messages.createError('error.NoCertificateToRotate', [name], [name], EXIT_CODES.orgRefused);
  return found;
};

/** The rotation as planned: the new pair's files are the folder's, where a brought pair is copied too. */
const plannedResult = (run: RotateRun, kind: AppKind, material: KeyMaterial): RotateResult => {
  const paths = keyPairPaths(run.outputDir);
  const brought = material.origin === 'brought';
  return {
    status: 'planned',
    dryRun: run.dryRun,
    app: { kind, name: run.name },
    ...(material.keyFile ? { keyFile: brought ? paths.keyFile : material.keyFile } : {}),
    ...(brought
      ? { certificateFile: paths.certificateFile }
      : material.certificateFile
        ? { certificateFile: material.certificateFile }
        : {}),
    certificateExpires: material.certificate.notAfter,
    certificateFingerprint: material.certificate.sha256Fingerprint,
    keptFiles: [],
    files: {},
  };
};

const rotateHeld = async (
  run: RotateRun,
  conn: Connection,
  folder: KeyFolder | undefined,
  { log, stores }: { log: RetryLog; stores: SecretStore[] },
  progress: RotateProgress,
): Promise<RotateResult> => {
  // A switch an earlier run left half done is repaired first, from the app as it is now.
  const repairedFrom = folder ? await repairKeyFolder(conn, run.name, folder) : undefined;
  // Everything local next: a bad key or certificate ends the run before any request (but the repair's read).
  const material = await resolveRotationKeys(run, folder?.dir ?? run.outputDir);
  const { kind, app } = repairedFrom?.app.snapshot.certificate ? repairedFrom : await appToRotate(conn, run.name);
  const previousCertificate = app.snapshot.certificate ?? '';
  const result = plannedResult(run, kind, material);
  const now = new Date(clock.now());
  // The stores reached and writable before the app changes.
  await checkStores(stores);

  const pairSwitch = await beginSwitch(folder, run.name, material, now);
  for (const { path, copy } of pairSwitch.kept) {
    result.keptFiles.push(copy);
    progress.step(messages.getMessage('step.keepFile', [path, copy]));
  }

  progress.step(messages.getMessage('step.uploadCertificate', [run.name]));
  await uploadConverging(conn, run.name, app, material.certificatePem, log).catch(async (e: unknown) => {
    // Uploaded or not, the folder takes the pair the app holds now; if the app cannot be read, the journal
    // stays and the next run repairs it.
    if (folder) await settleKeyFolder(conn, run.name, folder);
    throw e;
  });
  progress.done();
  if (log.calls.length > 0) result.retries = log.calls;

  const loginUrl = conn.instanceUrl.replace(/\/$/, '');
  const clientId = app.snapshot.consumerKey;
  const writeFiles = async (): Promise<void> => {
    if (!run.username) return;
    result.files = await writeCiFiles(
      {
        username: run.username,
        clientId: clientId ?? '',
        loginUrl,
        instanceUrl: result.verification?.instanceUrl,
        audience: defaultAudience(loginUrl),
        keyFile: folder?.keyFile,
        apiVersion: conn.getApiVersion(),
      },
      material,
      run.ciFiles,
      // The files carry the old key's path or contents: the previous ones stay, dated, as the key files do.
      async (path) => {
        const copy = await keepDatedCopy(path, 0o600, now);
        result.keptFiles.push(copy);
        progress.step(messages.getMessage('step.keepFile', [path, copy]));
      },
    );
  };

  if (run.username && material.key && clientId && run.waitMs > 0) {
    progress.step(messages.getMessage('step.verifyNewKey', [run.username]));
    const { report } = await checkLoginWithKey({
      username: run.username,
      clientId,
      loginUrl,
      key: material.key,
      waitMs: run.waitMs,
      certificateChanged: true,
      onRetry: ({ elapsedMs, diagnosis }) => progress.waiting(elapsedMs, diagnosis.description || diagnosis.code),
    });
    progress.done(report.success ? 'ok' : 'refused');
    result.verification = report;
    if (!report.success) {
      const error = loginFailure(report);
      // With CI secrets the CI keeps the old key until the new one logs in: the app must keep the old certificate.
      if (report.error.persistence === 'permanent' || stores.length > 0) {
        // Refused for a reason propagation does not explain: the old key must keep working.
        await app.replaceCertificate(previousCertificate);
        await pairSwitch.rollBack();
        error.actions = [...putBack(run.name, stores), ...(error.actions ?? [])];
      } else {
        // Not active yet when the wait ran out: the app holds the new certificate, and so do the folder and
        // the CI files, so everything agrees once Salesforce has caught up.
        await pairSwitch.finish();
        await writeFiles();
        error.actions = [
          messages.getMessage('rotate.notYetActive', [run.name, run.username]),
          ...(error.actions ?? []),
        ];
      }
      throw withResult(error, result);
    }
  } else {
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.NewKeyNotVerified'));
  }
  await pairSwitch.finish();
  await writeFiles();
  if (result.verification?.success && run.username && clientId) {
    result.ciSecrets = await writeNewKey(
      stores,
      run,
      { username: run.username, clientId, loginUrl, privateKeyPem: material.privateKeyPem },
      progress,
    );
  }
  result.status = 'rotated';
  return result;
};

/** The new key into the CI's secret stores, once it has logged in. */
const writeNewKey = async (
  stores: SecretStore[],
  run: RotateRun,
  values: LoginValues,
  progress: RotateProgress,
): Promise<WrittenSecrets[] | undefined> => {
  if (stores.length === 0 || !run.ciSecrets) return undefined;
  progress.step(messages.getMessage('step.writeSecrets', [stores.map((s) => s.label).join(', ')]));
  const written = await writeLogin(stores, values, run.ciSecrets);
  progress.done();
  return written;
};

/** What a refused new key leaves: the old certificate, the old files, and the CI's secrets as they were. */
const putBack = (name: string, stores: SecretStore[]): string[] => [
  messages.getMessage('rotate.putBack', [name]),
  ...(stores.length > 0 ? [messages.getMessage('rotate.ciSecretsKept', [stores.map((s) => s.label).join(', ')])] : []),
];
