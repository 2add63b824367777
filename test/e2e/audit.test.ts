import { webcrypto } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import Audit, { type AuditResult } from '../../src/commands/jwtapp/audit.js';
import type { AuditCheck } from '../../src/audit/checks.js';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Block, { type BlockResult } from '../../src/commands/jwtapp/block.js';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  configureJwtApp,
  createUser,
  metadataOf,
  otherKey,
  storeAdminLogin,
  storeLogin,
} from '../helpers/org.js';
import { jwtLogin } from '../helpers/token.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

/** The terminal's width while `body` runs (undefined: piped); the only part of the terminal stubbed. */
const atWidth = async <T>(columns: number | undefined, body: () => Promise<T>): Promise<T> => {
  const saved = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
  Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true, writable: true });
  try {
    return await body();
  } finally {
    if (saved) Object.defineProperty(process.stdout, 'columns', saved);
    else Reflect.deleteProperty(process.stdout, 'columns');
  }
};

/**
 * What a reader of the terminal gets: no line wider than it, every finding whole (its words in order, however
 * wrapped), and every fix that is a command whole on its own line once its ` \` continuations are joined, as a
 * shell joins them when the lines are pasted; a fix in prose (a Setup path) whole, as a finding.
 */
const expectReadable = (stdout: string, width: number, checks: AuditCheck[], texts: string[] = []): void => {
  const screen = stripVTControlCharacters(stdout);
  expect(
    screen.split('\n').filter((line) => line.length > width),
    screen,
  ).to.deep.equal([]);
  const pasted = screen.replace(/ \\\n\s*/g, ' ');
  const commandLines = pasted.split('\n').map((line) => line.trim());
  const prose = pasted.replace(/\s+/g, ' ');
  const words = (text: string): string => text.replace(/\s+/g, ' ');
  expect(checks.length).to.be.greaterThan(0);
  for (const check of checks) {
    expect(prose, `${check.id}: ${screen}`).to.include(words(check.message));
    if (check.fix && /^(sf|export) /.test(check.fix))
      expect(commandLines, `${check.id}: ${screen}`).to.include(check.fix);
    else if (check.fix) expect(prose, check.id).to.include(words(check.fix));
  }
  for (const text of texts) expect(prose).to.include(words(text));
};

