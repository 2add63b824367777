import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { adminConnection, configureJwtApp, testKey, type JwtAppFixture } from '../helpers/org.js';
import { nutBench } from '../helpers/nut.js';

/** verify and token through the real `sf` executable, with the plugin linked. */
describe('sf jwtapp verify and token through the real sf', () => {
  const nut = nutBench({ sf: 'plugin' });
  let app: JwtAppFixture;
  let keyFile: string;
  let integration: string;

  before(async () => {
    integration = nut.integration;
    const key = await testKey();
    keyFile = join(nut.home, 'server.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(nut.emu), {
      name: 'Nut_Verify',
      certificatePem: key.certificatePem,
      username: integration,
    });
  });

  it('verifies a working login with exit 0', async () => {
    const run = await nut.sf([
      'jwtapp',
      'verify',
      '-o',
      integration,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '-r',
      nut.emu.url,
      '--json',
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ success: true, username: integration, orgId: nut.emu.ready.orgId });
  });

  it('explains a refused login with its exit code and no stack trace', async () => {
    const run = await nut.sf([
      'jwtapp',
      'verify',
      '-o',
      nut.emu.ready.admin.username,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '-r',
      nut.emu.url,
    ]);
    expect(run.status).to.equal(4);
    expect(run.stderr)
      .to.include('UserNotAdminApproved')
      .and.include('invalid_app_access: user is not admin approved to access this app');
    expect(run.stderr).to.include('Try this:');
    expect(run.stderr).not.to.match(/\n\s+at .+\.js:\d+/);
  });

  it('logs in with a key made by sf jwtapp cert generate and uploaded to an app, with verify and sf org login jwt', async () => {
    const generated = await nut.sf(['jwtapp', 'cert', 'generate', '--output-dir', 'generated', '--json']);
    expect(generated.status, generated.stderr).to.equal(0);
    const { keyFile: generatedKey, certificateFile } = generated.json?.result as {
      keyFile: string;
      certificateFile: string;
    };
    const uploaded = await configureJwtApp(await adminConnection(nut.emu), {
      name: 'Nut_Generated',
      certificatePem: await readFile(certificateFile, 'utf8'),
      username: integration,
    });
    const verify = await nut.sf([
      'jwtapp',
      'verify',
      '-o',
      integration,
      '-i',
      uploaded.consumerKey,
      '-f',
      generatedKey,
      '--certificate-file',
      certificateFile,
      '-r',
      nut.emu.url,
      '--json',
    ]);
    expect(verify.status, verify.stdout).to.equal(0);
    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '-o',
      integration,
      '-i',
      uploaded.consumerKey,
      '-f',
      generatedKey,
      '-r',
      nut.emu.url,
      '--json',
    ]);
    expect(login.status, login.stdout).to.equal(0);
    expect(login.json?.result).to.include({ username: integration });
  });

  it('prints a token with sf jwtapp token', async () => {
    const run = await nut.sf([
      'jwtapp',
      'token',
      '-o',
      integration,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '-r',
      nut.emu.url,
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.match(/^00D[A-Za-z0-9]{12}!\S+$/);
  });
});
