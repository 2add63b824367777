import { Messages, type Connection } from '@salesforce/core';
import { findApp } from '../apps/kinds.js';
import {
  consumerOf,
  promote,
  readStaged,
  revoke,
  stage,
  STAGED_MIN_VERSION,
  type Consumer,
  type StagedCredential,
} from '../apps/staged-credentials.js';
import {
  checkStores,
  openStores,
  writeLogin,
  type CiSecretsRequest,
  type WrittenSecrets,
} from '../ci-secrets/stores.js';
import type { PartlyWritten } from '../ci-secrets/store.js';
import { envFileStore } from '../ci-secrets/env-file.js';
import { readOurEnvFile } from '../output/ci.js';
import { EXIT_CODES } from '../exit-codes.js';
import { withResult } from '../output/error-payload.js';
import { checkClientCredentialsLogin, loginFailure, type LoginReport } from '../oauth/verify.js';
import { requestClientCredentialsToken } from '../oauth/login.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'rotate');

/** What `sf jwtapp credentials rotate` did. Never a secret. */
export type CredentialsRotationResult = {
  app: { name: string };
  /** The new consumer key: the client id the CI now holds. */
  clientId: string;
  previousClientId: string;
  runAs: string;
  /** The new pair's client credentials login, checked before anything else changed. */
  verification: LoginReport;
  ciSecrets: WrittenSecrets[];
  /** `kept`: the previous pair keeps working up to 30 days (Salesforce's overlap); `revoked`: refused from now on. */
  previous: 'kept' | 'revoked';
  /** With `revoked`: how the token endpoint answered the previous pair afterwards. */
  previousRefused?: string;
};

export type CredentialsRotationRun = {
  conn: Connection;
  name: string;
  ciSecrets: CiSecretsRequest;
  /** A dotenv file to write the new pair into (SF_CLIENT_ID, SF_CLIENT_SECRET), as the other stores. */
  envFile?: string;
  revokePrevious: boolean;
  /** Discard a staged pair an earlier run left pending. */
  replaceStaged: boolean;
  waitMs: number;
};

export type CredentialsRotationProgress = {
  step(description: string): void;
  waiting(elapsedMs: number, lastAnswer: string): void;
  done(outcome?: string): void;
};

const orgError = (name: string, tokens: Array<string | number> = []): Error =>
  messages.createError(`error.${name}`, tokens, [], EXIT_CODES.orgRefused);

/** A refusal of the credentials resources (the org setting off, a permission missing), named. */
const asStagedRefusal = (e: unknown): never => {
  const { errorCode, message } = (e ?? {}) as { errorCode?: string; message?: string };
  if (/FUNCTIONALITY_NOT_ENABLED|INSUFFICIENT_ACCESS/.test(errorCode ?? ''))
    throw orgError('StagedRefused', [`${errorCode ?? ''}: ${message ?? ''}`]);
  throw e;
};

/**
 * A client-credentials integration's consumer key and secret, rotated without a moment where the pipeline cannot
 * log in: a new pair is staged beside the current one (both work), its login checked, written to the CI's secret
 * stores, and only then made the primary pair; the previous pair keeps working for Salesforce's 30 days, or is
 * revoked at once with `--revoke-previous` (and its refusal checked). A new pair that does not log in, or that the
 * CI does not take, is discarded: nothing changed. Sequence as sfdx-hardis's rotate-credentials and Infisical's
 * rotation (docs/research/pipeline-life.md §5), with the login checked and the CI written before the swap.
 */
