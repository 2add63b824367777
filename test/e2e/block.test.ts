import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Audit, { type AuditResult } from '../../src/commands/jwtapp/audit.js';
import Block, { type BlockResult } from '../../src/commands/jwtapp/block.js';
import Unblock from '../../src/commands/jwtapp/unblock.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  configureJwtApp,
  metadataOf,
  storeAdminLogin,
  storeLogin,
  testKey,
  type JwtAppFixture,
} from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { jwtLogin } from '../helpers/token.js';
import { tempDir } from '../helpers/temp.js';

describe('sf jwtapp block and unblock', () => {
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let keyFile: string;
  let integration: string;

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true });
    await storeAdminLogin(emu, 'emu-block-admin');
    integration = emu.ready.integrationUser.username;
    const key = await testKey();
    keyFile = join(await tempDir('jwtapp-block-'), 'server.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(emu), {
      name: 'Blockable_App',
      certificatePem: key.certificatePem,
      username: integration,
    });
  });
  after(() => emu.stop());

  const block = (...args: string[]): Promise<CommandRun<BlockResult>> =>
    runCommand<BlockResult>(Block, ['--target-org', 'emu-block-admin', '--json', ...args]);
  const unblock = (...args: string[]): Promise<CommandRun<BlockResult>> =>
    runCommand<BlockResult>(Unblock, ['--target-org', 'emu-block-admin', '--json', ...args]);
  const verify = (clientId = app.consumerKey): Promise<CommandRun<VerifyResult>> =>
    runCommand<VerifyResult>(Verify, [
      '--instance-url',
      emu.url,
      '-o',
      integration,
      '-i',
      clientId,
      '-f',
      keyFile,
      '--json',
    ]);

  it('blocks an External Client App: every login refused, its refresh tokens deleted, and verify explains how to unblock it', async () => {
    expect((await verify()).exitCode, 'a login before the block gives the app OAuth usage').to.equal(0);
    await emu.clearRequests();
    const run = await block('--name', 'Blockable_App');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.deep.equal({
      app: { kind: 'external-client-app', name: 'Blockable_App' },
      enabled: false,
      changed: true,
      refreshTokens: 'revoked',
    });
    const state = await emu.state();
    const blocked = state.apps.find((a) => a.name === 'Blockable_App');
    expect(blocked).to.include({ enabled: false });
    expect(state.refreshTokensRevoked).to.deep.equal([blocked?.id]);
    // The app's policies in one deploy, then its refresh tokens deleted through the OAuth usage API: nothing else.
    expect(await emu.writes()).to.deep.equal([
      'deploy',
      `DELETE /services/data/vXX/apps/oauth/usage/${String(blocked?.id)}/tokens`,
    ]);
    const refused = await verify();
    expect(refused.exitCode).to.equal(4);
    expect(refused.json?.name).to.equal('AppNotInstalledError');
    expect((refused.json?.actions ?? []).join(' ')).to.include('sf jwtapp unblock --target-org <admin> --name <app>');
  });

  it('leaves a blocked app as it is, writing nothing', async () => {
    await emu.clearRequests();
    const run = await block('--name', 'Blockable_App');
    expect(run.json?.result).to.include({ enabled: false, changed: false });
    expect(await emu.writes()).to.deep.equal([]);
  });

  it('unblocks it: the login works again', async () => {
    const run = await unblock('--name', 'Blockable_App');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.deep.equal({
      app: { kind: 'external-client-app', name: 'Blockable_App' },
      enabled: true,
      changed: true,
    });
    expect((await verify()).exitCode).to.equal(0);
  });

  it('creates the app policies when an app has none, disabled', async () => {
    await metadataOf(await adminConnection(emu)).create('ExternalClientApplication', {
      fullName: 'Bare_App',
      label: 'Bare',
      contactEmail: 'a@example.com',
      distributionState: 'Local',
    });
    const run = await block('--name', 'Bare_App');
    // Never logged in through: the OAuth usage API does not list it, so there is no token to delete.
    expect(run.json?.result).to.include({ changed: true, enabled: false, refreshTokens: 'not-listed' });
    const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === 'Bare_App');
    expect(eca?.components.ExtlClntAppConfigurablePolicies).to.deep.include({ fullName: 'Bare_App_plcy' });
    expect(eca?.components.ExtlClntAppConfigurablePolicies?.metadata).to.include({ isEnabled: false });
  });

  it('blocks all the same where the OAuth usage API refuses the admin, and says where to delete the tokens', async () => {
    const key = await testKey();
    await configureJwtApp(await adminConnection(emu), {
      name: 'Usage_Refused_App',
      certificatePem: key.certificatePem,
      username: integration,
    });
    await emu.refuseNext('oauthUsage', "You don't have permission to view or manage OAuth usage.");
    const human = await runCommand<BlockResult>(Block, [
      '--target-org',
      'emu-block-admin',
      '--name',
      'Usage_Refused_App',
    ]);
    expect(human.exitCode, human.stdout + human.stderr).to.equal(0);
    expect(human.stderr)
      .to.include('could not be deleted')
      .and.include('Setup > External Client App Manager > OAuth Usage');
    expect((await emu.state()).apps.find((a) => a.name === 'Usage_Refused_App')).to.include({ enabled: false });
  });

  describe('a Connected App', () => {
    let consumerKey: string;
    before(async () => {
      const conn = await adminConnection(emu);
      const key = await testKey();
      await metadataOf(conn).create('PermissionSet', { fullName: 'Legacy_Access', label: 'Legacy access' });
      await metadataOf(conn).create('ConnectedApp', {
        fullName: 'Legacy_App',
        label: 'Legacy App',
        contactEmail: 'a@example.com',
        oauthConfig: {
          callbackUrl: 'http://localhost:1717/OauthRedirect',
          scopes: ['Api', 'RefreshToken'],
          certificate: key.certificatePem,
          isAdminApproved: true,
        },
        permissionSetName: ['Legacy_Access'],
      });
      consumerKey = String(
        ((await metadataOf(conn).read('ConnectedApp', 'Legacy_App')).oauthConfig as { consumerKey: string })
          .consumerKey,
      );
      const user = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM User WHERE Username = '${integration}'`,
      );
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM PermissionSet WHERE Name = 'Legacy_Access'",
      );
      await conn.sobject('PermissionSetAssignment').create({ AssigneeId: user.Id, PermissionSetId: ps.Id });
    });

    it('is blocked with a BlacklistedConsumer: its sessions end, new logins are refused and explained', async () => {
      const granted = await jwtLogin(
        emu.url,
        { iss: consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        (await testKey()).privateKeyPem,
      );
      expect(granted.status).to.equal(200);
      const run = await block('--name', 'Legacy_App');
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.deep.equal({
        app: { kind: 'connected-app', name: 'Legacy_App' },
        enabled: false,
        changed: true,
      });
      // "Blocking an app ends all current user sessions and prevents future sessions."
      const session = await fetch(`${emu.url}/services/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${granted.body.access_token}` },
      });
      expect(session.status).to.equal(401);
      const refused = await verify(consumerKey);
      expect(refused.exitCode).to.equal(4);
      expect(refused.json?.name).to.equal('AppBlockedError');
      // An audit of the whole org reads the block with the apps, in its one retrieve.
      const audit = await runCommand<AuditResult>(Audit, ['--target-org', 'emu-block-admin', '--json']);
      const legacy = audit.json?.result?.apps.find((a) => a.name === 'Legacy_App');
      expect(legacy?.checks.find((c) => c.id === 'enabled')?.status, audit.stdout).to.equal('FAIL');
    });

    it('is unblocked by deleting it again', async () => {
      const run = await unblock('--name', 'Legacy_App');
      expect(run.json?.result).to.include({ changed: true, enabled: true });
      expect((await verify(consumerKey)).exitCode).to.equal(0);
      const audit = await runCommand<AuditResult>(Audit, ['--target-org', 'emu-block-admin', '--json']);
      const legacy = audit.json?.result?.apps.find((a) => a.name === 'Legacy_App');
      expect(legacy?.checks.find((c) => c.id === 'enabled')?.status, audit.stdout).to.equal('PASS');
    });
  });

  describe('bad input: a named error, nothing written', () => {
    it('refuses an app the org does not have', async () => {
      await emu.clearRequests();
      const run = await block('--name', 'No_Such_App');
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('UnknownAppError');
      expect(run.json?.actions?.length).to.be.greaterThan(0);
      expect(await emu.writes()).to.deep.equal([]);
    });

    it('refuses an org alias sf does not know, before any request', async () => {
      await emu.clearRequests();
      const run = await runCommand<BlockResult>(Block, [
        '--target-org',
        'no-such-alias',
        '--name',
        'Blockable_App',
        '--json',
      ]);
      // sf's own error and message; exit 2, as any flag value that does not parse (connection/named-errors.ts).
      expect(run.exitCode).to.equal(2);
      expect(run.json?.name).to.equal('NamedOrgNotFoundError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org user who is not an admin', async () => {
      const granted = await jwtLogin(
        emu.url,
        { iss: app.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        (await testKey()).privateKeyPem,
      );
      await storeLogin(emu, granted.body.access_token, 'emu-block-integration');
      const run = await runCommand<BlockResult>(Block, [
        '--target-org',
        'emu-block-integration',
        '--name',
        'Blockable_App',
        '--json',
      ]);
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('NotAdminError');
    });
  });

  it('names the fix when the stored session is a JWT-format access token and the API version is below 68.0, sending no Metadata API call', async () => {
    // An org whose admin logged in through an app with "Issue JSON Web Token (JWT)-based access tokens" on.
    const jwtOrg = await startEmulator({ jwtAccessTokens: true });
    try {
      await storeAdminLogin(jwtOrg, 'emu-block-jwt-token');
      await configureJwtApp(await adminConnection(jwtOrg), {
        name: 'Jwt_Token_App',
        certificatePem: (await testKey()).certificatePem,
      });
      await jwtOrg.clearRequests();
      const run = await runCommand<BlockResult>(Block, [
        '--target-org',
        'emu-block-jwt-token',
        '--name',
        'Jwt_Token_App',
        '--api-version',
        '66.0',
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(4);
      expect(run.json).to.deep.include({ name: 'JwtAccessTokenNeedsApi68Error' });
      expect(run.json?.message).to.include('API version 68.0');
      expect(run.json?.actions?.join(' ')).to.include('--api-version 68.0');
      expect((await jwtOrg.requests()).filter((r) => r.path.startsWith('/services/Soap/'))).to.deep.equal([]);
      // At 68.0 the same session blocks the app.
      const at68 = await runCommand<BlockResult>(Block, [
        '--target-org',
        'emu-block-jwt-token',
        '--name',
        'Jwt_Token_App',
        '--api-version',
        '68.0',
        '--json',
      ]);
      expect(at68.exitCode, at68.stdout).to.equal(0);
      expect(at68.json?.result).to.include({ enabled: false, changed: true });
    } finally {
      await jwtOrg.stop();
    }
  });
});
