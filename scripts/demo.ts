/**
 * `npm run demo`: the whole job end to end on this machine, against the loopback org emulator.
 * Starts `npm run emulator` as a separate process (as any outside tool would), links this plugin into the
 * real `sf` under a throw-away HOME, and walks through what an admin and a pipeline do.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { ReadyLine } from '../test/emulator/server.js';
import { linkPlugin, REPO_ROOT, runSf, sfHome, type SfRun } from '../test/helpers/sf.js';

const step = (text: string): void => {
  process.stdout.write(`\n=== ${text}\n`);
};

/** Prints what the real sf printed, and stops the demo if it did not exit as expected. */
const show = async (pending: Promise<SfRun>, quiet = false, expectedStatus = 0): Promise<SfRun> => {
  const run = await pending;
  if (!quiet) process.stdout.write(run.stdout + run.stderr.replace(/^Warning: Using insecure protocol.*\n/gm, ''));
  if (run.status !== expectedStatus) throw new Error(`exit code ${run.status}, expected ${expectedStatus}`);
  process.stdout.write(`(exit code ${run.status})\n`);
  return run;
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
    step('Linking this plugin into the real sf CLI (sf plugins link)');
    await linkPlugin(home);

    step('sf org login access-token --alias emu   (the admin, as any sf user logs in)');
    const admin = await runSf(['org', 'login', 'access-token', '--instance-url', ready.instanceUrl, '--alias', 'emu', '--no-prompt'], {
      home,
      env: { SF_ACCESS_TOKEN: ready.admin.accessToken },
    });
    if (admin.status !== 0) throw new Error(`admin login failed: ${admin.stderr}`);

    const integration = ready.integrationUser.username;
    step(`sf jwtapp setup --target-org emu --name Demo_Integration --username ${integration} --output-dir certs --dry-run`);
    await show(runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Demo_Integration', '--username', integration, '--output-dir', 'certs', '--dry-run'], { home }));

    step(`sf jwtapp setup --target-org emu --name Demo_Integration --username ${integration} --output-dir certs`);
    await show(runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Demo_Integration', '--username', integration, '--output-dir', 'certs'], { home }));

    step('The same command again (--json): a configured org is left unchanged');
    const again = await show(runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Demo_Integration', '--username', integration, '--output-dir', 'certs', '--json'], { home }), true);
    const result = again.json?.result as { status: string; changes: unknown[]; clientId: string; keyFile: string; loginUrl: string };
    process.stdout.write(`status: ${result.status}, changes: ${result.changes.length}\n`);

    step(`sf jwtapp verify --username ${integration} --client-id <consumer key> --jwt-key-file certs/server.key --instance-url ${ready.instanceUrl}`);
    await show(runSf(['jwtapp', 'verify', '-o', integration, '-i', result.clientId, '-f', result.keyFile, '-r', result.loginUrl], { home }));

    step('sf jwtapp verify for a user the app does not pre-authorize: the refusal, explained');
    await show(runSf(['jwtapp', 'verify', '-o', ready.admin.username, '-i', result.clientId, '-f', result.keyFile, '-r', result.loginUrl], { home }), false, 4);

    step(`sf org login jwt --username ${integration} ... (the real sf, with what setup printed)`);
    await show(runSf(['org', 'login', 'jwt', '--username', integration, '--client-id', result.clientId, '--jwt-key-file', result.keyFile, '--instance-url', result.loginUrl], { home }));
    step(`sf jwtapp audit --target-org emu --name Demo_Integration --username ${integration} --jwt-key-file certs/server.key`);
    await show(runSf(['jwtapp', 'audit', '--target-org', 'emu', '--name', 'Demo_Integration', '--username', integration, '--jwt-key-file', result.keyFile], { home }));

    step(`sf jwtapp cert rotate --target-org emu --name Demo_Integration --username ${integration} --output-dir certs`);
    await show(runSf(['jwtapp', 'cert', 'rotate', '--target-org', 'emu', '--name', 'Demo_Integration', '--username', integration, '--output-dir', 'certs'], { home }));

    step('sf jwtapp block, then verify (refused, explained), then sf jwtapp unblock');
    await show(runSf(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Demo_Integration'], { home }));
    await show(runSf(['jwtapp', 'verify', '-o', integration, '-i', result.clientId, '-f', result.keyFile, '-r', result.loginUrl], { home }), false, 4);
    await show(runSf(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Demo_Integration'], { home }));

    // Seed 001 (Jitterbit): an API-only integration user and the client credentials flow, in two commands.
    const jitterbit = `jitterbit-integration@${ready.orgId.toLowerCase()}.example.com`;
    step(`sf jwtapp setup --target-org emu --name Jitterbit --username ${jitterbit} --create-user --flow client-credentials --dotenv-file jitterbit.env`);
    const cc = await show(
      runSf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Jitterbit', '--username', jitterbit, '--create-user', '--flow', 'client-credentials', '--dotenv-file', 'jitterbit.env', '--json'], { home }),
      true
    );
    const ccResult = cc.json?.result as { clientId: string; loginUrl: string; clientCredentials: { runAs: string; secret: string; secretPath: string } };
    process.stdout.write(`client id: ${ccResult.clientId}
runs as: ${ccResult.clientCredentials.runAs}
consumer secret: ${ccResult.clientCredentials.secret} (${ccResult.clientCredentials.secretPath})
`);

    step('The admin copies the consumer secret from Setup into JITTERBIT_SECRET; sf jwtapp verify checks the client credentials login');
    // The emulator's state shows the secret as Setup shows it to an admin; no API returns it.
    const state = (await (await fetch(`${ready.instanceUrl}/__emulator/state`)).json()) as { apps: Array<{ name: string; consumerSecret?: string }> };
    const secret = String(state.apps.find((a) => a.name === 'Jitterbit')?.consumerSecret);
    await show(
      runSf(['jwtapp', 'verify', '-o', jitterbit, '-i', ccResult.clientId, '--client-secret-env', 'JITTERBIT_SECRET', '-r', ccResult.loginUrl], { home, env: { JITTERBIT_SECRET: secret } })
    );

    step('Done: set up, verified, logged in with the JWT bearer flow, audited, rotated, blocked and unblocked; an API-only user and the client credentials flow set up and verified; all through the real sf.');
  } finally {
    child.kill('SIGTERM');
  }
};

await main().catch((e: Error) => {
  process.stderr.write(`demo failed: ${e.message}\n`);
  process.exitCode = 1;
});
