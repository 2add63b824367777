import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import UserCreate, { type UserResult } from '../../src/commands/jwtapp/user/create.js';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, storeAdminLogin, storeLogin, testKey } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { jwtLogin } from '../helpers/token.js';
import { tempDir } from '../helpers/temp.js';

const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';

describe('sf jwtapp user create', () => {
  let emu: RunningEmulator;
  const create = (alias: string, ...args: string[]): Promise<CommandRun<UserResult>> =>
    runCommand<UserResult>(UserCreate, ['--target-org', alias, '--json', ...args]);
  const usersNamed = async (
    on: RunningEmulator,
    username: string,
  ): Promise<Array<{ Username: string; Profile: string; IsActive: boolean }>> =>
    (await on.state()).users.filter((u) => u.Username.toLowerCase() === username.toLowerCase());

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-user-admin');
    await (
      await adminConnection(emu)
    )
      .sobject('PermissionSet')
      .create({ Name: 'Jitterbit_Access', Label: 'Jitterbit access' });
    await (
      await adminConnection(emu)
    )
      .sobject('PermissionSet')
      .create({ Name: 'Jitterbit_Extra', Label: 'Jitterbit extra' });
  });
  after(() => emu.stop());

  it('creates an API-only user of the Salesforce Integration license, named after the username, with the permission set', async () => {
    const username = `jitterbit@${emu.ready.orgId.toLowerCase()}.acme.test`;
    const run = await create('emu-user-admin', '--username', username, '--permission-set', 'Jitterbit_Access');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.deep.include({
      username,
      status: 'created',
      profile: INTEGRATION_PROFILE,
      license: 'Salesforce Integration',
      apiOnly: true,
      permissionSetsAssigned: ['Jitterbit_Access'],
    });
    const conn = await adminConnection(emu);
    const [user] = (
      await conn.query<{ Name: string; Email: string; TimeZoneSidKey: string; Alias: string }>(
        `SELECT Name, Email, TimeZoneSidKey, Alias FROM User WHERE Username = '${username}'`,
      )
    ).records;
    expect(user).to.include({
      Name: 'Jitterbit Integration',
      Email: emu.ready.admin.username,
      TimeZoneSidKey: 'Europe/London',
      Alias: 'jitterbi',
    });
    const held = await conn.query(
      `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = '${username}' AND PermissionSet.Name = 'Jitterbit_Access'`,
    );
    expect(held.totalSize).to.equal(1);
    expect(await usersNamed(emu, username)).to.have.length(1);
  });

  it('reports an existing user and leaves it as it is: a re-run writes nothing, and never makes a second user', async () => {
    const username = `jitterbit@${emu.ready.orgId.toLowerCase()}.acme.test`;
    await emu.clearRequests();
    const run = await create('emu-user-admin', '--username', username, '--permission-set', 'Jitterbit_Access');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.deep.include({ status: 'existing', permissionSetsAssigned: [] });
    expect(await emu.writes()).to.deep.equal([]);
    expect(await usersNamed(emu, username)).to.have.length(1);
  });

  it('assigns an existing user only the permission sets it lacks', async () => {
    const username = `jitterbit@${emu.ready.orgId.toLowerCase()}.acme.test`;
    await emu.clearRequests();
    const run = await create(
      'emu-user-admin',
      '--username',
      username,
      '--permission-set',
      'Jitterbit_Access',
      '--permission-set',
      'Jitterbit_Extra',
    );
    expect(run.json?.result).to.deep.include({ status: 'existing', permissionSetsAssigned: ['Jitterbit_Extra'] });
    expect(await emu.writes()).to.deep.equal(['POST /services/data/vXX/sobjects/PermissionSetAssignment']);
  });

  it('makes a user that setup can use and that logs in with the JWT bearer flow', async () => {
    const username = `etl@${emu.ready.orgId.toLowerCase()}.acme.test`;
    const made = await create('emu-user-admin', '--username', username);
    expect(made.exitCode, made.stdout).to.equal(0);
    const dir = await tempDir('jwtapp-user-');
    const setup = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-user-admin',
      '--name',
      'Etl_App',
      '--username',
      username,
      '--output-dir',
      dir,
      '--json',
    ]);
    expect(setup.exitCode, setup.stdout).to.equal(0);
    const { clientId } = setup.json?.result as { clientId: string };
    const verify = await runCommand<VerifyResult>(Verify, [
      '-o',
      username,
      '-i',
      clientId,
      '-f',
      join(dir, 'server.key'),
      '-r',
      emu.url,
      '--json',
    ]);
    expect(verify.exitCode, verify.stdout).to.equal(0);

    // API only: its session works on the API, and the UI's front door refuses it (an admin's session opens it).
    const key = await readFile(join(dir, 'server.key'), 'utf8');
    const granted = await jwtLogin(
      emu.url,
      { iss: clientId, sub: username, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
      key,
    );
    const api = await fetch(`${emu.url}/services/data/v68.0`, {
      headers: { authorization: `Bearer ${granted.body.access_token}` },
    });
    expect(api.status).to.equal(200);
    const ui = await (
      await fetch(`${emu.url}/secur/frontdoor.jsp?sid=${encodeURIComponent(granted.body.access_token)}`)
    ).text();
    expect(ui).to.include('Insufficient Privileges');
    const adminUi = await (
      await fetch(`${emu.url}/secur/frontdoor.jsp?sid=${encodeURIComponent(emu.ready.admin.accessToken)}`)
    ).text();
    expect(adminUi).to.include('<title>Home</title>');
  });

  it('prints what it did in human output', async () => {
    const username = `human@${emu.ready.orgId.toLowerCase()}.acme.test`;
    const run = await runCommand<UserResult>(UserCreate, [
      '--target-org',
      'emu-user-admin',
      '--username',
      username,
      '--permission-set',
      'Jitterbit_Access',
    ]);
    expect(run.exitCode).to.equal(0);
    expect(run.stdout)
      .to.include(`Created ${username} with the profile "${INTEGRATION_PROFILE}"`)
      .and.include('Assigned the permission sets Jitterbit_Access');
  });

  describe('bad input: a named error, its action, and nothing written', () => {
    const expectNothingWritten = async (on: RunningEmulator, username: string): Promise<void> => {
      expect(await on.writes()).to.deep.equal([]);
      expect(await usersNamed(on, username)).to.deep.equal([]);
    };

    it('refuses a username taken in another org (usernames are global): DUPLICATE_USERNAME', async () => {
      const other = await startEmulator();
      try {
        await storeAdminLogin(other, 'emu-user-other');
        const username = `shared@${emu.ready.orgId.toLowerCase()}.acme.test`;
        expect((await create('emu-user-other', '--username', username)).exitCode).to.equal(0);
        await emu.clearRequests();
        const run = await create('emu-user-admin', '--username', username);
        expect(run.exitCode).to.equal(4);
        expect(run.json?.name).to.equal('UsernameTakenError');
        expect(run.json?.message).to.include('unique across every org');
        expect(run.json?.actions?.join(' ')).to.include('<system>-integration@');
        expect(await usersNamed(emu, username)).to.deep.equal([]);
      } finally {
        await other.stop();
      }
    });

    it('refuses when no seat of the integration license is left, before writing', async () => {
      const full = await startEmulator({ integrationLicenses: 1 });
      try {
        await storeAdminLogin(full, 'emu-user-full');
        expect(
          (await create('emu-user-full', '--username', `first@${full.ready.orgId.toLowerCase()}.acme.test`)).exitCode,
        ).to.equal(0);
        await full.clearRequests();
        const second = `second@${full.ready.orgId.toLowerCase()}.acme.test`;
        const run = await create('emu-user-full', '--username', second);
        expect(run.exitCode).to.equal(4);
        expect(run.json?.name).to.equal('NoLicenseLeftError');
        expect(run.json?.message).to.include('Salesforce Integration');
        await expectNothingWritten(full, second);
      } finally {
        await full.stop();
      }
    });

    it('refuses an org edition without the integration license and its profile', async () => {
      const professional = await startEmulator({ integrationLicenses: 0 });
      try {
        await storeAdminLogin(professional, 'emu-user-pe');
        const username = `pe@${professional.ready.orgId.toLowerCase()}.acme.test`;
        await professional.clearRequests();
        const run = await create('emu-user-pe', '--username', username);
        expect(run.exitCode).to.equal(4);
        expect(run.json?.name).to.equal('NoIntegrationProfileError');
        expect(run.json?.actions?.join(' ')).to.include('--profile');
        await expectNothingWritten(professional, username);
      } finally {
        await professional.stop();
      }
    });

    it('refuses an existing user who is inactive', async () => {
      const inactive = (await emu.state()).users.find((u) => !u.IsActive);
      await emu.clearRequests();
      const run = await create(
        'emu-user-admin',
        '--username',
        String(inactive?.Username),
        '--permission-set',
        'Jitterbit_Access',
      );
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('UserInactiveError');
      expect(await emu.writes()).to.deep.equal([]);
    });

    it('refuses a permission set the org does not have', async () => {
      const username = `noset@${emu.ready.orgId.toLowerCase()}.acme.test`;
      await emu.clearRequests();
      const run = await create('emu-user-admin', '--username', username, '--permission-set', 'No_Such_Set');
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('UnknownPermissionSetError');
      await expectNothingWritten(emu, username);
    });

    it('refuses a profile the org does not have', async () => {
      const username = `noprofile@${emu.ready.orgId.toLowerCase()}.acme.test`;
      const run = await create('emu-user-admin', '--username', username, '--profile', 'No Such Profile');
      expect(run.json?.name).to.equal('UnknownProfileError');
      expect(await usersNamed(emu, username)).to.deep.equal([]);
    });

    it('refuses a username that is not an email address, before any request', async () => {
      await emu.clearRequests();
      const run = await create('emu-user-admin', '--username', 'not-a-username');
      expect(run.exitCode).to.equal(3);
      expect(run.json?.name).to.equal('BadUsernameError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org user who may not create users', async () => {
      const { privateKeyPem, certificatePem } = await testKey();
      const integration = emu.ready.integrationUser.username;
      const app = await configureJwtApp(await adminConnection(emu), {
        name: 'User_NonAdmin',
        certificatePem,
        username: integration,
      });
      const granted = await jwtLogin(
        emu.url,
        { iss: app.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        privateKeyPem,
      );
      await storeLogin(emu, granted.body.access_token, 'emu-user-nonadmin');
      const username = `sneaky@${emu.ready.orgId.toLowerCase()}.acme.test`;
      const run = await create('emu-user-nonadmin', '--username', username);
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('NotUserAdminError');
      expect(await usersNamed(emu, username)).to.deep.equal([]);
    });
  });
});
