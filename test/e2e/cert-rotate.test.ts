import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, metadataOf, storeAdminLogin, storeLogin } from '../helpers/org.js';
import { jwtLogin } from '../helpers/token.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

describe('sf jwtapp cert rotate', () => {
  let emu: RunningEmulator;
  let integration: string;
  let dir: string;

  const rotate = (...args: string[]): Promise<CommandRun<RotateResult>> =>
    runCommand<RotateResult>(CertRotate, ['--target-org', 'emu-rotate-admin', '--json', ...args]);
  const components = async (name: string): Promise<Record<string, Record<string, unknown>>> => {
    const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === name);
    return Object.fromEntries(Object.entries(eca?.components ?? {}).map(([type, c]) => [type, c?.metadata ?? {}]));
  };
  const deploys = async (): Promise<number> =>
    (await emu.requests()).filter((r) => r.soapOperation === 'deploy').length;
  const certificateOf = async (name: string): Promise<string> =>
    String((await components(name)).ExtlClntAppGlobalOauthSettings.certificate);

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-rotate-admin');
    integration = emu.ready.integrationUser.username;
    dir = await tempDir('jwtapp-rotate-');
    const setup = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-rotate-admin',
      '--name',
      'Rotate_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--json',
    ]);
    expect(setup.exitCode, setup.stdout).to.equal(0);
  });
  after(() => emu.stop());

  it('uploads a new certificate, changes nothing else, keeps the old files dated, and checks the new key', async () => {
    const before = await components('Rotate_App');
    const oldKey = await readFile(join(dir, 'server.key'), 'utf8');
    const run = await rotate(
      '--name',
      'Rotate_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--dotenv-file',
      join(dir, '.env'),
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json?.result as RotateResult;
    expect(result).to.include({ status: 'rotated', dryRun: false });
    expect(result.verification).to.include({ success: true, username: integration });
    const after = await components('Rotate_App');
    const uploaded = new X509Certificate(String(after.ExtlClntAppGlobalOauthSettings.certificate));
    expect(uploaded.fingerprint256).to.equal(result.certificateFingerprint);
    expect(uploaded.fingerprint256).to.not.equal(
      new X509Certificate(String(before.ExtlClntAppGlobalOauthSettings.certificate)).fingerprint256,
    );
    // Only the certificate moved.
    expect({ ...after.ExtlClntAppGlobalOauthSettings, certificate: undefined }).to.deep.equal({
      ...before.ExtlClntAppGlobalOauthSettings,
      certificate: undefined,
    });
    expect(after.ExtlClntAppOauthSettings).to.deep.equal(before.ExtlClntAppOauthSettings);
    expect(after.ExtlClntAppOauthConfigurablePolicies).to.deep.equal(before.ExtlClntAppOauthConfigurablePolicies);
    // The old pair kept, dated; the key still 0600.
    expect(result.keptFiles).to.have.length(2);
    const keptKey = result.keptFiles.find((f) => f.endsWith('.key')) ?? '';
    expect(await readFile(keptKey, 'utf8')).to.equal(oldKey);
    expect((await stat(keptKey)).mode & 0o777).to.equal(0o600);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.not.equal(oldKey);
    expect(result.files.envFile).to.equal(join(dir, '.env'));
    expect(run.stdout).to.not.include('PRIVATE KEY');
  });

  it('puts the previous certificate and files back when Salesforce refuses the new key for good', async () => {
    const oldCertificate = await certificateOf('Rotate_App');
    const oldKey = await readFile(join(dir, 'server.key'), 'utf8');
    // The admin is not pre-authorized for the app: a refusal propagation does not explain.
    const run = await rotate('--name', 'Rotate_App', '--username', emu.ready.admin.username, '--output-dir', dir);
    expect(run.exitCode).to.equal(4);
    expect(run.json?.name).to.equal('UserNotAdminApprovedError');
    expect(run.json?.actions?.[0]).to.include('previous certificate was put back');
    expect(await certificateOf('Rotate_App')).to.equal(oldCertificate);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal(oldKey);
    // Every key this folder ever held is still there: a dated copy per run, none overwritten.
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => /^server-.*\.key$/.test(f))).to.have.length(2);
  });

  it('writes nothing with --dry-run', async () => {
    const oldCertificate = await certificateOf('Rotate_App');
    const oldKey = await readFile(join(dir, 'server.key'), 'utf8');
    await emu.clearRequests();
    const run = await rotate('--name', 'Rotate_App', '--username', integration, '--output-dir', dir, '--dry-run');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.include({ status: 'planned', dryRun: true });
    expect(run.json?.result?.keptFiles).to.deep.equal([]);
    expect(await deploys()).to.equal(0);
    expect(await certificateOf('Rotate_App')).to.equal(oldCertificate);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal(oldKey);
  });

  it('rewrites a settings JSON an earlier run wrote with the new key once it works, the previous one kept dated', async () => {
    const out = await tempDir('jwtapp-rotate-settings-');
    const settings = join(out, 'settings.json');
    await writeFile(
      settings,
      `${JSON.stringify({ Username: integration, ClientId: 'x', PrivateKey: 'the old key', InstanceUrl: emu.url, InstanceAPIVersion: 'v68.0' })}\n`,
      { mode: 0o600 },
    );
    // The pair of the folder the other tests log in with, brought: the app's certificate stays theirs.
    const run = await rotate(
      '--name',
      'Rotate_App',
      '--username',
      integration,
      '--output-dir',
      out,
      '--settings-file',
      settings,
      '--private-key-file',
      join(dir, 'server.key'),
      '--certificate-file',
      join(dir, 'server.crt'),
      '--cert-days',
      '30',
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const written = JSON.parse(await readFile(settings, 'utf8')) as Record<string, string>;
    expect(written.PrivateKey).to.equal((await readFile(join(dir, 'server.key'), 'utf8')).trim());
    const kept = (run.json?.result as RotateResult).keptFiles.find((f) => f.includes('settings-')) ?? '';
    expect(JSON.parse(await readFile(kept, 'utf8'))).to.include({ PrivateKey: 'the old key' });
    expect((await stat(kept)).mode & 0o777).to.equal(0o600);
    expect((await stat(settings)).mode & 0o777).to.equal(0o600);
  });

  describe('bad input: a named error, nothing written', () => {
    it('refuses an app without a certificate: it is not set up for the JWT bearer flow', async () => {
      const conn = await adminConnection(emu);
      await metadataOf(conn).create('ExternalClientApplication', {
        fullName: 'Certless_App',
        label: 'Certless',
        contactEmail: 'a@example.com',
        distributionState: 'Local',
      });
      await metadataOf(conn).create('ExtlClntAppOauthSettings', {
        fullName: 'Certless_App_oauth',
        externalClientApplication: 'Certless_App',
        label: 'x',
        commaSeparatedOauthScopes: 'Api',
      });
      await metadataOf(conn).create('ExtlClntAppGlobalOauthSettings', {
        fullName: 'Certless_App_glbloauth',
        externalClientApplication: 'Certless_App',
        label: 'x',
        callbackUrl: 'http://localhost:1717/OauthRedirect',
      });
      await emu.clearRequests();
      const out = await tempDir('jwtapp-rotate-certless-');
      const run = await rotate('--name', 'Certless_App', '--output-dir', out);
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('NoCertificateToRotateError');
      expect(run.json?.actions?.join(' ')).to.include('sf jwtapp setup');
      expect(await deploys()).to.equal(0);
    });

    it('refuses an app the org does not have', async () => {
      const run = await rotate('--name', 'No_Such_App', '--output-dir', await tempDir('jwtapp-rotate-none-'));
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('UnknownAppError');
    });

    it('refuses CI files without the integration user, before any request', async () => {
      await emu.clearRequests();
      const run = await rotate('--name', 'Rotate_App', '--output-dir', dir, '--dotenv-file', join(dir, '.env2'));
      expect(run.exitCode).to.equal(3);
      expect(run.json?.name).to.equal('CiFilesNeedUsernameError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses a CI file sf jwtapp did not write, before any request', async () => {
      const foreign = join(dir, 'project.env');
      await writeFile(foreign, 'DATABASE_URL=postgres://localhost/app\n');
      await emu.clearRequests();
      const run = await rotate(
        '--name',
        'Rotate_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dotenv-file',
        foreign,
      );
      expect({ exitCode: run.exitCode, name: run.json?.name }).to.deep.equal({
        exitCode: 3,
        name: 'CiFileNotOursError',
      });
      expect(run.json?.actions?.join(' ')).to.include('move').and.not.include('--replace-ci-files');
      expect(await emu.requests()).to.deep.equal([]);
      expect(await readFile(foreign, 'utf8')).to.equal('DATABASE_URL=postgres://localhost/app\n');
    });

    it('refuses a --private-key-file that does not exist, and one that is no key, before any request', async () => {
      await emu.clearRequests();
      const missing = await rotate(
        '--name',
        'Rotate_App',
        '--output-dir',
        dir,
        '--private-key-file',
        join(dir, 'nowhere.key'),
      );
      expect(missing.exitCode).to.equal(3);
      expect(missing.json?.name).to.equal('KeyFileUnreadableError');
      expect(missing.json?.actions?.length ?? 0).to.be.greaterThan(0);
      const notKey = join(dir, 'not-a-key.pem');
      await writeFile(notKey, 'hello');
      const wrong = await rotate('--name', 'Rotate_App', '--output-dir', dir, '--private-key-file', notKey);
      expect(wrong.exitCode).to.equal(3);
      expect(wrong.json?.name).to.equal('NotPemError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org alias sf does not know, before any request', async () => {
      await emu.clearRequests();
      const run = await runCommand<RotateResult>(CertRotate, [
        '--target-org',
        'no-such-alias',
        '--name',
        'Rotate_App',
        '--output-dir',
        dir,
        '--json',
      ]);
      // sf's own error and message; exit 2, as any flag value that does not parse (connection/named-errors.ts).
      expect(run.exitCode).to.equal(2);
      expect(run.json?.name).to.equal('NamedOrgNotFoundError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org user who is not an admin, writing nothing', async () => {
      const key = await readFile(join(dir, 'server.key'), 'utf8');
      const clientId = String((await emu.state()).apps.find((a) => a.name === 'Rotate_App')?.consumerKey);
      const granted = await jwtLogin(
        emu.url,
        { iss: clientId, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        key,
      );
      await storeLogin(emu, granted.body.access_token, 'emu-rotate-integration');
      const before = await certificateOf('Rotate_App');
      const out = await tempDir('jwtapp-rotate-nonadmin-');
      const run = await runCommand<RotateResult>(CertRotate, [
        '--target-org',
        'emu-rotate-integration',
        '--name',
        'Rotate_App',
        '--output-dir',
        out,
        '--json',
      ]);
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('NotAdminError');
      expect(await certificateOf('Rotate_App')).to.equal(before);
    });
  });
});
