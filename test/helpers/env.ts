/**
 * Loaded by mocha before any test file: every test run gets a throw-away HOME, so no real sf auth files
 * or config are read or written, and the sf CLI neither phones home nor updates itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const home = mkdtempSync(join(tmpdir(), 'jwtapp-test-home-'));
Object.assign(process.env, {
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
