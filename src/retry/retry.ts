import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { clock } from './clock.js';

/**
 * How long to keep trying: a number of attempts (an outage answer is usually over within seconds), or a
 * deadline (Salesforce's propagation of an app change, minutes). The pause after each failed attempt comes
 * from the backoff, never past the deadline.
 */
export type RetryPolicy = { backoff: BackoffPolicy } & ({ attempts: number } | { deadlineMs: number });

/** The attempt that failed and is tried again, when, and how long the pause before the next one is. */
export type NextAttempt = { attempt: number; elapsedMs: number; delayMs: number };

export type Retrying<T> = {
  policy: RetryPolicy;
  /** Whether this outcome of an attempt is worth another (an outage, propagation), rather than final. */
  again: (outcome: T) => boolean;
  /** What a retry leaves behind (a log line, progress): called before the pause. */
  onRetry?: (outcome: T, next: NextAttempt) => void;
};

/**
 * The one retry loop: runs `attempt` (1-based) until its outcome is final, the attempts are spent or the
 * deadline has passed, pausing between attempts as the policy says; the last outcome is returned. Time is
 * read from the clock, so a test moves time instead of sleeping.
 */
export const retry = async <T>(
  attempt: (n: number) => Promise<T>,
  { policy, again, onRetry }: Retrying<T>,
): Promise<T> => {
  const start = clock.now();
  for (let n = 1; ; n++) {
    // eslint-disable-next-line no-await-in-loop
    const outcome = await attempt(n);
    if (!again(outcome)) return outcome;
    const now = clock.now();
    const remaining = 'attempts' in policy ? (n < policy.attempts ? Infinity : 0) : start + policy.deadlineMs - now;
    if (remaining <= 0) return outcome;
    const delayMs = Math.min(backoffDelay(n, policy.backoff), remaining);
    onRetry?.(outcome, { attempt: n, elapsedMs: now - start, delayMs });
    // eslint-disable-next-line no-await-in-loop
    await clock.sleep(delayMs);
  }
};

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * The retry loop for a call that throws: an error `retryable` accepts is tried again; any other is thrown at
 * once. When the attempts are spent, `giveUp` says what is thrown instead of the last error.
 */
export const retryOnError = async <T>(
  call: (n: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    retryable: (e: unknown) => boolean;
    onRetry?: (e: unknown, next: NextAttempt) => void;
    giveUp?: (e: unknown) => unknown;
  },
): Promise<T> => {
  const settled = await retry<Settled<T>>(
    (n) =>
      call(n).then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, error }),
      ),
    {
      policy: options.policy,
      again: (s) => !s.ok && options.retryable(s.error),
      onRetry: (s, next) => {
        if (!s.ok) options.onRetry?.(s.error, next);
      },
    },
  );
  if (settled.ok) return settled.value;
  throw options.giveUp && options.retryable(settled.error) ? options.giveUp(settled.error) : settled.error;
};