describe('sf jwtapp audit', () => {
  let emu: RunningEmulator;
  let integration: string;
  let dir: string;

  const audit = (...args: string[]): Promise<CommandRun<AuditResult>> =>
    runCommand<AuditResult>(Audit, ['--target-org', 'emu-audit-admin', '--json', ...args]);
  const statuses = (run: CommandRun<AuditResult>): Record<string, string> =>
    Object.fromEntries((run.json?.result?.apps[0]?.checks ?? []).map((c) => [c.id, c.status]));

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-audit-admin');
    integration = emu.ready.integrationUser.username;
    dir = await tempDir('jwtapp-audit-');
    const setup = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-audit-admin',
      '--name',
      'Good_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--json',
    ]);
    expect(setup.exitCode, setup.stdout).to.equal(0);
  });
  after(() => emu.stop());

  it('passes an app setup made, its user and its key, reading only: exit 0, no write', async () => {
    await emu.clearRequests();
    const run = await audit('--name', 'Good_App', '--username', integration, '--jwt-key-file', join(dir, 'server.key'));
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(statuses(run)).to.deep.equal({
      enabled: 'PASS',
      certificateExpiry: 'PASS',
      keySize: 'PASS',
      signatureHash: 'PASS',
      requiredScopes: 'PASS',
      riskyScopes: 'PASS',
      adminApproved: 'PASS',
      permissionSets: 'PASS',
      integrationUser: 'PASS',
      refreshTokens: 'PASS',
      ipRelaxation: 'PASS',
      keyMatches: 'PASS',
      'password-flow': 'PASS',
      loginUrlMyDomain: 'PASS',
    });
    expect(run.json?.result?.summary).to.deep.equal({ pass: 14, warn: 0, fail: 0 });
    expect(await emu.writes()).to.deep.equal([]);
  });

  it('finds what is wrong with a badly configured app, each with its fix, and exits 4', async () => {
    const soon = await generateKeyAndCertificate(2048, { subject: 'CN=soon', days: 10 });
    await configureJwtApp(await adminConnection(emu), {
      name: 'Bad_App',
      certificatePem: soon.certificatePem,
      scopes: 'Api, Web',
      permittedUsers: 'AllSelfAuthorized',
      assign: false,
      username: integration,
    });
    const wrongKey = join(dir, 'wrong.key');
    await writeFile(wrongKey, (await otherKey()).privateKeyPem, { mode: 0o600 });
    const blocked = await runCommand<BlockResult>(Block, [
      '--target-org',
      'emu-audit-admin',
      '--name',
      'Bad_App',
      '--json',
    ]);
    expect(blocked.exitCode).to.equal(0);

    const run = await audit('--name', 'Bad_App', '--username', integration, '--jwt-key-file', wrongKey);
    expect(run.exitCode).to.equal(4);
    expect(statuses(run)).to.include({
      enabled: 'FAIL',
      certificateExpiry: 'WARN',
      requiredScopes: 'FAIL',
      riskyScopes: 'WARN',
      adminApproved: 'FAIL',
      integrationUser: 'FAIL',
      keyMatches: 'FAIL',
    });
    const checks = run.json?.result?.apps[0].checks ?? [];
    // The org as the user named it (an alias here), so the fix runs as typed.
    expect(checks.find((c) => c.id === 'enabled')?.fix).to.equal(
      'sf jwtapp unblock --target-org emu-audit-admin --name Bad_App',
    );
    // --username was given: every fix that needs it names that user, none a placeholder.
    const withUser = checks.filter((c) => c.fix?.includes('--username'));
    expect(withUser.map((c) => c.id)).to.include.members([
      'certificateExpiry',
      'requiredScopes',
      'adminApproved',
      'integrationUser',
      'keyMatches',
    ]);
    expect(withUser.filter((c) => !c.fix?.includes(`--username ${integration}`))).to.deep.equal([]);
    expect(checks.filter((c) => c.fix?.includes('<integration user>'))).to.deep.equal([]);
    expect(checks.find((c) => c.id === 'requiredScopes')?.message).to.include('RefreshToken');
    expect(checks.find((c) => c.id === 'integrationUser')?.message).to.include('holds none of them');
    expect(checks.every((c) => c.status === 'PASS' || (c.fix ?? '').length > 0)).to.equal(true);
  });

  it('fails a weak, expired certificate, and warns of refresh tokens that never expire and relaxed IP restrictions', async () => {
    // Made the way old runbooks did (openssl with rsa:1024 and -sha1), a year and more ago.
    const algorithm = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-1',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 1024,
    };
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const weak = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=weak',
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 35 * 86_400_000),
      signingAlgorithm: algorithm,
      keys,
    });
    const conn = await adminConnection(emu);
    await configureJwtApp(conn, {
      name: 'Weak_App',
      certificatePem: weak.toString('pem'),
      username: integration,
      ipRelaxation: 'Bypass',
    });
    const policies = (await metadataOf(conn).read(
      'ExtlClntAppOauthConfigurablePolicies',
      'Weak_App_oauth_defaultPolicy',
    )) as unknown as Record<string, unknown>;
    await metadataOf(conn).update('ExtlClntAppOauthConfigurablePolicies', {
      ...policies,
      refreshTokenPolicyType: 'Infinite',
    } as never);

    const run = await audit('--name', 'Weak_App', '--username', integration);
    expect(run.exitCode).to.equal(4);
    expect(statuses(run)).to.include({
      certificateExpiry: 'FAIL',
      keySize: 'FAIL',
      signatureHash: 'FAIL',
      refreshTokens: 'WARN',
      ipRelaxation: 'WARN',
      integrationUser: 'PASS',
    });
    const checks = run.json?.result?.apps[0].checks ?? [];
    expect(checks.find((c) => c.id === 'keySize')?.message).to.include('1024');
    expect(checks.find((c) => c.id === 'signatureHash')?.message).to.include('SHA-1');
    expect(checks.find((c) => c.id === 'certificateExpiry')?.fix).to.include('sf jwtapp cert rotate');
  });

  it('fails an app without a certificate, and one that pre-authorizes nobody', async () => {
    const conn = await adminConnection(emu);
    await metadataOf(conn).create('ExternalClientApplication', {
      fullName: 'Certless_Audit',
      label: 'Certless',
      contactEmail: 'a@example.com',
      distributionState: 'Local',
    });
    await metadataOf(conn).create('ExtlClntAppOauthSettings', {
      fullName: 'Certless_Audit_oauth',
      externalClientApplication: 'Certless_Audit',
      label: 'x',
      commaSeparatedOauthScopes: 'Api, RefreshToken',
    });
    const run = await audit('--name', 'Certless_Audit');
    expect(run.exitCode).to.equal(4);
    expect(statuses(run)).to.include({ certificate: 'FAIL', permissionSets: 'FAIL', adminApproved: 'FAIL' });
    // No --username: the fix names the flag's placeholder.
    expect(run.json?.result?.apps[0].checks.find((c) => c.id === 'certificate')?.fix).to.equal(
      'sf jwtapp setup --target-org emu-audit-admin --name Certless_Audit --username <integration user>',
    );
  });

  it('audits every app of the org a JWT login can go through when no --name is given', async () => {
    const run = await audit();
    expect(run.exitCode).to.equal(4);
    const names = (run.json?.result?.apps ?? []).map((a) => a.name);
    expect(names).to.include.members(['Good_App', 'Bad_App']).and.not.include('Certless_Audit');
    const fails =
      run.json?.result?.apps.find((a) => a.name === 'Bad_App')?.checks.filter((c) => c.status === 'FAIL').length ?? 0;
    expect(run.json?.result?.summary.fail).to.be.at.least(fails).and.greaterThan(0);
  });

  it('reads Login History in one REST batch and the grants of every app audited in one more, with or without --username, never a query per app', async () => {
    const reads = async (...args: string[]): Promise<{ apps: number; queries: number; batches: number }> => {
      await emu.clearRequests();
      const run = await audit(...args);
      const log = await emu.requests();
      return {
        apps: run.json?.result?.apps.length ?? 0,
        queries: log.filter((r) => r.path.endsWith('/query')).length,
        batches: log.filter((r) => r.path.endsWith('/composite/batch')).length,
      };
    };
    const second = await generateKeyAndCertificate(2048, { subject: 'CN=second', days: 365 });
    await configureJwtApp(await adminConnection(emu), {
      name: 'Second_App',
      certificatePem: second.certificatePem,
      username: integration,
    });
    const without = await reads();
    const withUser = await reads('--username', integration);
    expect(withUser.apps).to.equal(without.apps).and.be.at.least(2);
    expect(without).to.include({ queries: 0, batches: 2 });
    expect(withUser).to.include({ queries: 0, batches: 2 });
  });

  it("checks the client credentials flow's run-as user where the flow is on", async () => {
    const key = await generateKeyAndCertificate(2048, { subject: 'CN=cc', days: 365 });
    await configureJwtApp(await adminConnection(emu), {
      name: 'Cc_App',
      certificatePem: key.certificatePem,
      username: integration,
      clientCredentialsUser: integration,
    });
    const run = await audit('--name', 'Cc_App');
    expect(statuses(run)).to.include({ clientCredentialsUser: 'PASS' });
    expect(run.json?.result?.apps[0].checks.find((c) => c.id === 'clientCredentialsUser')?.message).to.include(
      integration,
    );
  });

  it('fails the client credentials flow once its run-as user is deactivated', async () => {
    const conn = await adminConnection(emu);
    const runAs = `cc-runas@${emu.ready.orgId.toLowerCase()}.acme.test`;
    const runAsId = await createUser(conn, {
      username: runAs,
      profile: 'Minimum Access - API Only Integrations',
      lastName: 'Runas',
      alias: 'runas',
    });
    const key = await generateKeyAndCertificate(2048, { subject: 'CN=cc-gone', days: 365 });
    await configureJwtApp(conn, {
      name: 'Cc_Gone_App',
      certificatePem: key.certificatePem,
      username: integration,
      clientCredentialsUser: runAs,
    });
    expect(statuses(await audit('--name', 'Cc_Gone_App'))).to.include({ clientCredentialsUser: 'PASS' });
    await conn.sobject('User').update({ Id: runAsId, IsActive: false });
    const run = await audit('--name', 'Cc_Gone_App');
    expect(run.exitCode).to.equal(4);
    const check = run.json?.result?.apps[0].checks.find((c) => c.id === 'clientCredentialsUser');
    expect(check).to.include({ status: 'FAIL' });
    expect(check?.message).to.include(runAs).and.include('no client credentials user enabled');
  });

  it('warns an External Client App on a Dev Hub that scratch org creation fails through it (forcedotcom/cli#3515)', async () => {
    const hub = await startEmulator({ devHub: true });
    try {
      await storeAdminLogin(hub, 'emu-audit-hub');
      const key = await generateKeyAndCertificate(2048, { subject: 'CN=hub', days: 365 });
      await configureJwtApp(await adminConnection(hub), {
        name: 'Hub_App',
        certificatePem: key.certificatePem,
        username: hub.ready.integrationUser.username,
      });
      const run = await runCommand<AuditResult>(Audit, [
        '--target-org',
        'emu-audit-hub',
        '--name',
        'Hub_App',
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      const trap = run.json?.result?.apps[0].checks.find((c) => c.id === 'devHubScratchOrgs');
      expect(trap?.status).to.equal('WARN');
      expect(trap?.fix).to.include('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
      // The org of the other tests is no Dev Hub: no such warning there.
      expect(statuses(await audit('--name', 'Good_App'))).not.to.have.property('devHubScratchOrgs');
    } finally {
      await hub.stop();
    }
  });

  describe('in a terminal', () => {
    const human = (columns: number | undefined, ...args: string[]): Promise<CommandRun<AuditResult>> =>
      atWidth(columns, () => runCommand<AuditResult>(Audit, ['--target-org', 'emu-audit-admin', ...args]));

    for (const width of [80, 120]) {
      it(`renders every check of every app readable at ${width} columns: no line wider, each finding and each fix whole`, async () => {
        const args = ['--username', integration, '--jwt-key-file', join(dir, 'wrong.key')];
        const json = await audit(...args);
        const checks = (json.json?.result?.apps ?? []).flatMap((a) => a.checks);
        expect(checks.filter((c) => c.status === 'FAIL').length).to.be.greaterThan(3);
        const run = await human(width, ...args);
        expect(run.exitCode).to.equal(4);
        expectReadable(run.stdout, width, checks);
        // Each app under a header naming it, its kind and the org as typed, with the username it stands for.
        expect(stripVTControlCharacters(run.stdout).replace(/\s+/g, ' ')).to.include(
          `=== Bad_App (External Client App) in emu-audit-admin (${emu.ready.admin.username})`,
        );
      });
    }

    it('prints an app that passes as a header, a line per check and the counts, line by line', async () => {
      const run = await human(80, '--name', 'Good_App', '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(0);
      const json = await audit('--name', 'Good_App', '--username', integration);
      const expires = String(json.json?.result?.apps[0].certificateExpires).slice(0, 10);
      const days = Math.floor(
        (Date.parse(String(json.json?.result?.apps[0].certificateExpires)) - Date.now()) / 86_400_000,
      );
      const admin = emu.ready.admin.username;
      // The integration user's line wraps where its username ends; the emulator's usernames are all this long.
      expect(integration.length).to.equal(`integration@${admin.split('@')[1]}`.length);
      expect(stripVTControlCharacters(run.stdout).split('\n')).to.deep.equal([
        '=== Good_App (External Client App) in emu-audit-admin',
        `    (${admin})`,
        '',
        'PASS  enabled',
        '      Good_App is enabled: logins through it are allowed.',
        'PASS  certificateExpiry',
        `      The certificate is valid until ${expires} (${days} days from now).`,
        'PASS  keySize',
        "      The certificate's RSA key has 2048 bits.",
        'PASS  signatureHash',
        '      The certificate is signed with SHA-256.',
        'PASS  requiredScopes',
        '      The scopes a server integration needs are there: Api, RefreshToken.',
        'PASS  riskyScopes',
        '      No scope a server integration should not hold (Full, Web).',
        'PASS  adminApproved',
        '      Only pre-authorized users may log in through Good_App (admin approved).',
        'PASS  permissionSets',
        '      Users are pre-authorized through the permission sets Good_App_Access.',
        'PASS  integrationUser',
        `      The integration user ${integration} holds`,
        '      Good_App_Access.',
        'PASS  refreshTokens',
        '      Refresh tokens through Good_App expire, or the app grants none.',
        'PASS  ipRelaxation',
        "      Good_App enforces IP restrictions: a login from outside the user's login",
        '      IP ranges is refused ("ip restricted").',
        'PASS  loginUrlMyDomain',
        `      Pipelines must log in at ${emu.url}: an External Client App`,
        "      answers only at its org's My Domain (login.salesforce.com and",
        '      test.salesforce.com answer "External client app is not installed in this',
        '      org").',
        'PASS  password-flow',
        '      No login through Good_App with the username-password flow in the last 30',
        '      days.',
        '',
        '13 passed, 0 warnings, 0 failed.',
        '',
      ]);
    });

    it('renders at 80 columns when piped (stdout has no width)', async () => {
      const run = await human(undefined, '--name', 'Bad_App', '--username', integration);
      const checks = (await audit('--name', 'Bad_App', '--username', integration)).json?.result?.apps[0].checks ?? [];
      expectReadable(run.stdout, 80, checks);
      expect(
        Math.max(
          ...stripVTControlCharacters(run.stdout)
            .split('\n')
            .map((l) => l.length),
        ),
      ).to.be.greaterThan(60);
    });

    it('counts in English: "1 warning", never "1 warnings"', async () => {
      const soon = await generateKeyAndCertificate(2048, { subject: 'CN=one-warning', days: 10 });
      await configureJwtApp(await adminConnection(emu), {
        name: 'One_Warning_App',
        certificatePem: soon.certificatePem,
        username: integration,
      });
      const run = await human(80, '--name', 'One_Warning_App', '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.stdout).to.match(/^12 passed, 1 warning, 0 failed\.$/m);
      const good = await human(80, '--name', 'Good_App', '--username', integration);
      expect(good.stdout).to.match(/^13 passed, 0 warnings, 0 failed\.$/m);
    });
  });

  describe('--verify: the login itself, as the pipeline makes it', () => {
    it('logs in as the integration user with the key and passes, writing nothing to the org', async () => {
      await emu.clearRequests();
      const run = await audit(
        '--name',
        'Good_App',
        '--username',
        integration,
        '--jwt-key-file',
        join(dir, 'server.key'),
        '--verify',
      );
      expect(run.exitCode, run.stdout).to.equal(0);
      const login = run.json?.result?.apps[0].checks.find((c) => c.id === 'login');
      expect(login?.status).to.equal('PASS');
      expect(login?.message).to.include(integration).and.include(emu.url);
      expect(await emu.writes()).to.deep.equal([]);
      const tokenRequests = (await emu.requests()).filter((r) => r.path === '/services/oauth2/token');
      expect(tokenRequests).to.have.length(1);
      expect(run.stdout).not.to.match(/"access_?[tT]oken"/);
    });

    it("fails with Salesforce's refusal diagnosed when the user holds none of the app's permission sets: exit 4", async () => {
      const key = await generateKeyAndCertificate(2048, { subject: 'CN=unassigned', days: 365 });
      const keyFile = join(dir, 'unassigned.key');
      await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
      await configureJwtApp(await adminConnection(emu), {
        name: 'Unassigned_App',
        certificatePem: key.certificatePem,
        username: integration,
        assign: false,
      });
      const run = await audit(
        '--name',
        'Unassigned_App',
        '--username',
        integration,
        '--jwt-key-file',
        keyFile,
        '--verify',
      );
      expect(run.exitCode).to.equal(4);
      const checks = run.json?.result?.apps[0].checks ?? [];
      expect(statuses(run)).to.include({ keyMatches: 'PASS', integrationUser: 'FAIL', login: 'FAIL' });
      const login = checks.find((c) => c.id === 'login');
      expect(login?.message).to.include('UserNotAdminApprovedError');
      expect(login?.fix).to.match(/\S/);
    });

    it('warns, and does not fail, while a new app is still propagating to the token endpoint', async () => {
      const slow = await startEmulator({ propagationMs: 600_000 });
      try {
        await storeAdminLogin(slow, 'emu-audit-slow');
        const key = await generateKeyAndCertificate(2048, { subject: 'CN=slow', days: 365 });
        const keyFile = join(dir, 'slow.key');
        await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
        const user = slow.ready.integrationUser.username;
        await configureJwtApp(await adminConnection(slow), {
          name: 'Slow_App',
          certificatePem: key.certificatePem,
          username: user,
        });
        const run = await runCommand<AuditResult>(Audit, [
          '--target-org',
          'emu-audit-slow',
          '--name',
          'Slow_App',
          '--username',
          user,
          '--jwt-key-file',
          keyFile,
          '--verify',
          '--json',
        ]);
        expect(run.exitCode, run.stdout).to.equal(0);
        const login = run.json?.result?.apps[0].checks.find((c) => c.id === 'login');
        expect(login?.status).to.equal('WARN');
        expect(run.json?.result?.summary.fail).to.equal(0);
      } finally {
        await slow.stop();
      }
    });

    it('needs --username and a key: a flag error before any request', async () => {
      await emu.clearRequests();
      const noKey = await audit('--name', 'Good_App', '--username', integration, '--verify');
      expect(noKey.exitCode).to.equal(2);
      const noUser = await audit('--name', 'Good_App', '--jwt-key-file', join(dir, 'server.key'), '--verify');
      expect(noUser.exitCode).to.equal(2);
      expect(await emu.requests()).to.deep.equal([]);
    });
  });

  describe('a fleet: several orgs in one run', () => {
    let other: RunningEmulator;
    before(async () => {
      other = await startEmulator();
      await storeAdminLogin(other, 'emu-audit-fleet');
      const soon = await generateKeyAndCertificate(2048, { subject: 'CN=fleet', days: 5 });
      await configureJwtApp(await adminConnection(other), {
        name: 'Fleet_App',
        certificatePem: soon.certificatePem,
        username: other.ready.integrationUser.username,
      });
    });
    after(() => other.stop());

    const fleet = (...args: string[]): Promise<CommandRun<AuditResult>> =>
      runCommand<AuditResult>(Audit, [
        '--target-org',
        'emu-audit-admin',
        '--target-org',
        'emu-audit-fleet',
        '--target-org',
        'no-such-org',
        ...args,
      ]);

    it('audits every org named, each app under its org, and an unreachable org as an error that does not stop the run: exit 4', async () => {
      const run = await fleet('--json');
      expect(run.exitCode, run.stdout).to.equal(4);
      const apps = run.json?.result?.apps ?? [];
      expect(apps.filter((a) => a.org === 'emu-audit-fleet').map((a) => a.name)).to.deep.equal(['Fleet_App']);
      expect(apps.filter((a) => a.org === 'emu-audit-admin').map((a) => a.name)).to.include('Good_App');
      expect(apps.every((a) => a.org !== undefined)).to.equal(true);
      const errors = run.json?.result?.errors ?? [];
      expect(errors.map((e) => e.org)).to.deep.equal(['no-such-org']);
      expect(errors[0].message).to.include('no-such-org');
      const fleetApp = apps.find((a) => a.name === 'Fleet_App');
      expect(fleetApp?.checks.find((c) => c.id === 'certificateExpiry')?.status).to.equal('WARN');
    });

    it('renders one block per app, the soonest certificate expiry first, and the unreachable org as an ERROR block', async () => {
      const run = await fleet();
      expect(run.exitCode).to.equal(4);
      const lines = run.stdout.split('\n');
      const row = (app: string): number => lines.findIndex((l) => l.includes(app));
      // Weak_App's certificate expired a month ago, Fleet_App's expires in 5 days, Good_App's in a year.
      expect(row('Weak_App'), run.stdout).to.be.greaterThan(-1).and.lessThan(row('Fleet_App'));
      expect(row('Fleet_App')).to.be.lessThan(row('Good_App'));
      expect(lines[row('Fleet_App')]).to.include('emu-audit-fleet');
      const errorRow = lines.find((l) => l.includes('no-such-org'));
      expect(errorRow, run.stdout).to.include('ERROR');
    });

    for (const width of [80, 120]) {
      it(`renders the fleet readable at ${width} columns: each check to act on, whole, and each unreachable org's reason`, async () => {
        const json = await fleet('--json');
        const result = json.json?.result;
        const toActOn = (result?.apps ?? []).flatMap((a) => a.checks).filter((c) => c.status !== 'PASS');
        expect(toActOn.length).to.be.greaterThan(3);
        const run = await atWidth(width, () => fleet());
        expect(run.exitCode).to.equal(4);
        expectReadable(
          run.stdout,
          width,
          toActOn,
          (result?.errors ?? []).map((e) => `${e.name}: ${e.message}`),
        );
        // Each app's fixes name its own org, as typed.
        expect(stripVTControlCharacters(run.stdout).replace(/ \\\n\s*/g, ' ')).to.include(
          'sf jwtapp cert rotate --target-org emu-audit-fleet --name Fleet_App',
        );
      });
    }
  });

  describe('bad input: a named error, nothing written', () => {
    it('refuses an app the org does not have', async () => {
      const run = await audit('--name', 'No_Such_App');
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('UnknownAppError');
    });

    it('refuses a key file that is not a key, before any request', async () => {
      const notKey = join(dir, 'not.key');
      await writeFile(notKey, 'hello');
      await emu.clearRequests();
      const run = await audit('--name', 'Good_App', '--jwt-key-file', notKey);
      expect(run.exitCode).to.equal(3);
      expect(run.json?.name).to.equal('NotPemError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org alias sf does not know, before any request', async () => {
      await emu.clearRequests();
      const run = await runCommand<AuditResult>(Audit, [
        '--target-org',
        'no-such-alias',
        '--name',
        'Good_App',
        '--json',
      ]);
      // sf's own error and message; exit 2, as any flag value that does not parse (connection/named-errors.ts).
      expect(run.exitCode).to.equal(2);
      expect(run.json?.name).to.equal('NamedOrgNotFoundError');
      expect(await emu.requests()).to.deep.equal([]);
    });

    it('refuses an org user who is not an admin', async () => {
      const key = await readFile(join(dir, 'server.key'), 'utf8');
      const clientId = String((await emu.state()).apps.find((a) => a.name === 'Good_App')?.consumerKey);
      const granted = await jwtLogin(
        emu.url,
        { iss: clientId, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        key,
      );
      await storeLogin(emu, granted.body.access_token, 'emu-audit-integration');
      const run = await runCommand<AuditResult>(Audit, [
        '--target-org',
        'emu-audit-integration',
        '--name',
        'Good_App',
        '--json',
      ]);
      expect(run.exitCode).to.equal(4);
      expect(run.json?.name).to.equal('NotAdminError');
      expect(run.json?.actions?.length ?? 0).to.be.greaterThan(0);
    });

    it('refuses --warn-days out of range as a flag error', async () => {
      const run = await audit('--name', 'Good_App', '--warn-days', '99999');
      expect(run.exitCode).to.equal(2);
    });
  });
});
