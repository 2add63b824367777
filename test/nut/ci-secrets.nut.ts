import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';
import { REPO_ROOT, SF_RUN, sfHome } from '../helpers/sf.js';
import { tempDir } from '../helpers/temp.js';
import { LocalGitHub, LocalGitLab } from '../helpers/ci-servers.js';

const REPO = 'acme/salesforce-app';
const PROJECT_ID = 7;
const PROJECT = 'acme/salesforce-app';

/** The YAML block that follows `<!-- snippet:NAME -->` in the README. */
const snippet = async (name: string): Promise<string> => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const found = new RegExp(`<!-- snippet:${name} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!found) throw new Error(`README.md has no snippet ${name}`);
  return found[1];
};

/** The lines of a GitHub Actions step's `run: |` block, as the runner's bash runs them. */
const actionsRun = (yaml: string): string => {
  const block = /run: \|\n((?: {4}.*\n?)+)/.exec(yaml);
  if (!block) throw new Error('no run block');
  return block[1].replace(/^ {4}/gm, '');
};

/** The commands of a GitLab job's `script:` list. */
const gitlabScript = (yaml: string): string => [...yaml.matchAll(/^ {4}- (.+)$/gm)].map((m) => m[1]).join('\n');

type ScriptRun = { status: number; output: string };

/** Runs a script with bash as a CI runner does (`-e`), the real sf on its PATH, in a HOME of its own. */
const runScript = async (script: string, env: Record<string, string>): Promise<ScriptRun> => {
  const bin = await tempDir('jwtapp-ci-bin-');
  await mkdir(bin, { recursive: true });
  const sf = join(bin, 'sf');
  await writeFile(sf, `#!/bin/sh\nexec "${process.execPath}" "${SF_RUN}" "$@"\n`);
  await chmod(sf, 0o755);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], {
      cwd: env.HOME,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        SF_DISABLE_TELEMETRY: 'true',
        SF_AUTOUPDATE_DISABLE: 'true',
        SF_DISABLE_AUTOUPDATE: 'true',
        SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
        FORCE_COLOR: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.on('close', (code) => resolve({ status: code ?? -1, output }));
  });
};

/** The real sf writing a login to GitHub and GitLab, and the README's pipeline snippets logging in with what they hold. */
describe('CI secrets through the real sf, and the README snippets logging in with them', () => {
  const nut = nutBench({ emulator: { clientSecretRestAccess: true } });
  let github: LocalGitHub;
  let gitlab: LocalGitLab;
  let env: Record<string, string>;
  let setupOutput: string;

  before(async () => {
    github = await LocalGitHub.start();
    github.addRepo(REPO);
    github.addToken('nut-gh-token', [REPO]);
    gitlab = await LocalGitLab.start();
    gitlab.addProject(PROJECT_ID, PROJECT);
    gitlab.addToken('nut-gl-token', PROJECT_ID);
    env = {
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: 'nut-gh-token',
      CI_API_V4_URL: `${gitlab.url}/api/v4`,
      GITLAB_TOKEN: 'nut-gl-token',
    };
    const run = await nut.sf(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Nut_Ci_App',
        '--username',
        nut.integration,
        '--key-in-ci-only',
        '--github-repo',
        REPO,
        '--gitlab-project',
        PROJECT,
        '--json',
      ],
      { env },
    );
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    setupOutput = run.stdout + run.stderr;
  });
  after(async () => {
    await github.stop();
    await gitlab.stop();
  });

  it('sets up the login and writes it to both stores, with no key file and no key in its output', async () => {
    const secrets = github.secrets(REPO);
    expect(Object.keys(secrets).sort()).to.deep.equal(['SF_CLIENT_ID', 'SF_JWT_KEY', 'SF_LOGIN_URL', 'SF_USERNAME']);
    // The key itself, as a PEM node:crypto reads: an RSA key of 2048 bits.
    expect(createPrivateKey(secrets.SF_JWT_KEY).asymmetricKeyDetails?.modulusLength).to.equal(2048);
    expect(
      gitlab
        .variables(PROJECT_ID)
        .map((v) => v.key)
        .sort(),
    ).to.deep.equal(Object.keys(secrets).sort());
    expect(await readdir(nut.home)).to.not.include('server.key');
    expect(await readdir(nut.home)).to.not.include('certs');
    expect(setupOutput).to.not.include('PRIVATE KEY');
    expect(setupOutput).to.not.include(secrets.SF_JWT_KEY.split('\n')[1]);
  });

  it("the GitHub Actions snippet's step logs in with the repository's secrets", async () => {
    const secrets = github.secrets(REPO);
    const home = sfHome();
    const run = await runScript(actionsRun(await snippet('github-actions')), {
      HOME: home,
      RUNNER_TEMP: await tempDir('jwtapp-runner-temp-'),
      SF_USERNAME: secrets.SF_USERNAME,
      SF_CLIENT_ID: secrets.SF_CLIENT_ID,
      SF_LOGIN_URL: secrets.SF_LOGIN_URL,
      SF_JWT_KEY: secrets.SF_JWT_KEY,
    });
    expect(run.status, run.output).to.equal(0);
    expect(run.output).to.include(`Successfully authorized ${nut.integration}`);
  });

  it("the GitLab CI snippet's script logs in with the project's variables, the key a file variable", async () => {
    const byKey = Object.fromEntries(gitlab.variables(PROJECT_ID).map((v) => [v.key, v]));
    // GitLab writes a file variable's value to a file and gives the job its path.
    const keyPath = join(await tempDir('jwtapp-gitlab-vars-'), 'SF_JWT_KEY');
    expect(byKey.SF_JWT_KEY.variable_type).to.equal('file');
    await writeFile(keyPath, byKey.SF_JWT_KEY.value, { mode: 0o600 });
    const run = await runScript(gitlabScript(await snippet('gitlab-ci')), {
      HOME: sfHome(),
      SF_USERNAME: byKey.SF_USERNAME.value,
      SF_CLIENT_ID: byKey.SF_CLIENT_ID.value,
      SF_LOGIN_URL: byKey.SF_LOGIN_URL.value,
      SF_JWT_KEY: keyPath,
    });
    expect(run.status, run.output).to.equal(0);
    expect(run.output).to.include(`Successfully authorized ${nut.integration}`);
  });

  it("rotates a client credentials app's key and secret through the real sf, into GitHub, the previous pair refused", async () => {
    const made = await nut.sf(
      ['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Nut_Cc_App', '--username', nut.integration].concat([
        '--flow',
        'client-credentials',
        '--json',
      ]),
      { env },
    );
    expect(made.status, made.stdout + made.stderr).to.equal(0);
    const before = (await nut.emu.state()).apps.find((a) => a.name === 'Nut_Cc_App');
    const run = await nut.sf(
      ['jwtapp', 'credentials', 'rotate', '--target-org', 'emu', '--name', 'Nut_Cc_App'].concat([
        '--github-repo',
        REPO,
        '--ci-secret-suffix',
        'sync',
        '--revoke-previous',
        '--json',
      ]),
      { env },
    );
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    const after = (await nut.emu.state()).apps.find((a) => a.name === 'Nut_Cc_App');
    expect(after?.consumerKey).to.not.equal(before?.consumerKey);
    expect(github.secrets(REPO)).to.include({
      SF_CLIENT_ID_SYNC: after?.consumerKey,
      SF_CLIENT_SECRET_SYNC: after?.consumerSecret,
    });
    expect(run.stdout).to.not.include(String(after?.consumerSecret));
    expect((run.json?.result as { previousRefused?: string }).previousRefused).to.match(/^invalid_client/);
  });
});
