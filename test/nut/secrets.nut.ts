import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runSf, sfWithAdmin, type SfRun } from '../helpers/sf.js';

/**
 * Every command, through the real sf with its log at trace level and its log file on, in human and --json
 * output: the private key, every access token the org issued, and the consumer secret appear in no output,
 * no log and no file — except the files whose job they are (the key file, a dotenv file that asks for
 * them) and `sf jwtapp token`'s own output.
 */
describe('no secret anywhere it should not be, through the real sf at SF_LOG_LEVEL=trace', () => {
  let emu: RunningEmulator;
  let home: string;
  const trace = { SF_LOG_LEVEL: 'trace', SF_DISABLE_LOG_FILE: 'false' };

  before(async () => {
    emu = await startEmulator({ consumerSecretApiAccess: true });
    home = await sfWithAdmin(emu);
  });
  after(() => emu.stop());

  it('every command, human and --json: zero hits outside the files and the command whose job they are', async () => {
    const integration = emu.ready.integrationUser.username;
    const runs: Array<{ args: string[]; run: SfRun }> = [];
    const sf = async (args: string[], env: Record<string, string> = {}): Promise<SfRun> => {
      const run = await runSf(args, { home, env: { ...trace, ...env } });
      runs.push({ args, run });
      return run;
    };
    const both = async (args: string[], env: Record<string, string> = {}): Promise<SfRun> => {
      await sf(args, env);
      return sf([...args, '--json'], env);
    };
    const setup = await both(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Secret_App', '--username', integration, '--flow', 'jwt', '--flow', 'client-credentials', '--output-dir', 'certs', '--dotenv-file', 'plain.env']);
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const clientId = String((setup.json?.result as { clientId: string }).clientId);
    const key = join(home, 'certs', 'server.key');
    await both(['jwtapp', 'verify', '-o', integration, '-i', clientId, '-f', key, '-r', emu.url]);
    await both(['jwtapp', 'audit', '--target-org', 'emu', '--name', 'Secret_App', '--username', integration, '--jwt-key-file', key, '--verify']);
    await sf(['jwtapp', 'cert', 'generate', '--output-dir', 'spare']);
    await sf(['jwtapp', 'cert', 'generate', '--output-dir', 'spare-json', '--json']);
    await both(['jwtapp', 'cert', 'rotate', '--target-org', 'emu', '--name', 'Secret_App', '--username', integration, '--output-dir', 'certs', '--dotenv-file', 'plain.env']);
    await both(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Secret_App']);
    await both(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Secret_App']);
    await both(['jwtapp', 'user', 'create', '--target-org', 'emu', '--username', `secret-user@${integration.split('@')[1]}`]);
    const state = await emu.state();
    const secret = String(state.apps.find((a) => a.name === 'Secret_App')?.consumerSecret);
    process.env.SECRET_APP_SECRET = secret;
    await both(['jwtapp', 'verify', '-o', integration, '-i', clientId, '--client-secret-env', 'SECRET_APP_SECRET', '-r', emu.url], { SECRET_APP_SECRET: secret });
    await sf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Secret_App', '--username', integration, '--flow', 'client-credentials', '--dotenv-file', 'with-secret.env', '--dotenv-include-secret', '--json']);
    const token = await sf(['jwtapp', 'token', '-o', integration, '-i', clientId, '-f', key, '-r', emu.url]);
    expect(runs.filter((r) => r.run.status !== 0).map((r) => r.args.join(' '))).to.deep.equal([]);

    // The secrets: each key written (its base64 body, which no certificate holds), every token, the consumer secret.
    const keyBodies = await Promise.all(
      (await readdir(join(home, 'certs')))
        .concat((await readdir(join(home, 'spare'))).map((f) => `../spare/${f}`))
        .concat((await readdir(join(home, 'spare-json'))).map((f) => `../spare-json/${f}`))
        .filter((f) => f.endsWith('.key'))
        .map(async (f) => (await readFile(join(home, 'certs', f), 'utf8')).split('\n')[5])
    );
    const tokens = (await emu.state()).accessTokens.filter((t) => t !== emu.ready.admin.accessToken);
    const secrets = [...keyBodies.map((b) => ({ what: 'private key', text: b })), ...tokens.map((t) => ({ what: 'access token', text: t })), { what: 'consumer secret', text: secret }];
    expect(keyBodies.length).to.be.greaterThan(2);
    expect(tokens.length).to.be.greaterThan(3);

    const hits: string[] = [];
    for (const { args, run } of runs) {
      if (run === token) continue;
      for (const s of secrets) if (`${run.stdout}${run.stderr}`.includes(s.text)) hits.push(`${s.what} in the output of sf ${args.join(' ')}`);
    }
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const relative = path.slice(home.length + 1);
        if (entry.name === 'node_modules' || entry.name === 'plugins') continue;
        // eslint-disable-next-line no-await-in-loop
        if (entry.isDirectory()) await scan(path);
        else if (entry.isFile()) {
          // eslint-disable-next-line no-await-in-loop
          const text = await readFile(path, 'utf8');
          for (const s of secrets) {
            const allowed = (s.what === 'private key' && relative.endsWith('.key')) || (s.what === 'consumer secret' && relative === 'with-secret.env');
            if (!allowed && text.includes(s.text)) hits.push(`${s.what} in ${relative}`);
          }
        }
      }
    };
    await scan(home);
    const logs = (await readdir(join(home, '.sf'))).filter((f) => f.endsWith('.log'));
    process.stdout.write(`      secret scan: ${runs.length} runs, ${secrets.length} secrets, ${logs.length} trace log file(s): ${hits.length} hits\n`);
    expect(logs.length, 'sf wrote its trace log').to.be.greaterThan(0);
    expect(hits).to.deep.equal([]);
    // The scan finds what is there: the dotenv file that asked for the secret holds it, token prints a token.
    expect(await readFile(join(home, 'with-secret.env'), 'utf8')).to.include(`SF_CLIENT_SECRET=${secret}`);
    expect(tokens).to.include(token.stdout.trim());
  });
});
