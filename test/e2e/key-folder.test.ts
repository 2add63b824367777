import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import CertGenerate from '../../src/commands/jwtapp/cert/generate.js';
import Verify from '../../src/commands/jwtapp/verify.js';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { useFakeClock } from '../helpers/time.js';
import { runCommand, type CommandRun } from '../helpers/command.js';

/** The key in the folder signs for the certificate the app holds: the pipeline's login works. */
const folderMatchesApp = async (emu: RunningEmulator, app: string, dir: string): Promise<boolean> => {
  const held = (await emu.state()).apps.find((a) => a.name === app)?.certificate ?? '';
  const key = createPrivateKey(await readFile(join(dir, 'server.key'), 'utf8'));
  return (
    new X509Certificate(held).checkPrivateKey(key) &&
    new X509Certificate(await readFile(join(dir, 'server.crt'), 'utf8')).checkPrivateKey(key)
  );
};

describe('the key folder and the app agree', () => {
  let emu: RunningEmulator;
  let integration: string;
  let root: string;
  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'emu-folder-admin', '--json', ...args]);
  const rotate = (...args: string[]): Promise<CommandRun<RotateResult>> =>
    runCommand<RotateResult>(CertRotate, ['--target-org', 'emu-folder-admin', '--json', ...args]);

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-folder-admin');
    integration = emu.ready.integrationUser.username;
    root = await mkdtemp(join(tmpdir(), 'jwtapp-folder-'));
  });
  after(async () => {
    await emu.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('copies a brought pair into the folder on rotate, so the next routine setup re-uploads nothing older', async () => {
    const dir = join(root, 'brought');
    expect((await setup('--name', 'Brought_App', '--username', integration, '--output-dir', dir)).exitCode).to.equal(0);
    const vault = await mkdtemp(join(root, 'vault-'));
    const pair = await generateKeyAndCertificate(2048, { subject: 'CN=vault', days: 400 });
    await writeFile(join(vault, 'next.key'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(vault, 'next.crt'), pair.certificatePem);
    const rotated = await rotate(
      '--name',
      'Brought_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--private-key-file',
      join(vault, 'next.key'),
      '--certificate-file',
      join(vault, 'next.crt'),
    );
    expect(rotated.exitCode, rotated.stdout).to.equal(0);
    expect(rotated.json?.result?.keyFile).to.equal(join(dir, 'server.key'));
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal(pair.privateKeyPem);
    expect((await stat(join(dir, 'server.key'))).mode & 0o777).to.equal(0o600);

    await emu.clearRequests();
    const again = await setup('--name', 'Brought_App', '--username', integration, '--output-dir', dir);
    expect(again.exitCode, again.stdout).to.equal(0);
    expect(again.json?.result?.status).to.equal('unchanged');
    expect(await emu.writes()).to.deep.equal([]);
    expect(await folderMatchesApp(emu, 'Brought_App', dir)).to.equal(true);
  });

  it("refuses a folder whose pair is not the app's, before anything is written, and names the ways on", async () => {
    const dir = join(root, 'stale');
    expect((await setup('--name', 'Stale_App', '--username', integration, '--output-dir', dir)).exitCode).to.equal(0);
    const elsewhere = join(root, 'elsewhere');
    expect(
      (await rotate('--name', 'Stale_App', '--username', integration, '--output-dir', elsewhere)).exitCode,
    ).to.equal(0);
    const held = (await emu.state()).apps.find((a) => a.name === 'Stale_App')?.certificate;
    await emu.clearRequests();
    const run = await setup('--name', 'Stale_App', '--username', integration, '--output-dir', dir);
    expect({ exitCode: run.exitCode, name: run.json?.name }).to.deep.equal({
      exitCode: 3,
      name: 'KeyPairNotTheAppsError',
    });
    expect(run.json?.message).to.include(dir).and.include('Stale_App');
    expect(run.json?.actions?.join(' ')).to.include('--private-key-file').and.include('cert rotate');
    expect(await emu.writes()).to.deep.equal([]);
    expect((await emu.state()).apps.find((a) => a.name === 'Stale_App')?.certificate).to.equal(held);
  });

  it("keeps an interrupted run's journal when the app cannot be read: which pair is right is not guessed", async () => {
    const dir = join(root, 'unreadable');
    expect((await setup('--name', 'Unread_App', '--username', integration, '--output-dir', dir)).exitCode).to.equal(0);
    await writeFile(join(dir, 'server-kept.key'), await readFile(join(dir, 'server.key'), 'utf8'), { mode: 0o600 });
    await writeFile(join(dir, 'server-kept.crt'), await readFile(join(dir, 'server.crt'), 'utf8'));
    const stray = await generateKeyAndCertificate(2048, { subject: 'CN=stray', days: 30 });
    await writeFile(join(dir, 'server.key'), stray.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'server.crt'), stray.certificatePem);
    const journal = JSON.stringify({
      app: 'Unread_App',
      startedAt: '2026-12-03T07:00:00Z',
      previous: { keyFile: join(dir, 'server-kept.key'), certificateFile: join(dir, 'server-kept.crt') },
    });
    await writeFile(join(dir, '.jwtapp-switch.json'), journal, { mode: 0o600 });
    // The Metadata API refuses the read (a permission lost meanwhile): not an app that is gone.
    const fault =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:INSUFFICIENT_ACCESS</faultcode><faultstring>INSUFFICIENT_ACCESS: insufficient access rights on object id</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    await emu.answerNext({
      status: 500,
      contentType: 'text/xml',
      body: fault,
      path: '/services/Soap/m/68.0',
      count: 1,
    });
    const run = await setup('--name', 'Unread_App', '--username', integration, '--output-dir', dir);
    expect(run.exitCode, run.stdout).to.not.equal(0);
    expect(await readFile(join(dir, '.jwtapp-switch.json'), 'utf8')).to.equal(journal);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal(stray.privateKeyPem);
  });

  describe('under umask 000', () => {
    let saved: number;
    before(() => {
      saved = process.umask(0);
    });
    after(() => {
      process.umask(saved);
    });

    it('creates the key folder 0700 and the key 0600, for setup and cert generate', async () => {
      const dir = join(root, 'umask', 'keys');
      const run = await setup('--name', 'Umask_App', '--username', integration, '--output-dir', dir);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect((await stat(dir)).mode & 0o777).to.equal(0o700);
      expect((await stat(join(dir, 'server.key'))).mode & 0o777).to.equal(0o600);
      const generated = join(root, 'umask', 'generated');
      expect((await runCommand(CertGenerate, ['--output-dir', generated, '--json'])).exitCode).to.equal(0);
      expect((await stat(generated)).mode & 0o777).to.equal(0o700);
    });
  });

  it('refuses a key folder others may write (a swapped pair would be uploaded), before any request', async () => {
    const dir = join(root, 'shared');
    expect((await setup('--name', 'Shared_App', '--username', integration, '--output-dir', dir)).exitCode).to.equal(0);
    await chmod(dir, 0o777);
    await emu.clearRequests();
    for (const run of [
      await setup('--name', 'Shared_App', '--username', integration, '--output-dir', dir),
      await rotate('--name', 'Shared_App', '--username', integration, '--output-dir', dir),
      await runCommand(CertGenerate, ['--output-dir', dir, '--force', '--json']),
    ]) {
      expect({ exitCode: run.exitCode, name: run.json?.name }).to.deep.equal({
        exitCode: 3,
        name: 'KeyFolderWritableByOthersError',
      });
      expect(run.json?.actions?.join(' ')).to.include(`chmod 700 ${dir}`);
    }
    expect(await emu.requests()).to.deep.equal([]);
    await chmod(dir, 0o700);
    await chmod(join(dir, 'server.key'), 0o666);
    const key = await setup('--name', 'Shared_App', '--username', integration, '--output-dir', dir);
    expect({ exitCode: key.exitCode, name: key.json?.name }).to.deep.equal({
      exitCode: 3,
      name: 'KeyFileWritableByOthersError',
    });
    expect(await emu.requests()).to.deep.equal([]);
  });

  it('repairs a switch an interrupted run left: the pair the app still holds goes back in place', async () => {
    const dir = join(root, 'interrupted');
    expect((await setup('--name', 'Cut_App', '--username', integration, '--output-dir', dir)).exitCode).to.equal(0);
    const held = await readFile(join(dir, 'server.key'), 'utf8');
    // What a rotation killed after its file switch and before its upload leaves: new files, a journal, the old pair dated.
    await writeFile(join(dir, 'server-kept.key'), held, { mode: 0o600 });
    await writeFile(join(dir, 'server-kept.crt'), await readFile(join(dir, 'server.crt'), 'utf8'));
    const stray = await generateKeyAndCertificate(2048, { subject: 'CN=stray', days: 30 });
    await writeFile(join(dir, 'server.key'), stray.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'server.crt'), stray.certificatePem);
    await writeFile(
      join(dir, '.jwtapp-switch.json'),
      JSON.stringify({
        app: 'Cut_App',
        startedAt: '2026-12-03T07:00:00Z',
        previous: { keyFile: join(dir, 'server-kept.key'), certificateFile: join(dir, 'server-kept.crt') },
      }),
      { mode: 0o600 },
    );
    await emu.clearRequests();
    const run = await setup('--name', 'Cut_App', '--username', integration, '--output-dir', dir);
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.status).to.equal('unchanged');
    expect(run.json?.warnings?.join(' ')).to.include('interrupted before the app received its certificate');
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal(held);
    expect(await readdir(dir)).to.not.include('.jwtapp-switch.json');
    expect(await emu.writes()).to.deep.equal([]);
  });

  describe('while a new certificate propagates', () => {
    const fake = new FakeClock();
    let slow: RunningEmulator;
    let dir: string;
    useFakeClock(fake);
    before(async () => {
      slow = await startEmulator({ propagationMs: 4 * 60_000, now: fake.now });
      await storeAdminLogin(slow, 'emu-propagating-admin');
      dir = join(root, 'propagating');
      const made = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-propagating-admin',
        '--name',
        'Slow_Rotate',
        '--username',
        slow.ready.integrationUser.username,
        '--output-dir',
        dir,
        '--json',
      ]);
      expect(made.exitCode, made.stdout).to.equal(0);
    });
    after(() => slow.stop());
    const slowRotate = (...args: string[]): Promise<CommandRun<RotateResult>> =>
      runCommand<RotateResult>(CertRotate, [
        '--target-org',
        'emu-propagating-admin',
        '--name',
        'Slow_Rotate',
        '--username',
        slow.ready.integrationUser.username,
        '--output-dir',
        dir,
        '--json',
        ...args,
      ]);
    const heldBySlow = async (): Promise<string> =>
      (await slow.state()).apps.find((a) => a.name === 'Slow_Rotate')?.certificate ?? '';

    it('waits out the previous certificate\'s "invalid assertion" within --wait, and succeeds', async () => {
      const started = fake.now();
      const run = await slowRotate('--wait', '10');
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.verification?.success).to.equal(true);
      expect(run.json?.result?.verification?.attempts).to.be.greaterThan(1);
      expect(fake.now() - started).to.be.within(4 * 60_000, 4 * 60_000 + 30_000);
      expect(await folderMatchesApp(slow, 'Slow_Rotate', dir)).to.equal(true);
    });

    it('keeps the new certificate, key and CI files when the wait ends first: exit 5, nothing put back', async () => {
      const env = join(dir, 'ci.env');
      const run = await slowRotate('--wait', '1', '--dotenv-file', env, '--dotenv-include-key');
      expect({ exitCode: run.exitCode, name: run.json?.name }).to.deep.equal({
        exitCode: 5,
        name: 'CertificateNotYetActiveError',
      });
      expect(run.json?.actions?.[0]).to.include('Nothing was put back');
      expect(await folderMatchesApp(slow, 'Slow_Rotate', dir)).to.equal(true);
      expect(await readFile(env, 'utf8')).to.include((await readFile(join(dir, 'server.key'), 'utf8')).split('\n')[1]);
      fake.advance(4 * 60_000);
    });

    it('lets setup --force give the app a new pair across the propagation, verified', async () => {
      const before = await heldBySlow();
      const run = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'emu-propagating-admin',
        '--name',
        'Slow_Rotate',
        '--username',
        slow.ready.integrationUser.username,
        '--output-dir',
        dir,
        '--force',
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json?.result?.verification?.success).to.equal(true);
      expect(await heldBySlow()).to.not.equal(before);
      expect(await folderMatchesApp(slow, 'Slow_Rotate', dir)).to.equal(true);
      // The pair it replaced is kept, dated, as a rotation keeps it.
      expect((await readdir(dir)).filter((f) => /^server-.*\.key$/.test(f)).length).to.be.greaterThan(0);
    });
  });

  describe('inputs checked whatever their source', () => {
    it('reads the key of a PEM file that holds the certificate first, then the key', async () => {
      const dir = join(root, 'combined');
      const made = await setup('--name', 'Combined_App', '--username', integration, '--output-dir', dir);
      expect(made.exitCode, made.stdout).to.equal(0);
      const both = join(dir, 'both.pem');
      await writeFile(
        both,
        `${await readFile(join(dir, 'server.crt'), 'utf8')}${await readFile(join(dir, 'server.key'), 'utf8')}`,
        { mode: 0o600 },
      );
      const run = await runCommand(Verify, [
        '--username',
        integration,
        '--client-id',
        String(made.json?.result?.clientId),
        '--jwt-key-file',
        both,
        '--certificate-file',
        both,
        '--instance-url',
        emu.url,
        '--json',
      ]);
      expect(run.exitCode, run.stdout).to.equal(0);
    });

    describe('a reused pair near or past its end', () => {
      const fake = new FakeClock();
      let timed: RunningEmulator;
      useFakeClock(fake);
      before(async () => {
        timed = await startEmulator({ now: fake.now });
        await storeAdminLogin(timed, 'emu-timed-admin');
      });
      after(() => timed.stop());
      const timedSetup = (dir: string, ...args: string[]): Promise<CommandRun<SetupResult>> =>
        runCommand<SetupResult>(Setup, [
          '--target-org',
          'emu-timed-admin',
          '--name',
          'Timed_App',
          '--username',
          timed.ready.integrationUser.username,
          '--output-dir',
          dir,
          '--json',
          ...args,
        ]);

      it('warns when it expires within 30 days, and goes on after it expired (Salesforce does not check its dates)', async () => {
        const dir = join(root, 'timed');
        expect((await timedSetup(dir, '--cert-days', '40')).exitCode).to.equal(0);
        fake.advance(15 * 86_400_000);
        const soon = await timedSetup(dir);
        expect(soon.exitCode, soon.stdout).to.equal(0);
        expect(soon.json?.warnings?.join(' ')).to.match(/expires on .* in 2\d days/);
        fake.advance(30 * 86_400_000);
        const expired = await timedSetup(dir);
        expect(expired.exitCode, expired.stdout).to.equal(0);
        expect(expired.json?.result?.status).to.equal('unchanged');
        expect(expired.json?.result?.verification?.success).to.equal(true);
        expect(expired.json?.warnings?.join(' ')).to.include('expired on').and.include('cert rotate');
      });
    });
  });
});
