import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';

type SetupJson = {
  status: string;
  clientId: string;
  keyFile: string;
  username: string;
  loginUrl: string;
  verification: { success: boolean };
};

/** setup through the real `sf`, then the real `sf org login jwt` with what setup printed and wrote. */
describe('sf jwtapp setup through the real sf', () => {
  const nut = nutBench();

  it('sets up an app whose key and client id log in with sf org login jwt', async () => {
    const integration = nut.integration;
    const setup = await nut.sf([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Nut_Setup',
      '--username',
      integration,
      '--output-dir',
      'certs',
      '--json',
    ]);
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const result = setup.json?.result as SetupJson;
    expect(result).to.include({
      status: 'created',
      username: integration,
      keyFile: join(nut.home, 'certs', 'server.key'),
    });
    expect(result.verification.success).to.equal(true);

    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      integration,
      '--client-id',
      result.clientId,
      '--jwt-key-file',
      result.keyFile,
      '--instance-url',
      result.loginUrl,
      '--json',
    ]);
    expect(login.status, login.stdout + login.stderr).to.equal(0);
    expect(login.json?.result).to.include({ username: integration, orgId: nut.emu.ready.orgId });
  });

  it('reports a re-run as unchanged, in human output', async () => {
    const again = await nut.sf([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Nut_Setup',
      '--username',
      nut.integration,
      '--output-dir',
      'certs',
    ]);
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stdout).to.include('Nothing to change').and.include('Nut_Setup was already set up: unchanged');
    expect(again.stdout).to.include('sf org login jwt --username');
  });

  it('blocks and unblocks the app through the real sf, and verify explains the block', async () => {
    const integration = nut.integration;
    const blocked = await nut.sf(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Nut_Setup']);
    expect(blocked.status, blocked.stdout + blocked.stderr).to.equal(0);
    expect(blocked.stdout).to.include('Blocked Nut_Setup');
    const clientId = String((await nut.emu.state()).apps.find((a) => a.name === 'Nut_Setup')?.consumerKey);
    const verify = await nut.sf([
      'jwtapp',
      'verify',
      '-o',
      integration,
      '-i',
      clientId,
      '-f',
      join(nut.home, 'certs', 'server.key'),
      '-r',
      nut.emu.url,
    ]);
    expect(verify.status).to.equal(4);
    expect(verify.stderr).to.include('sf jwtapp unblock');
    const unblocked = await nut.sf(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Nut_Setup', '--json']);
    expect(unblocked.status, unblocked.stderr).to.equal(0);
    expect(unblocked.json?.result).to.include({ enabled: true, changed: true });
  });

  it('rotates the certificate through the real sf, and the new key logs in with sf org login jwt', async () => {
    const integration = nut.integration;
    const rotated = await nut.sf([
      'jwtapp',
      'cert',
      'rotate',
      '--target-org',
      'emu',
      '--name',
      'Nut_Setup',
      '--username',
      integration,
      '--output-dir',
      'certs',
      '--json',
    ]);
    expect(rotated.status, rotated.stdout + rotated.stderr).to.equal(0);
    expect(rotated.json?.result).to.include({ status: 'rotated' });
    const clientId = String((await nut.emu.state()).apps.find((a) => a.name === 'Nut_Setup')?.consumerKey);
    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      integration,
      '--client-id',
      clientId,
      '--jwt-key-file',
      join(nut.home, 'certs', 'server.key'),
      '--instance-url',
      nut.emu.url,
      '--json',
    ]);
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });

  it('audits the app through the real sf, logging in with --verify: its checks within 80 columns when piped, exit 0 when nothing fails', async () => {
    const run = await nut.sf([
      'jwtapp',
      'audit',
      '--target-org',
      'emu',
      '--name',
      'Nut_Setup',
      '--username',
      nut.integration,
      '--jwt-key-file',
      join(nut.home, 'certs', 'server.key'),
      '--verify',
    ]);
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout)
      .to.include('certificateExpiry')
      .and.include('PASS')
      .and.match(/\d+ passed, 0 warnings, 0 failed/);
    expect(run.stdout).to.include('Salesforce issued a token to');
    expect(run.stdout.split('\n').filter((line) => stripVTControlCharacters(line).length > 80)).to.deep.equal([]);
  });

  it('creates an API-only integration user through the real sf, sets an app up for it, and sf org login jwt logs in as it', async () => {
    const username = `nut-integration@${nut.emu.ready.orgId.toLowerCase()}.acme.test`;
    const created = await nut.sf(['jwtapp', 'user', 'create', '--target-org', 'emu', '--username', username, '--json']);
    expect(created.status, created.stdout + created.stderr).to.equal(0);
    expect(created.json?.result).to.include({
      status: 'created',
      profile: 'Minimum Access - API Only Integrations',
      apiOnly: true,
    });
    const setup = await nut.sf([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Nut_User_App',
      '--username',
      username,
      '--output-dir',
      'user-certs',
      '--json',
    ]);
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const { clientId } = setup.json?.result as SetupJson;
    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      username,
      '--client-id',
      clientId,
      '--jwt-key-file',
      join(nut.home, 'user-certs', 'server.key'),
      '--instance-url',
      nut.emu.url,
      '--json',
    ]);
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });

  it('sets up the client credentials flow through the real sf, with the user created in the same run; the secret is in no output, log or file but the env file that asks for it', async () => {
    const username = `nut-cc@${nut.emu.ready.orgId.toLowerCase()}.acme.test`;
    const trace = { SF_LOG_LEVEL: 'trace', SF_DISABLE_LOG_FILE: 'false' };
    const first = await nut.sf(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Nut_Cc',
        '--username',
        username,
        '--create-user',
        '--flow',
        'client-credentials',
        '--dotenv-file',
        'cc.env',
        '--json',
      ],
      { env: trace },
    );
    expect(first.status, first.stdout + first.stderr).to.equal(0);
    const secret = String((await nut.emu.state()).apps.find((a) => a.name === 'Nut_Cc')?.consumerSecret);
    expect(secret).to.match(/^[0-9A-F]{64}$/);
    const second = await nut.sf(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Nut_Cc',
        '--username',
        username,
        '--flow',
        'client-credentials',
        '--client-secret-env',
        'NUT_CC_SECRET',
        '--dotenv-file',
        'cc-with-secret.env',
        '--dotenv-include-secret',
        '--json',
      ],
      { env: { ...trace, NUT_CC_SECRET: secret } },
    );
    expect(second.status, second.stdout + second.stderr).to.equal(0);
    expect(
      (second.json?.result as { clientCredentials: { verification: { success: boolean } } }).clientCredentials
        .verification.success,
    ).to.equal(true);

    const holding: string[] = [];
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        // The plugin and sf's own code are not outputs; node_modules is a link to the repo's.
        if (entry.name === 'node_modules' || entry.name === 'plugins') continue;
        // eslint-disable-next-line no-await-in-loop
        if (entry.isDirectory()) await scan(path);
        // eslint-disable-next-line no-await-in-loop
        else if (entry.isFile() && (await readFile(path, 'utf8')).includes(secret))
          holding.push(path.slice(nut.home.length + 1));
      }
    };
    await scan(nut.home);
    expect(holding).to.deep.equal(['cc-with-secret.env']);
    expect([first, second].some((r) => (r.stdout + r.stderr).includes(secret))).to.equal(false);
    const logs = (await readdir(join(nut.home, '.sf'))).filter((f) => f.endsWith('.log'));
    expect(logs.length, 'sf wrote its trace log').to.be.greaterThan(0);
  });
});
