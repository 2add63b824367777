import { Messages } from '@salesforce/core';
import { redirectTarget, shownUrl } from '../connection/redirects.js';
import { redact } from '../output/redact.js';
import { tokenUrl, type TokenOutcome } from './token.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'oauth');

/**
 * - `permanent`: the configuration is wrong; retrying changes nothing.
 * - `propagating`: also what Salesforce answers for a few minutes after an app change, so `--wait` retries it.
 * - `transient`: the server or network failed; retried too.
 */
export type Persistence = 'permanent' | 'propagating' | 'transient';

export type Diagnosis = {
  /** The error's name without the `Error` suffix, e.g. `UserNotApproved`. */
  name: string;
  /** The OAuth `error` code, or `http_<status>` / `unreachable`. */
  code: string;
  /** Salesforce's `error_description`, verbatim. */
  description: string;
  persistence: Persistence;
  cause: string;
  actions: string[];
};

export type DiagnosisContext = {
  loginUrl: string;
  clientId: string;
  username: string;
  audience: string;
  /**
   * The run has just replaced the app's certificate: until the change has propagated, Salesforce checks
   * assertions against the previous one and answers the new key "invalid assertion".
   */
  certificateChanged?: boolean;
  /**
   * The login went to the org's own My Domain (setup's, or the URL sf's auth store has for the user): an
   * `app_not_found` there is not the generic-host mistake but an app that is disabled or not in this org.
   */
  atMyDomain?: boolean;
};

type Entry = {
  name: string;
  persistence: Persistence;
  matches: (error: string, description: string, context: DiagnosisContext) => boolean;
  /** Tokens for the cause and for the actions. */
  tokens: (c: DiagnosisContext) => { cause: string[]; actions: string[] };
};

const has = (text: string, fragment: string): boolean => text.toLowerCase().includes(fragment);

/**
 * The catalogue of token-endpoint refusals (aprity's troubleshooting table, docs/research/vendor-guides.md; docs/research/oauth-facts.md; Salesforce Help
 * "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"). Matched on Salesforce's texts, which
 * are stable across releases; first match wins, so the specific entries come before the generic ones.
 */
const CATALOGUE: Entry[] = [
  {
    name: 'ClientIdInvalid',
    persistence: 'propagating',
    matches: (e) => e === 'invalid_client_id',
    tokens: (c) => ({ cause: [c.clientId, c.loginUrl], actions: [] }),
  },
  {
    name: 'UserNotApproved',
    persistence: 'propagating',
    matches: (_e, d) => has(d, "hasn't approved this consumer") || has(d, 'has not approved this consumer'),
    tokens: (c) => ({ cause: [c.username], actions: [c.username] }),
  },
  {
    name: 'UserNotAdminApproved',
    persistence: 'permanent',
    matches: (e, d) => e === 'invalid_app_access' || has(d, 'not admin approved'),
    tokens: (c) => ({ cause: [c.username], actions: [c.username, c.username] }),
  },
  {
    name: 'AudienceInvalid',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'audience'),
    tokens: (c) => ({ cause: [c.audience, c.loginUrl], actions: [] }),
  },
  {
    name: 'IpRestricted',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'ip restricted'),
    tokens: (c) => ({ cause: [c.username], actions: [] }),
  },
  {
    name: 'AuthenticationFailure',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'authentication failure') || has(d, 'inactive user') || has(d, 'user is inactive'),
    tokens: (c) => ({ cause: [c.username], actions: [] }),
  },
  {
    name: 'NoClientCredentialsUser',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'no client credentials user enabled'),
    tokens: () => ({ cause: [], actions: [] }),
  },
  {
    name: 'DomainNotSupported',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'request not supported on this domain'),
    tokens: (c) => ({ cause: [c.loginUrl], actions: [] }),
  },
  {
    name: 'InvalidClientCredentials',
    persistence: 'permanent',
    matches: (e, d) => e === 'invalid_client' || has(d, 'invalid client credentials'),
    tokens: () => ({ cause: [], actions: [] }),
  },
  {
    // A blocked Connected App (BlacklistedConsumer): reported as app_blocked "this app is blocked by admin".
    name: 'AppBlocked',
    persistence: 'permanent',
    matches: (e, d) => e === 'app_blocked' || has(d, 'blocked by admin'),
    tokens: (c) => ({ cause: [c.clientId], actions: [] }),
  },
  {
    name: 'AppNotInstalled',
    persistence: 'permanent',
    matches: (e, d) => e === 'app_not_found' || has(d, 'not installed in this org'),
    tokens: (c) => ({ cause: [c.loginUrl], actions: [] }),
  },
  {
    name: 'UnsupportedGrantType',
    persistence: 'permanent',
    matches: (e) => e === 'unsupported_grant_type',
    tokens: (c) => ({ cause: [c.loginUrl], actions: [] }),
  },
  {
    // What Salesforce answers for a JWT whose exp has passed (simple-salesforce#491, newrelic-salesforce-exporter#31).
    name: 'AssertionExpired',
    persistence: 'permanent',
    matches: (_e, d) => has(d, 'expired authorization code') || has(d, 'expired'),
    tokens: () => ({ cause: [], actions: [] }),
  },
  {
    // The same answer, just after this run replaced the certificate: the previous one is still the one checked
    // (Salesforce: changes take 2–10 minutes to reach the token endpoint), so it is waited out.
    name: 'CertificateNotYetActive',
    persistence: 'propagating',
    matches: (e, d, c) =>
      c.certificateChanged === true && (has(d, 'invalid assertion') || (e === 'invalid_grant' && has(d, 'signature'))),
    tokens: (c) => ({ cause: [c.clientId], actions: [c.username] }),
  },
  {
    // Last of the invalid_grant family: "invalid assertion", and other signature complaints.
    name: 'InvalidAssertion',
    persistence: 'permanent',
    matches: (e, d) => has(d, 'invalid assertion') || (e === 'invalid_grant' && has(d, 'signature')),
    tokens: () => ({ cause: [], actions: [] }),
  },
];

