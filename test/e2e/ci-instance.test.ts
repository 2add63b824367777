import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runCommand } from '../helpers/command.js';
import { storeAdminLogin } from '../helpers/org.js';
import { readWithBash } from '../helpers/dotenv-readers.js';

/** Where the org says its instance is: another host than the My Domain the pipeline logs in at. */
const INSTANCE = 'https://acme-instance.example.test';

/**
 * The instance a pipeline's API calls go to is the one the verified login reports (the token response's
 * `instance_url`), which need not be the URL it logs in at. The emulator answers with its own URL, so the
 * token answers are rewritten on their way to the plugin (and calls to that instance sent back to the emulator).
 */
describe('the CI files name the instance the verified login reported', () => {
  let emu: RunningEmulator;
  let root: string;
  const realFetch = globalThis.fetch;

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-instance-admin');
    root = await mkdtemp(join(tmpdir(), 'jwtapp-ci-instance-'));
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.origin === INSTANCE) return realFetch(new URL(`${url.pathname}${url.search}`, emu.url), init);
      const response = await realFetch(input, init);
      if (url.origin !== emu.url || url.pathname !== '/services/oauth2/token' || !response.ok) return response;
      const body = (await response.json()) as Record<string, unknown>;
      // eslint-disable-next-line camelcase
      return Response.json({ ...body, instance_url: INSTANCE }, { status: response.status, headers: response.headers });
    };
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await rm(root, { recursive: true, force: true });
    await emu.stop();
  });

  it('writes SF_INSTANCE_URL and InstanceUrl as the token answer said, and keeps them on a run that checks no login', async () => {
    const username = emu.ready.integrationUser.username;
    const env = join(root, 'ci.env');
    const settings = join(root, 'settings.json');
    const args = [
      '--target-org',
      'emu-instance-admin',
      '--json',
      '--name',
      'Instance_App',
      '--username',
      username,
      '--output-dir',
      join(root, 'certs'),
      '--dotenv-file',
      env,
      '--settings-file',
      settings,
    ];
    const run = await runCommand<SetupResult>(Setup, args);
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect({ loginUrl: run.json?.result?.loginUrl, instanceUrl: run.json?.result?.instanceUrl }).to.deep.equal({
      loginUrl: emu.url,
      instanceUrl: INSTANCE,
    });
    expect(readWithBash(env)).to.include({ SF_LOGIN_URL: emu.url, SF_INSTANCE_URL: INSTANCE });
    expect((JSON.parse(await readFile(settings, 'utf8')) as { InstanceUrl: string }).InstanceUrl).to.equal(INSTANCE);

    // No login checked: the instance the files hold stays, and nothing is said to differ.
    const again = await runCommand<SetupResult>(Setup, [...args, '--wait', '0']);
    expect(again.exitCode, again.stdout + again.stderr).to.equal(0);
    expect(readWithBash(env).SF_INSTANCE_URL).to.equal(INSTANCE);

    // cert rotate writes the instance its own verified login reported.
    const rotated = await runCommand<RotateResult>(CertRotate, [
      '--target-org',
      'emu-instance-admin',
      '--json',
      '--name',
      'Instance_App',
      '--username',
      username,
      '--output-dir',
      join(root, 'certs'),
      '--dotenv-file',
      env,
      '--settings-file',
      settings,
    ]);
    expect(rotated.exitCode, rotated.stdout + rotated.stderr).to.equal(0);
    expect(rotated.json?.result?.verification?.instanceUrl).to.equal(INSTANCE);
    expect(readWithBash(env).SF_INSTANCE_URL).to.equal(INSTANCE);
  });
});
