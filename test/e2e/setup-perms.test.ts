import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { startEmulator, type EmulatorState, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, metadataOf, storeAdminLogin } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import Block from '../../src/commands/jwtapp/block.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';

/** The org as a test compares it before and after a refused run: apps, permission sets, grants, assignments. */
const orgOf = (s: EmulatorState): unknown => ({
  apps: s.apps.map((a) => a.name).sort(),
  permissionSets: s.permissionSets.map((p) => `${p.Name}|${p.Label}`).sort(),
  access: s.setupEntityAccess.map((a) => `${a.ParentId}>${a.SetupEntityId}`).sort(),
  assignments: s.permissionSetAssignments.map((a) => `${a.AssigneeId}>${a.PermissionSetId}`).sort(),
});

describe('sf jwtapp setup: permission sets (limits, least privilege)', () => {
  let emu: RunningEmulator;
  let integration: string;
  const dirs: string[] = [];

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'perms-admin');
    integration = emu.ready.integrationUser.username;
  });
  after(async () => {
    await emu.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const newDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'jwtapp-perms-'));
    dirs.push(dir);
    return dir;
  };
  const setupIn = (dir: string, ...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, [
      '--target-org',
      'perms-admin',
      '--json',
      '--output-dir',
      dir,
      '--wait',
      '0',
      ...args,
    ]);
  const setup = async (...args: string[]): Promise<CommandRun<SetupResult>> => setupIn(await newDir(), ...args);

  describe("Salesforce's lengths (PermissionSet Name and Label: 80 characters)", () => {
    it('sets up an app whose name has 60 characters: its <name>_Access has 67, within the 80 Salesforce allows', async () => {
      const name = `L${'o'.repeat(58)}g`;
      const run = await setup('--name', name, '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.permissionSet).to.equal(`${name}_Access`);
      const set = (await emu.state()).permissionSets.find((p) => p.Name === `${name}_Access`);
      expect(set?.Label.length).to.be.at.most(80);
    });

    it('derives a permission set label within 80 characters from an 80-character --label', async () => {
      const label = 'Quarterly revenue reconciliation pipeline for the finance data warehouse exports';
      expect(label).to.have.length(80);
      const run = await setup('--name', 'Long_Label', '--label', label, '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(0);
      const set = (await emu.state()).permissionSets.find((p) => p.Name === 'Long_Label_Access');
      expect(set?.Label).to.equal('Quarterly revenue reconciliation pipeline for the finance data warehouse access');
      expect(set?.Label.length).to.be.at.most(80);
    });

    it('the emulator refuses a permission set label over 80 characters as Salesforce does (STRING_TOO_LONG)', async () => {
      const conn = await adminConnection(emu);
      const answer = await conn
        .sobject('PermissionSet')
        .create({ Name: 'Too_Long_Label', Label: 'x'.repeat(81) })
        .catch((e: Error & { errorCode?: string }) => ({ success: false, errorCode: e.errorCode, message: e.message }));
      expect(answer).to.deep.include({ success: false, errorCode: 'STRING_TOO_LONG' });
      expect(JSON.stringify(answer)).to.include('max length=80');
    });
  });

  describe('an existing permission set setup did not create', () => {
    before(async () => {
      const conn = await adminConnection(emu);
      // What an admin made for something else: system permissions, object access, other users, "do not assign".
      const saved = await metadataOf(conn).create('PermissionSet', {
        fullName: 'Payroll_Admin',
        label: 'Payroll admin - DO NOT ASSIGN',
        description: 'Full payroll access for the payroll team',
        objectPermissions: [
          {
            allowCreate: true,
            allowDelete: true,
            allowEdit: true,
            allowRead: true,
            modifyAllRecords: true,
            object: 'Account',
            viewAllRecords: true,
          },
          {
            allowCreate: false,
            allowDelete: false,
            allowEdit: false,
            allowRead: true,
            modifyAllRecords: false,
            object: 'Contact',
            viewAllRecords: false,
          },
        ],
        userPermissions: [
          { enabled: true, name: 'ModifyAllData' },
          { enabled: true, name: 'ViewAllData' },
        ],
      });
      expect(saved).to.include({ success: true });
      const state = await emu.state();
      const set = state.permissionSets.find((p) => p.Name === 'Payroll_Admin');
      const admin = state.users.find((u) => u.Username === emu.ready.admin.username);
      await conn.sobject('PermissionSetAssignment').create({ PermissionSetId: set?.Id, AssigneeId: admin?.Id });
    });

    it('refuses before writing anything, showing what the set grants and whom it is assigned to (exit 4)', async () => {
      const before = orgOf(await emu.state());
      const run = await setup('--name', 'Payroll_Sync', '--permission-set', 'Payroll_Admin', '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(4);
      expect(run.json?.name).to.equal('PermissionSetNotOursError');
      expect(run.json?.message)
        .to.include('Payroll_Admin')
        .and.include('DO NOT ASSIGN')
        .and.include('ModifyAllData, ViewAllData')
        .and.include('2 objects');
      expect(run.json?.actions?.join('\n'))
        .to.include('--use-existing-permission-set')
        .and.include('--permission-set Payroll_Sync_Jwt_Access');
      const data = (
        run.json as { data?: { userPermissions: string[]; objectPermissions: number; otherAssignees: string[] } }
      ).data;
      expect(data?.userPermissions).to.deep.equal(['ModifyAllData', 'ViewAllData']);
      expect(data?.objectPermissions).to.equal(2);
      expect(data?.otherAssignees).to.have.length(1);
      expect(orgOf(await emu.state())).to.deep.equal(before);
    });

    it('refuses under --dry-run too', async () => {
      const run = await setup(
        '--name',
        'Payroll_Sync',
        '--permission-set',
        'Payroll_Admin',
        '--username',
        integration,
        '--dry-run',
      );
      expect(run.json?.name).to.equal('PermissionSetNotOursError');
    });

    it('refuses a set that grants nothing but is held by another user (the app would reach them)', async () => {
      const conn = await adminConnection(emu);
      await metadataOf(conn).create('PermissionSet', { fullName: 'Shared_Empty', label: 'Shared empty' });
      const state = await emu.state();
      const set = state.permissionSets.find((p) => p.Name === 'Shared_Empty');
      const other = state.users.find(
        (u) => u.IsActive && u.Username !== integration && u.Username !== emu.ready.admin.username,
      );
      await conn.sobject('PermissionSetAssignment').create({ PermissionSetId: set?.Id, AssigneeId: other?.Id });
      const run = await setup(
        '--name',
        'Shared_App',
        '--permission-set',
        'Shared_Empty',
        '--username',
        integration,
        '--dry-run',
      );
      expect(run.json?.name).to.equal('PermissionSetNotOursError');
      expect(run.json?.message).to.include(other?.Username ?? '?');
    });

    it('uses it when --use-existing-permission-set says so', async () => {
      const run = await setup(
        '--name',
        'Payroll_Sync',
        '--permission-set',
        'Payroll_Admin',
        '--username',
        integration,
        '--use-existing-permission-set',
      );
      expect(run.exitCode, run.stdout).to.equal(0);
      const state = await emu.state();
      const set = state.permissionSets.find((p) => p.Name === 'Payroll_Admin');
      const user = state.users.find((u) => u.Username === integration);
      expect(
        state.permissionSetAssignments.some((a) => a.PermissionSetId === set?.Id && a.AssigneeId === user?.Id),
      ).to.equal(true);
    });

    it("takes an unmarked <app>_Access that grants nothing else and no one else holds (an earlier run's, or made by hand as the seeds do)", async () => {
      const conn = await adminConnection(emu);
      await metadataOf(conn).create('PermissionSet', { fullName: 'Hand_Made_Access', label: 'Hand made access' });
      const run = await setup('--name', 'Hand_Made', '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.changes.map((c) => c.kind)).to.not.include('create-permission-set');
    });

    it('re-runs on a set it created itself (marked in its description) without asking', async () => {
      const dir = await newDir();
      const first = await setupIn(dir, '--name', 'Marked_App', '--username', integration);
      expect(first.exitCode, first.stdout).to.equal(0);
      const second = await setupIn(dir, '--name', 'Marked_App', '--username', integration);
      expect(second.exitCode, second.stdout).to.equal(0);
      expect(second.json?.result?.status).to.equal('unchanged');
    });
  });

  describe('a blocked app', () => {
    let dir: string;
    let clientId: string;
    before(async () => {
      dir = await newDir();
      const first = await setupIn(dir, '--name', 'Blockable_Perms', '--username', integration);
      expect(first.exitCode, first.stdout).to.equal(0);
      clientId = first.json?.result?.clientId ?? '';
      const blocked = await runCommand(Block, ['--target-org', 'perms-admin', '--name', 'Blockable_Perms', '--json']);
      expect(blocked.exitCode, blocked.stdout).to.equal(0);
    });

    it('setup refuses it, before writing anything, with the unblock command (never "unchanged")', async () => {
      const before = orgOf(await emu.state());
      const run = await setupIn(dir, '--name', 'Blockable_Perms', '--username', integration);
      expect(run.exitCode, run.stdout).to.equal(4);
      expect(run.json?.name).to.equal('AppBlockedError');
      expect(run.json?.message).to.include('Blockable_Perms').and.include('blocked');
      expect(run.json?.actions?.join('\n')).to.include(
        `sf jwtapp unblock --target-org ${emu.ready.admin.username} --name Blockable_Perms`,
      );
      expect(orgOf(await emu.state())).to.deep.equal(before);
    });

    it("verify at the org's own My Domain says the app is blocked and how to unblock it, not to use the My Domain", async () => {
      // No --instance-url: the URL sf's auth store has for the user, the org's My Domain.
      const run = await runCommand<VerifyResult>(Verify, [
        '-o',
        emu.ready.admin.username,
        '-i',
        clientId,
        '-f',
        join(dir, 'server.key'),
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(4);
      expect(run.json?.name).to.equal('AppDisabledError');
      expect(run.json?.message).to.include('blocked').and.not.include("known only at its org's My Domain");
      expect(run.json?.actions?.[0]).to.include('sf jwtapp unblock');
    });
  });

  describe('a --username in another case than the org has', () => {
    it("writes the org's username everywhere, so the next run agrees with its own files", async () => {
      const dir = await newDir();
      const envFile = join(dir, 'ci.env');
      const shouted = integration.toUpperCase();
      expect(shouted).to.not.equal(integration);
      const first = await setupIn(dir, '--name', 'Case_App', '--username', shouted, '--dotenv-file', envFile);
      expect(first.exitCode, first.stdout).to.equal(0);
      expect(first.json?.result?.username).to.equal(integration);
      expect(await readFile(envFile, 'utf8')).to.include(integration);
      const second = await setupIn(dir, '--name', 'Case_App', '--username', integration, '--dotenv-file', envFile);
      expect(second.exitCode, second.stdout).to.equal(0);
      expect(second.json?.result?.status).to.equal('unchanged');
    });

    it('takes a file an earlier version wrote with the username as typed: the same user, rewritten as the org spells it', async () => {
      const dir = await newDir();
      const envFile = join(dir, 'ci.env');
      const first = await setupIn(dir, '--name', 'Case_Old', '--username', integration, '--dotenv-file', envFile);
      expect(first.exitCode, first.stdout).to.equal(0);
      const text = await readFile(envFile, 'utf8');
      await writeFile(envFile, text.replace(`SF_USERNAME=${integration}`, `SF_USERNAME=${integration.toUpperCase()}`), {
        mode: 0o600,
      });
      const second = await setupIn(dir, '--name', 'Case_Old', '--username', integration, '--dotenv-file', envFile);
      expect(second.exitCode, second.stdout).to.equal(0);
      expect(await readFile(envFile, 'utf8')).to.equal(text);
    });
  });
});
