import type { KeyObject } from 'node:crypto';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../retry/backoff.js';
import { clock } from '../retry/clock.js';
import { retry } from '../retry/retry.js';
import { diagnose, type Diagnosis, type DiagnosisContext } from './diagnosis.js';
import { jwtClaims, signAssertion } from './jwt.js';
import { requestToken, type TokenGrant, type TokenOutcome } from './token.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Everything a JWT bearer login needs; the audience is resolved by the caller (see audience.ts). */
export type JwtLogin = DiagnosisContext & { key: KeyObject };

export type LoginProgress = { attempt: number; elapsedMs: number; diagnosis: Diagnosis; nextDelayMs: number };

type Common = { attempts: number; elapsedMs: number; clockSkewMs: number | undefined };
/** The token requests' outcome, retried: granted, or the final refusal diagnosed. */
export type LoginOutcome =
  (Common & { ok: true; grant: TokenGrant }) | (Common & { ok: false; diagnosis: Diagnosis; waitedOut: boolean });

export type RetryOptions = {
  /** How long to keep retrying answers that may be propagation or a passing failure; 0 = one attempt. */
  waitMs: number;
  onRetry?: (progress: LoginProgress) => void;
  policy?: BackoffPolicy;
};

/** One JWT bearer token request, signed at the moment it is sent (so a retry never sends an old JWT). */
export const requestJwtToken = (login: JwtLogin): Promise<TokenOutcome> =>
  requestToken(login.loginUrl, {
    // eslint-disable-next-line camelcase
    grant_type: JWT_BEARER_GRANT,
    assertion: signAssertion(jwtClaims(login.clientId, login.username, login.audience, clock.now()), login.key),
  });

/** One client credentials token request; the secret goes in the body, never in a URL. */
export const requestClientCredentialsToken = (login: {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
}): Promise<TokenOutcome> =>
  requestToken(login.loginUrl, {
    // eslint-disable-next-line camelcase
    grant_type: 'client_credentials',
    // eslint-disable-next-line camelcase
    client_id: login.clientId,
    // eslint-disable-next-line camelcase
    client_secret: login.clientSecret,
  });

/**
 * Requests a token until it is granted, the answer is permanent, or the wait runs out. Each attempt is
 * one request; between attempts the pause grows exponentially up to a cap, never past the deadline.
 */
export const retryTokenRequest = async (
  request: () => Promise<TokenOutcome>,
  context: DiagnosisContext,
  options: RetryOptions,
): Promise<LoginOutcome> => {
  const start = clock.now();
  let clockSkewMs: number | undefined;
  return retry<LoginOutcome>(
    async (attempt) => {
      const outcome = await request();
      const now = clock.now();
      if ('serverDate' in outcome && outcome.serverDate) clockSkewMs = outcome.serverDate.getTime() - now;
      const common = { attempts: attempt, elapsedMs: now - start, clockSkewMs };
      if (outcome.kind === 'granted') return { ...common, ok: true, grant: outcome.grant };
      const diagnosis = diagnose(outcome, context);
      // Returned only when final: permanent, or a passing failure whose wait ran out.
      return {
        ...common,
        ok: false,
        diagnosis,
        waitedOut: diagnosis.persistence !== 'permanent' && options.waitMs > 0,
      };
    },
    {
      policy: { deadlineMs: options.waitMs, backoff: options.policy ?? DEFAULT_BACKOFF },
      again: (check) => !check.ok && check.diagnosis.persistence !== 'permanent',
      onRetry: (check, next) => {
        if (!check.ok)
          options.onRetry?.({
            attempt: next.attempt,
            elapsedMs: next.elapsedMs,
            diagnosis: check.diagnosis,
            nextDelayMs: next.delayMs,
          });
      },
    },
  );
};
