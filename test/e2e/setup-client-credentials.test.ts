import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, certificateBodyOf, metadataOf, storeAdminLogin, testKey } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

/** Jitterbit's guide (docs/research/vendor-guides.md) as two commands: the client credentials flow, on either app kind, next to the JWT bearer flow. */
describe('sf jwtapp setup --flow client-credentials', () => {
  let emu: RunningEmulator;
  let integration: string;

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'emu-cc-admin', '--json', ...args]);
  const secretOf = async (name: string, on = emu): Promise<string> =>
    String((await on.state()).apps.find((a) => a.name === name)?.consumerSecret);
  const eca = async (name: string, on = emu): Promise<Record<string, Record<string, unknown>>> => {
    const app = (await on.state()).externalClientApps.find((a) => a.fullName === name);
    return Object.fromEntries(Object.entries(app?.components ?? {}).map(([type, c]) => [type, c?.metadata ?? {}]));
  };
  const outDir = (): Promise<string> => tempDir('jwtapp-cc-');

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true });
    await storeAdminLogin(emu, 'emu-cc-admin');
    integration = emu.ready.integrationUser.username;
  });
  after(() => emu.stop());

  it('turns the flow on in a new External Client App, running as the user, with no key pair; says where the secret is when no API can read it', async () => {
    const dir = await outDir();
    const run = await setup(
      '--name',
      'Cc_New',
      '--username',
      integration,
      '--flow',
      'client-credentials',
      '--output-dir',
      dir,
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json?.result;
    expect(result).to.deep.include({ status: 'created', flows: ['client-credentials'] });
    expect(result?.clientCredentials).to.include({ runAs: integration, secret: 'unreadable' });
    expect(result?.clientCredentials?.secretPath).to.include('External Client App Manager > Cc_New');
    expect(result?.keyFile).to.equal(undefined);
    expect(await readdir(dir)).to.deep.equal([]);
    const parts = await eca('Cc_New');
    expect(parts.ExtlClntAppGlobalOauthSettings).to.include({ isClientCredentialsFlowEnabled: true });
    expect(parts.ExtlClntAppGlobalOauthSettings).not.to.have.property('certificate');
    expect(parts.ExtlClntAppOauthConfigurablePolicies).to.include({
      isClientCredentialsFlowEnabled: true,
      clientCredentialsFlowUser: integration,
    });
    // The login cannot be checked without the secret: the warning says how, and the secret is nowhere in the output.
    expect(run.json?.warnings?.join(' ')).to.include('sf jwtapp verify').and.include('--client-secret-env');
    const secret = await secretOf('Cc_New');
    expect(run.stdout).not.to.include(secret);

    // The admin copies it from Setup: verify then checks the login as the pipeline will make it.
    process.env.CC_NEW_SECRET = secret;
    const verify = await runCommand<VerifyResult>(Verify, [
      '-o',
      integration,
      '-i',
      String(result?.clientId),
      '--client-secret-env',
      'CC_NEW_SECRET',
      '-r',
      emu.url,
      '--json',
    ]);
    expect(verify.exitCode, verify.stdout).to.equal(0);
    expect(verify.stdout).not.to.include(secret);
  });

  it('checks the login with the secret from --client-secret-env, and writes it to the env file (0600) only with --dotenv-include-secret', async () => {
    const secret = await secretOf('Cc_New');
    process.env.CC_NEW_SECRET = secret;
    const dir = await outDir();
    const envFile = join(dir, '.env');
    const without = await setup(
      '--name',
      'Cc_New',
      '--username',
      integration,
      '--flow',
      'client-credentials',
      '--client-secret-env',
      'CC_NEW_SECRET',
      '--dotenv-file',
      envFile,
    );
    expect(without.exitCode, without.stdout).to.equal(0);
    expect(without.json?.result?.clientCredentials).to.include({ secret: 'variable' });
    expect(without.json?.result?.clientCredentials?.verification).to.include({
      success: true,
      flow: 'client-credentials',
    });
    expect(await readFile(envFile, 'utf8')).not.to.include(secret);

    const withSecret = await setup(
      '--name',
      'Cc_New',
      '--username',
      integration,
      '--flow',
      'client-credentials',
      '--client-secret-env',
      'CC_NEW_SECRET',
      '--dotenv-file',
      envFile,
      '--dotenv-include-secret',
      '--replace-ci-files',
    );
    expect(withSecret.exitCode).to.equal(0);
    expect(await readFile(envFile, 'utf8')).to.include(`SF_CLIENT_SECRET=${secret}`);
    expect((await stat(envFile)).mode & 0o777).to.equal(0o600);
    expect(withSecret.stdout).not.to.include(secret);
  });

  it('re-runs with zero writes', async () => {
    await emu.clearRequests();
    const run = await setup('--name', 'Cc_New', '--username', integration, '--flow', 'client-credentials');
    expect(run.json?.result?.status).to.equal('unchanged');
    expect(await emu.writes()).to.deep.equal([]);
  });

  it('reads the secret from an External Client App where the org lets the Metadata API return it, and checks the login', async () => {
    const open = await startEmulator({ consumerSecretApiAccess: true });
    try {
      await storeAdminLogin(open, 'emu-cc-open');
      await open.clearRequests();
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-cc-open',
        '--name',
        'Cc_Open',
        '--username',
        open.ready.integrationUser.username,
        '--flow',
        'client-credentials',
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      // The consumer key and secret come back in one read (with the Connected App probe: two reads in all).
      expect((await open.requests()).filter((r) => r.soapOperation === 'readMetadata')).to.have.length(2);
      expect(run.json?.result?.clientCredentials).to.include({ secret: 'metadata' });
      expect(run.json?.result?.clientCredentials?.verification).to.include({ success: true });
      expect(run.stdout).not.to.include(await secretOf('Cc_Open', open));
    } finally {
      await open.stop();
    }
  });

  it('reads the consumer key and secret through the credentials REST resource where the Metadata API withholds both, and checks the login', async () => {
    const guarded = await startEmulator({ metadataSecretsProtection: true, clientSecretRestAccess: true });
    try {
      await storeAdminLogin(guarded, 'emu-cc-guarded');
      const username = guarded.ready.integrationUser.username;
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-cc-guarded',
        '--name',
        'Cc_Guarded',
        '--username',
        username,
        '--flow',
        'client-credentials',
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      const key = (await guarded.state()).apps.find((a) => a.name === 'Cc_Guarded')?.consumerKey;
      expect(run.json?.result?.clientId).to.be.a('string').and.equal(key);
      expect(run.json?.result?.clientCredentials).to.include({ secret: 'metadata' });
      expect(run.json?.result?.clientCredentials?.verification).to.include({
        success: true,
        flow: 'client-credentials',
      });
      expect(run.stdout).not.to.include(await secretOf('Cc_Guarded', guarded));
      // The Metadata API really withheld them: the key and the secret came from the credentials resource.
      const paths = (await guarded.requests()).map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`);
      expect(paths.filter((p) => p.includes('/apps/oauth/credentials/'))).to.have.length(2);

      // A re-run finds the key through the same resource and writes nothing.
      await guarded.clearRequests();
      const again = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-cc-guarded',
        '--name',
        'Cc_Guarded',
        '--username',
        username,
        '--flow',
        'client-credentials',
        '--json',
      ]);
      expect(again.json?.result).to.include({ status: 'unchanged', clientId: key });
      expect(await guarded.writes()).to.deep.equal([]);
    } finally {
      await guarded.stop();
    }
  });

  it('says which setting or permission withholds the secret when the credentials resource refuses it, the key still read', async () => {
    for (const [options, says] of [
      [{ metadataSecretsProtection: true }, 'Allow access to External Client App consumer secrets via REST API'],
      [
        { metadataSecretsProtection: true, clientSecretRestAccess: true, adminViewsClientSecret: false },
        'View Client Secret',
      ],
    ] as const) {
      // eslint-disable-next-line no-await-in-loop
      const org = await startEmulator(options);
      try {
        // eslint-disable-next-line no-await-in-loop
        await storeAdminLogin(org, 'emu-cc-withheld');
        // eslint-disable-next-line no-await-in-loop
        const run = await runCommand<SetupResult>(Setup, [
          '--target-org',
          'emu-cc-withheld',
          '--name',
          'Cc_Withheld',
          '--username',
          org.ready.integrationUser.username,
          '--flow',
          'client-credentials',
          '--json',
        ]);
        expect(run.exitCode, run.stdout).to.equal(0);
        // eslint-disable-next-line no-await-in-loop
        expect(run.json?.result?.clientId).to.equal(
          // eslint-disable-next-line no-await-in-loop
          (await org.state()).apps.find((a) => a.name === 'Cc_Withheld')?.consumerKey,
        );
        expect(run.json?.result?.clientCredentials).to.include({ secret: 'unreadable' });
        expect(run.json?.warnings?.join(' ')).to.include(says).and.include('--client-secret-env');
      } finally {
        // eslint-disable-next-line no-await-in-loop
        await org.stop();
      }
    }
  });

  it('sets both flows on one app, each verified; a run for one flow then keeps the other and writes nothing', async () => {
    const dir = await outDir();
    const both = await setup(
      '--name',
      'Cc_Both',
      '--username',
      integration,
      '--flow',
      'jwt',
      '--flow',
      'client-credentials',
      '--output-dir',
      dir,
    );
    expect(both.exitCode, both.stdout).to.equal(0);
    expect(both.json?.result?.verification).to.include({ success: true, flow: 'jwt-bearer' });
    expect(both.json?.result?.clientCredentials?.runAs).to.equal(integration);
    const parts = await eca('Cc_Both');
    expect(parts.ExtlClntAppGlobalOauthSettings).to.include({ isClientCredentialsFlowEnabled: true });
    expect(String(parts.ExtlClntAppGlobalOauthSettings.certificate)).to.include('BEGIN CERTIFICATE');

    await emu.clearRequests();
    const jwtOnly = await setup('--name', 'Cc_Both', '--username', integration, '--output-dir', dir);
    expect(jwtOnly.json?.result?.status).to.equal('unchanged');
    await emu.clearRequests();
    const ccOnly = await setup('--name', 'Cc_Both', '--username', integration, '--flow', 'client-credentials');
    expect(ccOnly.json?.result?.status).to.equal('unchanged');
    expect(await emu.writes()).to.deep.equal([]);
    expect((await eca('Cc_Both')).ExtlClntAppGlobalOauthSettings).to.deep.equal(parts.ExtlClntAppGlobalOauthSettings);
  });

  it('adds the flow to an existing JWT Connected App, every other setting kept, and checks the login with the secret from Setup', async () => {
    const conn = await adminConnection(emu);
    const { certificatePem } = await testKey();
    await metadataOf(conn).create('PermissionSet', { fullName: 'Legacy_Cc_Access', label: 'Legacy' });
    await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Legacy_Cc',
      label: 'Legacy Cc',
      contactEmail: 'owner@example.com',
      description: 'Made in Setup years ago',
      oauthConfig: {
        callbackUrl: 'https://legacy.example.com/cb',
        scopes: ['Api', 'RefreshToken', 'Web'],
        certificate: certificatePem,
        isAdminApproved: true,
      },
      oauthPolicy: { ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'zero' },
      permissionSetName: ['Legacy_Cc_Access'],
    } as never);
    const before = (await emu.state()).connectedApps.find((a) => a.fullName === 'Legacy_Cc')?.metadata as Record<
      string,
      Record<string, unknown>
    >;
    process.env.LEGACY_CC_SECRET = await secretOf('Legacy_Cc');
    const run = await setup(
      '--name',
      'Legacy_Cc',
      '--username',
      integration,
      '--flow',
      'client-credentials',
      '--client-secret-env',
      'LEGACY_CC_SECRET',
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.app.kind).to.equal('connected-app');
    expect(run.json?.result?.clientCredentials?.verification).to.include({ success: true });
    expect(run.json?.result?.clientCredentials?.secretPath).to.include('Manage Consumer Details');
    const after = (await emu.state()).connectedApps.find((a) => a.fullName === 'Legacy_Cc')?.metadata as Record<
      string,
      Record<string, unknown>
    >;
    expect(after.oauthConfig).to.include({
      isClientCredentialEnabled: true,
      oauthClientCredentialUser: integration,
      certificate: certificateBodyOf(certificatePem),
      callbackUrl: 'https://legacy.example.com/cb',
    });
    expect(after.oauthConfig.scopes).to.deep.equal(before.oauthConfig.scopes);
    expect(after.oauthPolicy).to.deep.equal(before.oauthPolicy);
    expect(after).to.include({ description: 'Made in Setup years ago', contactEmail: 'owner@example.com' });
    // The permission set it pre-authorized still grants it (the emulator keeps grants as SetupEntityAccess rows).
    const state = await emu.state();
    const legacyAccess = state.permissionSets.find((p) => p.Name === 'Legacy_Cc_Access');
    const appId = state.apps.find((a) => a.name === 'Legacy_Cc')?.id;
    expect(state.setupEntityAccess.some((r) => r.ParentId === legacyAccess?.Id && r.SetupEntityId === appId)).to.equal(
      true,
    );
  });

  it('creates the integration user in the same plan with --create-user, listed in --dry-run, which writes nothing', async () => {
    const username = `cc-created@${emu.ready.orgId.toLowerCase()}.acme.test`;
    await emu.clearRequests();
    const dry = await setup(
      '--name',
      'Cc_Created',
      '--username',
      username,
      '--flow',
      'client-credentials',
      '--create-user',
      '--dry-run',
    );
    expect(dry.exitCode, dry.stdout).to.equal(0);
    expect(dry.json?.result?.changes.map((c) => c.kind)).to.deep.equal([
      'create-user',
      'create-permission-set',
      'assign-permission-set',
      'create-app',
    ]);
    expect(await emu.writes()).to.deep.equal([]);
    expect((await emu.state()).users.some((u) => u.Username === username)).to.equal(false);

    const run = await setup(
      '--name',
      'Cc_Created',
      '--username',
      username,
      '--flow',
      'client-credentials',
      '--create-user',
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const user = (await emu.state()).users.find((u) => u.Username === username);
    expect(user).to.include({ Profile: 'Minimum Access - API Only Integrations', IsActive: true });
    const [named] = (
      await (await adminConnection(emu)).query<{ Name: string }>(`SELECT Name FROM User WHERE Username = '${username}'`)
    ).records;
    expect(named.Name).to.equal('Cc Created Integration');
    expect((await eca('Cc_Created')).ExtlClntAppOauthConfigurablePolicies).to.include({
      clientCredentialsFlowUser: username,
    });
    // An API-only run-as user: no warning about interactive logins.
    expect(run.json?.warnings?.join(' ') ?? '').not.to.include('not API only');
  });

  it('warns when the run-as user is not API only', async () => {
    const run = await setup('--name', 'Cc_New', '--username', integration, '--flow', 'client-credentials');
    expect(run.json?.warnings?.join(' ')).to.include('not API only');
  });

  describe('bad input: a named error, nothing written', () => {
    it('refuses the client credentials flow without --username, before any request', async () => {
      await emu.clearRequests();
      const run = await setup('--name', 'Cc_Nobody', '--flow', 'client-credentials');
      expect(run.exitCode).to.equal(3);
      expect(run.json?.name).to.equal('ClientCredentialsNeedUserError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an empty --client-secret-env variable, before any request', async () => {
      delete process.env.CC_EMPTY;
      await emu.clearRequests();
      const run = await setup(
        '--name',
        'Cc_New',
        '--username',
        integration,
        '--flow',
        'client-credentials',
        '--client-secret-env',
        'CC_EMPTY',
      );
      expect(run.exitCode).to.equal(3);
      expect(run.json?.name).to.equal('SecretVariableEmptyError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an inactive run-as user', async () => {
      const inactive = (await emu.state()).users.find((u) => !u.IsActive);
      await emu.clearRequests();
      const run = await setup(
        '--name',
        'Cc_Inactive',
        '--username',
        String(inactive?.Username),
        '--flow',
        'client-credentials',
      );
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('InactiveUserError');
      expect(await emu.writes()).to.deep.equal([]);
    });

    it('refuses a wrong secret with the diagnosis, after the app is set up', async () => {
      process.env.CC_WRONG_SECRET = 'NOT-THE-SECRET';
      const run = await setup(
        '--name',
        'Cc_New',
        '--username',
        integration,
        '--flow',
        'client-credentials',
        '--client-secret-env',
        'CC_WRONG_SECRET',
      );
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('InvalidClientCredentialsError');
      expect(run.stdout).not.to.include('NOT-THE-SECRET');
    });
  });
});
