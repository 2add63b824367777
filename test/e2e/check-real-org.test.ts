import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, storeAdminLogin } from '../helpers/org.js';
import { REPO_ROOT } from '../helpers/sf.js';
import { runRealOrgChecks, type Report } from '../../scripts/real-org/checks.js';
import { tempDir } from '../helpers/temp.js';

type ScriptRun = { status: number | null; stdout: string; stderr: string };

/** The script as npm runs it; asynchronously, since the emulator it talks to lives in this process. */
const runScript = (...args: string[]): Promise<ScriptRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(REPO_ROOT, 'scripts', 'check-real-org.ts'),
        ...args,
      ],
      { env: process.env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

/** Against the emulator, every assumption the real-org check makes must hold: the emulator encodes them. */
describe('npm run check:real-org, against the emulator', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-check-admin');
  });
  after(() => emu.stop());

  it('finds every assumption held, and removes the app, the assignment and the permission set it made', async () => {
    const lines: string[] = [];
    const report = await runRealOrgChecks(await adminConnection(emu), {
      genericLoginUrl: emu.ready.loginUrl,
      audience: 'https://login.salesforce.com',
      waitMs: 0,
      log: (l) => lines.push(l),
    });
    expect(
      report.checks.filter((c) => c.held !== true),
      lines.join('\n'),
    ).to.deep.equal([]);
    expect(report.checks.map((c) => c.id)).to.include.members([
      'deploy-creates-eca',
      'policies-generated',
      'second-policy-refused',
      'certificate-form-returned',
      'credentials-resource',
      'element-order-enforced',
      'policies-in-one-deploy',
      'token-lists-app-scopes',
      'certificate-change-answer',
      'eca-at-generic-host',
      'expired-exp',
    ]);
    expect(
      report.cleanup.every((c) => c.endsWith('removed')),
      report.cleanup.join('; '),
    ).to.equal(true);
    const state = await emu.state();
    expect(state.externalClientApps.map((a) => a.fullName)).to.not.include(report.app);
    expect(state.permissionSets.map((p) => p.Name).filter((n) => n.startsWith('Jwtapp_Check_'))).to.deep.equal([]);
  });

  it('runs as an npm script with --target-org, writes the report, and exits 0', async () => {
    const out = join(await tempDir('jwtapp-check-'), 'report.json');
    const run = await runScript(
      '--target-org',
      'emu-check-admin',
      '--wait',
      '0',
      '--output-file',
      out,
      '--generic-login-url',
      emu.ready.loginUrl,
    );
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    expect(report.instanceUrl).to.equal(emu.url);
    expect(run.stdout).to.match(/\d+ checks: \d+ held, 0 refuted, 0 not run/);
  });

  it('refuses to run without --target-org, with exit 2', async () => {
    const run = await runScript();
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('usage: npm run check:real-org');
  });
});
