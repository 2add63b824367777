import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';
import { runSf, sfWithAdmin, type SfRun } from '../helpers/sf.js';

/** A signed JWT (the bearer assertion, or a JWT-format token): three base64url parts, the first two JSON. */
const SIGNED_JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/;

/**
 * Every command, through the real sf with its log at trace level and its log file on, in human and --json
 * output: the private key, every access token the org issued, and the consumer secret appear in no output,
 * no log and no file — except the files whose job they are (the key file, a dotenv file that asks for
 * them) and `sf jwtapp token`'s own output.
 */
describe('no secret anywhere it should not be, through the real sf at SF_LOG_LEVEL=trace', () => {
  const nut = nutBench({ emulator: { consumerSecretApiAccess: true } });
  const trace = { SF_LOG_LEVEL: 'trace', SF_DISABLE_LOG_FILE: 'false' };

  it('every command, human and --json: zero hits outside the files and the command whose job they are', async () => {
    const integration = nut.integration;
    const runs: Array<{ args: string[]; run: SfRun }> = [];
    const sf = async (args: string[], env: Record<string, string> = {}): Promise<SfRun> => {
      const run = await nut.sf(args, { env: { ...trace, ...env } });
      runs.push({ args, run });
      return run;
    };
    const both = async (args: string[], env: Record<string, string> = {}): Promise<SfRun> => {
      await sf(args, env);
      return sf([...args, '--json'], env);
    };
    const setup = await both([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Secret_App',
      '--username',
      integration,
      '--flow',
      'jwt',
      '--flow',
      'client-credentials',
      '--output-dir',
      'certs',
      '--dotenv-file',
      'plain.env',
    ]);
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const clientId = String((setup.json?.result as { clientId: string }).clientId);
    const key = join(nut.home, 'certs', 'server.key');
    await both(['jwtapp', 'verify', '-o', integration, '-i', clientId, '-f', key, '-r', nut.emu.url]);
    await both([
      'jwtapp',
      'audit',
      '--target-org',
      'emu',
      '--name',
      'Secret_App',
      '--username',
      integration,
      '--jwt-key-file',
      key,
      '--verify',
    ]);
    await sf(['jwtapp', 'cert', 'generate', '--output-dir', 'spare']);
    await sf(['jwtapp', 'cert', 'generate', '--output-dir', 'spare-json', '--json']);
    await both([
      'jwtapp',
      'cert',
      'rotate',
      '--target-org',
      'emu',
      '--name',
      'Secret_App',
      '--username',
      integration,
      '--output-dir',
      'certs',
      '--dotenv-file',
      'plain.env',
    ]);
    await both(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Secret_App']);
    await both(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Secret_App']);
    await both([
      'jwtapp',
      'user',
      'create',
      '--target-org',
      'emu',
      '--username',
      `secret-user@${integration.split('@')[1]}`,
    ]);
    const state = await nut.emu.state();
    const secret = String(state.apps.find((a) => a.name === 'Secret_App')?.consumerSecret);
    process.env.SECRET_APP_SECRET = secret;
    await both(
      [
        'jwtapp',
        'verify',
        '-o',
        integration,
        '-i',
        clientId,
        '--client-secret-env',
        'SECRET_APP_SECRET',
        '-r',
        nut.emu.url,
      ],
      { SECRET_APP_SECRET: secret },
    );
    await sf([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Secret_App',
      '--username',
      integration,
      '--flow',
      'client-credentials',
      '--dotenv-file',
      'with-secret.env',
      '--dotenv-include-secret',
      '--json',
    ]);
    const token = await sf(['jwtapp', 'token', '-o', integration, '-i', clientId, '-f', key, '-r', nut.emu.url]);
    expect(runs.filter((r) => r.run.status !== 0).map((r) => r.args.join(' '))).to.deep.equal([]);

    // The secrets: each key written (its base64 body, which no certificate holds), every token, the consumer secret.
    const keyBodies = await Promise.all(
      (await readdir(join(nut.home, 'certs')))
        .concat((await readdir(join(nut.home, 'spare'))).map((f) => `../spare/${f}`))
        .concat((await readdir(join(nut.home, 'spare-json'))).map((f) => `../spare-json/${f}`))
        .filter((f) => f.endsWith('.key'))
        .map(async (f) => (await readFile(join(nut.home, 'certs', f), 'utf8')).split('\n')[5]),
    );
    const tokens = (await nut.emu.state()).accessTokens.filter((t) => t !== nut.emu.ready.admin.accessToken);
    const secrets = [
      ...keyBodies.map((b) => ({ what: 'private key', text: b })),
      ...tokens.map((t) => ({ what: 'access token', text: t })),
      { what: 'consumer secret', text: secret },
    ];
    expect(keyBodies.length).to.be.greaterThan(2);
    expect(tokens.length).to.be.greaterThan(3);

    const hits: string[] = [];
    for (const { args, run } of runs) {
      if (run === token) continue;
      for (const s of secrets)
        if (`${run.stdout}${run.stderr}`.includes(s.text)) hits.push(`${s.what} in the output of sf ${args.join(' ')}`);
    }
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const relative = path.slice(nut.home.length + 1);
        if (entry.name === 'node_modules' || entry.name === 'plugins') continue;
        // eslint-disable-next-line no-await-in-loop
        if (entry.isDirectory()) await scan(path);
        else if (entry.isFile()) {
          // eslint-disable-next-line no-await-in-loop
          const text = await readFile(path, 'utf8');
          for (const s of secrets) {
            const allowed =
              (s.what === 'private key' && relative.endsWith('.key')) ||
              (s.what === 'consumer secret' && relative === 'with-secret.env');
            if (!allowed && text.includes(s.text)) hits.push(`${s.what} in ${relative}`);
          }
        }
      }
    };
    await scan(nut.home);
    const logs = (await readdir(join(nut.home, '.sf'))).filter((f) => f.endsWith('.log'));
    process.stdout.write(
      `      secret scan: ${runs.length} runs, ${secrets.length} secrets, ${logs.length} trace log file(s): ${hits.length} hits\n`,
    );
    expect(logs.length, 'sf wrote its trace log').to.be.greaterThan(0);
    expect(hits).to.deep.equal([]);
    // The scan finds what is there: the dotenv file that asked for the secret holds it, token prints a token.
    expect(await readFile(join(nut.home, 'with-secret.env'), 'utf8')).to.include(`SF_CLIENT_SECRET=${secret}`);
    expect(tokens).to.include(token.stdout.trim());
    // About 20 runs of the real sf: on a shared machine, longer than the default timeout.
  }).timeout(600_000);

  it('failure paths: a gateway that echoes the request, 4xx and 5xx with bodies, retries: zero hits in stdout, stderr, --json and the log', async () => {
    // A HOME of its own: its sf log holds these runs only.
    const gatewayHome = await sfWithAdmin(nut.emu, 'echo');
    const integration = nut.integration;
    const sf = (args: string[], env: Record<string, string> = {}): Promise<SfRun> =>
      runSf(args, { home: gatewayHome, env: { ...trace, ...env } });
    const made = await sf([
      'jwtapp',
      'setup',
      '--target-org',
      'echo',
      '--name',
      'Echo_App',
      '--username',
      integration,
      '--flow',
      'jwt',
      '--flow',
      'client-credentials',
      '--output-dir',
      'certs',
      '--json',
    ]);
    expect(made.status, made.stdout + made.stderr).to.equal(0);
    const clientId = String((made.json?.result as { clientId: string }).clientId);
    const key = join(gatewayHome, 'certs', 'server.key');
    const secret = String((await nut.emu.state()).apps.find((a) => a.name === 'Echo_App')?.consumerSecret);
    const env = { ECHO_APP_SECRET: secret };
    const TOKEN = '/services/oauth2/token';
    const oauthEcho = '{"error":"invalid_request","error_description":"{request}"}';
    const restEcho = '[{"errorCode":"INVALID_REQUEST","message":"{request}"}]';
    const jwt = ['-o', integration, '-i', clientId, '-f', key, '-r', nut.emu.url];
    const cc = ['-o', integration, '-i', clientId, '--client-secret-env', 'ECHO_APP_SECRET', '-r', nut.emu.url];
    type Answer = { status: number; contentType: string; body: string; path?: string; count?: number };
    const cases: Array<{ what: string; args: string[]; answer: Answer; ok?: boolean }> = [
      {
        what: 'token request refused, the request in error_description',
        args: ['jwtapp', 'verify', ...jwt],
        answer: { status: 400, contentType: 'application/json', body: oauthEcho, path: TOKEN },
      },
      {
        what: 'token endpoint 500 quoting the request',
        args: ['jwtapp', 'verify', ...jwt],
        answer: { status: 500, contentType: 'text/plain', body: 'Gateway error for {request}', path: TOKEN },
      },
      {
        what: 'client credentials refused, the request in error_description',
        args: ['jwtapp', 'verify', ...cc],
        answer: { status: 400, contentType: 'application/json', body: oauthEcho, path: TOKEN },
      },
      {
        what: 'client credentials 502 with an HTML page quoting the request',
        args: ['jwtapp', 'verify', ...cc],
        answer: {
          status: 502,
          contentType: 'text/html',
          body: '<html><body><pre>{request}</pre></body></html>',
          path: TOKEN,
        },
      },
      {
        what: 'token: the token endpoint refused, quoting the request',
        args: ['jwtapp', 'token', ...jwt, '--wait', '0'],
        answer: { status: 401, contentType: 'application/json', body: oauthEcho, path: TOKEN },
      },
      {
        what: 'verify retried through two 503s quoting the request',
        args: ['jwtapp', 'verify', ...cc, '--wait', '1'],
        answer: {
          status: 503,
          contentType: 'text/plain',
          body: 'Service Unavailable: {request}',
          path: TOKEN,
          count: 2,
        },
        ok: true,
      },
      {
        what: 'setup: its login check refused, quoting the request',
        args: [
          'jwtapp',
          'setup',
          '--target-org',
          'echo',
          '--name',
          'Echo_App',
          '--username',
          integration,
          '--flow',
          'jwt',
          '--flow',
          'client-credentials',
          '--output-dir',
          'certs',
        ],
        answer: { status: 400, contentType: 'application/json', body: oauthEcho, path: TOKEN },
      },
      {
        what: 'audit: REST calls answered 400 quoting the request',
        args: ['jwtapp', 'audit', '--target-org', 'echo', '--name', 'Echo_App'],
        answer: { status: 400, contentType: 'application/json', body: restEcho },
      },
      {
        what: 'audit: REST calls answered 500 with text quoting the request',
        args: ['jwtapp', 'audit', '--target-org', 'echo', '--name', 'Echo_App'],
        answer: { status: 500, contentType: 'text/plain', body: 'upstream failed: {request}' },
      },
      {
        what: 'audit --all-orgs: an ERROR row quoting the request',
        args: ['jwtapp', 'audit', '--all-orgs', '--name', 'Echo_App'],
        answer: { status: 400, contentType: 'application/json', body: restEcho },
      },
      {
        what: 'block: SOAP calls answered 500 quoting the envelope',
        args: ['jwtapp', 'block', '--target-org', 'echo', '--name', 'Echo_App'],
        answer: { status: 500, contentType: 'text/xml', body: '<error>{request}</error>' },
      },
      {
        what: 'setup --dry-run: REST calls answered 503 quoting the request, retried',
        args: ['jwtapp', 'setup', '--target-org', 'echo', '--name', 'Echo_App', '--dry-run'],
        answer: { status: 503, contentType: 'text/plain', body: 'Service Unavailable: {request}', count: 2 },
        ok: true,
      },
      {
        what: 'user create: answered 400 quoting the request',
        args: [
          'jwtapp',
          'user',
          'create',
          '--target-org',
          'echo',
          '--username',
          `echo-user@${integration.split('@')[1]}`,
        ],
        answer: { status: 400, contentType: 'application/json', body: restEcho },
      },
    ];
    const runs: Array<{ what: string; args: string[]; run: SfRun }> = [];
    for (const c of cases) {
      for (const args of [c.args, [...c.args, '--json']]) {
        // eslint-disable-next-line no-await-in-loop
        await nut.emu.answerNext({ count: -1, ...c.answer });
        // eslint-disable-next-line no-await-in-loop
        const run = await sf(args, env);
        // eslint-disable-next-line no-await-in-loop
        await nut.emu.answerNext({ status: 200, count: 0 });
        runs.push({ what: c.what, args, run });
      }
    }
    expect(
      runs
        .filter((r, i) => (r.run.status === 0) !== Boolean(cases[Math.floor(i / 2)].ok))
        .map((r) => `${r.what}: exit ${r.run.status} ${r.run.stdout} ${r.run.stderr}`),
    ).to.deep.equal([]);

    const keyBody = (await readFile(key, 'utf8')).split('\n')[5];
    const tokens = (await nut.emu.state()).accessTokens;
    const secrets = [
      { what: 'private key', text: keyBody },
      { what: 'consumer secret', text: secret },
      ...tokens.map((t) => ({ what: 'access token', text: t })),
    ];
    const found = (text: string): string[] => [
      ...secrets.filter((s) => text.includes(s.text)).map((s) => s.what),
      ...(SIGNED_JWT.test(text) ? ['a signed JWT (the assertion)'] : []),
    ];
    const hits: string[] = [];
    for (const { what, args, run } of runs) {
      for (const hit of found(`${run.stdout}${run.stderr}`))
        hits.push(
          `${hit} in the output of sf ${args.slice(0, 2).join(' ')}${args.includes('--json') ? ' --json' : ''} (${what})`,
        );
    }
    const logs = (await readdir(join(gatewayHome, '.sf'))).filter((f) => /^sf-.*\.log$/.test(f));
    expect(logs.length, 'sf wrote its trace log').to.be.greaterThan(0);
    for (const log of logs) {
      // eslint-disable-next-line no-await-in-loop
      for (const hit of found(await readFile(join(gatewayHome, '.sf', log), 'utf8')))
        hits.push(`${hit} in ~/.sf/${log}`);
    }
    process.stdout.write(
      `      echoing gateway: ${runs.length} runs, ${secrets.length} secrets and any signed JWT, ${logs.length} log file(s): ${hits.length} hits\n`,
    );
    expect(hits).to.deep.equal([]);
    // The echo was shown, with what it held redacted: the request line is there, its secrets are not.
    const refused = runs[1].run.json;
    expect(`${refused?.message ?? ''}`).to.include(`POST ${TOKEN}`);
    // 26 runs of the real sf, some riding out retries: longer than the default timeout.
  }).timeout(600_000);
});
