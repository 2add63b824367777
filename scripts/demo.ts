/**
 * `npm run demo`: the whole job end to end on this machine, against the loopback org emulator.
 * Starts `npm run emulator` as a separate process (as any outside tool would), links this plugin into the
 * real `sf` under a throw-away HOME, and walks through what an admin and a pipeline do.
 *
 * Everything it writes (the HOME with sf's logins, the key and the dotenv file; the linked copy of the plugin)
 * lives in one temp folder, removed at the end, on failure and on Ctrl-C; `npm run demo -- --keep` keeps it
 * and says where.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { ReadyLine } from '../test/emulator/server.js';
import { SEEDED_APPS } from '../test/emulator/seed.js';
import { linkPlugin, REPO_ROOT, runSf, type SfOptions, type SfRun } from '../test/helpers/sf.js';

const keep = process.argv.includes('--keep');
const root = mkdtempSync(join(tmpdir(), 'jwtapp-demo-'));
// The linked copy of the plugin, and whatever sf and the emulator write to the temp directory, go in it too.
Object.assign(process.env, { TMPDIR: root, TMP: root, TEMP: root });
const home = join(root, 'home');
mkdirSync(home);

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stop.abort(signal));

const step = (text: string): void => {
  stop.signal.throwIfAborted();
  process.stdout.write(`\n=== ${text}\n`);
};

/** What sf prints, as it prints it: progress (stderr) and results (stdout) in the order a terminal shows them. */
const echo = (text: string): void => {
  process.stdout.write(text.replace(/^Warning: Using insecure protocol.*\n/gm, ''));
};

const sf = (args: string[], options: Omit<SfOptions, 'home' | 'signal'> = {}): Promise<SfRun> =>
  runSf(args, { home, signal: stop.signal, ...options });

/** Runs the real sf, showing what it prints as it prints it, and stops the demo if it did not exit as expected. */
const show = async (
  args: string[],
  options: { quiet?: boolean; expectedStatus?: number; env?: Record<string, string> } = {},
): Promise<SfRun> => {
  const run = await sf(args, { env: options.env, interleaved: options.quiet ? undefined : echo });
  const expected = options.expectedStatus ?? 0;
  if (run.status !== expected)
    throw new Error(
      `exit code ${run.status}, expected ${expected}${options.quiet ? `\n${run.stdout}${run.stderr}` : ''}`,
    );
  process.stdout.write(`(exit code ${run.status})\n`);
  return run;
};

const startEmulator = async (): Promise<{ child: ChildProcessByStdio<null, Readable, null>; ready: ReadyLine }> => {
  const child = spawn(
    process.execPath,
    // With the apps an admin made in Setup before this plugin, in an org that still allows the username-password
    // flow: the password-flow step finds the Connected App's use, moves it and turns the flow off.
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'test', 'emulator', 'main.ts'),
      '--seed-apps',
      '--allow-password-flow',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      signal: stop.signal,
    },
  );
  child.on('error', () => undefined); // stopped with the demo: the demo reports that
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string | undefined>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(undefined));
  });
  lines.close();
  stop.signal.throwIfAborted();
  if (line === undefined) throw new Error('the emulator exited before it was ready');
  return { child, ready: JSON.parse(line) as ReadyLine };
};

