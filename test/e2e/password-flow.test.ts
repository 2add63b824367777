import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import Audit, { type AuditResult } from '../../src/commands/jwtapp/audit.js';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import PasswordFlowReport, { type PasswordFlowReportResult } from '../../src/commands/jwtapp/password-flow/report.js';
import PasswordFlowBlock, { type PasswordFlowSettingResult } from '../../src/commands/jwtapp/password-flow/block.js';
import PasswordFlowAllow from '../../src/commands/jwtapp/password-flow/allow.js';
import { daysToRetirement } from '../../src/password-flow/retirement.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, createUser, metadataOf, storeAdminLogin, testKey } from '../helpers/org.js';
import { jwtLogin } from '../helpers/token.js';
import { runCommand } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';
import { withFakeClock } from '../helpers/time.js';

const DAY_MS = 86_400_000;

/**
 * Issue 22's org: two Connected Apps used with the username-password flow by two users, a third app used only with
 * the JWT bearer flow. Audit and the report name exactly the two, each with the command that moves it; those
 * commands move both, verified, changing nothing else of the apps; the setting is turned off only once no such
 * login is left in the window, after which Salesforce refuses the flow; and it can be turned back on.
 */
describe("sf jwtapp password-flow, and audit's password-flow check", () => {
  let emu: RunningEmulator;
  let conn: Connection;
  /** How far the org's clock is ahead of this machine's: the window is moved by moving it. */
  let ahead = 0;
  const integration = (): string => emu.ready.integrationUser.username;
  let reporter: string;
  const secrets = new Map<string, { consumerKey: string; consumerSecret: string }>();
  const tokens = new Map<string, string>();

  const passwordLogin = async (app: string, username: string): Promise<{ status: number; body: unknown }> => {
    const { consumerKey, consumerSecret } = secrets.get(app) ?? { consumerKey: '', consumerSecret: '' };
    const response = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: consumerKey,
        client_secret: consumerSecret,
        username,
        password: `Tr0ub4dor-${username.length}${tokens.get(username) ?? ''}`,
      }),
    });
    return { status: response.status, body: await response.json() };
  };
  const connectedApp = async (name: string, label: string): Promise<void> => {
    const created = (await metadataOf(conn).create('ConnectedApp', {
      fullName: name,
      label,
      contactEmail: 'owner@example.com',
      description: `${label}: the nightly sync, as its vendor set it up`,
      oauthConfig: { callbackUrl: 'https://vendor.example.com/callback', scopes: ['Api', 'RefreshToken'] },
      oauthPolicy: { ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'infinite' },
    })) as { success: boolean };
    expect(created.success).to.equal(true);
    const app = (await emu.state()).apps.find((a) => a.name === name);
    secrets.set(name, { consumerKey: String(app?.consumerKey), consumerSecret: String(app?.consumerSecret) });
  };
  const setPassword = async (username: string): Promise<void> => {
    const answer = await fetch(`${emu.url}/__emulator/users/password`, {
      method: 'POST',
      body: JSON.stringify({ username, password: `Tr0ub4dor-${username.length}` }),
    });
    tokens.set(username, ((await answer.json()) as { securityToken: string }).securityToken);
  };
  const connectedAppMetadata = async (name: string): Promise<Record<string, unknown>> =>
    (await emu.state()).connectedApps.find((c) => c.fullName === name)?.metadata ?? {};

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true, now: () => Date.now() + ahead });
    await storeAdminLogin(emu, 'emu-pw');
    conn = await adminConnection(emu);
    reporter = `reporter@${emu.ready.admin.username.split('@')[1]}`;
    await createUser(conn, { username: reporter, profile: 'Standard User', lastName: 'Reporter', alias: 'report' });
    await connectedApp('Legacy_Sync', 'Legacy Sync');
    await connectedApp('Report_Bot', 'Report Bot');
    const { certificatePem, privateKeyPem } = await testKey();
    const modern = await configureJwtApp(conn, { name: 'Modern_Api', certificatePem, username: integration() });
    await setPassword(integration());
    await setPassword(reporter);
    // The org allows the flow, as an org created before Summer '23 does.
    await metadataOf(conn).update('OauthOidcSettings', { fullName: 'OauthOidc', blockOAuthUnPwFlow: false });
    for (const [app, user] of [
      ['Legacy_Sync', integration()],
      ['Legacy_Sync', integration()],
      ['Report_Bot', reporter],
    ]) {
      // eslint-disable-next-line no-await-in-loop
      expect((await passwordLogin(app, user)).status).to.equal(200);
    }
    const jwt = await jwtLogin(
      emu.url,
      { iss: modern.consumerKey, sub: integration(), aud: emu.url, exp: Math.floor(Date.now() / 1000) + 300 },
      privateKeyPem,
    );
    expect(jwt.status).to.equal(200);
  });
  after(() => emu.stop());

  it('audit names exactly the two apps and users, with the count, the last login, the days left and one runnable fix each', async () => {
    const run = await runCommand<AuditResult>(Audit, ['--target-org', 'emu-pw', '--json']);
    expect(run.exitCode, run.stdout).to.equal(4);
    const apps = run.json?.result?.apps ?? [];
    const failing = apps.flatMap((a) =>
      a.checks.filter((c) => c.id === 'password-flow' && c.status === 'FAIL').map((c) => ({ app: a.name, ...c })),
    );
    expect(failing.map((f) => [f.app, f.fix])).to.deep.equal([
      [
        'Legacy_Sync',
        `sf jwtapp setup --target-org emu-pw --name Legacy_Sync --app-type connected-app --username ${integration()}`,
      ],
      [
        'Report_Bot',
        `sf jwtapp setup --target-org emu-pw --name Report_Bot --app-type connected-app --username ${reporter}`,
      ],
    ]);
    const days = daysToRetirement(Date.now());
    expect(failing[0].message).to.match(
      new RegExp(
        `^${integration()} logged in through Legacy_Sync with the username-password flow 2 times in the last 30 days \\(2 accepted\\), the last on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\(Success\\)\\. Salesforce retires the flow for Connected Apps on 2027-02-20, in ${days} days`,
      ),
    );
    expect(failing[1].message).to.include(
      `${reporter} logged in through Report_Bot with the username-password flow once in the last 30 days (1 accepted)`,
    );
    const modern = apps.find((a) => a.name === 'Modern_Api');
    expect(modern?.checks.find((c) => c.id === 'password-flow')).to.include({ status: 'PASS' });
  });

  it('reports them sorted by the last login, the setting, the days left, and what each owner changes', async () => {
    const run = await runCommand<PasswordFlowReportResult>(PasswordFlowReport, ['--target-org', 'emu-pw', '--json']);
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json?.result;
    expect(result).to.include({ retirementDate: '2027-02-20', windowDays: 30, daysLeft: daysToRetirement(Date.now()) });
    const [org] = result?.orgs ?? [];
    expect(org.allowed).to.equal(true);
    expect(org.uses?.map((u) => [u.application, u.username, u.attempts, u.succeeded])).to.deep.equal([
      ['Report Bot', reporter, 1, 1],
      ['Legacy Sync', integration(), 2, 2],
    ]);
    const legacy = org.uses?.[1];
    expect(legacy?.app).to.deep.equal({
      kind: 'connected-app',
      name: 'Legacy_Sync',
      consumerKey: secrets.get('Legacy_Sync')?.consumerKey,
    });
    expect(legacy?.ownerChanges.join('\n')).to.include(`${emu.url}/services/oauth2/token`);
    expect(legacy?.ownerChanges.join('\n')).to.include(String(secrets.get('Legacy_Sync')?.consumerKey));
    expect(run.stdout + JSON.stringify(result)).not.to.include(String(secrets.get('Legacy_Sync')?.consumerSecret));
  });

  it('refuses to turn the flow off while it is used, naming each use, and writes nothing', async () => {
    const run = await runCommand<PasswordFlowSettingResult>(PasswordFlowBlock, ['--target-org', 'emu-pw', '--json']);
    expect(run.exitCode).to.equal(4);
    expect(run.json?.name).to.equal('StillUsedError');
    expect(run.json?.message).to.include(`Legacy Sync as ${integration()}`).and.include(`Report Bot as ${reporter}`);
    expect((await emu.state()).passwordFlowBlocked).to.equal(false);
  });

  it('moves both with the printed commands: each JWT login verified, nothing else of the apps changed', async () => {
    const report = await runCommand<PasswordFlowReportResult>(PasswordFlowReport, ['--target-org', 'emu-pw', '--json']);
    for (const use of report.json?.result?.orgs[0].uses ?? []) {
      const name = String(use.app?.name);
      // eslint-disable-next-line no-await-in-loop
      const before = await connectedAppMetadata(name);
      const args = use.fix.split(' ').slice(3);
      // eslint-disable-next-line no-await-in-loop
      const out = await tempDir('jwtapp-pw-');
      // eslint-disable-next-line no-await-in-loop
      const setup = await runCommand<SetupResult>(Setup, [...args, '--output-dir', out, '--json']);
      expect(setup.exitCode, setup.stdout).to.equal(0);
      expect(setup.json?.result?.verification).to.include({ success: true });
      expect(setup.json?.result?.clientId).to.equal(secrets.get(name)?.consumerKey);
      // eslint-disable-next-line no-await-in-loop
      const after = await connectedAppMetadata(name);
      const { oauthConfig: oauthBefore, permissionSetName: _a, ...restBefore } = before as Record<string, never>;
      const { oauthConfig: oauthAfter, permissionSetName: _b, ...restAfter } = after as Record<string, never>;
      void [_a, _b];
      expect(restAfter).to.deep.equal(restBefore);
      const { certificate, isAdminApproved, ...keptOauth } = oauthAfter as Record<string, unknown>;
      expect(keptOauth).to.deep.equal(oauthBefore);
      expect(certificate).to.be.a('string');
      expect(String(isAdminApproved)).to.equal('true');
    }
  });

  it('turns the flow off once no such login is left in the window; Salesforce then refuses it, and allow turns it back on', async () => {
    ahead = 31 * DAY_MS;
    const dryRun = await runCommand<PasswordFlowSettingResult>(PasswordFlowBlock, [
      '--target-org',
      'emu-pw',
      '--dry-run',
      '--json',
    ]);
    expect(dryRun.json?.result).to.deep.include({ changed: false, dryRun: true, allowed: true });
    expect((await emu.state()).passwordFlowBlocked).to.equal(false);
    const block = await runCommand<PasswordFlowSettingResult>(PasswordFlowBlock, ['--target-org', 'emu-pw', '--json']);
    expect(block.exitCode, block.stdout).to.equal(0);
    expect(block.json?.result).to.deep.include({ changed: true, allowed: false });
    expect((await emu.state()).passwordFlowBlocked).to.equal(true);
    expect(await passwordLogin('Legacy_Sync', integration())).to.deep.equal({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authentication failure' },
    });
    const history = (await emu.state()).loginHistory;
    expect(history[history.length - 1]).to.include({
      Status: 'Username-Password Flow Disabled',
      Application: 'Legacy Sync',
    });
    const again = await runCommand<PasswordFlowSettingResult>(PasswordFlowBlock, ['--target-org', 'emu-pw', '--json']);
    expect(again.json?.result).to.deep.include({ changed: false, allowed: false });

    const allow = await runCommand<PasswordFlowSettingResult>(PasswordFlowAllow, ['--target-org', 'emu-pw', '--json']);
    expect(allow.json?.result).to.deep.include({ changed: true, allowed: true });
    expect((await passwordLogin('Legacy_Sync', integration())).status).to.equal(200);
  });

  it('reports a fleet with an unknown and an unreachable org as error rows, and goes on', async () => {
    // An org sf is logged in to whose server no longer answers.
    const gone = await startEmulator();
    await storeAdminLogin(gone, 'emu-pw-gone');
    await gone.stop();
    const run = await withFakeClock(() =>
      runCommand<PasswordFlowReportResult>(PasswordFlowReport, [
        '--target-org',
        'emu-pw',
        '--target-org',
        'no-such-org',
        '--target-org',
        'emu-pw-gone',
        '--json',
      ]),
    );
    expect(run.exitCode).to.equal(4);
    const orgs = run.json?.result?.orgs ?? [];
    expect(orgs.map((o) => [o.org, o.error?.name ?? 'ok'])).to.deep.equal([
      ['emu-pw', 'ok'],
      ['no-such-org', 'NamedOrgNotFoundError'],
      ['emu-pw-gone', 'OrgNotAnsweringError'],
    ]);
    expect(orgs[0].allowed).to.equal(true);
  });
});
