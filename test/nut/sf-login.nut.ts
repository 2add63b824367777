import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, otherKey, testKey, type JwtAppFixture } from '../helpers/org.js';
import { runSf, sfHome, type SfRun } from '../helpers/sf.js';

/** The real `sf` logging in to the emulator: what succeeds there, and what the emulator refuses. */
describe('the real sf CLI against the emulator', () => {
  const clock = new FakeClock();
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let home: string;
  let keyFile: string;
  let wrongKeyFile: string;

  before(async () => {
    emu = await startEmulator({ propagationMs: 5 * 60_000, now: clock.now });
    home = sfHome();
    const key = await testKey();
    keyFile = join(home, 'server.key');
    wrongKeyFile = join(home, 'other.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    await writeFile(wrongKeyFile, (await otherKey()).privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(emu), {
      name: 'Nut_App',
      certificatePem: key.certificatePem,
      username: emu.ready.integrationUser.username,
    });
  });

  after(() => emu.stop());

  const loginJwt = (username: string, clientId: string, key: string): Promise<SfRun> =>
    runSf(['org', 'login', 'jwt', '--username', username, '--client-id', clientId, '--jwt-key-file', key, '--instance-url', emu.url, '--json'], { home });

  it('logs in with sf org login access-token', async () => {
    const run = await runSf(['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--json'], {
      home,
      env: { SF_ACCESS_TOKEN: emu.ready.admin.accessToken },
    });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ username: emu.ready.admin.username, orgId: emu.ready.orgId });
  });

  it('refuses sf org login jwt before the new app has propagated', async () => {
    const run = await loginJwt(emu.ready.integrationUser.username, app.consumerKey, keyFile);
    expect(run.status).to.equal(1);
    expect(run.json?.message).to.include('JwtAuthError').and.include('client identifier invalid');
  });

  describe('once the app has propagated', () => {
    before(() => clock.advance(5 * 60_000 + 1));

    it('logs in a pre-authorized user with sf org login jwt', async () => {
      const run = await loginJwt(emu.ready.integrationUser.username, app.consumerKey, keyFile);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.json?.result).to.include({ username: emu.ready.integrationUser.username, orgId: emu.ready.orgId });
    });

    it('refuses a key that does not match the uploaded certificate', async () => {
      const run = await loginJwt(emu.ready.integrationUser.username, app.consumerKey, wrongKeyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('JwtAuthError').and.include('invalid assertion');
    });

    it('refuses a client id that names no app', async () => {
      const run = await loginJwt(emu.ready.integrationUser.username, `${app.consumerKey}X`, keyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('client identifier invalid');
    });

    it('refuses a user who does not hold the permission set', async () => {
      const run = await loginJwt(emu.ready.admin.username, app.consumerKey, keyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('user is not admin approved to access this app');
    });
  });
});
