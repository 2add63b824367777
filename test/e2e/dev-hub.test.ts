import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'dotenv';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

const SIGNUP = {
  SF_SCRATCH_SIGNUP_CONNECTED_APP: 'PlatformCLI',
  SF_SCRATCH_SIGNUP_CALLBACK_URL: 'http://localhost:1717/OauthRedirect',
};

/** A Dev Hub logged in through an External Client App cannot sign up scratch orgs without the signup variables. */
describe('setup on a Dev Hub', () => {
  let hub: RunningEmulator;
  let plain: RunningEmulator;
  let dir: string;

  before(async () => {
    hub = await startEmulator({ devHub: true, allowConnectedAppCreation: true });
    plain = await startEmulator();
    await storeAdminLogin(hub, 'dev-hub-admin');
    await storeAdminLogin(plain, 'not-a-hub-admin');
    dir = await tempDir('jwtapp-dev-hub-');
  });
  after(async () => {
    await hub.stop();
    await plain.stop();
  });

  const setup = (
    alias: string,
    emu: RunningEmulator,
    name: string,
    ...args: string[]
  ): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, [
      '--target-org',
      alias,
      '--name',
      name,
      '--username',
      emu.ready.integrationUser.username,
      '--output-dir',
      join(dir, name),
      '--dotenv-file',
      join(dir, `${name}.env`),
      '--json',
      ...args,
    ]);

  it('writes what scratch-org signup needs into the dotenv file, and says why', async () => {
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.scratchSignup).to.deep.equal({
      connectedApp: 'PlatformCLI',
      callbackUrl: 'http://localhost:1717/OauthRedirect',
    });
    const warning = (run.json?.warnings ?? []).join(' ');
    expect(warning).to.include('C-1016').and.include('sf 2.147.7').and.include('SFDX_CLIENT_SECRET');
    const text = await readFile(join(dir, 'Hub_Eca.env'), 'utf8');
    expect(parse(text)).to.include(SIGNUP);
    expect(text).to.include('# A Dev Hub logged in through an External Client App');
  });

  it('adds them to a dotenv file an earlier run wrote without them, without --replace-ci-files', async () => {
    const path = join(dir, 'Hub_Eca.env');
    const before = await readFile(path, 'utf8');
    const older = before
      .split('\n')
      .filter((line) => !line.startsWith('SF_SCRATCH_SIGNUP') && !line.startsWith('# A Dev Hub'))
      .join('\n');
    await writeFile(path, older, { mode: 0o600 });
    await hub.clearRequests();
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca');
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json?.result?.status).to.equal('unchanged');
    expect(await hub.writes()).to.deep.equal([]);
    expect(await readFile(path, 'utf8')).to.equal(before);
  });

  it('still refuses to add a secret to a file that did not hold one', async () => {
    const run = await setup('dev-hub-admin', hub, 'Hub_Eca', '--dotenv-include-key');
    expect({ name: run.json?.name, exitCode: run.exitCode }).to.deep.equal({ name: 'CiFileDiffersError', exitCode: 3 });
    expect(run.json?.message).to.include('SF_JWT_KEY');
  });

  it('writes nothing of it for a Connected App, which signup replicates, or on an org that is no Dev Hub', async () => {
    const connected = await setup('dev-hub-admin', hub, 'Hub_Connected', '--app-type', 'connected-app');
    expect(connected.exitCode, connected.stdout).to.equal(0);
    expect(connected.json?.result).to.not.have.property('scratchSignup');
    expect(parse(await readFile(join(dir, 'Hub_Connected.env'), 'utf8'))).to.not.have.property(
      'SF_SCRATCH_SIGNUP_CONNECTED_APP',
    );
    const elsewhere = await setup('not-a-hub-admin', plain, 'Plain_Eca');
    expect(elsewhere.exitCode, elsewhere.stdout).to.equal(0);
    expect(elsewhere.json?.result).to.not.have.property('scratchSignup');
    expect((elsewhere.json?.warnings ?? []).join(' ')).to.not.include('C-1016');
    expect(parse(await readFile(join(dir, 'Plain_Eca.env'), 'utf8'))).to.not.have.property(
      'SF_SCRATCH_SIGNUP_CONNECTED_APP',
    );
  });
});
