import { clock, type Clock } from '../../src/retry/clock.js';
import type { FakeClock } from './emulator.js';

/**
 * Within the current describe block, the plugin's clock is the fake one the emulator also reads: a
 * `--wait` pause advances it instead of sleeping, so waits across propagation take no real time.
 */
export const useFakeClock = (fake: FakeClock): void => {
  let saved: Clock;
  before(() => {
    saved = { ...clock };
    clock.now = fake.now;
    clock.sleep = async (ms: number): Promise<void> => {
      fake.advance(ms);
      await Promise.resolve();
    };
  });
  after(() => {
    Object.assign(clock, saved);
  });
};
