import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, testKey, type JwtAppFixture } from '../helpers/org.js';
import { linkPlugin, runSf, sfHome } from '../helpers/sf.js';

/** verify and token through the real `sf` executable, with the plugin linked. */
describe('sf jwtapp verify and token through the real sf', () => {
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let home: string;
  let keyFile: string;
  let integration: string;

  before(async () => {
    emu = await startEmulator();
    integration = emu.ready.integrationUser.username;
    home = sfHome();
    await linkPlugin(home);
    const key = await testKey();
    keyFile = join(home, 'server.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(emu), { name: 'Nut_Verify', certificatePem: key.certificatePem, username: integration });
  });
  after(() => emu.stop());

  it('verifies a working login with exit 0', async () => {
    const run = await runSf(['jwtapp', 'verify', '-o', integration, '-i', app.consumerKey, '-f', keyFile, '-r', emu.url, '--json'], { home });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ success: true, username: integration, orgId: emu.ready.orgId });
  });

  it('explains a refused login with its exit code and no stack trace', async () => {
    const run = await runSf(['jwtapp', 'verify', '-o', emu.ready.admin.username, '-i', app.consumerKey, '-f', keyFile, '-r', emu.url], { home });
    expect(run.status).to.equal(4);
    expect(run.stderr).to.include('UserNotAdminApproved').and.include('invalid_app_access: user is not admin approved to access this app');
    expect(run.stderr).to.include('Try this:');
    expect(run.stderr).not.to.match(/\n\s+at .+\.js:\d+/);
  });

  it('logs in with a key made by sf jwtapp cert generate and uploaded to an app, with verify and sf org login jwt', async () => {
    const generated = await runSf(['jwtapp', 'cert', 'generate', '--output-dir', 'generated', '--json'], { home });
    expect(generated.status, generated.stderr).to.equal(0);
    const { keyFile: generatedKey, certificateFile } = generated.json?.result as { keyFile: string; certificateFile: string };
    const uploaded = await configureJwtApp(await adminConnection(emu), {
      name: 'Nut_Generated',
      certificatePem: await readFile(certificateFile, 'utf8'),
      username: integration,
    });
    const verify = await runSf(['jwtapp', 'verify', '-o', integration, '-i', uploaded.consumerKey, '-f', generatedKey, '--certificate-file', certificateFile, '-r', emu.url, '--json'], { home });
    expect(verify.status, verify.stdout).to.equal(0);
    const login = await runSf(['org', 'login', 'jwt', '-o', integration, '-i', uploaded.consumerKey, '-f', generatedKey, '-r', emu.url, '--json'], { home });
    expect(login.status, login.stdout).to.equal(0);
    expect(login.json?.result).to.include({ username: integration });
  });

  it('prints a token with sf jwtapp token', async () => {
    const run = await runSf(['jwtapp', 'token', '-o', integration, '-i', app.consumerKey, '-f', keyFile, '-r', emu.url], { home });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.match(/^00D[A-Za-z0-9]{12}!\S+$/);
  });
});
