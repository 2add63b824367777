import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'dotenv';
import { Duration } from '@salesforce/kit';
import { Org, scratchOrgCreate, type SfError } from '@salesforce/core';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, withEnv, type CommandRun } from '../helpers/command.js';
import { saveJwtLogin } from '../../src/oauth/store.js';
import { tempDir } from '../helpers/temp.js';

const SIGNUP = {
  SF_SCRATCH_SIGNUP_CONNECTED_APP: 'PlatformCLI',
  SF_SCRATCH_SIGNUP_CALLBACK_URL: 'http://localhost:1717/OauthRedirect',
};

/** A Dev Hub logged in through an External Client App cannot sign up scratch orgs without the signup variables. */
describe('setup on a Dev Hub', () => {
  let hub: RunningEmulator;
  let plain: RunningEmulator;
  let dir: string;

  before(async () => {
    hub = await startEmulator({ devHub: true, allowConnectedAppCreation: true });
    plain = await startEmulator();
    await storeAdminLogin(hub, 'dev-hub-admin');
    await storeAdminLogin(plain, 'not-a-hub-admin');
    dir = await tempDir('jwtapp-dev-hub-');
  });
  after(async () => {
    await hub.stop();
    await plain.stop();
  });

  const setup = (
    alias: string,
    emu: RunningEmulator,
    name: string,
    ...args: string[]
  ): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, [
      '--target-org',
      alias,
      '--name',
      name,
      '--username',
      emu.ready.integrationUser.username,
      '--output-dir',
      join(dir, name),
      '--dotenv-file',
      join(dir, `${name}.env`),
      '--json',
      ...args,
    ]);

  it('writes what scratch-org signup needs into the dotenv file, and says why', async () => {
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.scratchSignup).to.deep.equal({
      connectedApp: 'PlatformCLI',
      callbackUrl: 'http://localhost:1717/OauthRedirect',
    });
    const warning = (run.json?.warnings ?? []).join(' ');
    expect(warning).to.include('C-1016').and.include('sf 2.147.7').and.include('SFDX_CLIENT_SECRET');
    const text = await readFile(join(dir, 'Hub_Eca.env'), 'utf8');
    expect(parse(text)).to.include(SIGNUP);
    expect(text).to.include('# A Dev Hub logged in through an External Client App');
  });

  it('adds them to a dotenv file an earlier run wrote without them, without --replace-ci-files', async () => {
    const path = join(dir, 'Hub_Eca.env');
    const before = await readFile(path, 'utf8');
    const older = before
      .split('\n')
      .filter((line) => !line.startsWith('SF_SCRATCH_SIGNUP') && !line.startsWith('# A Dev Hub'))
      .join('\n');
    await writeFile(path, older, { mode: 0o600 });
    await hub.clearRequests();
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.status).to.equal('unchanged');
    expect(await hub.writes()).to.deep.equal([]);
    expect(await readFile(path, 'utf8')).to.equal(before);
  });

  it('still refuses to add a secret to a file that did not hold one', async () => {
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca', '--dotenv-include-key');
    expect({ name: run.json?.name, exitCode: run.exitCode }).to.deep.equal({ name: 'CiFileDiffersError', exitCode: 3 });
    expect(run.json?.message).to.include('SF_JWT_KEY');
  });

  it('writes nothing of it for a Connected App, which signup replicates, or on an org that is no Dev Hub', async () => {
    const connected = await setup('dev-hub-admin', hub, 'Hub_Connected', '--app-type', 'connected-app');
    expect(connected.exitCode, connected.stdout).to.equal(0);
    expect(connected.json?.result).to.not.have.property('scratchSignup');
    expect(parse(await readFile(join(dir, 'Hub_Connected.env'), 'utf8'))).to.not.have.property(
      'SF_SCRATCH_SIGNUP_CONNECTED_APP',
    );
    const elsewhere = await setup('not-a-hub-admin', plain, 'Plain_Eca');
    expect(elsewhere.exitCode, elsewhere.stdout).to.equal(0);
    expect(elsewhere.json?.result).to.not.have.property('scratchSignup');
    expect((elsewhere.json?.warnings ?? []).join(' ')).to.not.include('C-1016');
    expect(parse(await readFile(join(dir, 'Plain_Eca.env'), 'utf8'))).to.not.have.property(
      'SF_SCRATCH_SIGNUP_CONNECTED_APP',
    );
  });
});

