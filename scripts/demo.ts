/**
 * `npm run demo`: the whole job end to end on this machine, against the loopback org emulator.
 * Starts `npm run emulator` as a separate process (as any outside tool would), links this plugin into the
 * real `sf` under a throw-away HOME, and walks through what an admin and a pipeline do.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { AuthInfo, Connection } from '@salesforce/core';
import type { ReadyLine } from '../test/emulator/server.js';
import { configureJwtApp } from '../test/helpers/org.js';
import { linkPlugin, REPO_ROOT, runSf, sfHome } from '../test/helpers/sf.js';

const step = (text: string): void => {
  process.stdout.write(`\n=== ${text}\n`);
};

const startEmulator = async (): Promise<{ child: ChildProcessByStdio<null, Readable, null>; ready: ReadyLine }> => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'test', 'emulator', 'main.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve) => lines.once('line', resolve));
  lines.close();
  return { child, ready: JSON.parse(line) as ReadyLine };
};

const main = async (): Promise<void> => {
  const home = sfHome();
  step('Starting the loopback org emulator (npm run emulator)');
  const { child, ready } = await startEmulator();
  process.stdout.write(`${JSON.stringify({ ...ready, admin: { ...ready.admin, accessToken: '<redacted>' } })}\n`);
  try {
    step('Linking this plugin into the real sf CLI');
    await linkPlugin(home);

    step('sf jwtapp cert generate --output-dir certs');
    const cert = await runSf(['jwtapp', 'cert', 'generate', '--output-dir', 'certs'], { home });
    process.stdout.write(cert.stdout + cert.stderr);
    if (cert.status !== 0) throw new Error('cert generate failed');

    step('Configuring an External Client App through the Metadata API (what sf jwtapp setup will do)');
    const authInfo = await AuthInfo.create({
      accessTokenOptions: { accessToken: ready.admin.accessToken, instanceUrl: ready.instanceUrl, loginUrl: ready.instanceUrl },
    });
    const conn = await Connection.create({ authInfo, connectionOptions: { version: ready.apiVersion } });
    const { readFile } = await import('node:fs/promises');
    const app = await configureJwtApp(conn, {
      name: 'Demo_Integration',
      certificatePem: await readFile(join(home, 'certs', 'server.crt'), 'utf8'),
      username: ready.integrationUser.username,
    });
    process.stdout.write(`External Client App ${app.name}, consumer key ${app.consumerKey}\n`);

    step(`sf org login jwt --username ${ready.integrationUser.username} ...`);
    const login = await runSf(
      ['org', 'login', 'jwt', '--username', ready.integrationUser.username, '--client-id', app.consumerKey, '--jwt-key-file', join(home, 'certs', 'server.key'), '--instance-url', ready.instanceUrl],
      { home }
    );
    process.stdout.write(login.stdout + login.stderr);
    if (login.status !== 0) throw new Error('sf org login jwt failed');
    step('Done: the integration user logged in with the JWT bearer flow.');
  } finally {
    child.kill('SIGTERM');
  }
};

await main().catch((e: Error) => {
  process.stderr.write(`demo failed: ${e.message}\n`);
  process.exitCode = 1;
});