export const rotateCredentials = async (
  run: CredentialsRotationRun,
  progress: CredentialsRotationProgress,
): Promise<CredentialsRotationResult> => {
  const stores = openStores(run.ciSecrets);
  // The new secret must go somewhere before the old one can go.
  if (stores.length === 0 && !run.envFile)
    throw messages.createError('error.CredentialsNeedStore', [], [], EXIT_CODES.localInput);
  // A file another program wrote, or a folder, is refused before anything is asked of the org.
  if (run.envFile) await readOurEnvFile(run.envFile);
  const { conn, name } = run;
  const { kind, app } = await findApp(conn, name);
  if (kind !== 'external-client-app') throw orgError('NotExternalClientApp', [name]);
  const runAs = app.snapshot.policies.clientCredentials.runAs;
  if (!app.snapshot.policies.clientCredentials.enabled || !runAs) throw orgError('NoClientCredentialsFlow', [name]);
  if (conn.getAuthInfoFields().clientId === app.snapshot.consumerKey) throw orgError('RotatingOwnLogin', [name]);
  if (Number(conn.getApiVersion()) < STAGED_MIN_VERSION) throw orgError('StagedNeedsApi65', [conn.getApiVersion()]);
  const consumer = await consumerOf(conn, name).catch(asStagedRefusal);
  if (!consumer?.key) throw orgError('NoConsumer', [name]);
  const pending = await readStaged(conn, consumer).catch(asStagedRefusal);
  if (pending?.state === 'active' && !run.replaceStaged) throw orgError('StagedPending', [name]);
  // The env file must hold this app's login, or be new: its run-as user, and its client id or the staged pair's (a
  // rotation's previous pair, or one a stopped run wrote to the file before making it primary).
  if (run.envFile) {
    const clientIds = [consumer.key, ...(pending?.key ? [pending.key] : [])];
    stores.push(envFileStore(run.envFile, { username: runAs, clientIds }));
  }
  await checkStores(stores);
  const loginUrl = conn.instanceUrl.replace(/\/$/, '');

  // A pending pair (asked to be replaced), or the pair the last rotation replaced: one staged pair per consumer.
  if (pending) await revoke(conn, consumer, pending);

  progress.step(messages.getMessage('step.stage', [name]));
  const staged = await stage(conn, consumer).catch(asStagedRefusal);
  progress.done();
  if (!staged?.secret) throw orgError('StagedUnreadable', [name]);
  const discard = async (e: unknown): Promise<never> => {
    await revoke(conn, consumer, staged);
    throw e;
  };

  progress.step(messages.getMessage('step.verifyNew', [runAs]));
  const { report } = await checkClientCredentialsLogin({
    username: runAs,
    clientId: staged.key,
    clientSecret: staged.secret,
    loginUrl,
    waitMs: run.waitMs,
    atMyDomain: true,
    onRetry: ({ elapsedMs, diagnosis }) => progress.waiting(elapsedMs, diagnosis.description || diagnosis.code),
  });
  progress.done(report.success ? 'ok' : 'refused');
  const result = {
    app: { name },
    clientId: staged.key,
    previousClientId: consumer.key,
    runAs,
    verification: report,
    ciSecrets: [],
    previous: 'kept' as const,
  };
  if (!report.success) {
    const error = loginFailure(report);
    error.actions = [messages.getMessage('credentials.discarded', [name]), ...(error.actions ?? [])];
    await discard(withResult(error, { ...result, clientId: consumer.key }));
  }

  progress.step(messages.getMessage('step.writeSecrets', [stores.map((s) => s.label).join(', ')]));
  const ciSecrets = await writeLogin(
    stores,
    { username: runAs, clientId: staged.key, loginUrl, clientSecret: staged.secret },
    run.ciSecrets,
  ).catch(async (e: PartlyWritten) => {
    // No store took it: discarded, nothing changed. Some did: it becomes the primary pair (their pipelines use it)
    // and the previous one, which the others hold, keeps its 30 days, whatever --revoke-previous says.
    if (!e.written?.length) return discard(e);
    await promote(conn, consumer, staged);
    (e as PartlyWritten & { actions?: string[] }).actions?.push(messages.getMessage('credentials.partlyWritten'));
    throw withResult(e, { ...result, ciSecrets: e.written });
  });
  progress.done();

  progress.step(messages.getMessage('step.promote', [name]));
  await promote(conn, consumer, staged);
  progress.done();
  if (!run.revokePrevious) return { ...result, ciSecrets };
  return { ...result, ciSecrets, ...(await revokePrevious(conn, consumer, loginUrl, progress)) };
};

/** The pair the rotation replaced, revoked at once, and the token endpoint's answer to it afterwards. */
const revokePrevious = async (
  conn: Connection,
  consumer: Consumer,
  loginUrl: string,
  progress: CredentialsRotationProgress,
): Promise<Pick<CredentialsRotationResult, 'previous' | 'previousRefused'>> => {
  progress.step(messages.getMessage('step.revoke'));
  const replaced: StagedCredential | undefined = await readStaged(conn, consumer);
  if (replaced?.state === 'rotated') await revoke(conn, consumer, replaced);
  progress.done();
  if (!replaced?.secret) return { previous: 'revoked' };
  const answer = await requestClientCredentialsToken({
    loginUrl,
    clientId: replaced.key,
    clientSecret: replaced.secret,
  });
  return {
    previous: 'revoked',
    previousRefused:
      answer.kind === 'refused'
        ? `${answer.error}: ${answer.description}`
        : answer.kind === 'granted'
          ? 'accepted'
          : answer.kind,
  };
};
