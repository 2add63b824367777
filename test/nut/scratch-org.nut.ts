import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'dotenv';
import { nutBench } from '../helpers/nut.js';

/**
 * The real `sf org create scratch` from a Dev Hub logged in as a pipeline logs in, through the External Client App
 * setup made: C-1016 without the signup variables (forcedotcom/cli#3515), a scratch org with those setup wrote, and
 * the bootstrap's one step in it.
 */
describe('sf org create scratch from a Dev Hub logged in through the app setup made, through the real sf', () => {
  const nut = nutBench({ emulator: { devHub: true } });
  let env: Record<string, string>;
  let signup: Record<string, string>;
  /** `sf org create scratch` from the pipeline's Dev Hub login, as its scratch-org job runs it. */
  const createScratch = (args: string[], variables: Record<string, string> = {}): ReturnType<typeof nut.sf> =>
    nut.sf(
      ['org', 'create', 'scratch', '--target-dev-hub', 'ci-dev-hub', '--edition', 'developer', '--wait', '2']
        .concat(args)
        .concat('--json'),
      { env: variables },
    );

  before(async () => {
    const made = await nut.sf([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Ci_Dev_Hub',
      '--username',
      nut.emu.ready.admin.username,
      '--output-dir',
      'hub',
      '--dotenv-file',
      'hub.env',
      '--json',
    ]);
    expect(made.status, made.stdout + made.stderr).to.equal(0);
    env = parse(await readFile(join(nut.home, 'hub.env'), 'utf8'));
    signup = {
      SF_SCRATCH_SIGNUP_CONNECTED_APP: env.SF_SCRATCH_SIGNUP_CONNECTED_APP,
      SF_SCRATCH_SIGNUP_CALLBACK_URL: env.SF_SCRATCH_SIGNUP_CALLBACK_URL,
    };
    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      env.SF_USERNAME,
      '--client-id',
      env.SF_CLIENT_ID,
      '--jwt-key-file',
      env.SF_JWT_KEY_FILE,
      '--instance-url',
      env.SF_LOGIN_URL,
      '--alias',
      'ci-dev-hub',
      '--json',
    ]);
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });

  it('fails with C-1016 without the signup variables, and sf says what to set', async () => {
    const failed = await createScratch([]);
    expect(failed.status, failed.stdout).to.not.equal(0);
    expect(failed.json?.message).to.include('configure and approve the Connected App');
    expect((failed.json?.actions ?? []).join(' '))
      .to.include('C-1016')
      .and.include('SF_SCRATCH_SIGNUP_CONNECTED_APP');
  });

  it('signs up with the variables setup wrote, and the bootstrap sets up a verified login in the new org', async () => {
    const created = await createScratch(['--alias', 'ci-scratch'], signup);
    expect(created.status, created.stdout + created.stderr).to.equal(0);
    const result = created.json?.result as { authFields?: Record<string, unknown> } | undefined;
    expect(result?.authFields).to.include({ clientId: 'PlatformCLI', isScratch: true });

    const bootstrap = await nut.sf([
      'jwtapp',
      'setup',
      '--target-org',
      'ci-scratch',
      '--name',
      'Ci_Integration',
      '--username',
      `ci.${Date.now()}@example.com`,
      '--create-user',
      '--output-dir',
      'scratch',
      '--json',
    ]);
    expect(bootstrap.status, bootstrap.stdout + bootstrap.stderr).to.equal(0);
    const verification = (bootstrap.json?.result as { verification?: Record<string, unknown> } | undefined)
      ?.verification;
    expect(verification).to.include({ success: true });
    expect(verification?.instanceUrl).to.equal(result?.authFields?.instanceUrl);
  });
});