const main = async (): Promise<void> => {
  step('Starting the loopback org emulator (npm run emulator)');
  const { child, ready } = await startEmulator();
  process.stdout.write(`${JSON.stringify({ ...ready, admin: { ...ready.admin, accessToken: '<redacted>' } })}\n`);
  try {
    step(`Linking this plugin into the real sf CLI (sf plugins link), HOME=${home}`);
    await linkPlugin(home, { signal: stop.signal, interleaved: echo });

    step('sf org login access-token --alias emu   (the admin, as any sf user logs in)');
    await show(['org', 'login', 'access-token', '--instance-url', ready.instanceUrl, '--alias', 'emu', '--no-prompt'], {
      env: { SF_ACCESS_TOKEN: ready.admin.accessToken },
    });

    const integration = ready.integrationUser.username;
    step(
      `sf jwtapp setup --target-org emu --name Demo_Integration --username ${integration} --output-dir certs --dry-run`,
    );
    await show([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Demo_Integration',
      '--username',
      integration,
      '--output-dir',
      'certs',
      '--dry-run',
    ]);

    step(`sf jwtapp setup --target-org emu --name Demo_Integration --username ${integration} --output-dir certs`);
    await show([
      'jwtapp',
      'setup',
      '--target-org',
      'emu',
      '--name',
      'Demo_Integration',
      '--username',
      integration,
      '--output-dir',
      'certs',
    ]);

    step('The same command again (--json): a configured org is left unchanged');
    const again = await show(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Demo_Integration',
        '--username',
        integration,
        '--output-dir',
        'certs',
        '--json',
      ],
      { quiet: true },
    );
    const result = again.json?.result as {
      status: string;
      changes: unknown[];
      clientId: string;
      keyFile: string;
      loginUrl: string;
    };
    process.stdout.write(`status: ${result.status}, changes: ${result.changes.length}\n`);

    step(
      `sf jwtapp verify --username ${integration} --client-id <consumer key> --jwt-key-file certs/server.key --instance-url ${ready.instanceUrl}`,
    );
    await show([
      'jwtapp',
      'verify',
      '-o',
      integration,
      '-i',
      result.clientId,
      '-f',
      result.keyFile,
      '-r',
      result.loginUrl,
    ]);

    step('sf jwtapp verify for a user the app does not pre-authorize: the refusal, explained');
    await show(
      [
        'jwtapp',
        'verify',
        '-o',
        ready.admin.username,
        '-i',
        result.clientId,
        '-f',
        result.keyFile,
        '-r',
        result.loginUrl,
      ],
      { expectedStatus: 4 },
    );

    step(`sf org login jwt --username ${integration} ... (the real sf, with what setup printed)`);
    await show([
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
    ]);
    step(
      `sf jwtapp audit --target-org emu --name Demo_Integration --username ${integration} --jwt-key-file certs/server.key`,
    );
    await show([
      'jwtapp',
      'audit',
      '--target-org',
      'emu',
      '--name',
      'Demo_Integration',
      '--username',
      integration,
      '--jwt-key-file',
      result.keyFile,
    ]);

    step(`sf jwtapp cert rotate --target-org emu --name Demo_Integration --username ${integration} --output-dir certs`);
    await show([
      'jwtapp',
      'cert',
      'rotate',
      '--target-org',
      'emu',
      '--name',
      'Demo_Integration',
      '--username',
      integration,
      '--output-dir',
      'certs',
    ]);

    step('sf jwtapp block, then verify (refused, explained), then sf jwtapp unblock');
    await show(['jwtapp', 'block', '--target-org', 'emu', '--name', 'Demo_Integration']);
    await show(
      ['jwtapp', 'verify', '-o', integration, '-i', result.clientId, '-f', result.keyFile, '-r', result.loginUrl],
      { expectedStatus: 4 },
    );
    await show(['jwtapp', 'unblock', '--target-org', 'emu', '--name', 'Demo_Integration']);

    // The username-password flow's retirement (2027-02-20): find who uses it, move them, then close the door.
    step(
      "Login History of an org whose Connected App a vendor's sync used with the username-password flow, 35 to 45 days ago",
    );
    const history = await fetch(`${ready.instanceUrl}/__emulator/login-history`, {
      method: 'POST',
      signal: stop.signal,
      body: JSON.stringify({
        rows: [35, 38, 41, 45].map((days) => ({
          username: integration,
          application: 'Setup Made Connected App',
          loginSubType: 'OAuth Username-Password',
          status: 'Success',
          loginTime: new Date(Date.now() - days * 86_400_000).toISOString(),
        })),
      }),
    });
    if (history.status !== 204) throw new Error(`seeding Login History: HTTP ${history.status}`);
    step(
      'sf jwtapp password-flow report --target-org emu --days 60   (who still uses the flow, and the command that moves each)',
    );
    await show(['jwtapp', 'password-flow', 'report', '--target-org', 'emu', '--days', '60']);
    const fix = `sf jwtapp setup --target-org emu --name ${SEEDED_APPS.connectedApp} --app-type connected-app --username ${integration}`;
    step(`${fix} --output-dir legacy-certs   (the printed fix: the JWT bearer flow on the same app, verified)`);
    await show([...fix.split(' ').slice(1), '--output-dir', 'legacy-certs']);
    step(
      'sf jwtapp password-flow block --target-org emu   (no username-password login in the last 30 days: the flow is turned off)',
    );
    await show(['jwtapp', 'password-flow', 'block', '--target-org', 'emu']);

    // Seed 001 (Jitterbit): an API-only integration user and the client credentials flow, in two commands.
    const jitterbit = `jitterbit-integration@${ready.orgId.toLowerCase()}.example.com`;
    step(
      `sf jwtapp setup --target-org emu --name Jitterbit --username ${jitterbit} --create-user --flow client-credentials --dotenv-file jitterbit.env`,
    );
    const cc = await show(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Jitterbit',
        '--username',
        jitterbit,
        '--create-user',
        '--flow',
        'client-credentials',
        '--dotenv-file',
        'jitterbit.env',
        '--json',
      ],
      { quiet: true },
    );
    const ccResult = cc.json?.result as {
      clientId: string;
      loginUrl: string;
      clientCredentials: { runAs: string; secret: string; secretPath: string };
    };
    process.stdout.write(`client id: ${ccResult.clientId}
runs as: ${ccResult.clientCredentials.runAs}
consumer secret: ${ccResult.clientCredentials.secret} (${ccResult.clientCredentials.secretPath})
`);

    step(
      'The admin copies the consumer secret from Setup into JITTERBIT_SECRET; sf jwtapp verify checks the client credentials login',
    );
    // The emulator's state shows the secret as Setup shows it to an admin; no API returns it.
    const state = (await (await fetch(`${ready.instanceUrl}/__emulator/state`, { signal: stop.signal })).json()) as {
      apps: Array<{ name: string; consumerSecret?: string }>;
    };
    const secret = String(state.apps.find((a) => a.name === 'Jitterbit')?.consumerSecret);
    await show(
      [
        'jwtapp',
        'verify',
        '-o',
        jitterbit,
        '-i',
        ccResult.clientId,
        '--client-secret-env',
        'JITTERBIT_SECRET',
        '-r',
        ccResult.loginUrl,
      ],
      {
        env: { JITTERBIT_SECRET: secret },
      },
    );

    step(
      'Done: set up, verified, logged in with the JWT bearer flow, audited, rotated, blocked and unblocked; a username-password integration found, moved to the JWT bearer flow and the flow turned off; an API-only user and the client credentials flow set up and verified; all through the real sf.',
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
};

try {
  await main();
} catch (e) {
  if (stop.signal.aborted) process.stdout.write(`\ndemo stopped (${String(stop.signal.reason)})\n`);
  else process.stdout.write(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = stop.signal.aborted ? 130 : 1;
} finally {
  if (keep) {
    process.stdout.write(
      `\nKept the demo's files in ${root}: its HOME (${home}) holds sf's logins, the key (certs/server.key) and jitterbit.env. Remove them with: rm -rf ${root}\n`,
    );
  } else {
    rmSync(root, { recursive: true, force: true });
    process.stdout.write(
      `\nRemoved the demo's files (${root}: sf's logins, the key, jitterbit.env). To keep them: npm run demo -- --keep\n`,
    );
  }
}
