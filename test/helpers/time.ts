import { clock, type Clock } from '../../src/retry/clock.js';
import { FakeClock } from './emulator.js';

/**
 * Makes the plugin's clock the fake one (the emulator may read it too): a pause advances it instead of
 * sleeping. Returns what puts the real clock back.
 */
const installFakeClock = (fake: FakeClock): (() => void) => {
  const saved: Clock = { ...clock };
  clock.now = fake.now;
  clock.sleep = async (ms: number): Promise<void> => {
    fake.advance(ms);
    await Promise.resolve();
  };
  return () => Object.assign(clock, saved);
};

/**
 * Within the current describe block, the plugin's clock is the fake one the emulator also reads: a
 * `--wait` pause advances it instead of sleeping, so waits across propagation take no real time.
 */
export const useFakeClock = (fake: FakeClock): void => {
  let restore: () => void;
  before(() => {
    restore = installFakeClock(fake);
  });
  after(() => restore());
};

/** Runs `run` on a fake clock started now, whose pauses take no real time. */
export const withFakeClock = async <T>(run: () => Promise<T>): Promise<T> => {
  const restore = installFakeClock(new FakeClock());
  try {
    return await run();
  } finally {
    restore();
  }
};
