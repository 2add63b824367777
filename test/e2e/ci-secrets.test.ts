import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import { orgOf, startEmulator, withLoginsRefused, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, withEnv, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';
import { LocalGitHub, LocalGitLab } from '../helpers/ci-servers.js';

const REPO = 'acme/salesforce-app';
const PROJECT_ID = 42;
const PROJECT = 'acme/salesforce-app';

describe('setup writing the login to GitHub and GitLab', () => {
  let emu: RunningEmulator;
  let github: LocalGitHub;
  let gitlab: LocalGitLab;
  let integration: string;
  let stores: Record<string, string>;

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'ci-secrets-admin');
    integration = emu.ready.integrationUser.username;
    github = await LocalGitHub.start();
    github.addRepo(REPO, ['uat']);
    github.addToken('gh-write', [REPO]);
    github.addToken('gh-read', [REPO], false);
    gitlab = await LocalGitLab.start();
    gitlab.addProject(PROJECT_ID, PROJECT);
    gitlab.addToken('gl-maintainer', PROJECT_ID, 40);
    gitlab.addToken('gl-developer', PROJECT_ID, 30);
    stores = {
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: 'gh-write',
      CI_API_V4_URL: `${gitlab.url}/api/v4`,
      GITLAB_TOKEN: 'gl-maintainer',
    };
  });
  after(async () => {
    await emu.stop();
    await github.stop();
    await gitlab.stop();
  });

  const setup = (env: Record<string, string | undefined>, ...args: string[]): Promise<CommandRun<SetupResult>> =>
    withEnv(env, () => runCommand<SetupResult>(Setup, ['--target-org', 'ci-secrets-admin', '--json', ...args]));
  const login = (
    values: { username: string; clientId: string; loginUrl: string },
    key: string[],
  ): Promise<CommandRun<VerifyResult>> =>
    runCommand<VerifyResult>(Verify, [
      '--username',
      values.username,
      '--client-id',
      values.clientId,
      ...key,
      '--instance-url',
      values.loginUrl,
      '--json',
    ]);

  describe('a key made in memory and kept only in the CI', () => {
    let run: CommandRun<SetupResult>;
    let dir: string;
    before(async () => {
      dir = await tempDir('jwtapp-ci-secrets-');
      run = await setup(
        stores,
        '--name',
        'Ci_Secrets_App',
        '--username',
        integration,
        '--output-dir',
        dir,
        '--key-in-ci-only',
        '--github-repo',
        REPO,
        '--gitlab-project',
        PROJECT,
      );
    });

    it('sets up and verifies the login, and names what it wrote where, never a value', async () => {
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as SetupResult;
      expect(result.verification).to.include({ success: true });
      const names = ['SF_USERNAME', 'SF_CLIENT_ID', 'SF_LOGIN_URL', 'SF_JWT_KEY'];
      expect(result.ciSecrets).to.deep.equal([
        { store: `GitHub ${REPO}`, names },
        { store: `GitLab ${PROJECT}`, names },
      ]);
      expect(result).to.not.have.property('keyFile');
      expect(run.stdout).to.not.include('PRIVATE KEY');
      expect(run.stdout).to.not.include(github.secrets(REPO).SF_JWT_KEY.split('\n')[1]);
      // No key file anywhere: not in --output-dir, not in the working folder.
      expect(await readdir(dir)).to.deep.equal([]);
      expect(await readdir(process.cwd())).to.not.include('server.key');
    });

    it("GitHub decrypts exactly the run's values: the key is the one whose certificate the app holds", async () => {
      const result = run.json?.result as SetupResult;
      const secrets = github.secrets(REPO);
      expect(secrets).to.deep.include({
        SF_USERNAME: integration,
        SF_CLIENT_ID: result.clientId,
        SF_LOGIN_URL: emu.url,
      });
      const app = (await emu.state()).apps.find((a) => a.name === 'Ci_Secrets_App');
      const certificate = new X509Certificate(String(app?.certificate));
      expect(certificate.checkPrivateKey(createPrivateKey(secrets.SF_JWT_KEY))).to.equal(true);
      expect(createPublicKey(secrets.SF_JWT_KEY).export({ format: 'pem', type: 'spki' })).to.equal(
        certificate.publicKey.export({ format: 'pem', type: 'spki' }),
      );
    });

    it('GitLab holds the same values: the ids masked, the key a file variable, all protected and raw', () => {
      const result = run.json?.result as SetupResult;
      const byKey = Object.fromEntries(gitlab.variables(PROJECT_ID).map((v) => [v.key, v]));
      expect(byKey.SF_CLIENT_ID).to.include({
        value: result.clientId,
        masked: true,
        variable_type: 'env_var',
        protected: true,
        raw: true,
      });
      expect(byKey.SF_USERNAME).to.include({ value: integration, masked: false, protected: true });
      expect(byKey.SF_LOGIN_URL).to.include({ value: emu.url, masked: false });
      expect(byKey.SF_JWT_KEY).to.include({
        value: github.secrets(REPO).SF_JWT_KEY,
        variable_type: 'file',
        masked: false,
        protected: true,
      });
    });

    it("the pipeline's login logs in with what each store holds", async () => {
      const fromGitHub = github.secrets(REPO);
      const values = {
        username: fromGitHub.SF_USERNAME,
        clientId: fromGitHub.SF_CLIENT_ID,
        loginUrl: fromGitHub.SF_LOGIN_URL,
      };
      const viaEnv = await withEnv({ SF_JWT_KEY: fromGitHub.SF_JWT_KEY }, () =>
        login(values, ['--jwt-key-env', 'SF_JWT_KEY']),
      );
      expect(viaEnv.json?.result?.success, viaEnv.stdout).to.equal(true);
      // A GitLab file variable: the job gets a path to a file holding the value.
      const byKey = Object.fromEntries(gitlab.variables(PROJECT_ID).map((v) => [v.key, v.value]));
      const keyFile = join(await tempDir('jwtapp-gitlab-job-'), 'SF_JWT_KEY');
      await writeFile(keyFile, byKey.SF_JWT_KEY, { mode: 0o600 });
      const viaFile = await login(
        { username: byKey.SF_USERNAME, clientId: byKey.SF_CLIENT_ID, loginUrl: byKey.SF_LOGIN_URL },
        ['--jwt-key-file', keyFile],
      );
      expect(viaFile.json?.result?.success, viaFile.stdout).to.equal(true);
    });

    it('a re-run with the key from the CI changes nothing in the org and writes the same values', async () => {
      const before = github.secrets(REPO);
      const puts = (): number => [...github.requests, ...gitlab.requests].filter((r) => r.method === 'PUT').length;
      const putsBefore = puts();
      await emu.clearRequests();
      const again = await withEnv({ SF_JWT_KEY: before.SF_JWT_KEY }, () =>
        setup(
          stores,
          '--name',
          'Ci_Secrets_App',
          '--username',
          integration,
          '--jwt-key-env',
          'SF_JWT_KEY',
          '--github-repo',
          REPO,
          '--gitlab-project',
          PROJECT,
        ),
      );
      expect(again.exitCode, again.stdout).to.equal(0);
      expect(again.json?.result?.status).to.equal('unchanged');
      expect(await emu.writes()).to.deep.equal([]);
      expect(github.secrets(REPO)).to.deep.equal(before);
      // Written again (four secrets in each store, GitLab's replaced in place), to the same values.
      expect(puts() - putsBefore).to.equal(8);
      expect(gitlab.variables(PROJECT_ID).filter((v) => v.key === 'SF_JWT_KEY')).to.have.length(1);
    });

    const rotate = (...args: string[]): Promise<CommandRun<RotateResult>> =>
      withEnv(stores, () =>
        runCommand<RotateResult>(CertRotate, [
          '--target-org',
          'ci-secrets-admin',
          '--name',
          'Ci_Secrets_App',
          '--username',
          integration,
          '--key-in-ci-only',
          '--github-repo',
          REPO,
          '--gitlab-project',
          PROJECT,
          '--json',
          ...args,
        ]),
      );
    const appCertificate = async (): Promise<string> =>
      String((await emu.state()).apps.find((a) => a.name === 'Ci_Secrets_App')?.certificate);

    it("cert rotate leaves the CI's secrets as they were when the new key is refused, and puts the old certificate back", async () => {
      const secretsBefore = github.secrets(REPO);
      const variablesBefore = gitlab.variables(PROJECT_ID).map((v) => ({ ...v }));
      const certificateBefore = await appCertificate();
      const writesBefore = [...github.requests, ...gitlab.requests].filter((r) => r.method !== 'GET').length;
      // The runner's address is outside the user's trusted range: every login of the new key is refused.
      const refused = await withLoginsRefused(emu, () => rotate());
      expect({ name: refused.json?.name, exitCode: refused.exitCode }, refused.stdout).to.deep.equal({
        name: 'IpRestrictedError',
        exitCode: 4,
      });
      expect((refused.json?.actions ?? []).join(' ')).to.include("The CI's secrets were not changed");
      expect(github.secrets(REPO)).to.deep.equal(secretsBefore);
      expect(gitlab.variables(PROJECT_ID)).to.deep.equal(variablesBefore);
      expect(certificateBefore).to.equal(await appCertificate());
      expect([...github.requests, ...gitlab.requests].filter((r) => r.method !== 'GET').length).to.equal(writesBefore);
    });

    it('cert rotate replaces the secrets with a new key once it has logged in, writing no key file', async () => {
      const secretsBefore = github.secrets(REPO);
      const rotated = await rotate();
      expect(rotated.exitCode, rotated.stdout).to.equal(0);
      expect(rotated.json?.result).to.include({ status: 'rotated' });
      expect(rotated.json?.result?.verification).to.include({ success: true });
      expect(rotated.json?.result).to.not.have.property('keyFile');
      expect(rotated.json?.result?.ciSecrets?.map((w) => w.store)).to.deep.equal([
        `GitHub ${REPO}`,
        `GitLab ${PROJECT}`,
      ]);
      const after = github.secrets(REPO);
      expect(after.SF_JWT_KEY).to.not.equal(secretsBefore.SF_JWT_KEY);
      expect(after.SF_CLIENT_ID).to.equal(secretsBefore.SF_CLIENT_ID);
      expect(new X509Certificate(await appCertificate()).checkPrivateKey(createPrivateKey(after.SF_JWT_KEY))).to.equal(
        true,
      );
      expect(gitlab.variables(PROJECT_ID).find((v) => v.key === 'SF_JWT_KEY')?.value).to.equal(after.SF_JWT_KEY);
      const loggedIn = await withEnv({ SF_JWT_KEY: after.SF_JWT_KEY }, () =>
        runCommand<VerifyResult>(Verify, [
          '-o',
          after.SF_USERNAME,
          '-i',
          after.SF_CLIENT_ID,
          '--jwt-key-env',
          'SF_JWT_KEY',
          '-r',
          after.SF_LOGIN_URL,
          '--json',
        ]),
      );
      expect(loggedIn.json?.result?.success, loggedIn.stdout).to.equal(true);
      expect(await readdir(process.cwd())).to.not.include('server.key');
    });
  });

  it("names the secrets sfdx-hardis's way for a branch, in a GitHub environment", async () => {
    const dir = await tempDir('jwtapp-ci-hardis-');
    const run = await setup(
      stores,
      '--name',
      'Ci_Hardis_App',
      '--username',
      integration,
      '--output-dir',
      dir,
      '--github-repo',
      REPO,
      '--github-environment',
      'uat',
      '--ci-secret-naming',
      'sfdx-hardis',
      '--ci-secret-suffix',
      'uat',
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const secrets = github.secrets(REPO, 'uat');
    expect(Object.keys(secrets).sort()).to.deep.equal(['SFDX_CLIENT_CERT_UAT', 'SFDX_CLIENT_ID_UAT']);
    expect(secrets.SFDX_CLIENT_ID_UAT).to.equal(run.json?.result?.clientId);
    // Without --key-in-ci-only the key is also in the folder, and it is the same key.
    expect(await readdir(dir)).to.include('server.key');
  });

  it("masks a client credentials app's id and secret on a GitLab older than raw values, by its stricter rule", async () => {
    // An org that lets the API read the app's consumer secret, so setup has it to store.
    const open = await startEmulator({ consumerSecretApiAccess: true });
    const older = await LocalGitLab.start();
    older.withoutRaw = true;
    older.addProject(PROJECT_ID, PROJECT);
    older.addToken('gl-maintainer', PROJECT_ID, 40);
    try {
      await storeAdminLogin(open, 'ci-older-gitlab-admin');
      const run = await withEnv({ ...stores, CI_API_V4_URL: `${older.url}/api/v4` }, () =>
        runCommand<SetupResult>(Setup, [
          '--target-org',
          'ci-older-gitlab-admin',
          '--json',
          '--name',
          'Ci_Older_GitLab_App',
          '--flow',
          'client-credentials',
          '--username',
          open.ready.integrationUser.username,
          '--gitlab-project',
          PROJECT,
        ]),
      );
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      const app = (await open.state()).apps.find((a) => a.name === 'Ci_Older_GitLab_App');
      const byKey = Object.fromEntries(older.variables(PROJECT_ID).map((v) => [v.key, v]));
      expect(byKey.SF_CLIENT_ID).to.include({ value: app?.consumerKey, masked: true, raw: false });
      expect(byKey.SF_CLIENT_SECRET).to.include({ value: app?.consumerSecret, masked: true, raw: false });
    } finally {
      await older.stop();
      await open.stop();
    }
  });

  it('says which store got no consumer secret, and where to find it, when the org would not give it', async () => {
    const run = await setup(
      stores,
      '--name',
      'Ci_Secretless_App',
      '--flow',
      'client-credentials',
      '--username',
      integration,
      '--github-repo',
      REPO,
      '--ci-secret-suffix',
      'cc',
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    const secrets = github.secrets(REPO);
    expect(secrets.SF_CLIENT_ID_CC).to.equal(run.json?.result?.clientId);
    expect(secrets).to.not.have.property('SF_CLIENT_SECRET_CC');
    const warning = run.json?.warnings?.find((w) => w.includes('SF_CLIENT_SECRET_CC')) ?? '';
    expect(warning).to.include(`GitHub ${REPO} got no SF_CLIENT_SECRET_CC`);
    expect(warning).to.include('External Client App Manager > Ci_Secretless_App').and.include('--client-secret-env');
  });

  describe('refuses before writing anything to the org', () => {
    const refusedWith = async (
      env: Record<string, string | undefined>,
      args: string[],
      expected: { name: string; exitCode: number; says: string },
    ): Promise<void> => {
      const before = orgOf(await emu.state());
      const run = await setup(env, '--name', 'Ci_Refused_App', '--username', integration, '--key-in-ci-only', ...args);
      expect({ name: run.json?.name, exitCode: run.exitCode }, run.stdout).to.deep.equal({
        name: expected.name,
        exitCode: expected.exitCode,
      });
      expect(`${run.json?.message ?? ''} ${(run.json?.actions ?? []).join(' ')}`).to.include(expected.says);
      expect(orgOf(await emu.state())).to.deep.equal(before);
    };

    it('without a token', () =>
      refusedWith({ ...stores, GITHUB_TOKEN: undefined, GH_TOKEN: undefined }, ['--github-repo', REPO], {
        name: 'CiTokenMissingError',
        exitCode: 3,
        says: 'GITHUB_TOKEN or GH_TOKEN',
      }));

    it('with a token GitHub refuses', () =>
      refusedWith({ ...stores, GITHUB_TOKEN: 'not-a-token' }, ['--github-repo', REPO], {
        name: 'CiTokenRefusedError',
        exitCode: 4,
        says: 'Secrets: write',
      }));

    it('with a repository the token cannot see', () =>
      refusedWith(stores, ['--github-repo', 'acme/elsewhere'], {
        name: 'GitHubTargetNotFoundError',
        exitCode: 4,
        says: 'acme/elsewhere',
      }));

    it("with a GitLab token of a Developer, who may not write the project's variables", () =>
      refusedWith({ ...stores, GITLAB_TOKEN: 'gl-developer' }, ['--gitlab-project', String(PROJECT_ID)], {
        name: 'GitLabNotMaintainerError',
        exitCode: 4,
        says: 'Maintainer',
      }));

    it('with --key-in-ci-only and no store', () =>
      refusedWith(stores, [], { name: 'KeyOnlyInCiNeedsStoreError', exitCode: 3, says: '--github-repo' }));
  });
});
