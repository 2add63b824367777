import type { KeyObject } from 'node:crypto';
import { Lifecycle, Messages, SfError } from '@salesforce/core';
import { loadSigningKey } from '../certificate/keys.js';
import { EXIT_CODES } from '../exit-codes.js';
import { registerSecret } from '../output/redact.js';
import { clock } from '../retry/clock.js';
import { defaultAudience } from './audience.js';
import {
  apiDisabledDiagnosis,
  refusedMessage,
  stillFailingMessage,
  type Diagnosis,
  type DiagnosisContext,
  type Persistence,
} from './diagnosis.js';
import { fetchIdentity, identityFromToken } from './identity.js';
import { requestClientCredentialsToken, requestJwtToken, retryTokenRequest, type LoginProgress } from './login.js';
import type { TokenGrant, TokenOutcome } from './token.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'oauth');

/** Warn when the clocks differ by more than this; the JWT lives 180 s. */
const SKEW_WARNING_MS = 60_000;

/** A login to check, by either flow: a key (JWT bearer) or a consumer secret's variable (client credentials). */
export type LoginInput = {
  username: string;
  clientId: string;
  loginUrl: string;
  audience?: string;
  keyFile?: string;
  keyVariable?: string;
  certificateFile?: string;
  /** Name of an environment variable holding the consumer secret: the client credentials flow. */
  clientSecretVariable?: string;
  waitMs: number;
  /**
   * The caller has read the user and that its profile grants "API Enabled" (setup's first read): the Ids come
   * from the token's identity URL and no REST call follows the token.
   */
  apiAccessKnown?: boolean;
  /** The login URL is known to be the org's My Domain (see DiagnosisContext.atMyDomain). */
  atMyDomain?: boolean;
  /** Called once the local checks have passed, just before the first request. */
  onRequest?: () => void;
  onRetry?: (progress: LoginProgress) => void;
};

export type LoginError = {
  name: string;
  code: string;
  description: string;
  cause: string;
  actions: string[];
  persistence: Persistence;
};

export type LoginFlow = 'jwt-bearer' | 'client-credentials';

type ReportCommon = {
  flow: LoginFlow;
  username: string;
  clientId: string;
  loginUrl: string;
  /** The JWT's audience (JWT bearer flow only). */
  audience?: string;
  orgId?: string;
  userId?: string;
  instanceUrl?: string;
  scopes: string[];
  attempts: number;
  elapsedMs: number;
  clockSkewMs?: number;
  warnings: string[];
};

/** A login that works: who it logged in as, where, with which scopes. */
export type LoginSuccess = ReportCommon & { success: true };

/** A login Salesforce refused, with the diagnosis. */
export type LoginRefusal = ReportCommon & { success: false; error: LoginError };

/** What a login check found, the same for humans and `--json`. Never holds the token. */
export type LoginReport = LoginSuccess | LoginRefusal;

export type LoginCheckResult = { report: LoginSuccess; grant: TokenGrant } | { report: LoginRefusal; grant: undefined };

/**
 * Local checks, then one token request per attempt (retried only while the answer may be propagation or a
 * passing failure), then who the token belongs to. A refused login is a report, not an exception:
 * `loginFailure` turns it into the named error.
 */
export const checkLoginFromInput = async (input: LoginInput): Promise<LoginCheckResult> => {
  if (input.clientSecretVariable) {
    return checkClientCredentialsLogin({ ...input, clientSecret: secretFromVariable(input.clientSecretVariable) });
  }
  return checkLoginWithKey({ ...input, key: await loadSigningKey({ ...input, now: new Date(clock.now()) }) });
};

/** The consumer secret held in an environment variable (never a flag's value, which shell history keeps). */
export const secretFromVariable = (variable: string): string => {
  const secret = process.env[variable]?.trim();
  if (!secret) throw messages.createError('error.SecretVariableEmpty', [variable], [], EXIT_CODES.localInput);
  registerSecret(secret);
  return secret;
};

/** The same check with a key already loaded and checked (setup has it in memory). */
export const checkLoginWithKey = (
  input: Omit<LoginInput, 'keyFile' | 'keyVariable' | 'certificateFile' | 'clientSecretVariable'> & {
    key: KeyObject;
    /** The run just replaced the app's certificate: "invalid assertion" is the previous one, still propagating. */
    certificateChanged?: boolean;
  },
): Promise<LoginCheckResult> => {
  const audience = input.audience ?? defaultAudience(input.loginUrl);
  const context = {
    loginUrl: input.loginUrl,
    clientId: input.clientId,
    username: input.username,
    audience,
    certificateChanged: input.certificateChanged,
    atMyDomain: input.atMyDomain,
  };
  return checkLogin('jwt-bearer', input, context, () =>
    requestJwtToken({
      loginUrl: context.loginUrl,
      clientId: context.clientId,
      username: context.username,
      audience,
      key: input.key,
    }),
  );
};

