import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import { orgOf, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin, testKey } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { readWithBash } from '../helpers/dotenv-readers.js';

/** Every file and link under a folder, with what it holds: what a user would see changed on disk. */
const filesUnder = async (dir: string): Promise<Record<string, string>> => {
  const found: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      // eslint-disable-next-line no-await-in-loop
      if (entry.isSymbolicLink()) found[path] = `-> ${await readlink(path)}`;
      // eslint-disable-next-line no-await-in-loop
      else if (entry.isDirectory()) await walk(path);
      // eslint-disable-next-line no-await-in-loop
      else found[path] = await readFile(path, 'utf8');
    }
  };
  await walk(dir);
  return found;
};

describe('CI files: collisions, symbolic links and values, found before anything is written', () => {
  let emu: RunningEmulator;
  let integration: string;
  let root: string;

  const setup = (...args: string[]): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, ['--target-org', 'emu-ci-admin', '--json', ...args]);
  const rotate = (...args: string[]): Promise<CommandRun<RotateResult>> =>
    runCommand<RotateResult>(CertRotate, ['--target-org', 'emu-ci-admin', '--json', ...args]);

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-ci-admin');
    integration = emu.ready.integrationUser.username;
  });
  after(() => emu.stop());
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'jwtapp-ci-files-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** A run that must end with `name`, exit 3, the org and the folder as they were. */
  const refusedBeforeWriting = async (
    run: () => Promise<CommandRun<unknown>>,
    name: string,
    says: string[],
  ): Promise<void> => {
    const org = orgOf(await emu.state());
    const files = await filesUnder(root);
    const refused = await run();
    expect({ exitCode: refused.exitCode, name: refused.json?.name }, refused.stdout + refused.stderr).to.deep.equal({
      exitCode: 3,
      name,
    });
    for (const words of says) expect(refused.json?.message).to.include(words);
    expect(refused.json?.actions?.length).to.be.greaterThan(0);
    expect(orgOf(await emu.state()), 'the org').to.deep.equal(org);
    expect(await filesUnder(root), 'the files').to.deep.equal(files);
  };

  describe('two outputs of one run that are one file: CiFileCollisionError, exit 3, nothing sent or written', () => {
    const newApp =
      (name: string, ...args: string[]) =>
      (): Promise<CommandRun<SetupResult>> =>
        setup('--name', name, '--username', integration, '--output-dir', join(root, 'certs'), ...args);

    it('--dotenv-file naming the private key the run makes', () =>
      refusedBeforeWriting(
        newApp('Ci_Collide_Key', '--dotenv-file', join(root, 'certs', 'server.key')),
        'CiFileCollisionError',
        ['--dotenv-file', 'the private key'],
      ));

    it('--settings-file naming the certificate, through ..', () =>
      refusedBeforeWriting(
        newApp('Ci_Collide_Cert', '--settings-file', join(root, 'certs', 'sub', '..', 'server.crt')),
        'CiFileCollisionError',
        ['--settings-file', 'the certificate'],
      ));

    it('--dotenv-file and --settings-file the same file', () =>
      refusedBeforeWriting(
        newApp('Ci_Collide_Same', '--dotenv-file', join(root, 'ci.env'), '--settings-file', join(root, '.', 'ci.env')),
        'CiFileCollisionError',
        ['--dotenv-file', '--settings-file'],
      ));

    it('--dotenv-file naming the key pair’s folder', () =>
      refusedBeforeWriting(newApp('Ci_Collide_Dir', '--dotenv-file', join(root, 'certs')), 'CiFileCollisionError', [
        'the folder that holds',
      ]));

    it('--dotenv-file inside the key file', () =>
      refusedBeforeWriting(
        newApp('Ci_Collide_Inside', '--dotenv-file', join(root, 'certs', 'server.key', 'ci.env')),
        'CiFileCollisionError',
        ['would go inside'],
      ));

    it('--dotenv-file a symbolic link to a brought key, and --settings-file a link to the dotenv', async () => {
      const pair = await testKey();
      await mkdir(join(root, 'mine'));
      await writeFile(join(root, 'mine', 'k.pem'), pair.privateKeyPem, { mode: 0o600 });
      await writeFile(join(root, 'mine', 'c.pem'), pair.certificatePem);
      await symlink(join(root, 'mine', 'k.pem'), join(root, 'key-link.env'));
      const brought = [
        '--private-key-file',
        join(root, 'mine', 'k.pem'),
        '--certificate-file',
        join(root, 'mine', 'c.pem'),
        '--cert-days',
        '10',
      ];
      await refusedBeforeWriting(
        newApp('Ci_Collide_Link', ...brought, '--dotenv-file', join(root, 'key-link.env')),
        'CiFileCollisionError',
        ['the private key'],
      );
      await symlink('ci.env', join(root, 'settings-link.json'));
      await refusedBeforeWriting(
        newApp(
          'Ci_Collide_Link2',
          ...brought,
          '--dotenv-file',
          join(root, 'ci.env'),
          '--settings-file',
          join(root, 'settings-link.json'),
        ),
        'CiFileCollisionError',
        ['--settings-file'],
      );
    });

    it('cert rotate with --dotenv-file and --settings-file the same file: the certificate is not uploaded', async () => {
      const made = await setup(
        '--name',
        'Ci_Rotate_Collide',
        '--username',
        integration,
        '--output-dir',
        join(root, 'certs'),
      );
      expect(made.exitCode, made.stdout).to.equal(0);
      await refusedBeforeWriting(
        () =>
          rotate(
            '--name',
            'Ci_Rotate_Collide',
            '--username',
            integration,
            '--output-dir',
            join(root, 'certs'),
            '--dotenv-file',
            join(root, 'ci.env'),
            '--settings-file',
            join(root, 'ci.env'),
          ),
        'CiFileCollisionError',
        ['--dotenv-file', '--settings-file'],
      );
    });

    it('cert rotate with --dotenv-file naming the certificate it replaces, through a link', async () => {
      const made = await setup(
        '--name',
        'Ci_Rotate_Cert',
        '--username',
        integration,
        '--output-dir',
        join(root, 'certs'),
      );
      expect(made.exitCode, made.stdout).to.equal(0);
      await symlink(join(root, 'certs'), join(root, 'certs-link'));
      await refusedBeforeWriting(
        () =>
          rotate(
            '--name',
            'Ci_Rotate_Cert',
            '--username',
            integration,
            '--output-dir',
            join(root, 'certs'),
            '--dotenv-file',
            join(root, 'certs-link', 'server.crt'),
          ),
        'CiFileCollisionError',
        ['the certificate'],
      );
    });
  });

  describe('values the dotenv file cannot carry for every reader: CiValueUnwritableError, exit 3, nothing sent or written', () => {
    it('a key folder whose name holds a line break (which would add SF_LOGIN_URL)', () =>
      refusedBeforeWriting(
        () =>
          setup(
            '--name',
            'Ci_Value_Newline',
            '--username',
            integration,
            '--output-dir',
            join(root, 'x\nSF_LOGIN_URL=https:', 'evil.example.com'),
            '--dotenv-file',
            join(root, 'ci.env'),
          ),
        'CiValueUnwritableError',
        ['SF_JWT_KEY_FILE', 'line break'],
      ));

    it('a key folder whose name holds both quotes', () =>
      refusedBeforeWriting(
        () =>
          rotate(
            '--name',
            'No_Such_App_Needed',
            '--username',
            integration,
            '--output-dir',
            join(root, 'o\'brien "ci"'),
            '--dotenv-file',
            join(root, 'ci.env'),
          ),
        'CiValueUnwritableError',
        ['SF_JWT_KEY_FILE'],
      ));
  });

  it('a key folder with a space, # and a quote: bash reads every value back exactly, and nothing more', async () => {
    const certs = join(root, "Ann's keys #1");
    const env = join(root, 'ci.env');
    const run = await setup(
      '--name',
      'Ci_Value_Odd',
      '--username',
      integration,
      '--output-dir',
      certs,
      '--dotenv-file',
      env,
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json?.result as SetupResult;
    expect(readWithBash(env)).to.deep.equal({
      SF_USERNAME: integration,
      SF_CLIENT_ID: result.clientId,
      SF_LOGIN_URL: emu.url,
      SF_INSTANCE_URL: emu.url,
      SF_AUDIENCE_URL: result.audience,
      SF_JWT_KEY_FILE: join(certs, 'server.key'),
    });
    // A re-run reads its own quoted file back as the same values.
    const again = await setup(
      '--name',
      'Ci_Value_Odd',
      '--username',
      integration,
      '--output-dir',
      certs,
      '--dotenv-file',
      env,
    );
    expect({ exitCode: again.exitCode, status: again.json?.result?.status }).to.deep.equal({
      exitCode: 0,
      status: 'unchanged',
    });
  });

  it('a dotenv file that is a symbolic link stays one: setup and cert rotate write the file it names', async () => {
    const certs = join(root, 'certs');
    const target = join(root, 'shared', 'ci.env');
    const link = join(root, 'ci.env');
    await symlink(join('shared', 'ci.env'), link);
    const made = await setup(
      '--name',
      'Ci_Link_App',
      '--username',
      integration,
      '--output-dir',
      certs,
      '--dotenv-file',
      link,
      '--dotenv-include-key',
    );
    expect(made.exitCode, made.stdout).to.equal(0);
    expect((await lstat(link)).isSymbolicLink(), 'after setup, still a link').to.equal(true);
    expect(await readlink(link)).to.equal(join('shared', 'ci.env'));
    expect((await lstat(target)).mode & 0o777).to.equal(0o600);
    expect(readWithBash(link).SF_JWT_KEY.replace(/\\n/g, '\n')).to.equal(
      (await readFile(join(certs, 'server.key'), 'utf8')).trim(),
    );

    const rotated = await rotate(
      '--name',
      'Ci_Link_App',
      '--username',
      integration,
      '--output-dir',
      certs,
      '--dotenv-file',
      link,
      '--dotenv-include-key',
    );
    expect(rotated.exitCode, rotated.stdout).to.equal(0);
    expect((await lstat(link)).isSymbolicLink(), 'after rotate, still a link').to.equal(true);
    const newKey = (await readFile(join(certs, 'server.key'), 'utf8')).trim();
    expect(readWithBash(target).SF_JWT_KEY.replace(/\\n/g, '\n'), 'the target holds the new key').to.equal(newKey);
    // The previous file is kept, dated, beside the link: the old key, not the new one.
    const kept = (rotated.json?.result as RotateResult).keptFiles.find((f) => basename(f).startsWith('ci-')) ?? '';
    expect(kept).to.not.equal('');
    expect(readWithBash(kept).SF_JWT_KEY.replace(/\\n/g, '\n')).to.not.equal(newKey);
  });
});
