/**
 * Time, in one place: the JWT's expiry, the wait's deadline and its pauses all read this clock, so a test
 * can move time instead of sleeping (the only thing tests stub besides the terminal).
 */
export type Clock = { now: () => number; sleep: (ms: number) => Promise<void> };

export const clock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