const build = (
  name: string,
  code: string,
  description: string,
  persistence: Persistence,
  tokens: { cause: string[]; actions: string[] },
): Diagnosis => ({
  name,
  code,
  // Whatever answered may have quoted the request back (see output/redact.ts).
  description: redact(description),
  persistence,
  cause: messages.getMessage(`${name}.cause`, tokens.cause),
  actions: messages.getMessages(`${name}.actions`, tokens.actions),
});

/** A My Domain host (`<name>.my.salesforce.com`, sandboxes' `<name>--<sandbox>.sandbox.my.salesforce.com`, Government Cloud's `.my.salesforce.mil`). */
const isMyDomainHost = (url: string): boolean => {
  try {
    return /\.my\.salesforce\.(com|mil)$/.test(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
};

/** Explains a failed token request: what went wrong, why, and what to do. */
export const diagnose = (outcome: Exclude<TokenOutcome, { kind: 'granted' }>, context: DiagnosisContext): Diagnosis => {
  switch (outcome.kind) {
    case 'unreachable':
      return build('LoginUrlUnreachable', 'unreachable', outcome.message, 'transient', {
        cause: [context.loginUrl, outcome.message],
        actions: [],
      });
    case 'http-error':
      return build(
        'LoginServer',
        `http_${outcome.status}`,
        outcome.body,
        outcome.status >= 500 ? 'transient' : 'permanent',
        {
          cause: [context.loginUrl, String(outcome.status)],
          actions: [],
        },
      );
    case 'redirected': {
      const { target, moved } = redirectTarget(tokenUrl(context.loginUrl), outcome.location);
      return moved
        ? build('LoginDomainMoved', `http_${outcome.status}`, target.origin, 'permanent', {
            cause: [context.loginUrl, target.origin],
            actions: [target.origin],
          })
        : build('LoginRedirected', `http_${outcome.status}`, shownUrl(target), 'permanent', {
            cause: [context.loginUrl, shownUrl(target)],
            actions: [target.host],
          });
    }
    case 'refused': {
      const entry = CATALOGUE.find((e) => e.matches(outcome.error, outcome.description, context));
      if (!entry)
        return build(
          'UnknownOAuthError',
          outcome.error,
          outcome.description,
          outcome.status >= 500 ? 'transient' : 'permanent',
          { cause: [], actions: [] },
        );
      if (entry.name === 'AppNotInstalled' && (context.atMyDomain === true || isMyDomainHost(context.loginUrl))) {
        return build('AppDisabled', outcome.error, outcome.description, 'permanent', {
          cause: [context.loginUrl, context.clientId],
          actions: [],
        });
      }
      return build(entry.name, outcome.error, outcome.description, entry.persistence, entry.tokens(context));
    }
  }
};

/**
 * A token issued, then every API call refused: the user lacks "API Enabled" (their profile, and no permission
 * set grants it), or the org's edition has no API. Salesforce's OAuth does not check it; its APIs do.
 */
export const apiDisabledDiagnosis = (username: string): Diagnosis =>
  build(
    'ApiDisabledForUser',
    'API_DISABLED_FOR_ORG',
    'The REST API is not enabled for this Organization.',
    'permanent',
    { cause: [username], actions: [username, username] },
  );

/** `invalid_grant: audience is invalid`, the way Salesforce's own tools print OAuth errors. */
export const oauthErrorText = (d: Diagnosis): string => (d.description ? `${d.code}: ${d.description}` : d.code);

export const refusedMessage = (d: Diagnosis): string =>
  messages.getMessage('refused', [`${oauthErrorText(d)}. ${d.cause}`]);

export const stillFailingMessage = (d: Diagnosis, attempts: number, elapsedMs: number): string =>
  messages.getMessage('stillFailing', [attempts, Math.round(elapsedMs / 1000), `${oauthErrorText(d)}. ${d.cause}`]);