/**
 * The client credentials flow: the consumer key and secret, at the org's My Domain; the token is the
 * app's run-as user's, which `username` names (a different user is warned about).
 */
export const checkClientCredentialsLogin = (
  input: Omit<LoginInput, 'keyFile' | 'keyVariable' | 'certificateFile' | 'audience' | 'clientSecretVariable'> & {
    clientSecret: string;
  },
): Promise<LoginCheckResult> => {
  const context = {
    loginUrl: input.loginUrl,
    clientId: input.clientId,
    username: input.username,
    audience: '',
    atMyDomain: input.atMyDomain,
  };
  return checkLogin('client-credentials', input, context, () =>
    requestClientCredentialsToken({
      loginUrl: input.loginUrl,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
    }),
  );
};

const checkLogin = async (
  flow: LoginFlow,
  input: Pick<LoginInput, 'username' | 'clientId' | 'loginUrl' | 'waitMs' | 'apiAccessKnown' | 'onRequest' | 'onRetry'>,
  context: DiagnosisContext,
  request: () => Promise<TokenOutcome>,
): Promise<LoginCheckResult> => {
  input.onRequest?.();
  const check = await retryTokenRequest(request, context, { waitMs: input.waitMs, onRetry: input.onRetry });
  const report: ReportCommon = {
    flow,
    username: input.username,
    clientId: input.clientId,
    loginUrl: input.loginUrl,
    ...(context.audience ? { audience: context.audience } : {}),
    scopes: [],
    attempts: check.attempts,
    elapsedMs: check.elapsedMs,
    ...(check.clockSkewMs === undefined ? {} : { clockSkewMs: check.clockSkewMs }),
    warnings: [],
  };
  // Warnings go to Lifecycle, so every command that checks a login shows them (sf prints them, and adds them
  // to --json), and into the report, where they travel with a refusal's --json result.
  const warn = async (text: string): Promise<void> => {
    report.warnings.push(text);
    await Lifecycle.getInstance().emitWarning(text);
  };
  if (check.clockSkewMs !== undefined && Math.abs(check.clockSkewMs) > SKEW_WARNING_MS) {
    await warn(
      messages.getMessage('warning.ClockSkew', [
        Math.round(Math.abs(check.clockSkewMs) / 1000),
        check.clockSkewMs > 0 ? 'behind' : 'ahead of',
      ]),
    );
  }
  if (!check.ok) return failed(report, check.diagnosis);

  const { grant } = check;
  report.instanceUrl = grant.instanceUrl;
  report.scopes = grant.scopes;
  const identity = input.apiAccessKnown ? identityFromToken(grant) : await fetchIdentity(grant);
  if (identity) {
    report.orgId = identity.orgId;
    report.userId = identity.userId;
    if (identity.username && identity.username.toLowerCase() !== input.username.toLowerCase()) {
      await warn(messages.getMessage('warning.UsernameMismatch', [identity.username, input.username]));
    }
  }
  // A token the API then refuses is no working login: the pipeline's first call would fail.
  if (identity?.apiDisabled) return failed(report, apiDisabledDiagnosis(identity.username ?? input.username));
  if (!grant.scopes.includes('api') && !grant.scopes.includes('full')) {
    await warn(messages.getMessage('warning.NoApiScope', [grant.scopes.join(' ') || 'none']));
  }
  return { report: { ...report, success: true }, grant };
};

/** A refused login's report: the diagnosis, as the error --json carries. */
const failed = (report: ReportCommon, d: Diagnosis): LoginCheckResult => ({
  report: {
    ...report,
    success: false,
    error: {
      name: `${d.name}Error`,
      code: d.code,
      description: d.description,
      cause: d.cause,
      actions: d.actions,
      persistence: d.persistence,
    },
  },
  grant: undefined,
});

/**
 * The named error for a refused login: exit 4 when the configuration is wrong, 5 when the answer was
 * one that propagation or an outage explains and it still came when the wait ran out (or no wait was
 * asked for). The run that checked the login attaches its result (output/error-payload.ts).
 */
export const loginFailure = (report: LoginRefusal): SfError => {
  const e = report.error;
  const diagnosis: Diagnosis = { ...e, name: e.name.replace(/Error$/, '') };
  const transient = e.persistence !== 'permanent';
  const message =
    transient && report.attempts > 1
      ? stillFailingMessage(diagnosis, report.attempts, report.elapsedMs)
      : refusedMessage(diagnosis);
  return new SfError(message, e.name, e.actions, transient ? EXIT_CODES.stillFailing : EXIT_CODES.orgRefused);
};
