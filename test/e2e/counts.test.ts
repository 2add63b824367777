import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand } from '../helpers/command.js';
import { REPO_ROOT } from '../helpers/sf.js';

/** A count is followed by the word's form for it: "1 attempt", "2 attempts", never "attempt(s)" or "1 days". */
describe('counts in what the commands print', () => {
  let emu: RunningEmulator;
  let root: string;
  let integration: string;

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-counts-admin');
    integration = emu.ready.integrationUser.username;
    root = await mkdtemp(join(tmpdir(), 'jwtapp-counts-'));
  });
  after(async () => {
    await emu.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('no message writes "(s)" after a word: each count has a sentence per form', async () => {
    const dir = join(REPO_ROOT, 'messages');
    const files = await readdir(dir);
    const texts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
    const found = texts.flatMap((text, f) =>
      text
        .split('\n')
        .flatMap((line, i) => (/[a-z]\(s\)/i.test(line) ? [`messages/${files[f]}:${i + 1}: ${line}`] : [])),
    );
    expect(found).to.deep.equal([]);
  });

  it('setup says the login was verified in "1 attempt"', async () => {
    const run = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-counts-admin',
      '--name',
      'Counts_App',
      '--username',
      integration,
      '--output-dir',
      join(root, 'counts'),
    ]);
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/\byes \(1 attempt\)/);
  });

  it('setup warns of a reused certificate that expires "in 1 day"', async () => {
    const dir = join(root, 'last-day');
    await mkdir(dir, { mode: 0o700 });
    // Valid for two days from 12 hours ago: 1.5 days left, one whole day.
    const pair = await generateKeyAndCertificate(2048, {
      subject: 'CN=last-day',
      days: 2,
      notBefore: new Date(Date.now() - 12 * 3_600_000),
    });
    await writeFile(join(dir, 'server.key'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'server.crt'), pair.certificatePem, { mode: 0o644 });
    const run = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-counts-admin',
      '--name',
      'Last_Day_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--json',
    ]);
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.warnings?.join(' ')).to.match(/expires on \S+, in 1 day\./);
  });
});
