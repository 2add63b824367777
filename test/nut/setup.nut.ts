import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { linkPlugin, runSf, sfHome } from '../helpers/sf.js';

type SetupJson = { status: string; clientId: string; keyFile: string; username: string; loginUrl: string; verification: { success: boolean } };

/** setup through the real `sf`, then the real `sf org login jwt` with what setup printed and wrote. */
describe('sf jwtapp setup through the real sf', () => {
  let emu: RunningEmulator;
  let home: string;

  before(async () => {
    emu = await startEmulator();
    home = sfHome();
    await linkPlugin(home);
    const login = await runSf(['org', 'login', 'access-token', '--instance-url', emu.url, '--alias', 'emu', '--no-prompt', '--json'], {
      home,
      env: { SF_ACCESS_TOKEN: emu.ready.admin.accessToken },
    });
    expect(login.status, login.stderr).to.equal(0);
  });
  after(() => emu.stop());

  it('sets up an app whose key and client id log in with sf org login jwt', async () => {
    const integration = emu.ready.integrationUser.username;
    const setup = await runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Nut_Setup', '--username', integration, '--output-dir', 'certs', '--json'], { home });
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const result = setup.json?.result as SetupJson;
    expect(result).to.include({ status: 'created', username: integration, keyFile: join(home, 'certs', 'server.key') });
    expect(result.verification.success).to.equal(true);

    const login = await runSf(
      ['org', 'login', 'jwt', '--username', integration, '--client-id', result.clientId, '--jwt-key-file', result.keyFile, '--instance-url', result.loginUrl, '--json'],
      { home }
    );
    expect(login.status, login.stdout + login.stderr).to.equal(0);
    expect(login.json?.result).to.include({ username: integration, orgId: emu.ready.orgId });
  });

  it('reports a re-run as unchanged, in human output', async () => {
    const again = await runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Nut_Setup', '--username', emu.ready.integrationUser.username, '--output-dir', 'certs'], { home });
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.include('Nothing to change').and.include('Nut_Setup was already set up: unchanged');
    expect(again.stdout).to.include('sf org login jwt --username');
  });

  it('blocks and unblocks the app through the real sf, and verify explains the block', async () => {
    const integration = emu.ready.integrationUser.username;
    const blocked = await runSf(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Nut_Setup'], { home });
    expect(blocked.status, blocked.stdout + blocked.stderr).to.equal(0);
    expect(blocked.stdout).to.include('Blocked Nut_Setup');
    const clientId = String((await emu.state()).apps.find((a) => a.name === 'Nut_Setup')?.consumerKey);
    const verify = await runSf(['jwtapp', 'verify', '-o', integration, '-i', clientId, '-f', join(home, 'certs', 'server.key'), '-r', emu.url], { home });
    expect(verify.status).to.equal(4);
    expect(verify.stderr).to.include('sf jwtapp unblock');
    const unblocked = await runSf(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Nut_Setup', '--json'], { home });
    expect(unblocked.status, unblocked.stderr).to.equal(0);
    expect(unblocked.json?.result).to.include({ enabled: true, changed: true });
  });

  it('rotates the certificate through the real sf, and the new key logs in with sf org login jwt', async () => {
    const integration = emu.ready.integrationUser.username;
    const rotated = await runSf(['jwtapp', 'cert', 'rotate', '--target-org', 'emu', '--name', 'Nut_Setup', '--username', integration, '--output-dir', 'certs', '--json'], { home });
    expect(rotated.status, rotated.stdout + rotated.stderr).to.equal(0);
    expect(rotated.json?.result).to.include({ status: 'rotated' });
    const clientId = String((await emu.state()).apps.find((a) => a.name === 'Nut_Setup')?.consumerKey);
    const login = await runSf(['org', 'login', 'jwt', '--username', integration, '--client-id', clientId, '--jwt-key-file', join(home, 'certs', 'server.key'), '--instance-url', emu.url, '--json'], { home });
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });

  it('audits the app through the real sf, logging in with --verify: a table of checks, exit 0 when nothing fails', async () => {
    const run = await runSf(['jwtapp', 'audit', '--target-org', 'emu', '--name', 'Nut_Setup', '--username', emu.ready.integrationUser.username, '--jwt-key-file', join(home, 'certs', 'server.key'), '--verify'], { home });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('certificateExpiry').and.include('PASS').and.match(/\d+ passed, 0 warnings, 0 failed/);
    expect(run.stdout).to.include('Salesforce issued a token to');
  });

  it('creates an API-only integration user through the real sf, sets an app up for it, and sf org login jwt logs in as it', async () => {
    const username = `nut-integration@${emu.ready.orgId.toLowerCase()}.acme.test`;
    const created = await runSf(['jwtapp', 'user', 'create', '--target-org', 'emu', '--username', username, '--json'], { home });
    expect(created.status, created.stdout + created.stderr).to.equal(0);
    expect(created.json?.result).to.include({ status: 'created', profile: 'Minimum Access - API Only Integrations', apiOnly: true });
    const setup = await runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Nut_User_App', '--username', username, '--output-dir', 'user-certs', '--json'], { home });
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const { clientId } = setup.json?.result as SetupJson;
    const login = await runSf(['org', 'login', 'jwt', '--username', username, '--client-id', clientId, '--jwt-key-file', join(home, 'user-certs', 'server.key'), '--instance-url', emu.url, '--json'], { home });
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });
});