/**
 * A scratch org requested through @salesforce/core's own signup (what `sf org create scratch` runs), from a Dev Hub
 * logged in as a pipeline logs in: through the External Client App setup made, with the env file it wrote.
 */
describe('a scratch org from a Dev Hub logged in through the External Client App setup made', () => {
  let hub: RunningEmulator;
  let dir: string;
  let env: Record<string, string>;
  let hubOrg: Org;
  const definitionjson = JSON.stringify({ edition: 'Developer', orgName: 'Pipeline' });

  before(async () => {
    hub = await startEmulator({ devHub: true });
    await storeAdminLogin(hub, 'scratch-hub-admin');
    dir = await tempDir('jwtapp-scratch-');
    // The pipeline's Dev Hub login is an admin's, who may request scratch orgs.
    const made = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'scratch-hub-admin',
      '--name',
      'Ci_Dev_Hub',
      '--username',
      hub.ready.admin.username,
      '--output-dir',
      dir,
      '--dotenv-file',
      join(dir, 'hub.env'),
      '--json',
    ]);
    expect(made.exitCode, made.stdout).to.equal(0);
    env = parse(await readFile(join(dir, 'hub.env'), 'utf8'));
    // `sf org login jwt` with what the file says, as the pipeline's job runs it.
    await saveJwtLogin({
      username: env.SF_USERNAME,
      clientId: env.SF_CLIENT_ID,
      keyFile: env.SF_JWT_KEY_FILE,
      loginUrl: env.SF_LOGIN_URL,
      alias: 'ci-dev-hub',
    });
    hubOrg = await Org.create({ aliasOrUsername: 'ci-dev-hub' });
  });
  after(() => hub.stop());

  it('fails with C-1016 without the signup variables, as forcedotcom/cli#3515 reports', async () => {
    const failed = await scratchOrgCreate({ hubOrg, definitionjson, wait: Duration.minutes(1) }).then(
      () => undefined,
      (e: SfError) => e,
    );
    // sf's own answer to the signup's error code: its message, and the workaround as an action.
    expect(failed?.name).to.equal('RemoteOrgSignupFailed');
    expect(failed?.message).to.include('configure and approve the Connected App');
    const actions = (failed?.actions ?? []).join(' ');
    expect(actions).to.include('error code C-1016').and.include('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
    const request = (
      await hubOrg
        .getConnection()
        .query<{ Status: string; ErrorCode: string }>(
          'SELECT Status, ErrorCode, ConnectedAppConsumerKey FROM ScratchOrgInfo',
        )
    ).records;
    expect(request).to.have.length(1);
    expect(request[0]).to.include({ Status: 'Error', ErrorCode: 'C-1016', ConnectedAppConsumerKey: env.SF_CLIENT_ID });
  });

  it("signs up with the env file's variables, and the bootstrap sets up a verified login in the new org in one step", async () => {
    const created = await withEnv(
      {
        SF_SCRATCH_SIGNUP_CONNECTED_APP: env.SF_SCRATCH_SIGNUP_CONNECTED_APP,
        SF_SCRATCH_SIGNUP_CALLBACK_URL: env.SF_SCRATCH_SIGNUP_CALLBACK_URL,
      },
      () => scratchOrgCreate({ hubOrg, definitionjson, wait: Duration.minutes(1), alias: 'ci-scratch' }),
    );
    expect(created.authFields).to.include({
      clientId: 'PlatformCLI',
      isScratch: true,
      devHubUsername: env.SF_USERNAME,
    });
    expect(created.scratchOrgInfo).to.include({ Status: 'Active', ConnectedAppConsumerKey: 'PlatformCLI' });
    const scratchUrl = String(created.authFields?.instanceUrl);
    expect(scratchUrl).to.not.equal(hub.url);

    const bootstrap = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'ci-scratch',
      '--name',
      'Ci_Integration',
      '--username',
      `ci.${Date.now()}@example.com`,
      '--create-user',
      '--output-dir',
      join(dir, 'scratch'),
      '--json',
    ]);
    expect(bootstrap.exitCode, bootstrap.stdout).to.equal(0);
    expect(bootstrap.json?.result?.verification).to.include({ success: true });
    expect(bootstrap.json?.result?.loginUrl).to.equal(scratchUrl);
  });
});
