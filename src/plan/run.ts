import { resolve } from 'node:path';
import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import type { AppKind } from '../apps/app.js';
import type { KeyMaterial } from '../certificate/material.js';
import { defaultAudience } from '../oauth/audience.js';
import { checkLoginWithKey, loginFailure, type LoginReport } from '../oauth/verify.js';
import { loginCommand, writeCiFiles, type PipelineLogin } from '../output/ci.js';
import { publicChange, type SetupChange } from './render.js';
import { applySetup, isUnchanged, planFromState, readSetupState, type SetupRequest } from './setup.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'plan');

/** What `sf jwtapp setup` did (or, with --dry-run, would do): its --json result, and what it renders. */
export type SetupResult = {
  status: 'created' | 'updated' | 'unchanged' | 'planned';
  dryRun: boolean;
  app: { kind: AppKind; name: string; label: string };
  clientId?: string;
  username: string;
  permissionSet: string;
  /** Where a pipeline logs in: the org's My Domain (an External Client App answers nowhere else). */
  loginUrl: string;
  audience: string;
  /** The org's instance, as the verified login reported it (the My Domain until then). */
  instanceUrl: string;
  keyFile?: string;
  certificateFile: string;
  certificateExpires: string;
  certificateFingerprint: string;
  changes: SetupChange[];
  loginCommand?: string;
  verification?: LoginReport;
  files: { envFile?: string; settingsFile?: string };
};

export type SetupRun = {
  conn: Connection;
  request: SetupRequest;
  material: KeyMaterial;
  dryRun: boolean;
  /** How long the login check waits for Salesforce's propagation; 0 skips the check. */
  waitMs: number;
  ciFiles: { envFile?: string; includeKeyInEnvFile: boolean; settingsFile?: string };
};

/** What a run reports as it goes, so the command decides how to show it (a spinner; nothing under --json). */
export type SetupProgress = {
  reading(): void;
  planned(changes: SetupChange[], dryRun: boolean): void;
  step(description: string): void;
  verifying(username: string): void;
  waiting(elapsedMs: number, lastAnswer: string): void;
  done(outcome?: string): void;
};

/**
 * The whole setup: read the org, plan, and unless it is a dry run apply the plan, read the consumer key
 * back, check the login with a bounded wait, and write the CI files. A refused login ends the run with
 * the result attached to the error, so --json still says what was set up.
 */
export const runSetup = async (run: SetupRun, progress: SetupProgress): Promise<SetupResult> => {
  const { conn, request, material } = run;
  progress.reading();
  const state = await readSetupState(conn, request);
  const plan = planFromState(state, request, material);
  progress.done();

  const loginUrl = conn.instanceUrl.replace(/\/$/, '');
  const result: SetupResult = {
    status: 'planned',
    dryRun: run.dryRun,
    app: { kind: plan.appKind, name: request.name, label: request.label },
    username: request.username,
    permissionSet: request.permissionSet,
    loginUrl,
    audience: defaultAudience(loginUrl),
    instanceUrl: loginUrl,
    ...(material.keyFile ? { keyFile: resolve(material.keyFile) } : {}),
    certificateFile: resolve(material.certificateFile),
    certificateExpires: material.certificate.notAfter,
    certificateFingerprint: material.certificate.sha256Fingerprint,
    changes: plan.changes.map(publicChange),
    files: {},
  };
  progress.planned(result.changes, run.dryRun);
  if (run.dryRun) return result;

  const applied = await applySetup(conn, state, plan, request, material, (step) => progress.step(step));
  progress.done();
  result.status = !plan.appExists ? 'created' : isUnchanged(plan) ? 'unchanged' : 'updated';
  result.clientId = applied.consumerKey;
  if (!applied.consumerKey) await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.ConsumerKeyUnreadable', [request.name]));
  const pipeline: PipelineLogin = {
    username: request.username,
    clientId: applied.consumerKey ?? '',
    loginUrl,
    instanceUrl: loginUrl,
    audience: result.audience,
    keyFile: result.keyFile,
    apiVersion: conn.getApiVersion(),
  };
  result.loginCommand = loginCommand(pipeline);
  result.verification = await verifyLogin(result, material, run.waitMs, progress);
  if (result.verification?.instanceUrl) result.instanceUrl = result.verification.instanceUrl;
  result.files = await writeCiFiles(pipeline, material, run.ciFiles);
  return result;
};

/** The login, as `verify --wait` checks it; a refusal ends the run with the setup result attached. */
const verifyLogin = async (result: SetupResult, material: KeyMaterial, waitMs: number, progress: SetupProgress): Promise<LoginReport | undefined> => {
  if (waitMs === 0 || !result.clientId) return undefined;
  if (!material.key) {
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.NotVerifiedNoKey'));
    return undefined;
  }
  progress.verifying(result.username);
  const { report } = await checkLoginWithKey({
    username: result.username,
    clientId: result.clientId,
    loginUrl: result.loginUrl,
    audience: result.audience,
    key: material.key,
    waitMs,
    onRetry: ({ elapsedMs, diagnosis }) => progress.waiting(elapsedMs, diagnosis.description || diagnosis.code),
  });
  progress.done(report.success ? 'ok' : 'refused');
  if (!report.success) throw Object.assign(loginFailure(report), { result: { ...result, verification: report } });
  return report;
};
