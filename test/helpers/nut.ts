import type { EmulatorOptions } from '../emulator/server.js';
import { startEmulator, type RunningEmulator } from './emulator.js';
import { linkPlugin, runSf, sfHome, sfWithAdmin, type SfOptions, type SfRun } from './sf.js';

/** What a NUT runs against: an emulated org, and a real sf in a throw-away HOME. */
export type Nut = {
  /** The emulated org: started before the describe's tests, stopped after them. */
  readonly emu: RunningEmulator;
  /** The real sf's HOME, removed after the test file (temp.ts); relative paths given to sf land here. */
  readonly home: string;
  /** The username of the org's seeded integration user: active, not an admin, no permission sets. */
  readonly integration: string;
  /** Runs the real sf in that HOME. */
  sf: (args: string[], options?: Omit<SfOptions, 'home'>) => Promise<SfRun>;
};

export type NutOptions = {
  /** No emulator at all with false (then `emu` and `integration` are not there). */
  emulator?: EmulatorOptions | false;
  /**
   * How the sf of that HOME is set up: the plugin linked and the emulator's admin logged in as `emu`, as an admin's
   * machine or a pipeline's runner has them (`admin`, the default with an emulator); the plugin linked only
   * (`plugin`, the default without); or sf as installed (`bare`).
   */
  sf?: 'admin' | 'plugin' | 'bare';
};

/**
 * The bench of a NUT, set up by hooks of the describe it is called in (call it in the describe's body, before the
 * describe's own hooks that use it): one emulator and one sf HOME for the describe's tests.
 */
export const nutBench = (options: NutOptions = {}): Nut => {
  let emu: RunningEmulator | undefined;
  let home: string | undefined;
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) {
      throw new Error(
        `the NUT's ${name} is made in the describe's before hook${options.emulator === false && name === 'emu' ? ', and this one has none' : ''}`,
      );
    }
    return value;
  };

  before(async () => {
    emu = options.emulator === false ? undefined : await startEmulator(options.emulator);
    const sf = options.sf ?? (emu ? 'admin' : 'plugin');
    if (sf === 'admin') {
      home = await sfWithAdmin(ready(emu, 'emu'));
    } else {
      home = sfHome();
      if (sf === 'plugin') await linkPlugin(home);
    }
  });
  after(async () => {
    await emu?.stop();
  });

  return {
    get emu(): RunningEmulator {
      return ready(emu, 'emu');
    },
    get home(): string {
      return ready(home, 'home');
    },
    get integration(): string {
      return ready(emu, 'emu').ready.integrationUser.username;
    },
    sf: (args, sfOptions = {}) => runSf(args, { ...sfOptions, home: ready(home, 'home') }),
  };
};
