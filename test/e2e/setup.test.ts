import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { stripVTControlCharacters } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  certificateBodyOf,
  configureJwtApp,
  metadataOf,
  otherKey,
  storeAdminLogin,
  storeLogin,
  testKey,
} from '../helpers/org.js';
import { useFakeClock } from '../helpers/time.js';
import Token, { type TokenResult } from '../../src/commands/jwtapp/token.js';
import Audit, { type AuditResult } from '../../src/commands/jwtapp/audit.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { SEEDED_APPS } from '../emulator/seed.js';
import { tempDir } from '../helpers/temp.js';
import { writesIn } from '../helpers/writes.js';

describe('sf jwtapp setup', () => {
  let emu: RunningEmulator;
  let dir: string;
  let integration: string;

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-admin');
    integration = emu.ready.integrationUser.username;
  });
  after(() => emu.stop());
  beforeEach(async () => {
    dir = await tempDir('jwtapp-setup-');
  });

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'emu-admin', '--json', ...args]);

  describe('on a fresh org', () => {
    let run: CommandRun<SetupResult>;
    let freshDir: string;
    before(async () => {
      freshDir = await tempDir('jwtapp-setup-fresh-');
      dir = freshDir;
      await emu.clearRequests();
      run = await setup('--name', 'Fresh_Integration', '--username', integration, '--output-dir', freshDir);
    });

    it('creates an External Client App and reports what a pipeline needs', () => {
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as SetupResult;
      expect(result).to.include({ status: 'created', username: integration, loginUrl: emu.url, audience: emu.url });
      expect(result.app).to.deep.equal({
        kind: 'external-client-app',
        name: 'Fresh_Integration',
        label: 'Fresh Integration',
      });
      expect(result.clientId).to.match(/^3MVG9/);
      expect(result.loginCommand).to.equal(
        `sf org login jwt --username ${integration} --client-id ${result.clientId ?? ''} --jwt-key-file ${join(freshDir, 'server.key')} --instance-url ${emu.url}`,
      );
      expect(result.verification).to.include({ success: true, username: integration });
    });

    it('leaves the org configured: certificate, scopes, admin-approved, permission set granted and assigned', async () => {
      const state = await emu.state();
      const app = state.apps.find((a) => a.name === 'Fresh_Integration');
      const cert = await readFile(join(freshDir, 'server.crt'), 'utf8');
      expect(app).to.include({
        kind: 'external-client-app',
        adminApproved: true,
        enabled: true,
        consumerKey: run.json?.result?.clientId,
      });
      expect(new X509Certificate(app?.certificate ?? '').fingerprint256).to.equal(
        new X509Certificate(cert).fingerprint256,
      );
      expect(app?.scopes).to.have.members(['Api', 'RefreshToken']);
      const ps = state.permissionSets.find((p) => p.Name === 'Fresh_Integration_Access');
      expect(ps).to.not.equal(undefined);
      expect(state.setupEntityAccess.some((a) => a.ParentId === ps?.Id && a.SetupEntityId === app?.id)).to.equal(true);
      const user = state.users.find((u) => u.Username === integration);
      expect(
        state.permissionSetAssignments.some((a) => a.AssigneeId === user?.Id && a.PermissionSetId === ps?.Id),
      ).to.equal(true);
    });

    it('writes the app with one Metadata API deploy, as every public tool does, and no CRUD write', async () => {
      const log = await emu.requests();
      // The Metadata API writes are that one deploy; the permission set and its assignment go in one REST Composite request.
      expect(writesIn(log)).to.deep.equal(['POST /services/data/vXX/composite', 'deploy']);
      const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === 'Fresh_Integration');
      // All five components in that one deploy, the policies under the names Setup gives them; Salesforce generates none.
      expect(eca?.components.ExtlClntAppOauthConfigurablePolicies?.fullName).to.equal('Fresh_Integration_oauthPlcy');
      expect(eca?.components.ExtlClntAppConfigurablePolicies?.metadata).to.include({
        fullName: 'Fresh_Integration_plcy',
        isEnabled: true,
        label: 'Fresh_Integration_plcy',
      });
      expect(log.filter((r) => r.soapOperation === 'deploy')).to.have.length(1);
    });

    it('writes the key 0600 and never prints it', async () => {
      expect((await stat(join(freshDir, 'server.key'))).mode & 0o777).to.equal(0o600);
      expect(run.stdout + run.stderr).not.to.include('PRIVATE KEY');
    });

    it('changes nothing when run again, and says so', async () => {
      await emu.clearRequests();
      const again = await setup('--name', 'Fresh_Integration', '--username', integration, '--output-dir', freshDir);
      expect(again.exitCode, again.stdout).to.equal(0);
      expect(again.json?.result?.status).to.equal('unchanged');
      expect(again.json?.result?.changes).to.deep.equal([]);
      expect(again.json?.result?.clientId).to.equal(run.json?.result?.clientId);
      expect(await emu.writes()).to.deep.equal([]);
      // As few requests as the APIs allow: one REST batch (which also finds the app and its label), one listMetadata
      // of the three component types (components are found by their link, not their names), one readMetadata per
      // type (one type a call), whether the app is enabled (its app policies: one listMetadata, one readMetadata; a
      // blocked app is refused before any write), and the token: the user's profile grants API Enabled, so no REST
      // read follows it.
      const calls = (await emu.requests()).map(
        (r) => r.soapOperation ?? `${r.method} ${r.path.replace(/\/v\d+\.0\//, '/vXX/')}`,
      );
      expect(calls).to.deep.equal([
        'POST /services/data/vXX/composite/batch',
        'listMetadata',
        'readMetadata',
        'readMetadata',
        'readMetadata',
        'listMetadata',
        'readMetadata',
        'POST /services/oauth2/token',
      ]);
    });
  });

  describe('warnings of the login check', () => {
    it("shows the ones its login check finds, as verify does: a clock that differs from Salesforce's", async () => {
      const skewed = await startEmulator({ now: () => Date.now() + 90_000 });
      try {
        await storeAdminLogin(skewed, 'emu-skewed-admin');
        const run = await runCommand<SetupResult>(Setup, [
          '--target-org',
          'emu-skewed-admin',
          '--json',
          '--name',
          'Skewed_App',
          '--username',
          skewed.ready.integrationUser.username,
          '--output-dir',
          join(dir, 'skewed'),
        ]);
        expect(run.exitCode, run.stdout).to.equal(0);
        expect(
          run.json?.warnings?.some((w) => w.includes('seconds behind Salesforce')),
          JSON.stringify(run.json?.warnings),
        ).to.equal(true);
        expect(run.json?.result?.verification?.warnings?.some((w) => w.includes('seconds behind Salesforce'))).to.equal(
          true,
        );
      } finally {
        await skewed.stop();
      }
    });
  });

  describe('apps an admin made in Setup, with fields setup never sets (emulator --seed-apps)', () => {
    let seeded: RunningEmulator;
    const componentsOf = async (
      name: string,
    ): Promise<Record<string, { fullName: string; metadata: Record<string, unknown> } | null>> =>
      (await seeded.state()).externalClientApps.find((a) => a.fullName === name)?.components ?? {};

    before(async () => {
      seeded = await startEmulator({ seedApps: true });
      await storeAdminLogin(seeded, 'emu-seeded-admin');
    });
    after(() => seeded.stop());

    const setupSeeded = (name: string, out: string): Promise<CommandRun<SetupResult>> =>
      runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-seeded-admin',
        '--json',
        '--name',
        name,
        '--username',
        seeded.ready.integrationUser.username,
        '--output-dir',
        out,
      ]);

    it('updates the External Client App and keeps every field it did not need to change', async () => {
      const before = await componentsOf(SEEDED_APPS.externalClientApp);
      const header = (await seeded.state()).externalClientApps.find(
        (a) => a.fullName === SEEDED_APPS.externalClientApp,
      )?.metadata;
      const run = await setupSeeded(SEEDED_APPS.externalClientApp, join(dir, 'seeded-eca'));
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.include({ status: 'updated' });
      expect(run.json?.result?.verification).to.include({ success: true });
      const after = await componentsOf(SEEDED_APPS.externalClientApp);
      const oauth = after.ExtlClntAppOauthSettings?.metadata ?? {};
      expect(after.ExtlClntAppOauthSettings?.fullName).to.equal('SetupMadeEcaOAuthSettings');
      expect(oauth).to.deep.include({
        oauthLink: before.ExtlClntAppOauthSettings?.metadata.oauthLink,
        customAttributes: before.ExtlClntAppOauthSettings?.metadata.customAttributes,
        trustedIpRanges: before.ExtlClntAppOauthSettings?.metadata.trustedIpRanges,
        commaSeparatedOauthScopes: 'Api, Web, OpenID, RefreshToken',
      });
      const global = after.ExtlClntAppGlobalOauthSettings?.metadata ?? {};
      expect(global).to.deep.include({
        callbackUrl: 'https://vendor.example/oauth/callback',
        isPkceRequired: true,
        isSecretRequiredForRefreshToken: true,
        idTokenConfig: before.ExtlClntAppGlobalOauthSettings?.metadata.idTokenConfig,
        consumerKey: before.ExtlClntAppGlobalOauthSettings?.metadata.consumerKey,
      });
      expect(String(global.certificate)).to.include('BEGIN CERTIFICATE');
      const policies = after.ExtlClntAppOauthConfigurablePolicies?.metadata ?? {};
      expect(policies).to.deep.include({
        fullName: 'SetupMadeEcaOAuthSettings_defaultPolicy',
        commaSeparatedProfile: 'System Administrator',
        customAttributes: before.ExtlClntAppOauthConfigurablePolicies?.metadata.customAttributes,
        refreshTokenValidityPeriod: 90,
        sessionTimeoutInMinutes: 120,
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      });
      // The header was not sent again, so Salesforce's org-scoped name is as it was.
      expect(
        (await seeded.state()).externalClientApps.find((a) => a.fullName === SEEDED_APPS.externalClientApp)?.metadata,
      ).to.deep.equal(header);
    });

    it('updates the Connected App and keeps every field it did not need to change', async () => {
      const before =
        (await seeded.state()).connectedApps.find((a) => a.fullName === SEEDED_APPS.connectedApp)?.metadata ?? {};
      const run = await setupSeeded(SEEDED_APPS.connectedApp, join(dir, 'seeded-ca'));
      expect(run.exitCode, run.stdout).to.equal(0);
      const after =
        (await seeded.state()).connectedApps.find((a) => a.fullName === SEEDED_APPS.connectedApp)?.metadata ?? {};
      expect(after).to.deep.include({
        attributes: before.attributes,
        oauthPolicy: before.oauthPolicy,
        profileName: before.profileName,
        description: before.description,
      });
      expect(after.oauthConfig).to.deep.include({
        callbackUrl: 'https://vendor.example/oauth/callback',
        isPkceRequired: true,
        isAdminApproved: true,
        idTokenConfig: (before.oauthConfig as Record<string, unknown>).idTokenConfig,
        scopes: ['Web', 'OpenID', 'Api', 'RefreshToken'],
      });
    });
  });

  describe("ActiFi's guide: an existing Connected App with settings of its own", () => {
    const NAME = 'SuccessPro_Connected_App';
    let ca: RunningEmulator;
    let run: CommandRun<SetupResult>;
    let consumerKey: string;

    const appMetadata = async (): Promise<Record<string, unknown>> =>
      (await ca.state()).connectedApps.find((a) => a.fullName === NAME)?.metadata ?? {};

    before(async () => {
      ca = await startEmulator({ allowConnectedAppCreation: true });
      await storeAdminLogin(ca, 'emu-ca-admin');
      const conn = await adminConnection(ca);
      await metadataOf(conn).create('PermissionSet', { fullName: 'SuccessPro_Users', label: 'SuccessPro users' });
      const saved = await metadataOf(conn).create('ConnectedApp', {
        fullName: NAME,
        label: 'SuccessPro Connected App',
        contactEmail: 'dev@actifi.example',
        description: "Made by hand, as ActiFi's guide describes",
        oauthConfig: {
          callbackUrl: 'https://successpro.example.com/oauth/callback',
          scopes: ['Web', 'Chatter', 'OpenID'],
          isAdminApproved: false,
        },
        oauthPolicy: { ipRelaxation: 'BYPASS', refreshTokenPolicy: 'infinite' },
        profileName: ['Standard User'],
        permissionSetName: ['SuccessPro_Users'],
      });
      expect(saved).to.include({ success: true });
      consumerKey = String(((await appMetadata()).oauthConfig as Record<string, unknown>).consumerKey);
      await ca.clearRequests();
      dir = await tempDir('jwtapp-setup-seed000-');
      run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-ca-admin',
        '--name',
        NAME,
        '--username',
        ca.ready.integrationUser.username,
        '--output-dir',
        dir,
        '--json',
      ]);
    });
    after(() => ca.stop());

    it('updates the Connected App (not a new External Client App) and keeps its consumer key', () => {
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result).to.deep.include({ status: 'updated', clientId: consumerKey });
      expect(run.json?.result?.app.kind).to.equal('connected-app');
    });

    it('keeps the callback URL, other scopes, the profile, the other permission set, policies and description', async () => {
      const app = await appMetadata();
      const oauth = app.oauthConfig as Record<string, unknown>;
      expect(oauth.callbackUrl).to.equal('https://successpro.example.com/oauth/callback');
      expect(oauth.scopes).to.have.members(['Web', 'Chatter', 'OpenID', 'Api', 'RefreshToken']);
      expect(app.profileName).to.deep.equal(['Standard User']);
      expect(app.oauthPolicy).to.deep.equal({ ipRelaxation: 'BYPASS', refreshTokenPolicy: 'infinite' });
      expect(app.description).to.equal("Made by hand, as ActiFi's guide describes");
      const state = await ca.state();
      const granted = state.setupEntityAccess
        .filter((a) => a.SetupEntityId === state.connectedApps[0].id)
        .map((a) => state.permissionSets.find((p) => p.Id === a.ParentId)?.Name);
      expect(granted).to.have.members(['SuccessPro_Users', `${NAME}_Access`]);
    });

    it('adds the certificate, admin-approved and the permission set, and the user logs in', async () => {
      const oauth = (await appMetadata()).oauthConfig as Record<string, unknown>;
      expect(oauth.isAdminApproved).to.equal(true);
      expect(new X509Certificate(Buffer.from(String(oauth.certificate), 'base64')).fingerprint256).to.equal(
        run.json?.result?.certificateFingerprint,
      );
      expect(run.json?.result?.verification?.success).to.equal(true);
    });

    it('assigns the permission set before it switches the live app to admin-approved', async () => {
      const log = await ca.requests();
      // The new permission set and its assignment go in one Composite request.
      const assignment = log.findIndex((r) => r.method === 'POST' && r.path.endsWith('/composite'));
      const update = log.findIndex((r) => r.soapOperation === 'updateMetadata');
      expect(assignment).to.be.greaterThan(-1);
      expect(update).to.be.greaterThan(assignment);
    });
  });

  describe('a Connected App that holds its certificate as its base64 body alone, as real orgs return it', () => {
    it('re-runs with no write, and audit reads the certificate', async () => {
      const ca = await startEmulator({ allowConnectedAppCreation: true });
      try {
        await storeAdminLogin(ca, 'emu-body-admin');
        const user = ca.ready.integrationUser.username;
        const args = [
          '--target-org',
          'emu-body-admin',
          '--name',
          'Body_Cert_App',
          '--username',
          user,
          '--output-dir',
          dir,
          '--cert-days',
          '20',
          '--json',
        ];
        const { certificatePem } = await testKey();
        await metadataOf(await adminConnection(ca)).create('ConnectedApp', {
          fullName: 'Body_Cert_App',
          contactEmail: 'dev@acme.example',
          label: 'Body Cert App',
          oauthConfig: {
            callbackUrl: 'https://acme.example/cb',
            certificate: certificateBodyOf(certificatePem),
            scopes: ['Api'],
          },
        });
        // The pipeline brings the key and certificate it holds; the org holds the same certificate, in the other form.
        await writeFile(join(dir, 'held.crt'), certificatePem);
        await writeFile(join(dir, 'held.key'), (await testKey()).privateKeyPem, { mode: 0o600 });
        const first = await runCommand<SetupResult>(Setup, [
          ...args,
          '--certificate-file',
          join(dir, 'held.crt'),
          '--private-key-file',
          join(dir, 'held.key'),
        ]);
        expect(first.exitCode, first.stdout).to.equal(0);
        const stored = (await ca.state()).connectedApps[0].metadata.oauthConfig as Record<string, unknown>;
        expect(stored.certificate).to.equal(certificateBodyOf(certificatePem));
        await ca.clearRequests();
        const again = await runCommand<SetupResult>(Setup, [
          ...args,
          '--certificate-file',
          join(dir, 'held.crt'),
          '--private-key-file',
          join(dir, 'held.key'),
        ]);
        expect(again.exitCode, again.stdout).to.equal(0);
        expect(again.json?.result?.status).to.equal('unchanged');
        expect(await ca.writes()).to.deep.equal([]);
        const audit = await runCommand<AuditResult>(Audit, [
          '--target-org',
          'emu-body-admin',
          '--name',
          'Body_Cert_App',
          '--username',
          user,
          '--jwt-key-file',
          join(dir, 'held.key'),
          '--warn-days',
          '7',
          '--json',
        ]);
        const checks = Object.fromEntries((audit.json?.result?.apps[0]?.checks ?? []).map((c) => [c.id, c.status]));
        expect(checks).to.include({ certificateExpiry: 'PASS', keySize: 'PASS', keyMatches: 'PASS' });
        expect(checks).to.not.have.property('certificateParses');
      } finally {
        await ca.stop();
      }
    });
  });

  describe('an existing External Client App whose components have names of their own', () => {
    it('finds them by their link to the app and updates them in place', async () => {
      const conn = await adminConnection(emu);
      const link = { externalClientApplication: 'Odd_Eca', label: 'Odd' };
      await metadataOf(conn).create('ExternalClientApplication', {
        fullName: 'Odd_Eca',
        label: 'Odd',
        contactEmail: 'a@example.com',
        distributionState: 'Local',
      });
      await metadataOf(conn).create('ExtlClntAppOauthSettings', {
        fullName: 'OddScopes',
        ...link,
        commaSeparatedOauthScopes: 'Api,Web',
      });
      await metadataOf(conn).create('ExtlClntAppGlobalOauthSettings', {
        fullName: 'OddGlobal',
        ...link,
        callbackUrl: 'https://odd.example/cb',
      });
      // Salesforce generated the policies when the OAuth settings were saved, and named them after those.
      await metadataOf(conn).update('ExtlClntAppOauthConfigurablePolicies', {
        fullName: 'OddScopes_defaultPolicy',
        ...link,
        permittedUsersPolicyType: 'AllSelfAuthorized',
      });
      const run = await setup('--name', 'Odd_Eca', '--username', integration, '--output-dir', join(dir, 'odd'));
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.status).to.equal('updated');
      const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === 'Odd_Eca');
      expect(eca?.components.ExtlClntAppGlobalOauthSettings?.fullName).to.equal('OddGlobal');
      expect(eca?.components.ExtlClntAppGlobalOauthSettings?.metadata).to.include({
        callbackUrl: 'https://odd.example/cb',
      });
      expect(String(eca?.components.ExtlClntAppGlobalOauthSettings?.metadata.certificate)).to.include(
        'BEGIN CERTIFICATE',
      );
      expect(eca?.components.ExtlClntAppOauthSettings?.metadata).to.include({
        fullName: 'OddScopes',
        commaSeparatedOauthScopes: 'Api, Web, RefreshToken',
      });
      expect(eca?.components.ExtlClntAppOauthConfigurablePolicies?.metadata).to.include({
        fullName: 'OddScopes_defaultPolicy',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      });
    });
  });

  describe("Kantiv's guide: scopes given as OAuth names, some of which Salesforce folds together", () => {
    const SCOPES = 'id, profile, email, address, phone, api, openid, refresh_token';

    it('sets them on a new app and finds them unchanged on a re-run', async () => {
      const first = await setup(
        '--name',
        'Seed003_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--scopes',
        SCOPES,
      );
      expect(first.exitCode, first.stdout).to.equal(0);
      const app = (await emu.state()).apps.find((a) => a.name === 'Seed003_App');
      expect(app?.scopes).to.have.members(['Basic', 'Api', 'OpenID', 'RefreshToken']);
      expect(first.json?.result?.verification?.scopes).to.have.members(['id', 'api', 'openid', 'refresh_token']);
      await emu.clearRequests();
      const again = await setup(
        '--name',
        'Seed003_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--scopes',
        SCOPES,
      );
      expect(again.json?.result?.status).to.equal('unchanged');
      expect(await emu.writes()).to.deep.equal([]);
    });
  });

  describe('--dry-run', () => {
    it('prints the plan and writes nothing, to the org or to disk', async () => {
      await emu.clearRequests();
      const run = await setup('--name', 'Dry_Run_App', '--username', integration, '--output-dir', dir, '--dry-run');
      expect(run.exitCode, run.stdout).to.equal(0);
      const result = run.json?.result as SetupResult;
      expect(result).to.include({ status: 'planned', dryRun: true });
      expect(result.changes.map((c) => c.kind)).to.deep.equal([
        'write-file',
        'write-file',
        'create-permission-set',
        'assign-permission-set',
        'create-app',
      ]);
      expect(result.changes[4].description).to.include('Create the External Client App Dry_Run_App');
      // The public shape: what, where and in words; nothing of the plan's internals.
      expect(result.changes.slice(2)).to.deep.equal([
        { kind: 'create-permission-set', target: 'Dry_Run_App_Access', description: result.changes[2].description },
        {
          kind: 'assign-permission-set',
          target: `Dry_Run_App_Access -> ${integration}`,
          description: result.changes[3].description,
        },
        { kind: 'create-app', target: 'Dry_Run_App', description: result.changes[4].description },
      ]);
      expect(await emu.writes()).to.deep.equal([]);
      expect((await emu.requests()).filter((r) => r.path === '/services/oauth2/token')).to.deep.equal([]);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(dir)).to.deep.equal([]);
    });

    it('shows the plan in human output', async () => {
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-admin',
        '--name',
        'Dry_Run_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dry-run',
      ]);
      expect(run.stdout)
        .to.include('Dry run')
        .and.include('Create the permission set Dry_Run_App_Access')
        .and.include(`Assign the permission set Dry_Run_App_Access to ${integration}`);
    });
  });

  describe('in a terminal (no --json)', () => {
    /**
     * What a user reads, without colour: each line, a table row as its cells joined by ' | '. In a terminal the table
     * is boxed; where CI is set (a pipeline's log), @oclif/table prints it plain — a heading, a rule of dashes, and
     * rows padded to the column widths — so both are read back to the same lines.
     */
    const screen = (stdout: string): string[] => {
      const lines = stripVTControlCharacters(stdout).split('\n');
      const boxed = lines.some((line) => line.startsWith('│'));
      if (boxed)
        return lines
          .filter((line) => !/^[┌├└]/.test(line))
          .map((line) =>
            line.startsWith('│')
              ? line
                  .split('│')
                  .slice(1, -1)
                  .map((cell) => cell.trim())
                  .join(' | ')
              : line,
          );
      const rule = lines.findIndex((line) => /^-+$/.test(line));
      const heading = lines[rule - 1] ?? '';
      // The second column starts where the heading's second word does.
      const split = heading.search(/\S+\s*$/);
      const rows = lines.slice(rule + 1).findIndex((line) => !line.startsWith(' ') || line.trim() === '') + rule + 1;
      const cells = (line: string): string => `${line.slice(0, split).trim()} | ${line.slice(split).trim()}`;
      return [
        ...lines.slice(0, rule - 1),
        cells(heading),
        ...lines.slice(rule + 1, rows).map(cells),
        ...lines.slice(rows),
      ];
    };
    let terminalDir: string;
    /** Runs setup without --json, as in a terminal or (ci) in a pipeline's log, where CI is set. */
    const terminal = async (ci: boolean): Promise<CommandRun<SetupResult>> => {
      const saved = { CI: process.env.CI, skip: process.env.OCLIF_TABLE_SKIP_CI_CHECK };
      if (ci) process.env.CI = 'true';
      else delete process.env.CI;
      delete process.env.OCLIF_TABLE_SKIP_CI_CHECK;
      try {
        return await runCommand<SetupResult>(Setup, [
          '--target-org',
          'emu-admin',
          '--name',
          'Terminal_App',
          '--username',
          integration,
          '--output-dir',
          terminalDir,
        ]);
      } finally {
        for (const [name, value] of [
          ['CI', saved.CI],
          ['OCLIF_TABLE_SKIP_CI_CHECK', saved.skip],
        ] as const)
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
      }
    };
    /** The summary table and the login line, the same after a first run and a re-run. */
    const summary = async (): Promise<string[]> => {
      const clientId = String((await emu.state()).apps.find((a) => a.name === 'Terminal_App')?.consumerKey);
      const expires = new X509Certificate(
        await readFile(join(terminalDir, 'server.crt'), 'utf8'),
      ).validToDate.toISOString();
      const key = join(terminalDir, 'server.key');
      return [
        'Field | Value',
        `Client id (consumer key) | ${clientId}`,
        `Username | ${integration}`,
        `Login URL | ${emu.url}`,
        `Audience | ${emu.url}`,
        `Private key | ${key}`,
        `Certificate expires | ${expires}`,
        'Login verified | yes (1 attempt)',
        '',
        '',
        'Log in from a pipeline with:',
        `  sf org login jwt --username ${integration} --client-id ${clientId} --jwt-key-file ${key} --instance-url ${emu.url}`,
        '',
      ];
    };
    before(async () => {
      terminalDir = await tempDir('jwtapp-setup-terminal-');
    });

    it('prints the changes it makes, then what it made as a boxed table', async () => {
      const run = await terminal(false);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^┌─+┬─+┐$/m);
      expect(screen(run.stdout)).to.deep.equal([
        'Changes:',
        `  1. Write the private key to ${join(terminalDir, 'server.key')}`,
        `  2. Write the certificate to ${join(terminalDir, 'server.crt')}`,
        '  3. Create the permission set Terminal_App_Access',
        `  4. Assign the permission set Terminal_App_Access to ${integration}`,
        '  5. Create the External Client App Terminal_App (certificate: the new certificate; OAuth scopes: Api, RefreshToken; ' +
          'permitted users: admin approved users are pre-authorized; pre-authorized permission sets: Terminal_App_Access)',
        'Created Terminal_App.',
        ...(await summary()),
      ]);
    });

    it("says a re-run has nothing to change, and shows the same table, plain in a pipeline's log", async () => {
      const run = await terminal(true);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(stripVTControlCharacters(run.stdout)).to.match(/^-+$/m).and.not.match(/[┌│└]/);
      expect(screen(run.stdout)).to.deep.equal([
        'Nothing to change.',
        'Terminal_App was already set up: unchanged.',
        ...(await summary()),
      ]);
    });
  });

  describe('across a propagation delay', () => {
    const fake = new FakeClock();
    let slow: RunningEmulator;
    useFakeClock(fake);
    before(async () => {
      slow = await startEmulator({ propagationMs: 6 * 60_000, now: fake.now });
      await storeAdminLogin(slow, 'emu-slow-admin');
    });
    after(() => slow.stop());

    it('waits until the new app reaches the token endpoint, then reports the login verified', async () => {
      const started = fake.now();
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-slow-admin',
        '--name',
        'Slow_App',
        '--username',
        slow.ready.integrationUser.username,
        '--output-dir',
        dir,
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      const verification = run.json?.result?.verification;
      expect(verification?.success).to.equal(true);
      expect(verification?.attempts).to.be.greaterThan(3);
      expect(fake.now() - started).to.be.within(6 * 60_000, 6 * 60_000 + 20_000);
    });

    it('stops after --wait with exit 5 when the app has not propagated yet, the org changes kept', async () => {
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-slow-admin',
        '--name',
        'Slower_App',
        '--username',
        slow.ready.integrationUser.username,
        '--output-dir',
        join(dir, 'slower'),
        '--wait',
        '1',
        '--json',
      ]);
      expect(run.exitCode).to.equal(5);
      expect(run.json?.name).to.equal('ClientIdInvalidError');
      expect(run.json?.result?.status).to.equal('created');
      expect((await slow.state()).apps.some((a) => a.name === 'Slower_App')).to.equal(true);
    });
  });

  describe('files for CI', () => {
    it("writes an env file (0600) without the key unless asked, and the settings JSON of Onify's guide", async () => {
      const env = join(dir, 'jwt.env');
      const settings = join(dir, 'settings.json');
      const run = await setup(
        '--name',
        'Ci_Files_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dotenv-file',
        env,
        '--settings-file',
        settings,
      );
      expect(run.exitCode, run.stdout).to.equal(0);
      const text = await readFile(env, 'utf8');
      expect(text)
        .to.include(`SF_USERNAME=${integration}`)
        .and.include(`SF_CLIENT_ID=${run.json?.result?.clientId ?? ''}`)
        .and.include(`SF_JWT_KEY_FILE=${join(dir, 'server.key')}`);
      expect(text).not.to.include('PRIVATE KEY');
      expect((await stat(env)).mode & 0o777).to.equal(0o600);
      const json = JSON.parse(await readFile(settings, 'utf8')) as Record<string, string>;
      expect(json).to.include({
        Username: integration,
        ClientId: run.json?.result?.clientId,
        InstanceUrl: emu.url,
        InstanceAPIVersion: 'v68.0',
      });
      expect(json.PrivateKey).to.equal((await readFile(join(dir, 'server.key'), 'utf8')).trim());
      expect((await stat(settings)).mode & 0o777).to.equal(0o600);

      // The same run again: files that already say the same are not written again, and a loosened mode is put back.
      const written = await stat(env);
      await chmod(env, 0o644);
      const again = await setup(
        '--name',
        'Ci_Files_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dotenv-file',
        env,
        '--settings-file',
        settings,
      );
      expect(again.exitCode, again.stdout).to.equal(0);
      expect(again.json?.result?.files).to.deep.equal({ envFile: env, settingsFile: settings });
      expect((await stat(env)).mtimeMs).to.equal(written.mtimeMs);
      expect((await stat(env)).mode & 0o777).to.equal(0o600);

      // Other values (the key now included) are not written over the file unless asked; asking keeps the key pair.
      const before = await readFile(env, 'utf8');
      const refused = await setup(
        '--name',
        'Ci_Files_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dotenv-file',
        env,
        '--dotenv-include-key',
      );
      expect({ exitCode: refused.exitCode, name: refused.json?.name }).to.deep.equal({
        exitCode: 3,
        name: 'CiFileDiffersError',
      });
      expect(refused.json?.message).to.include('SF_JWT_KEY').and.not.include('PRIVATE KEY');
      expect(refused.json?.actions?.join(' ')).to.include('--replace-ci-files');
      expect(await readFile(env, 'utf8')).to.equal(before);

      const withKey = await setup(
        '--name',
        'Ci_Files_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--dotenv-file',
        env,
        '--dotenv-include-key',
        '--replace-ci-files',
      );
      expect(withKey.json?.result?.status).to.equal('unchanged');
      expect(await readFile(env, 'utf8')).to.include(`SF_JWT_KEY="-----BEGIN ${'PRIVATE'} KEY-----\\n`);
    });

    it("replaces a file sf jwtapp did not write only with --replace-ci-files, and stops before changing the org when an earlier run's file holds another app's values", async () => {
      const foreign = join(dir, 'project.env');
      await writeFile(foreign, 'DATABASE_URL=postgres://localhost/app\n');
      const refused = await setup(
        '--name',
        'Ci_Foreign_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'foreign'),
        '--dotenv-file',
        foreign,
      );
      expect({ exitCode: refused.exitCode, name: refused.json?.name }).to.deep.equal({
        exitCode: 3,
        name: 'CiFileNotOursError',
      });
      expect(await readFile(foreign, 'utf8')).to.equal('DATABASE_URL=postgres://localhost/app\n');
      expect((await emu.state()).apps.some((a) => a.name === 'Ci_Foreign_App')).to.equal(false);

      // An earlier run's file for another app: a new app gets a new client id, so the run stops before writing the org.
      const other = join(dir, 'other.env');
      const first = await setup(
        '--name',
        'Ci_First_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'first'),
        '--dotenv-file',
        other,
      );
      expect(first.exitCode, first.stdout).to.equal(0);
      const stale = await setup(
        '--name',
        'Ci_Second_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'second'),
        '--dotenv-file',
        other,
      );
      expect({ exitCode: stale.exitCode, name: stale.json?.name }).to.deep.equal({
        exitCode: 3,
        name: 'CiFileDiffersError',
      });
      expect(stale.json?.message).to.include('SF_CLIENT_ID');
      expect((await emu.state()).apps.some((a) => a.name === 'Ci_Second_App')).to.equal(false);

      const forced = await setup(
        '--name',
        'Ci_Foreign_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'foreign'),
        '--dotenv-file',
        foreign,
        '--replace-ci-files',
      );
      expect(forced.exitCode, forced.stdout).to.equal(0);
      expect(await readFile(foreign, 'utf8'))
        .to.include(`SF_CLIENT_ID=${forced.json?.result?.clientId ?? ''}`)
        .and.not.include('DATABASE_URL');
    });
  });

  describe('bad input: a named error, and nothing half-done in the org', () => {
    let requestsBefore: number;
    let stateBefore: string;
    beforeEach(async () => {
      requestsBefore = (await emu.requests()).length;
      const state = await emu.state();
      stateBefore = JSON.stringify({
        apps: state.apps.map((a) => a.name),
        ps: state.permissionSets.map((p) => p.Name),
        psa: state.permissionSetAssignments.length,
      });
    });
    const expectNothingChanged = async (): Promise<void> => {
      const state = await emu.state();
      expect(
        JSON.stringify({
          apps: state.apps.map((a) => a.name),
          ps: state.permissionSets.map((p) => p.Name),
          psa: state.permissionSetAssignments.length,
        }),
      ).to.equal(stateBefore);
    };
    const expectNoRequest = async (): Promise<void> => {
      expect((await emu.requests()).length).to.equal(requestsBefore);
    };
    /** The named error, its text and actions, and the exit code of the plugin's table for it. */
    const expectError = (run: CommandRun<SetupResult>, name: string, text: string, exitCode: number): void => {
      expect(run.exitCode, run.stdout).to.equal(exitCode);
      expect(run.json?.name).to.equal(name);
      expect(run.json?.message).to.include(text);
      expect(run.json?.actions?.length ?? 0).to.be.greaterThan(0);
    };

    it('refuses an unknown org alias', async () => {
      const run = await runCommand<SetupResult>(Setup, ['--target-org', 'no-such-alias', '--name', 'X_App', '--json']);
      // sf's own error and message; exit 2, as any flag value that does not parse (connection/named-errors.ts).
      expect(run.exitCode).to.equal(2);
      expect(run.json?.name).to.equal('NamedOrgNotFoundError');
      await expectNoRequest();
    });

    it('refuses an unknown username, before any write', async () => {
      expectError(
        await setup('--name', 'Bad_User_App', '--username', 'nobody@nowhere.example', '--output-dir', dir),
        'UnknownUserError',
        'nobody@nowhere.example',
        4,
      );
      await expectNothingChanged();
      const since = (await emu.requests()).slice(requestsBefore);
      expect(writesIn(since)).to.deep.equal([]);
    });

    it('refuses an inactive username, before any write', async () => {
      expectError(
        await setup('--name', 'Inactive_App', '--username', emu.ready.inactiveUser.username, '--output-dir', dir),
        'InactiveUserError',
        'inactive',
        4,
      );
      await expectNothingChanged();
    });

    it('refuses an app name Salesforce would reject, before any request', async () => {
      expectError(
        await setup('--name', 'My App-1', '--username', integration, '--output-dir', dir),
        'InvalidAppNameError',
        'letters, digits and underscores',
        3,
      );
      await expectNoRequest();
    });

    it('refuses an unknown scope, before any request', async () => {
      expectError(
        await setup(
          '--name',
          'Scope_App',
          '--username',
          integration,
          '--scopes',
          'api,refresh_token,superpowers',
          '--output-dir',
          dir,
        ),
        'UnknownScopeError',
        'superpowers',
        3,
      );
      await expectNoRequest();
    });

    it('explains an org that refuses new Connected Apps, and leaves no permission set behind', async () => {
      expectError(
        await setup(
          '--name',
          'Legacy_App',
          '--app-type',
          'connected-app',
          '--username',
          integration,
          '--output-dir',
          dir,
        ),
        'ConnectedAppCreationBlockedError',
        'Legacy_App',
        4,
      );
      await expectNothingChanged();
    });

    it('refuses a target org whose user is not an admin, before any write', async () => {
      const { certificatePem, privateKeyPem } = await testKey();
      const app = await configureJwtApp(await adminConnection(emu), {
        name: 'Non_Admin_Door',
        certificatePem,
        username: integration,
      });
      const keyFile = join(dir, 'door.key');
      await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
      const token = await runCommand<TokenResult>(Token, [
        '-r',
        emu.url,
        '-o',
        integration,
        '-i',
        app.consumerKey,
        '-f',
        keyFile,
        '--json',
      ]);
      await storeLogin(emu, String(token.json?.result?.accessToken), 'emu-integration');
      requestsBefore = (await emu.requests()).length;
      const state = await emu.state();
      stateBefore = JSON.stringify({
        apps: state.apps.map((a) => a.name),
        ps: state.permissionSets.map((p) => p.Name),
        psa: state.permissionSetAssignments.length,
      });
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-integration',
        '--name',
        'Not_Allowed_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'na'),
        '--json',
      ]);
      expectError(run, 'NotAdminError', 'Modify All Data', 4);
      await expectNothingChanged();
    });

    it('refuses a consumer key another app has, and leaves no permission set behind', async () => {
      const key = `JwtappOwnKey${Date.now()}`;
      const owner = await setup(
        '--name',
        'Key_Owner_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'owner'),
        '--consumer-key',
        key,
        '--wait',
        '0',
      );
      expect(owner.exitCode, owner.stdout).to.equal(0);
      const state = await emu.state();
      stateBefore = JSON.stringify({
        apps: state.apps.map((a) => a.name),
        ps: state.permissionSets.map((p) => p.Name),
        psa: state.permissionSetAssignments.length,
      });
      expectError(
        await setup(
          '--name',
          'Key_Thief_App',
          '--username',
          integration,
          '--output-dir',
          join(dir, 'thief'),
          '--consumer-key',
          key,
        ),
        'ConsumerKeyTakenError',
        'already',
        4,
      );
      await expectNothingChanged();
    });

    it('creates an app with the consumer key a pipeline already holds, in the form Salesforce generates, and logs in with it', async () => {
      // Generated keys hold '.' and '_' (retrieved Connected Apps in test/corpus); after a sandbox refresh the pipeline brings it back.
      const key = `3MVG9Held.Key_${Date.now()}`;
      const run = await setup(
        '--name',
        'Held_Key_App',
        '--username',
        integration,
        '--output-dir',
        join(dir, 'held'),
        '--consumer-key',
        key,
        '--wait',
        '1',
      );
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(run.json?.result).to.include({ clientId: key });
      expect(run.json?.result?.verification).to.include({ success: true });
      expect((await emu.state()).apps.find((a) => a.name === 'Held_Key_App')).to.include({ consumerKey: key });
    });

    it('sets up an app where the org lets the Metadata API return consumer secrets, and never shows the secret', async () => {
      const open = await startEmulator({ consumerSecretApiAccess: true });
      try {
        await storeAdminLogin(open, 'emu-open-admin');
        const run = await runCommand<SetupResult>(Setup, [
          '--target-org',
          'emu-open-admin',
          '--name',
          'Open_App',
          '--username',
          open.ready.integrationUser.username,
          '--output-dir',
          join(dir, 'open'),
          '--dotenv-file',
          join(dir, 'open', '.env'),
          '--wait',
          '0',
          '--json',
        ]);
        expect(run.exitCode, run.stdout).to.equal(0);
        const secret = (await open.state()).apps.find((a) => a.name === 'Open_App')?.consumerSecret;
        expect(secret).to.be.a('string').and.not.equal('');
        expect(run.stdout + run.stderr).to.not.include(secret);
        expect(await readFile(join(dir, 'open', '.env'), 'utf8')).to.not.include(secret);
      } finally {
        await open.stop();
      }
    });

    describe('a step Salesforce refuses after others were written', () => {
      const existing = async (name: string): Promise<void> => {
        await configureJwtApp(await adminConnection(emu), { name, certificatePem: (await otherKey()).certificatePem });
      };
      const held = async (permissionSet: string): Promise<{ permissionSet: boolean; assigned: boolean }> => {
        const state = await emu.state();
        const ps = state.permissionSets.find((p) => p.Name === permissionSet);
        return {
          permissionSet: ps !== undefined,
          assigned: state.permissionSetAssignments.some((a) => a.PermissionSetId === ps?.Id),
        };
      };

      it('takes back the assignment and the permission set the run made before it, newest first', async () => {
        await existing('Refused_Update_Eca');
        await emu.refuseNext('deploy', 'Refused for this test');
        const run = await setup(
          '--name',
          'Refused_Update_Eca',
          '--username',
          integration,
          '--permission-set',
          'Refused_Update_New',
          '--output-dir',
          join(dir, 'refused'),
        );
        expectError(run, 'DeployFailedError', 'Refused for this test', 4);
        expect(await held('Refused_Update_New')).to.deep.equal({ permissionSet: false, assigned: false });
      });

      it('takes back a new app and its permission set when the assignment that follows is refused', async () => {
        await emu.refuseNext('create:PermissionSetAssignment', 'Refused for this test');
        const run = await setup(
          '--name',
          'Refused_Assign_App',
          '--username',
          integration,
          '--output-dir',
          join(dir, 'refused-assign'),
        );
        expectError(run, 'InsertFailedError', 'Refused for this test', 4);
        const state = await emu.state();
        expect(state.externalClientApps.map((a) => a.fullName)).to.not.include('Refused_Assign_App');
        expect(await held('Refused_Assign_App_Access')).to.deep.equal({ permissionSet: false, assigned: false });
      });

      it('explains a query the org refuses while setup reads it, before any write', async () => {
        await emu.refuseNext(
          'query:ExternalClientApplication',
          "sObject type 'ExternalClientApplication' is not supported.",
        );
        await emu.clearRequests();
        const run = await setup(
          '--name',
          'Old_Org_App',
          '--username',
          integration,
          '--output-dir',
          join(dir, 'old-org'),
        );
        expectError(run, 'QueryFailedError', "'ExternalClientApplication' is not supported", 4);
        expect(await emu.writes()).to.deep.equal([]);
      });

      it('names what it could not take back, with the commands that remove it, and exits 4', async () => {
        await existing('Stuck_Update_Eca');
        await emu.refuseNext('deploy', 'Refused for this test');
        await emu.refuseNext('delete:PermissionSetAssignment', 'Cannot delete for this test');
        const run = await setup(
          '--name',
          'Stuck_Update_Eca',
          '--username',
          integration,
          '--permission-set',
          'Stuck_Update_New',
          '--output-dir',
          join(dir, 'stuck'),
        );
        expectError(run, 'DeployFailedError', 'Refused for this test', 4);
        expect(await held('Stuck_Update_New')).to.deep.equal({ permissionSet: true, assigned: true });
        const actions = (run.json?.actions ?? []).join('\n');
        expect(actions)
          .to.include('still in the org: the assignment of the permission set Stuck_Update_New')
          .and.include('the permission set Stuck_Update_New (0PS');
        expect(actions).to.match(
          /sf data delete record --sobject PermissionSetAssignment --record-id 0Pa\w+ --target-org /,
        );
        expect(actions).to.match(/sf data delete record --sobject PermissionSet --record-id 0PS\w+ --target-org /);
      });
    });

    it('refuses a certificate that does not belong to the key, before any request', async () => {
      const mine = join(dir, 'mine.key');
      const theirs = join(dir, 'theirs.crt');
      await writeFile(mine, (await testKey()).privateKeyPem, { mode: 0o600 });
      await writeFile(theirs, (await otherKey()).certificatePem);
      const run = await setup(
        '--name',
        'Mismatch_App',
        '--username',
        integration,
        '--private-key-file',
        mine,
        '--certificate-file',
        theirs,
      );
      expectError(run, 'KeyCertificateMismatchError', 'does not belong', 3);
      await expectNoRequest();
    });

    it('refuses a key file left without its certificate in the output folder, before any request', async () => {
      const broken = join(dir, 'broken');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(broken);
      await writeFile(join(broken, 'server.key'), (await testKey()).privateKeyPem, { mode: 0o600 });
      expectError(
        await setup('--name', 'Broken_App', '--username', integration, '--output-dir', broken),
        'IncompleteKeyPairError',
        'server.key',
        3,
      );
      await expectNoRequest();
      expect(await readFile(join(broken, 'server.key'), 'utf8')).to.equal((await testKey()).privateKeyPem);
    });
  });
});
