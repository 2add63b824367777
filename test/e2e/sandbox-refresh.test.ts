import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, storeAdminLogin, testKey } from '../helpers/org.js';
import { LocalGitHub, LocalGitLab } from '../helpers/ci-servers.js';
import { runCommand, withEnv, type CommandRun } from '../helpers/command.js';
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

/**
 * Where the CI's key cannot be had again: production has an External Client App of the pipeline's name, so the
 * refreshed sandbox holds production's copy with a consumer key of its own. The step says so, and run without the
 * CI's key it keeps the app's new one and puts the new values into the CI, whose login then works.
 */
describe("a sandbox refresh where the CI's consumer key cannot be had again", () => {
  let production: RunningEmulator;
  let sandbox: RunningEmulator;
  let github: LocalGitHub;
  let gitlab: LocalGitLab;
  const ci: Record<string, string> = {};
  let stores: Record<string, string>;

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'shared-admin', '--json', ...args]);
  before(async () => {
    production = await startEmulator();
    await configureJwtApp(await adminConnection(production), {
      name: 'Shared_App',
      certificatePem: (await testKey()).certificatePem,
      username: production.ready.integrationUser.username,
    });
    sandbox = await startEmulator({ sandbox: true });
    await sandbox.refreshFrom(production, 'qa');
    await storeAdminLogin(sandbox, 'shared-admin');
    github = await LocalGitHub.start();
    github.addRepo('acme/app');
    github.addToken('gh', ['acme/app']);
    gitlab = await LocalGitLab.start();
    gitlab.addProject(3, 'acme/app');
    gitlab.addToken('gl', 3);
    stores = {
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: 'gh',
      CI_API_V4_URL: `${gitlab.url}/api/v4`,
      GITLAB_TOKEN: 'gl',
    };
    // The pipeline set up production's copy in the sandbox, and the CI holds its values.
    const first = await tempDir('jwtapp-shared-first-');
    const run = await setup(
      '--name',
      'Shared_App',
      '--username',
      sandbox.ready.integrationUser.username,
      '--output-dir',
      first,
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    Object.assign(ci, {
      SF_USERNAME: sandbox.ready.integrationUser.username,
      SF_CLIENT_ID: String(run.json?.result?.clientId),
      SF_JWT_KEY: await readFile(join(first, 'server.key'), 'utf8'),
    });
    await rm(first, { recursive: true });
    await sandbox.refreshFrom(production, 'qa');
    await storeAdminLogin(sandbox, 'shared-admin');
  });
  after(async () => {
    await sandbox.stop();
    await production.stop();
    await github.stop();
    await gitlab.stop();
  });

  it("says that the app's key is not the CI's, writing nothing", async () => {
    await sandbox.clearRequests();
    const run = await withEnv({ SF_JWT_KEY: ci.SF_JWT_KEY }, () =>
      setup(
        '--name',
        'Shared_App',
        '--username',
        ci.SF_USERNAME,
        '--consumer-key',
        ci.SF_CLIENT_ID,
        '--jwt-key-env',
        'SF_JWT_KEY',
      ),
    );
    expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
      name: 'ConsumerKeyImmutableError',
      exitCode: 4,
    });
    expect((run.json?.actions ?? []).join(' ')).to.include('sandbox refresh');
    expect(await sandbox.writes()).to.deep.equal([]);
  });

  it('puts the new values into GitHub and GitLab, and the pipeline logs in with what they hold', async () => {
    const run = await withEnv({ ...stores, SF_JWT_KEY: ci.SF_JWT_KEY }, () =>
      setup(
        '--name',
        'Shared_App',
        '--username',
        ci.SF_USERNAME,
        '--jwt-key-env',
        'SF_JWT_KEY',
        '--github-repo',
        'acme/app',
        '--gitlab-project',
        'acme/app',
      ),
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const newKey = String(run.json?.result?.clientId);
    expect(newKey).to.not.equal(ci.SF_CLIENT_ID);
    const held = github.secrets('acme/app');
    expect(held).to.include({ SF_CLIENT_ID: newKey, SF_USERNAME: ci.SF_USERNAME, SF_LOGIN_URL: sandbox.url });
    expect(held.SF_JWT_KEY.trim()).to.equal(ci.SF_JWT_KEY.trim());
    expect(gitlab.variables(3).find((v) => v.key === 'SF_CLIENT_ID')?.value).to.equal(newKey);
    const login = await withEnv({ SF_JWT_KEY: held.SF_JWT_KEY }, () =>
      runCommand<VerifyResult>(Verify, [
        '--username',
        held.SF_USERNAME,
        '--client-id',
        held.SF_CLIENT_ID,
        '--jwt-key-env',
        'SF_JWT_KEY',
        '--instance-url',
        held.SF_LOGIN_URL,
        '--json',
      ]),
    );
    expect(login.json?.result?.success, login.stdout).to.equal(true);
  });
});
