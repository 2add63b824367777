import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { AuthInfo } from '@salesforce/core';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import type { LoginRefusal } from '../../src/oauth/verify.js';
import { DEFAULT_BACKOFF } from '../../src/retry/backoff.js';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, otherKey, storeLogin, testKey, type JwtAppFixture } from '../helpers/org.js';
import { jwtLogin } from '../helpers/token.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { useFakeClock } from '../helpers/time.js';
import { tempDir } from '../helpers/temp.js';

const PROPAGATION_MS = 5 * 60_000;

describe('sf jwtapp verify', () => {
  const fake = new FakeClock();
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let dir: string;
  let keyFile: string;
  let certFile: string;
  let integration: string;

  useFakeClock(fake);

  before(async () => {
    emu = await startEmulator({ propagationMs: PROPAGATION_MS, now: fake.now });
    integration = emu.ready.integrationUser.username;
    dir = await tempDir('jwtapp-verify-');
    const key = await testKey();
    keyFile = join(dir, 'server.key');
    certFile = join(dir, 'server.crt');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    await writeFile(certFile, key.certificatePem);
    app = await configureJwtApp(await adminConnection(emu), {
      name: 'Verify_App',
      certificatePem: key.certificatePem,
      username: integration,
    });
    fake.advance(PROPAGATION_MS + 1);
  });
  after(() => emu.stop());

  const verify = (...args: string[]): Promise<CommandRun<VerifyResult>> =>
    runCommand<VerifyResult>(Verify, ['--instance-url', emu.url, '--json', ...args]);

  const tokenRequests = async (): Promise<number> =>
    (await emu.requests()).filter((r) => r.path === '/services/oauth2/token').length;

  describe('a login that works', () => {
    it('reports the user, org, instance and granted scopes, and exits 0', async () => {
      const run = await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile);
      expect(run.exitCode, run.stdout).to.equal(0);
      const state = await emu.state();
      const user = state.users.find((u) => u.Username === integration);
      expect(run.json?.result).to.deep.include({
        success: true,
        username: integration,
        clientId: app.consumerKey,
        orgId: emu.ready.orgId,
        userId: user?.Id,
        instanceUrl: emu.url,
        scopes: ['api', 'refresh_token'],
        attempts: 1,
        audience: emu.url,
        saved: false,
      });
      expect(run.json?.result).not.to.have.property('error');
    });

    it('uses a key file others can read, and says so with the chmod that fixes it, as ssh does', async () => {
      const open = join(dir, 'open.key');
      await writeFile(open, (await testKey()).privateKeyPem, { mode: 0o644 });
      await chmod(open, 0o644);
      const run = await verify('-o', integration, '-i', app.consumerKey, '-f', open);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.warnings?.join(' ')).to.include('can be read by other users').and.include(`chmod 600 ${open}`);
      const quiet = await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile);
      expect(quiet.json?.warnings ?? []).to.deep.equal([]);
    });

    it('never prints the access token', async () => {
      const json = await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile);
      const human = await runCommand<VerifyResult>(Verify, [
        '--instance-url',
        emu.url,
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
      ]);
      expect(human.exitCode).to.equal(0);
      expect(human.stdout).to.include('JWT bearer login works').and.include(integration);
      for (const out of [json.stdout, human.stdout + human.stderr]) expect(out).not.to.match(/00D[A-Za-z0-9]{12,15}!/);
    });

    it('logs in at the org URL the sf auth store has for the user when --instance-url is not given', async () => {
      const granted = await jwtLogin(
        emu.url,
        { iss: app.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(fake.now() / 1000) + 120 },
        (await testKey()).privateKeyPem,
      );
      await storeLogin(emu, granted.body.access_token, 'emu-verify-integration');
      const run = await runCommand<VerifyResult>(Verify, [
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.include({ loginUrl: emu.url, success: true });
    });

    it('takes the key from an environment variable, with its line breaks written as \\n', async () => {
      process.env.JWTAPP_TEST_KEY = (await testKey()).privateKeyPem.replace(/\n/g, '\\n');
      const run = await verify('-o', integration, '-i', app.consumerKey, '--jwt-key-env', 'JWTAPP_TEST_KEY');
      delete process.env.JWTAPP_TEST_KEY;
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.success).to.equal(true);
    });

    it('accepts the certificate the key belongs to', async () => {
      const run = await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile, '--certificate-file', certFile);
      expect(run.exitCode, run.stdout).to.equal(0);
    });

    it('stores the login in the sf auth store with --alias, like sf org login jwt', async () => {
      const run = await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile, '--alias', 'ci-bot');
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.include({ saved: true, alias: 'ci-bot' });
      const stored = await AuthInfo.create({ username: integration });
      expect(stored.getFields()).to.include({ clientId: app.consumerKey, orgId: emu.ready.orgId, privateKey: keyFile });
      const { StateAggregator } = await import('@salesforce/core');
      expect((await StateAggregator.getInstance()).aliases.getUsername('ci-bot')).to.equal(integration);
    });
  });

  describe('local checks, before any request', () => {
    const expectLocalError = (run: CommandRun<VerifyResult>, name: string, text: string): void => {
      expect(run.exitCode, run.stdout).to.equal(3);
      expect(run.json?.name).to.equal(name);
      expect(run.json?.message).to.include(text);
      expect(run.json?.actions?.length).to.be.greaterThan(0);
    };
    let before: number;
    beforeEach(async () => {
      before = await tokenRequests();
    });
    afterEach(async () => {
      expect(await tokenRequests(), 'no token request may be sent').to.equal(before);
    });

    const write = async (name: string, text: string): Promise<string> => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    };

    it('refuses a key file it cannot read', async () => {
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', join(dir, 'missing.key')),
        'KeyFileUnreadableError',
        'ENOENT',
      );
    });

    it('refuses a file that is not PEM', async () => {
      const path = await write('garbage.key', 'not a key at all');
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', path),
        'NotPemError',
        'not in PEM format',
      );
    });

    it('refuses the certificate given in place of the key', async () => {
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', certFile),
        'CertificateGivenAsKeyError',
        'holds a certificate',
      );
    });

    it('refuses a public key given in place of the private key', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const path = await write('public.pem', publicKey.export({ type: 'spki', format: 'pem' }) as string);
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', path),
        'PublicKeyGivenAsKeyError',
        'public key',
      );
    });

    it('refuses an encrypted key', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'secret',
      }) as string;
      const path = await write('encrypted.key', pem);
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', path),
        'EncryptedKeyError',
        'encrypted',
      );
    });

    it('refuses a key that is not RSA', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const path = await write('ec.key', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      expectLocalError(await verify('-o', integration, '-i', app.consumerKey, '-f', path), 'NotRsaKeyError', 'ec key');
    });

    it('refuses an RSA key under 2048 bits', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const path = await write('small.key', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', path),
        'KeyTooSmallError',
        '1024 bits',
      );
    });

    it('refuses a key that does not belong to --certificate-file', async () => {
      const other = await otherKey();
      const path = await write('other.crt', other.certificatePem);
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '-f', keyFile, '--certificate-file', path),
        'KeyCertificateMismatchError',
        'does not belong',
      );
    });

    it('refuses an empty key variable', async () => {
      expectLocalError(
        await verify('-o', integration, '-i', app.consumerKey, '--jwt-key-env', 'JWTAPP_UNSET_VARIABLE'),
        'KeyVariableEmptyError',
        'JWTAPP_UNSET_VARIABLE',
      );
    });
  });

  describe('what Salesforce refuses, explained', () => {
    let selfAuthorized: JwtAppFixture;
    let disabled: JwtAppFixture;
    before(async () => {
      const conn = await adminConnection(emu);
      const { certificatePem } = await testKey();
      selfAuthorized = await configureJwtApp(conn, {
        name: 'Self_App',
        certificatePem,
        username: integration,
        permittedUsers: 'AllSelfAuthorized',
      });
      disabled = await configureJwtApp(conn, {
        name: 'Disabled_App',
        certificatePem,
        username: integration,
        enabled: false,
      });
      fake.advance(PROPAGATION_MS + 1);
    });

    const expectRefusal = (
      run: CommandRun<VerifyResult>,
      expected: { name: string; exitCode: number; code: string; description: string; action: string },
    ): void => {
      expect(run.exitCode, run.stdout).to.equal(expected.exitCode);
      expect(run.json?.name).to.equal(expected.name);
      expect(run.json?.message).to.include(`${expected.code}: ${expected.description}`);
      expect(run.json?.actions?.join('\n')).to.include(expected.action);
      // A refusal's --json result is the refused report (oauth/verify.ts LoginRefusal), not a VerifyResult.
      const result = (run.json as { result?: LoginRefusal } | undefined)?.result;
      expect(result?.success).to.equal(false);
      expect(result?.error).to.deep.include({
        name: expected.name,
        code: expected.code,
        description: expected.description,
      });
      expect(result?.error.cause.length).to.be.greaterThan(20);
    };

    it('warns of an expired certificate and goes on to log in: Salesforce does not check its dates', async () => {
      const old = await generateKeyAndCertificate(2048, {
        subject: 'CN=old',
        days: 1,
        notBefore: new Date(fake.now() - 10 * 86_400_000),
      });
      const key = join(dir, 'expired.key');
      const cert = join(dir, 'expired.crt');
      await writeFile(key, old.privateKeyPem, { mode: 0o600 });
      await writeFile(cert, old.certificatePem);
      const run = await runCommand<VerifyResult>(Verify, [
        '--instance-url',
        emu.url,
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        key,
        '--certificate-file',
        cert,
      ]);
      // The request was made: this key is not the app's, so Salesforce refuses it.
      expect(run.exitCode).to.equal(4);
      expect(run.error?.name).to.equal('InvalidAssertionError');
      // A Lifecycle warning: sf-plugins-core prints it on stderr as the command ends.
      expect(run.stderr).to.include('expired on').and.include('still accepts');
    });

    it('explains a client id that names no app (exit 5: it may be propagation)', async () => {
      expectRefusal(await verify('-o', integration, '-i', 'NoSuchConsumerKey123', '-f', keyFile), {
        name: 'ClientIdInvalidError',
        exitCode: 5,
        code: 'invalid_client_id',
        description: 'client identifier invalid',
        action: '--wait',
      });
    });

    it('explains a self-authorized app: the user has not approved it', async () => {
      expectRefusal(await verify('-o', integration, '-i', selfAuthorized.consumerKey, '-f', keyFile), {
        name: 'UserNotApprovedError',
        exitCode: 5,
        code: 'invalid_grant',
        description: "user hasn't approved this consumer",
        action: 'Admin approved users are pre-authorized',
      });
    });

    it('explains a user without the permission set that grants the app', async () => {
      expectRefusal(await verify('-o', emu.ready.admin.username, '-i', app.consumerKey, '-f', keyFile), {
        name: 'UserNotAdminApprovedError',
        exitCode: 4,
        code: 'invalid_app_access',
        description: 'user is not admin approved to access this app',
        action: `--on-behalf-of ${emu.ready.admin.username}`,
      });
    });

    it('explains an audience the org does not take', async () => {
      expectRefusal(
        await verify(
          '-o',
          integration,
          '-i',
          app.consumerKey,
          '-f',
          keyFile,
          '--audience',
          'https://test.salesforce.com',
        ),
        {
          name: 'AudienceInvalidError',
          exitCode: 4,
          code: 'invalid_grant',
          description: 'audience is invalid',
          action: '--audience https://login.salesforce.com',
        },
      );
    });

    it('explains a key that does not match the uploaded certificate', async () => {
      const other = join(dir, 'unrelated.key');
      await writeFile(other, (await otherKey()).privateKeyPem, { mode: 0o600 });
      expectRefusal(await verify('-o', integration, '-i', app.consumerKey, '-f', other), {
        name: 'InvalidAssertionError',
        exitCode: 4,
        code: 'invalid_grant',
        description: 'invalid assertion',
        action: 'sf jwtapp setup --private-key-file',
      });
    });

    it('explains an inactive user', async () => {
      expectRefusal(await verify('-o', emu.ready.inactiveUser.username, '-i', app.consumerKey, '-f', keyFile), {
        name: 'AuthenticationFailureError',
        exitCode: 4,
        code: 'invalid_grant',
        description: 'authentication failure',
        action: 'Setup > Users',
      });
    });

    it("explains a disabled External Client App reached at the org's My Domain (the URL sf's auth store has for the user): blocked, not the My Domain", async () => {
      const run = await verify('-o', integration, '-i', disabled.consumerKey, '-f', keyFile);
      expectRefusal(run, {
        name: 'AppDisabledError',
        exitCode: 4,
        code: 'app_not_found',
        description: 'External client app is not installed in this org',
        action: 'sf jwtapp unblock',
      });
      expect(run.json?.message).to.include('blocked').and.not.include("known only at its org's My Domain");
    });

    it('explains an External Client App reached through the generic login host: use the My Domain', async () => {
      const run = await runCommand<VerifyResult>(Verify, [
        '--instance-url',
        emu.ready.loginUrl,
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
        '--json',
      ]);
      expectRefusal(run, {
        name: 'AppNotInstalledError',
        exitCode: 4,
        code: 'app_not_found',
        description: 'External client app is not installed in this org',
        action: "Use the org's My Domain URL",
      });
      expect(run.json?.message).to.include("known only at its org's My Domain");
    });

    it('explains a login URL where nothing answers', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const run = await runCommand<VerifyResult>(Verify, [
        '--instance-url',
        `http://127.0.0.1:${port}`,
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
        '--json',
      ]);
      expect(run.exitCode).to.equal(5);
      expect(run.json?.name).to.equal('LoginUrlUnreachableError');
      expect(run.json?.message).to.include('ECONNREFUSED');
    });

    it('warns about a clock that differs from the server\'s, which explains an "invalid assertion"', async () => {
      const skewed = await startEmulator({ now: () => fake.now() + 10 * 60_000 });
      try {
        const run = await runCommand<VerifyResult>(Verify, [
          '--instance-url',
          skewed.url,
          '-o',
          integration,
          '-i',
          app.consumerKey,
          '-f',
          keyFile,
          '--json',
        ]);
        expect(run.json?.result?.clockSkewMs).to.be.within(599_000, 601_000);
        expect(run.stderr + JSON.stringify(run.json)).to.include('seconds behind Salesforce');
      } finally {
        await skewed.stop();
      }
    });
  });

  describe('--wait', () => {
    it('retries across a propagation delay and succeeds within one capped interval of the app becoming active', async () => {
      const { certificatePem } = await testKey();
      const fresh = await configureJwtApp(await adminConnection(emu), {
        name: 'Fresh_App',
        certificatePem,
        username: integration,
      });
      const createdAt = fake.now();
      const run = await verify('-o', integration, '-i', fresh.consumerKey, '-f', keyFile, '--wait', '10');
      expect(run.exitCode, run.stdout).to.equal(0);
      const result = run.json?.result as VerifyResult;
      expect(result.attempts).to.be.greaterThan(3);
      const activeAt = createdAt + PROPAGATION_MS;
      const finishedAt = createdAt + result.elapsedMs;
      expect(finishedAt).to.be.at.least(activeAt);
      expect(finishedAt - activeAt).to.be.at.most(DEFAULT_BACKOFF.maxMs);
    });

    it('stops at once on a permanent refusal', async () => {
      const run = await verify(
        '-o',
        emu.ready.inactiveUser.username,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
        '--wait',
        '10',
      );
      expect(run.exitCode).to.equal(4);
      expect(run.json?.result?.attempts).to.equal(1);
    });

    it('gives up when the wait runs out, with exit 5 and the last answer', async () => {
      const started = fake.now();
      const run = await verify('-o', integration, '-i', 'NeverPropagatesKey1', '-f', keyFile, '--wait', '1');
      expect(run.exitCode).to.equal(5);
      expect(run.json?.name).to.equal('ClientIdInvalidError');
      expect(run.json?.message).to.match(/^Still failing after \d+ attempts in 60 seconds: invalid_client_id/);
      expect(fake.now() - started).to.equal(60_000);
      expect(run.json?.result?.attempts).to.be.greaterThan(2);
    });
  });

  describe('what Salesforce refuses for IP ranges and the client credentials flow, explained', () => {
    let clientCredentials: JwtAppFixture;
    let noRunAs: JwtAppFixture;
    let restrictedApp: JwtAppFixture;
    let secret: string;
    before(async () => {
      const conn = await adminConnection(emu);
      const { certificatePem } = await testKey();
      clientCredentials = await configureJwtApp(conn, {
        name: 'Cc_App',
        certificatePem,
        username: integration,
        clientCredentialsUser: integration,
      });
      noRunAs = await configureJwtApp(conn, { name: 'Cc_No_User_App', certificatePem, username: integration });
      restrictedApp = await configureJwtApp(conn, {
        name: 'Ip_App',
        certificatePem,
        username: emu.ready.ipRestrictedUser.username,
      });
      fake.advance(PROPAGATION_MS + 1);
      secret = (await emu.state()).apps.find((a) => a.name === 'Cc_App')?.consumerSecret ?? '';
      process.env.JWTAPP_TEST_SECRET = secret;
    });
    after(() => {
      delete process.env.JWTAPP_TEST_SECRET;
    });

    const refusal = (run: CommandRun<VerifyResult>, name: string, exitCode: number, text: string): void => {
      expect(run.exitCode, run.stdout).to.equal(exitCode);
      expect(run.json?.name).to.equal(name);
      expect(run.json?.message).to.include(text);
      expect(run.json?.actions?.length).to.be.greaterThan(0);
    };

    it('checks a client credentials login at the My Domain, as the run-as user', async () => {
      const run = await verify(
        '-o',
        integration,
        '-i',
        clientCredentials.consumerKey,
        '--client-secret-env',
        'JWTAPP_TEST_SECRET',
      );
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.include({
        flow: 'client-credentials',
        success: true,
        username: integration,
        orgId: emu.ready.orgId,
      });
      expect(run.json?.result?.audience).to.equal(undefined);
      expect(run.stdout).not.to.include(secret);
    });

    it('explains a wrong consumer secret', async () => {
      process.env.JWTAPP_WRONG_SECRET = 'not-the-secret';
      const run = await verify(
        '-o',
        integration,
        '-i',
        clientCredentials.consumerKey,
        '--client-secret-env',
        'JWTAPP_WRONG_SECRET',
      );
      delete process.env.JWTAPP_WRONG_SECRET;
      refusal(run, 'InvalidClientCredentialsError', 4, 'invalid_client: invalid client credentials');
    });

    it('explains an app whose client credentials flow has no run-as user', async () => {
      process.env.JWTAPP_OTHER_SECRET =
        (await emu.state()).apps.find((a) => a.name === 'Cc_No_User_App')?.consumerSecret ?? '';
      const run = await verify(
        '-o',
        integration,
        '-i',
        noRunAs.consumerKey,
        '--client-secret-env',
        'JWTAPP_OTHER_SECRET',
      );
      delete process.env.JWTAPP_OTHER_SECRET;
      refusal(run, 'NoClientCredentialsUserError', 4, 'no client credentials user enabled');
    });

    it('explains the client credentials flow sent to the generic login host instead of the My Domain', async () => {
      const run = await runCommand<VerifyResult>(Verify, [
        '--instance-url',
        emu.ready.loginUrl,
        '-o',
        integration,
        '-i',
        clientCredentials.consumerKey,
        '--client-secret-env',
        'JWTAPP_TEST_SECRET',
        '--json',
      ]);
      refusal(run, 'DomainNotSupportedError', 4, 'request not supported on this domain');
      expect(run.json?.actions?.join(' ')).to.include('My Domain');
    });

    it('refuses an empty secret variable before any request', async () => {
      const run = await verify(
        '-o',
        integration,
        '-i',
        clientCredentials.consumerKey,
        '--client-secret-env',
        'JWTAPP_NO_SUCH_SECRET',
      );
      refusal(run, 'SecretVariableEmptyError', 3, 'JWTAPP_NO_SUCH_SECRET');
    });

    it("explains a login from outside the user's login IP ranges", async () => {
      const run = await verify(
        '-o',
        emu.ready.ipRestrictedUser.username,
        '-i',
        restrictedApp.consumerKey,
        '-f',
        keyFile,
      );
      refusal(run, 'IpRestrictedError', 4, 'invalid_grant: ip restricted');
      expect(run.json?.actions?.join(' ')).to.include('Relax IP restrictions');
    });
  });
});
