/**
 * Loaded by mocha before any test file: every test run gets a throw-away HOME, so no real sf auth files
 * or config are read or written, and the sf CLI neither phones home nor updates itself.
 *
 * The run also gets its own temp directory (the run root): TMPDIR points at it, for this process and the
 * real sf and emulators it starts, so all a run writes lives in one folder, removed when the run ends or is
 * interrupted. After each test file, the folders it made with tempDir are removed, and the file fails if it
 * left a private key anywhere in the run root.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Context, Suite } from 'mocha';
import { privateKeysUnder, removeDeadRunRoots, removeTempDirs, RUN_PREFIX } from './temp.js';

removeDeadRunRoots(tmpdir());
const root = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}${process.pid}-`));
const home = join(root, 'home');
mkdirSync(home);
Object.assign(process.env, {
  TMPDIR: root,
  TMP: root,
  TEMP: root,
  HOME: home,
  USERPROFILE: home,
  SF_DISABLE_TELEMETRY: 'true',
  SF_AUTOUPDATE_DISABLE: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_HIDE_RELEASE_NOTES: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  SF_LOG_LEVEL: 'warn',
  SF_DISABLE_LOG_FILE: 'true',
});
delete process.env.SF_ACCESS_TOKEN;
delete process.env.SF_TARGET_ORG;

// Every in-process command run registers signal handlers (oclif, the spinner); many runs are expected here.
process.setMaxListeners(0);

const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
process.on('exit', removeRoot);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    removeRoot();
    // As if unhandled: the run stops with the signal (unless a running command handles it too).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** Fails a test file that left a private key in the run root (removing it), after removing its temp folders. */
const leftNoKey = (file: string | undefined) =>
  async function (): Promise<void> {
    await removeTempDirs();
    const keys = await privateKeysUnder(root);
    if (keys.length === 0) return;
    await Promise.all(keys.map((key) => rm(key, { force: true })));
    throw new Error(
      `${file ? relative(process.cwd(), file) : 'The run'} left ${keys.length} private key file(s) in the temp directory: ${keys
        .map((key) => relative(root, key))
        .join(
          ', ',
        )}. Make temp folders with tempDir() from test/helpers/temp.ts (removed after the file), or remove them in after().`,
    );
  };

export const mochaHooks = {
  beforeAll(this: Context): void {
    const rootSuite: Suite | undefined = this.test?.parent;
    for (const suite of rootSuite?.suites ?? [])
      suite.afterAll('removes its temp folders and leaves no private key', leftNoKey(suite.file));
  },
  afterAll: leftNoKey(undefined),
};
