import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';

const WRITE_OPERATIONS = new Set(['createMetadata', 'updateMetadata', 'upsertMetadata', 'deleteMetadata']);

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
    dir = await mkdtemp(join(tmpdir(), 'jwtapp-setup-'));
  });

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'emu-admin', '--json', ...args]);

  const writes = async (): Promise<Array<{ method: string; path: string; soapOperation: string | null }>> =>
    (await emu.requests()).filter(
      (r) => (r.soapOperation !== null && WRITE_OPERATIONS.has(r.soapOperation)) || (r.method !== 'GET' && r.path.includes('/sobjects'))
    );

  describe('on a fresh org', () => {
    let run: CommandRun<SetupResult>;
    let freshDir: string;
    before(async () => {
      freshDir = await mkdtemp(join(tmpdir(), 'jwtapp-setup-fresh-'));
      dir = freshDir;
      await emu.clearRequests();
      run = await setup('--name', 'Fresh_Integration', '--username', integration, '--output-dir', freshDir);
    });

    it('creates an External Client App and reports what a pipeline needs', () => {
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as SetupResult;
      expect(result).to.include({ status: 'created', username: integration, loginUrl: emu.url, audience: emu.url });
      expect(result.app).to.deep.equal({ kind: 'external-client-app', name: 'Fresh_Integration', label: 'Fresh Integration' });
      expect(result.clientId).to.match(/^3MVG9/);
      expect(result.loginCommand).to.equal(
        `sf org login jwt --username ${integration} --client-id ${result.clientId ?? ''} --jwt-key-file ${join(freshDir, 'server.key')} --instance-url ${emu.url}`
      );
      expect(result.verification).to.include({ success: true, username: integration });
    });

    it('leaves the org configured: certificate, scopes, admin-approved, permission set granted and assigned', async () => {
      const state = await emu.state();
      const app = state.apps.find((a) => a.name === 'Fresh_Integration');
      const cert = await readFile(join(freshDir, 'server.crt'), 'utf8');
      expect(app).to.include({ kind: 'external-client-app', adminApproved: true, enabled: true, consumerKey: run.json?.result?.clientId });
      expect(new X509Certificate(app?.certificate ?? '').fingerprint256).to.equal(new X509Certificate(cert).fingerprint256);
      expect(app?.scopes).to.have.members(['Api', 'RefreshToken']);
      const ps = state.permissionSets.find((p) => p.Name === 'Fresh_Integration_Access');
      expect(ps).to.not.equal(undefined);
      expect(state.setupEntityAccess.some((a) => a.ParentId === ps?.Id && a.SetupEntityId === app?.id)).to.equal(true);
      const user = state.users.find((u) => u.Username === integration);
      expect(state.permissionSetAssignments.some((a) => a.AssigneeId === user?.Id && a.PermissionSetId === ps?.Id)).to.equal(true);
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
      expect(await writes()).to.deep.equal([]);
    });
  });
});
