/** How `--wait` paces its retries: exponential, jittered, capped. */
export type BackoffPolicy = { initialMs: number; factor: number; maxMs: number };

/**
 * Salesforce needs 2 to 10 minutes to propagate an app change, so the first retries come quickly (a
 * change may be almost through) and later ones settle at the cap, well below the propagation time.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 2000, factor: 2, maxMs: 20_000 };

/**
 * The pause after the given failed attempt (1-based). "Equal jitter": half the exponential step is fixed,
 * half random, so parallel pipelines spread out but no pause ever exceeds the cap.
 */
export const backoffDelay = (
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random = Math.random,
): number => {
  const step = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
};
