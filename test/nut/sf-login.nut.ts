import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { FakeClock } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, otherKey, testKey, type JwtAppFixture } from '../helpers/org.js';
import { nutBench } from '../helpers/nut.js';
import type { SfRun } from '../helpers/sf.js';

/** The real `sf` logging in to the emulator: what succeeds there, and what the emulator refuses. */
describe('the real sf CLI against the emulator', () => {
  const clock = new FakeClock();
  const nut = nutBench({ emulator: { propagationMs: 5 * 60_000, now: clock.now }, sf: 'bare' });
  let app: JwtAppFixture;
  let keyFile: string;
  let wrongKeyFile: string;

  before(async () => {
    const key = await testKey();
    keyFile = join(nut.home, 'server.key');
    wrongKeyFile = join(nut.home, 'other.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    await writeFile(wrongKeyFile, (await otherKey()).privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(nut.emu), {
      name: 'Nut_App',
      certificatePem: key.certificatePem,
      username: nut.integration,
    });
  });

  const loginJwt = (username: string, clientId: string, key: string): Promise<SfRun> =>
    nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      username,
      '--client-id',
      clientId,
      '--jwt-key-file',
      key,
      '--instance-url',
      nut.emu.url,
      '--json',
    ]);

  it('logs in with sf org login access-token', async () => {
    const run = await nut.sf(['org', 'login', 'access-token', '--instance-url', nut.emu.url, '--no-prompt', '--json'], {
      env: { SF_ACCESS_TOKEN: nut.emu.ready.admin.accessToken },
    });
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ username: nut.emu.ready.admin.username, orgId: nut.emu.ready.orgId });
  });

  it('refuses sf org login jwt before the new app has propagated', async () => {
    const run = await loginJwt(nut.integration, app.consumerKey, keyFile);
    expect(run.status).to.equal(1);
    expect(run.json?.message).to.include('JwtAuthError').and.include('client identifier invalid');
  });

  describe('once the app has propagated', () => {
    before(() => clock.advance(5 * 60_000 + 1));

    it('logs in a pre-authorized user with sf org login jwt', async () => {
      const run = await loginJwt(nut.integration, app.consumerKey, keyFile);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.json?.result).to.include({ username: nut.integration, orgId: nut.emu.ready.orgId });
    });

    it('refuses a key that does not match the uploaded certificate', async () => {
      const run = await loginJwt(nut.integration, app.consumerKey, wrongKeyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('JwtAuthError').and.include('invalid assertion');
    });

    it('refuses a client id that names no app', async () => {
      const run = await loginJwt(nut.integration, `${app.consumerKey}X`, keyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('client identifier invalid');
    });

    it('refuses a user who does not hold the permission set', async () => {
      const run = await loginJwt(nut.emu.ready.admin.username, app.consumerKey, keyFile);
      expect(run.status).to.equal(1);
      expect(run.json?.message).to.include('user is not admin approved to access this app');
    });
  });
});
