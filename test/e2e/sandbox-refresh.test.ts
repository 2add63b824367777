import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A pipeline's sandbox, refreshed from production: the refresh takes the app, the user and the permission set the
 * pipeline's setup made in the sandbox, and the pipeline's step after it brings the login back with what the CI
 * already holds (its client id, its key in a variable, its username), so nothing in the CI changes.
 */
describe('a sandbox refresh, and the pipeline step after it', () => {
  let production: RunningEmulator;
  let sandbox: RunningEmulator;
  /** What the CI holds: set once by the first setup, never changed after. */
  const ci: Record<string, string> = {};
  let runner: string;

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'uat-admin', '--json', ...args]);
  /** The pipeline's login, as its job runs it with the CI's values. */
  const pipelineLogin = (): Promise<CommandRun<VerifyResult>> =>
    runCommand<VerifyResult>(Verify, [
      '--username',
      ci.SF_USERNAME,
      '--client-id',
      ci.SF_CLIENT_ID,
      '--jwt-key-env',
      'SF_JWT_KEY',
      '--instance-url',
      sandbox.url,
      '--json',
    ]);
  /** The step after the refresh: setup with the CI's values, the key from the variable. */
  const restore = (): Promise<CommandRun<SetupResult>> =>
    setup(
      '--name',
      'Ci_Integration',
      '--username',
      ci.SF_USERNAME,
      '--consumer-key',
      ci.SF_CLIENT_ID,
      '--jwt-key-env',
      'SF_JWT_KEY',
      '--create-user',
      '--output-dir',
      join(runner, 'certs'),
    );

  before(async () => {
    production = await startEmulator();
    sandbox = await startEmulator({ sandbox: true });
    // `sf org create sandbox`: the sandbox is a copy of production, and sf logs in to it.
    await sandbox.refreshFrom(production, 'uat');
    await storeAdminLogin(sandbox, 'uat-admin');
    // The pipeline's first setup, in the sandbox only: its own user, app and permission set.
    const first = await tempDir('jwtapp-sandbox-first-');
    const username = `ci@${sandbox.ready.admin.username.split('@')[1]}`;
    const run = await setup('--name', 'Ci_Integration', '--username', username, '--create-user', '--output-dir', first);
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    // Into the CI's secret store (the key base64-encoded, as a masked GitLab variable holds it); the runner keeps nothing.
    ci.SF_USERNAME = username;
    ci.SF_CLIENT_ID = String(run.json?.result?.clientId);
    ci.SF_JWT_KEY = Buffer.from(await readFile(join(first, 'server.key'), 'utf8')).toString('base64');
    await rm(first, { recursive: true });
    process.env.SF_JWT_KEY = ci.SF_JWT_KEY;
    runner = await tempDir('jwtapp-sandbox-runner-');
  });
  after(async () => {
    delete process.env.SF_JWT_KEY;
    await sandbox.stop();
    await production.stop();
  });

  it("logs in with the CI's values before the refresh, and no longer after it", async () => {
    const before = await pipelineLogin();
    expect(before.exitCode, before.stdout).to.equal(0);
    expect(before.json?.result?.success).to.equal(true);

    await sandbox.refreshFrom(production, 'uat');
    const state = await sandbox.state();
    expect(state.apps.map((a) => a.name)).to.not.include('Ci_Integration');
    expect(state.users.map((u) => u.Username)).to.not.include(ci.SF_USERNAME);

    const after = await pipelineLogin();
    expect(after.exitCode).to.not.equal(0);
    expect(after.json?.result?.success ?? false).to.equal(false);
  });

  it("brings the login back in one headless step with the CI's unchanged client id and key, writing no key anywhere", async () => {
    // sf logs in to the refreshed sandbox again (`sf org refresh sandbox` does, through production's login).
    await storeAdminLogin(sandbox, 'uat-admin');
    const run = await restore();
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as SetupResult;
    expect(result).to.include({ status: 'created', clientId: ci.SF_CLIENT_ID, username: ci.SF_USERNAME });
    expect(result.verification).to.include({ success: true, username: ci.SF_USERNAME });
    expect(result).to.not.have.property('keyFile');
    expect(result).to.not.have.property('certificateFile');
    // The key was read from the variable and written nowhere: the runner's folder is as it was, empty.
    expect(await readdir(runner)).to.deep.equal([]);
    expect(run.stdout).to.not.include(ci.SF_JWT_KEY);

    const state = await sandbox.state();
    const app = state.apps.find((a) => a.name === 'Ci_Integration');
    expect(app?.consumerKey).to.equal(ci.SF_CLIENT_ID);
    const user = state.users.find((u) => u.Username === ci.SF_USERNAME);
    expect(user?.IsActive).to.equal(true);

    const login = await pipelineLogin();
    expect(login.exitCode, login.stdout).to.equal(0);
    expect(login.json?.result?.success).to.equal(true);
  });

  it('changes nothing when the step runs again on a fresh runner', async () => {
    await sandbox.clearRequests();
    const run = await restore();
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ status: 'unchanged', clientId: ci.SF_CLIENT_ID });
    expect(run.json?.result?.changes).to.deep.equal([]);
    expect(await sandbox.writes()).to.deep.equal([]);
    expect(await readdir(runner)).to.deep.equal([]);
  });
});
