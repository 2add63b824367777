import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'dotenv';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CredentialsRotate, { type CredentialsRotationResult } from '../../src/commands/jwtapp/credentials/rotate.js';
import { startEmulator, withLoginsRefused, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, withEnv, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';
import { postToken } from '../helpers/token.js';
import { LocalGitHub, LocalGitLab } from '../helpers/ci-servers.js';

const REPO = 'acme/sync';

/** A client credentials integration's consumer key and secret rotated end to end, into a (local) GitHub. */
describe('sf jwtapp credentials rotate', () => {
  let emu: RunningEmulator;
  let github: LocalGitHub;
  let integration: string;
  let env: Record<string, string>;

  const secretsOf = async (name: string): Promise<{ key: string; secret: string }> => {
    const app = (await emu.state()).apps.find((a) => a.name === name);
    return { key: String(app?.consumerKey), secret: String(app?.consumerSecret) };
  };
  /** A client credentials login, as a pipeline makes it: the token endpoint's status and error. */
  const login = async (pair: { key: string; secret: string }): Promise<string> => {
    const answer = await postToken(emu.url, {
      // eslint-disable-next-line camelcase
      grant_type: 'client_credentials',
      // eslint-disable-next-line camelcase
      client_id: pair.key,
      // eslint-disable-next-line camelcase
      client_secret: pair.secret,
    });
    return answer.status === 200 ? 'ok' : `${answer.body.error}`;
  };
  const rotate = (...args: string[]): Promise<CommandRun<CredentialsRotationResult>> =>
    withEnv(env, () =>
      runCommand<CredentialsRotationResult>(CredentialsRotate, ['--target-org', 'cred-admin', '--json', ...args]),
    );
  const setupApp = async (name: string, ...args: string[]): Promise<void> => {
    const run = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'cred-admin',
      '--name',
      name,
      '--username',
      integration,
      '--output-dir',
      await tempDir('jwtapp-cred-'),
      '--json',
      ...args,
    ]);
    expect(run.exitCode, run.stdout).to.equal(0);
  };

  before(async () => {
    emu = await startEmulator({ clientSecretRestAccess: true, allowConnectedAppCreation: true });
    await storeAdminLogin(emu, 'cred-admin');
    integration = emu.ready.integrationUser.username;
    github = await LocalGitHub.start();
    github.addRepo(REPO);
    github.addToken('cred-gh', [REPO]);
    env = { GITHUB_API_URL: github.url, GITHUB_TOKEN: 'cred-gh' };
    await setupApp('Sync_App', '--flow', 'client-credentials');
  });
  after(async () => {
    await emu.stop();
    await github.stop();
  });

  it('rotates the key and secret, writes the new pair to the CI, and keeps the previous one working for the overlap', async () => {
    const before = await secretsOf('Sync_App');
    expect(await login(before)).to.equal('ok');
    const run = await rotate('--name', 'Sync_App', '--github-repo', REPO);
    expect(run.exitCode, run.stdout).to.equal(0);
    const after = await secretsOf('Sync_App');
    expect(after.key).to.not.equal(before.key);
    expect(after.secret).to.not.equal(before.secret);
    expect(run.json?.result).to.include({ clientId: after.key, previousClientId: before.key, previous: 'kept' });
    expect(run.json?.result?.verification).to.include({ success: true });
    expect(github.secrets(REPO)).to.deep.equal({
      SF_USERNAME: integration,
      SF_CLIENT_ID: after.key,
      SF_LOGIN_URL: emu.url,
      SF_CLIENT_SECRET: after.secret,
    });
    expect(run.stdout).to.not.include(after.secret).and.not.include(before.secret);
    expect(await login(after)).to.equal('ok');
    expect(await login(before)).to.equal('ok');
  });

  it('with --revoke-previous, the previous pair is refused afterwards; the new one, from the CI, logs in', async () => {
    const before = await secretsOf('Sync_App');
    const run = await rotate('--name', 'Sync_App', '--github-repo', REPO, '--revoke-previous');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result).to.include({ previous: 'revoked' });
    expect(run.json?.result?.previousRefused).to.match(/^invalid_client/);
    expect(await login(before)).to.equal('invalid_client_id');
    const fromCi = github.secrets(REPO);
    expect(await login({ key: fromCi.SF_CLIENT_ID, secret: fromCi.SF_CLIENT_SECRET })).to.equal('ok');
  });

  it('discards a new pair that is refused: the app and the CI keep what they had', async () => {
    const before = await secretsOf('Sync_App');
    const ciBefore = github.secrets(REPO);
    const run = await withLoginsRefused(emu, () => rotate('--name', 'Sync_App', '--github-repo', REPO));
    expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
      name: 'IpRestrictedError',
      exitCode: 4,
    });
    expect((run.json?.actions ?? []).join(' ')).to.include('it was discarded');
    expect(await secretsOf('Sync_App')).to.deep.equal(before);
    expect(github.secrets(REPO)).to.deep.equal(ciBefore);
    expect(await login(before)).to.equal('ok');
    // Nothing staged is left behind: a next rotation needs no --replace-staged.
    const again = await rotate('--name', 'Sync_App', '--github-repo', REPO);
    expect(again.exitCode, again.stdout).to.equal(0);
  });

  it('when one store takes the new pair and another fails, makes it primary and keeps the previous pair for the other', async () => {
    const gitlab = await LocalGitLab.start();
    try {
      gitlab.addProject(9, 'acme/sync');
      gitlab.addToken('cred-gl', 9);
      gitlab.failWrites = true;
      const before = await secretsOf('Sync_App');
      const run = await withEnv({ CI_API_V4_URL: `${gitlab.url}/api/v4`, GITLAB_TOKEN: 'cred-gl' }, () =>
        rotate('--name', 'Sync_App', '--github-repo', REPO, '--gitlab-project', 'acme/sync', '--revoke-previous'),
      );
      expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
        name: 'CiStoreRefusedError',
        exitCode: 4,
      });
      const actions = (run.json?.actions ?? []).join(' ');
      expect(actions).to.include(`Written with the new values: GitHub ${REPO}; not written: GitLab acme/sync.`);
      const after = await secretsOf('Sync_App');
      expect(after.key).to.not.equal(before.key);
      expect(github.secrets(REPO)).to.include({ SF_CLIENT_ID: after.key, SF_CLIENT_SECRET: after.secret });
      // Both pipelines keep logging in: GitHub's with the new pair, GitLab's with the previous one.
      expect(await login(after)).to.equal('ok');
      expect(await login(before)).to.equal('ok');
    } finally {
      await gitlab.stop();
    }
  });

  describe('refuses, changing nothing', () => {
    const refused = async (args: string[], expected: { name: string; exitCode: number }): Promise<void> => {
      const before = await emu.state();
      const run = await rotate(...args);
      expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal(expected);
      expect((await emu.state()).apps).to.deep.equal(before.apps);
    };

    it('without a store for the new secret', () =>
      refused(['--name', 'Sync_App'], { name: 'CredentialsNeedStoreError', exitCode: 3 }));

    it('an app without the client credentials flow', async () => {
      await setupApp('Jwt_Only_App');
      await refused(['--name', 'Jwt_Only_App', '--github-repo', REPO], {
        name: 'NoClientCredentialsFlowError',
        exitCode: 4,
      });
    });

    it('a Connected App', async () => {
      await setupApp('Legacy_Cc_App', '--app-type', 'connected-app', '--flow', 'client-credentials');
      await refused(['--name', 'Legacy_Cc_App', '--github-repo', REPO], {
        name: 'NotExternalClientAppError',
        exitCode: 4,
      });
    });
  });

  describe('into an env file, for a CI that takes a file of variables', () => {
    let dir: string;
    let file: string;
    /** The file's entries, as the dotenv package reads them. */
    const entriesOf = async (path: string): Promise<Record<string, string>> => parse(await readFile(path, 'utf8'));
    before(async () => {
      dir = await tempDir('jwtapp-cred-env-');
      file = join(dir, '.env.jwt');
      await setupApp('File_Sync_App', '--flow', 'client-credentials', '--dotenv-file', file, '--dotenv-include-secret');
    });

    it('replaces the client id and secret once the new pair logs in, every other entry kept, 0600', async () => {
      const before = await entriesOf(file);
      const old = await secretsOf('File_Sync_App');
      expect(before).to.include({ SF_CLIENT_ID: old.key, SF_CLIENT_SECRET: old.secret });
      const run = await rotate('--name', 'File_Sync_App', '--dotenv-file', file, '--revoke-previous');
      expect(run.exitCode, run.stdout).to.equal(0);
      const after = await secretsOf('File_Sync_App');
      expect(after.key).to.not.equal(old.key);
      expect(await entriesOf(file)).to.deep.equal({
        ...before,
        SF_CLIENT_ID: after.key,
        SF_CLIENT_SECRET: after.secret,
      });
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect(run.json?.result?.ciSecrets).to.deep.equal([
        { store: `env file ${file}`, names: ['SF_USERNAME', 'SF_CLIENT_ID', 'SF_LOGIN_URL', 'SF_CLIENT_SECRET'] },
      ]);
      expect(run.stdout).to.not.include(after.secret);
      const fromFile = await entriesOf(file);
      expect(await login({ key: fromFile.SF_CLIENT_ID, secret: fromFile.SF_CLIENT_SECRET })).to.equal('ok');
      expect(await login(old)).to.equal('invalid_client_id');
    });

    it("keeps the file's names when the other stores' secrets take a suffix", async () => {
      const run = await rotate(
        '--name',
        'File_Sync_App',
        '--dotenv-file',
        file,
        '--github-repo',
        REPO,
        '--ci-secret-suffix',
        'file',
      );
      expect(run.exitCode, run.stdout).to.equal(0);
      const after = await secretsOf('File_Sync_App');
      expect(await entriesOf(file)).to.include({ SF_CLIENT_ID: after.key, SF_CLIENT_SECRET: after.secret });
      expect(github.secrets(REPO)).to.include({ SF_CLIENT_ID_FILE: after.key, SF_CLIENT_SECRET_FILE: after.secret });
    });

    it('takes the file that still holds the previous client id, after a rotation that did not write it', async () => {
      const held = await entriesOf(file);
      const run = await rotate('--name', 'File_Sync_App', '--github-repo', REPO);
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(await entriesOf(file)).to.deep.equal(held);
      const next = await rotate('--name', 'File_Sync_App', '--dotenv-file', file);
      expect(next.exitCode, next.stdout).to.equal(0);
      const after = await secretsOf('File_Sync_App');
      expect(await entriesOf(file)).to.include({ SF_CLIENT_ID: after.key, SF_CLIENT_SECRET: after.secret });
    });

    it("refuses another login's file before anything changes: no write to the org, the file as it was", async () => {
      const other = join(dir, '.env.other');
      const text =
        '# Written by sf jwtapp setup. Keep this file out of version control.\nSF_USERNAME=someone@example.com\nSF_CLIENT_ID=3MVG9AnotherAppsKey\n';
      await writeFile(other, text, { mode: 0o600 });
      const before = await emu.state();
      await emu.clearRequests();
      const run = await rotate('--name', 'File_Sync_App', '--dotenv-file', other);
      expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
        name: 'EnvFileOtherLoginError',
        exitCode: 3,
      });
      expect(run.json?.message).to.include('SF_CLIENT_ID and SF_USERNAME');
      expect((await emu.state()).apps).to.deep.equal(before.apps);
      expect(await emu.writes()).to.deep.equal([]);
      expect(await readFile(other, 'utf8')).to.equal(text);
    });
  });

  it('says which setting refuses staged credentials, changing nothing', async () => {
    const strict = await startEmulator({ clientSecretRestAccess: false });
    try {
      await storeAdminLogin(strict, 'cred-strict');
      const made = await runCommand<SetupResult>(Setup, [
        '--target-org',
        'cred-strict',
        '--name',
        'Strict_App',
        '--username',
        strict.ready.integrationUser.username,
        '--flow',
        'client-credentials',
        '--json',
      ]);
      expect(made.exitCode, made.stdout).to.equal(0);
      const before = (await strict.state()).apps;
      const run = await withEnv(env, () =>
        runCommand<CredentialsRotationResult>(CredentialsRotate, [
          '--target-org',
          'cred-strict',
          '--name',
          'Strict_App',
          '--github-repo',
          REPO,
          '--json',
        ]),
      );
      expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
        name: 'StagedRefusedError',
        exitCode: 4,
      });
      expect((run.json?.actions ?? []).join(' ')).to.include('consumer secrets via REST API');
      expect((await strict.state()).apps).to.deep.equal(before);
    } finally {
      await strict.stop();
    }
  });
});
