/**
 * `npm run bench`: figures, not assertions, at each round-trip latency of BENCH_LATENCIES (default 0 and
 * 150 ms, played by the emulator: REST and OAuth answers held that long, Metadata API answers twice it).
 * At each: the HTTP requests and wall time of `sf jwtapp setup` on a fresh org and on a re-run (from the
 * emulator's request log); `sf jwtapp verify` against `sf org login jwt` making the same login, refused three
 * ways and working, both through the real sf against the same emulator in the same run; the requests of
 * `audit` (with and without --verify; and of an org holding 25 apps), `cert rotate`, `block` and `unblock`; and, on an org whose app changes
 * take BENCH_PROPAGATION_S (default 60) to reach its token endpoint, the time from the app becoming usable to
 * `setup --wait` and `verify --wait` seeing the login accepted. Once: the start-up of `sf jwtapp verify --help`
 * and `sf jwtapp setup --help` against `sf org login jwt --help` (no request), and a fleet audit of 20 orgs
 * against one (20 aliases of the same emulator org); a scratch org signed up with `sf org create scratch`, then its
 * bootstrap (`setup --create-user` on it, whose app changes take BENCH_PROPAGATION_S) from start to a verified login. The logins go through an HTTPS proxy
 * (test/helpers/proxy.ts) that carries login.salesforce.com and test.salesforce.com to the emulator: a
 * refused `sf org login jwt` tries login/audience pairs there too, each at the played latency, as on a real org.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emulatorAt, startEmulator, type RunningEmulator } from '../test/helpers/emulator.js';
import { adminConnection, configureJwtApp, createUser, otherKey } from '../test/helpers/org.js';
import { runSf, sfWithAdmin, type SfRun } from '../test/helpers/sf.js';
import { startProxy } from '../test/helpers/proxy.js';
import { ECA_TYPES } from '../test/emulator/metadata-types.js';
import { DEFAULT_BACKOFF } from '../src/retry/backoff.js';

/**
 * Everything the bench writes — the sf HOMEs with their logins and keys, the packed plugin, the proxy's CA, what sf
 * itself writes to the temp directory — lands in one folder, removed at the end (as the demo does; under mocha,
 * test/helpers/env.ts gives each run its own).
 */
const root = mkdtempSync(join(tmpdir(), 'jwtapp-bench-'));
Object.assign(process.env, { TMPDIR: root, TMP: root, TEMP: root });

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCIES = (process.env.BENCH_LATENCIES ?? '0,150').split(',').map(Number);
/** How long the propagation-time org takes to show an app change at its token endpoint (Salesforce: 2-10 minutes). */
const PROPAGATION_S = Number(process.env.BENCH_PROPAGATION_S ?? 60);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median wall time of RUNS runs, after one warm-up run (Node's compile cache, the disk cache); `ok` says which exits are expected. */
const timed = async (
  label: string,
  run: () => Promise<SfRun>,
  ok: (r: SfRun) => boolean = (r): boolean => r.status === 0,
): Promise<number> => {
  const times: number[] = [];
  for (let i = -1; i < RUNS; i++) {
    const start = performance.now();
    // eslint-disable-next-line no-await-in-loop
    const result = await run();
    if (i >= 0) times.push(performance.now() - start);
    if (!ok(result)) throw new Error(`${label}: unexpected exit ${result.status}: ${result.stdout} ${result.stderr}`);
  }
  return median(times);
};

type Count = { total: number; reads: number; writes: number; polls: number; oauth: number };

const countOf = async (emu: RunningEmulator): Promise<Count> => {
  const log = await emu.requests();
  const writes = log.filter(
    (r) =>
      ['createMetadata', 'updateMetadata', 'upsertMetadata', 'deleteMetadata', 'deploy'].includes(
        r.soapOperation ?? '',
      ) ||
      (r.method !== 'GET' && r.path.includes('/sobjects')) ||
      (r.method === 'POST' && r.path.endsWith('/composite')) ||
      r.method === 'DELETE',
  ).length;
  // A deploy is asynchronous: its status is polled until done.
  const polls = log.filter((r) => r.soapOperation === 'checkDeployStatus').length;
  const oauth = log.filter((r) => r.path.startsWith('/services/oauth2/')).length;
  return { total: log.length, writes, polls, oauth, reads: log.length - writes - polls - oauth };
};

const shown = (c: Count): string =>
  `${c.total} (${c.reads} reads, ${c.writes} writes, ${c.polls} polls, ${c.oauth} oauth)`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** How many apps the org of the many-apps audit holds. */
const MANY_APPS = 25;

/**
 * `sf jwtapp audit` of an org holding MANY_APPS server-to-server External Client Apps (the kind setup makes,
 * four components each), every one checked with --username: its requests and wall time at each latency.
 */
const auditOfMany = async (latencyMs: number): Promise<string> => {
  const many = await startEmulator({ latencyMs: 0 });
  try {
    const home = await sfWithAdmin(many, 'many');
    const conn = await adminConnection(many);
    const user = many.ready.integrationUser.username;
    const { certificatePem } = await otherKey();
    for (let i = 1; i <= MANY_APPS; i++) {
      // eslint-disable-next-line no-await-in-loop
      await configureJwtApp(conn, { name: `Many_App_${String(i).padStart(2, '0')}`, certificatePem, username: user });
    }
    await many.setLatency(latencyMs);
    const args = ['jwtapp', 'audit', '--target-org', 'many', '--username', user, '--json'];
    await many.clearRequests();
    const run = await runSf(args, { home });
    const apps = ((run.json?.result ?? {}) as { apps?: unknown[] }).apps?.length;
    if (apps !== MANY_APPS) throw new Error(`audit of ${MANY_APPS} apps found ${String(apps)}: ${run.stdout}`);
    const count = await countOf(many);
    const wall = await timed(
      `audit of ${MANY_APPS} apps`,
      () => runSf(args, { home }),
      (r) => r.status !== 2,
    );
    return `${shown(count)}; ${ms(wall)}`;
  } finally {
    await many.stop();
  }
};

/**
 * A scratch org's first login: `sf org create scratch` from a Dev Hub (the emulator's signup, docs/emulator.md), then
 * the bootstrap right after it, `setup --create-user` on the new org, whose app changes take PROPAGATION_S to reach
 * its token endpoint as the Dev Hub's do. The wall time of each, from start to exit (the bootstrap's with the login
 * verified), and the bootstrap's requests. One run per latency: each needs a new org.
 */
const scratchBootstrap = async (latencyMs: number): Promise<string> => {
  const hub = await startEmulator({ devHub: true, propagationMs: PROPAGATION_S * 1000, latencyMs });
  try {
    const home = await sfWithAdmin(hub, 'hub');
    const signupStart = performance.now();
    const created = await runSf(
      ['org', 'create', 'scratch', '--target-dev-hub', 'hub', '--edition', 'developer', '--alias', 'scratch'].concat([
        '--wait',
        '2',
        '--json',
      ]),
      { home },
    );
    const signup = performance.now() - signupStart;
    if (created.status !== 0) throw new Error(`sf org create scratch: ${created.stdout}`);
    const scratchUrl = String(
      (created.json?.result as { authFields?: { instanceUrl?: string } }).authFields?.instanceUrl,
    );
    const scratch = emulatorAt({ ...hub.ready, instanceUrl: scratchUrl }, () => Promise.resolve());
    await scratch.clearRequests();
    const start = performance.now();
    const run = await runSf(
      ['jwtapp', 'setup', '--target-org', 'scratch', '--name', 'Ci_Integration', '--username'].concat([
        `ci.${Date.now()}@example.com`,
        '--create-user',
        '--output-dir',
        'certs',
        '--wait',
        '5',
        '--json',
      ]),
      { home },
    );
    const wall = performance.now() - start;
    const verified = (run.json?.result as { verification?: { success?: boolean } } | undefined)?.verification;
    if (run.status !== 0 || !verified?.success) throw new Error(`scratch-org bootstrap: ${run.stdout}`);
    return `${ms(signup)}, then ${ms(wall)}; ${shown(await countOf(scratch))}`;
  } finally {
    await hub.stop();
  }
};

/**
 * Time from the app becoming usable to `setup --wait` or `verify --wait` seeing the login work, on a second
 * emulator whose app changes reach its token endpoint PROPAGATION_S after they are made. For verify, setup
 * makes the app without waiting (`--wait 0`) and verify runs at once. The app is usable PROPAGATION_S after
 * the last of its components was stored (the emulator's own record, read in this process); the login is
 * accepted when the first token request that answers 200 is answered, which is when the command sees it.
 */
const propagationLag = async (latencyMs: number, waiting: 'setup' | 'verify'): Promise<string> => {
  const propagationMs = PROPAGATION_S * 1000;
  const slow = await startEmulator({ propagationMs, latencyMs });
  try {
    const home = await sfWithAdmin(slow, 'slow');
    const user = slow.ready.integrationUser.username;
    const lags: number[] = [];
    const perRun: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      /* eslint-disable no-await-in-loop */
      const started = Date.now();
      const setupArgs = [
        'jwtapp',
        'setup',
        '--target-org',
        'slow',
        '--name',
        `Propagation_App_${i}`,
        '--username',
        user,
        '--output-dir',
        `certs-${i}`,
      ];
      await slow.clearRequests();
      const setup = await runSf([...setupArgs, '--wait', waiting === 'setup' ? '5' : '0', '--json'], { home });
      if (setup.status !== 0) throw new Error(`setup on the propagating org: ${setup.stdout}`);
      if (waiting === 'verify') {
        const { clientId } = setup.json?.result as { clientId: string };
        await slow.clearRequests();
        const verify = await runSf(
          [
            'jwtapp',
            'verify',
            '-o',
            user,
            '-i',
            clientId,
            '-f',
            join(home, `certs-${i}`, 'server.key'),
            '-r',
            slow.url,
            '--wait',
            '5',
            '--json',
          ],
          { home },
        );
        if (verify.status !== 0) throw new Error(`verify on the propagating org: ${verify.stdout}`);
      }
      const log = await slow.requests();
      /* eslint-enable no-await-in-loop */
      const stored = ECA_TYPES.flatMap((type) => slow.emulator.org.componentsOf(type)).filter((c) => c.at >= started);
      const tokens = log.filter((r) => r.path === '/services/oauth2/token');
      const acceptedAt = tokens.findIndex((r) => r.status === 200);
      if (stored.length === 0 || acceptedAt < 1)
        throw new Error(
          `${waiting} on the propagating org: no app stored, or no refused login before the accepted one`,
        );
      const [before, accepted] = [tokens[acceptedAt - 1], tokens[acceptedAt]];
      const lag = accepted.answeredAt - (Math.max(...stored.map((c) => c.at)) + propagationMs);
      // The poll interval in effect: from the last refusal's answer to the accepted request's sending.
      const interval = accepted.answeredAt - accepted.latencyMs - before.answeredAt;
      lags.push(lag);
      perRun.push(`${(lag / 1000).toFixed(1)} s of ${(interval / 1000).toFixed(1)} s, ${tokens.length} tries`);
    }
    return `${ms(median(lags))} / ${ms(Math.max(...lags))} (lag of the pause before the accepted try: ${perRun.join('; ')})`;
  } finally {
    await slow.stop();
  }
};

const main = async (): Promise<void> => {
  const emu = await startEmulator();
  const rows: Array<[string, ...string[]]> = [];
  const row = (label: string, ...values: string[]): void => {
    rows.push([label, ...values]);
  };
  const proxy = await startProxy(emu.url);
  try {
    const home = await sfWithAdmin(emu);
    const integration = emu.ready.integrationUser.username;
    // A user the app is not granted to (not the admin: a refused `sf org login jwt` for the admin's username
    // would drop the stored login the other commands use).
    const conn = await adminConnection(emu);
    const notApproved = `not-approved@${integration.split('@')[1]}`;
    await createUser(conn, { username: notApproved, profile: 'Standard User', lastName: 'Approved', alias: 'notappr' });
    const wrongKey = join(home, 'wrong.key');
    writeFileSync(wrongKey, (await otherKey()).privateKeyPem, { mode: 0o600 });

    const perLatency: Record<string, string[]> = {};
    const put = (label: string, value: string): void => {
      (perLatency[label] ??= []).push(value);
    };
    for (const latency of LATENCIES) {
      // eslint-disable-next-line no-await-in-loop
      await emu.setLatency(latency);
      const name = `Bench_App_${latency}`;
      const certs = `certs-${latency}`;
      const setupArgs = [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        name,
        '--username',
        integration,
        '--output-dir',
        certs,
        '--json',
      ];
      const measured = async (args: string[]): Promise<{ run: SfRun; count: Count; wall: number }> => {
        await emu.clearRequests();
        const start = performance.now();
        const run = await runSf(args, { home });
        const wall = performance.now() - start;
        if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stdout}`);
        return { run, count: await countOf(emu), wall };
      };
      /* eslint-disable no-await-in-loop */
      const fresh = await measured(setupArgs);
      const rerun = await measured(setupArgs);
      put('setup, fresh org: requests', shown(fresh.count));
      put('setup, fresh org: wall time', ms(fresh.wall));
      put('setup, re-run: requests', shown(rerun.count));
      put('setup, re-run: wall time', ms(rerun.wall));
      const { clientId } = (fresh.run.json?.result ?? {}) as { clientId: string };
      const keyFile = join(home, certs, 'server.key');

      const logins: Array<[string, string[]]> = [
        ['working login', ['-o', integration, '-i', clientId, '-f', keyFile]],
        ['refused: wrong key', ['-o', integration, '-i', clientId, '-f', wrongKey]],
        ['refused: user not pre-authorized', ['-o', notApproved, '-i', clientId, '-f', keyFile]],
        ['refused: unknown client id', ['-o', integration, '-i', '3MVG9NoSuchConsumerKeyAtAll', '-f', keyFile]],
      ];
      // Both commands through the proxy: sf's tries at login.salesforce.com and test.salesforce.com reach
      // the emulator and cost the latency, as on a real org.
      const viaProxy = { home, env: proxy.env };
      const loginRequests = async (run: () => Promise<SfRun>): Promise<string> => {
        await emu.clearRequests();
        await run();
        const log = await emu.requests();
        const generic = log.filter((r) => r.host !== '127.0.0.1').length;
        return `${log.length}${generic ? ` (${generic} at the generic login hosts)` : ''}`;
      };
      for (const [what, args] of logins) {
        const working = what === 'working login';
        const expected = (r: SfRun): boolean => (working ? r.status === 0 : r.status !== 0);
        const verifyRun = (): Promise<SfRun> => runSf(['jwtapp', 'verify', ...args, '-r', emu.url], viaProxy);
        const loginRun = (): Promise<SfRun> => runSf(['org', 'login', 'jwt', ...args, '-r', emu.url], viaProxy);
        const verifyRequests = await loginRequests(verifyRun);
        const sfRequests = await loginRequests(loginRun);
        const verify = await timed(`verify, ${what}`, verifyRun, expected);
        const loginJwt = await timed(`login jwt, ${what}`, loginRun, expected);
        put(
          `verify ÷ sf org login jwt, ${what}`,
          `${(verify / loginJwt).toFixed(2)} (${ms(verify)} / ${ms(loginJwt)}; requests ${verifyRequests} / ${sfRequests})`,
        );
      }

      const counted = async (args: string[]): Promise<string> => shown((await measured(args)).count);
      put(
        'audit of one app: requests',
        await counted(['jwtapp', 'audit', '--target-org', 'emu', '--name', name, '--username', integration, '--json']),
      );
      put(
        'audit --verify of one app: requests',
        await counted([
          'jwtapp',
          'audit',
          '--target-org',
          'emu',
          '--name',
          name,
          '--username',
          integration,
          '--jwt-key-file',
          keyFile,
          '--verify',
          '--json',
        ]),
      );
      put(
        'cert rotate: requests',
        await counted([
          'jwtapp',
          'cert',
          'rotate',
          '--target-org',
          'emu',
          '--name',
          name,
          '--username',
          integration,
          '--output-dir',
          certs,
          '--json',
        ]),
      );
      put('block: requests', await counted(['jwtapp', 'block', '--target-org', 'emu', '--name', name, '--json']));
      put('unblock: requests', await counted(['jwtapp', 'unblock', '--target-org', 'emu', '--name', name, '--json']));
      /* eslint-enable no-await-in-loop */
    }
    const manyApps: string[] = [];
    for (const latency of LATENCIES) manyApps.push(await auditOfMany(latency)); // eslint-disable-line no-await-in-loop
    perLatency[`audit of an org of ${MANY_APPS} apps, --username: requests; wall time`] = manyApps;
    const bootstraps: string[] = [];
    for (const latency of LATENCIES) bootstraps.push(await scratchBootstrap(latency)); // eslint-disable-line no-await-in-loop
    perLatency[
      `scratch org: sf org create scratch, then the bootstrap (setup --create-user; app changes take ${PROPAGATION_S} s) to a verified login; its requests`
    ] = bootstraps;
    row('round-trip latency (REST; Metadata API twice it)', ...LATENCIES.map((l) => `${l} ms`));
    for (const [label, values] of Object.entries(perLatency)) row(label, ...values);

    await emu.setLatency(0);
    const verifyHelp = await timed('sf jwtapp verify --help', () => runSf(['jwtapp', 'verify', '--help'], { home }));
    const setupHelp = await timed('sf jwtapp setup --help', () => runSf(['jwtapp', 'setup', '--help'], { home }));
    const builtInHelp = await timed('sf org login jwt --help', () =>
      runSf(['org', 'login', 'jwt', '--help'], { home }),
    );
    row(
      `start-up: sf jwtapp verify --help ÷ sf org login jwt --help (median of ${RUNS})`,
      `${(verifyHelp / builtInHelp).toFixed(2)} (${ms(verifyHelp)} / ${ms(builtInHelp)})`,
    );
    row(
      `start-up: sf jwtapp setup --help ÷ sf org login jwt --help (median of ${RUNS})`,
      `${(setupHelp / builtInHelp).toFixed(2)} (${ms(setupHelp)} / ${ms(builtInHelp)})`,
    );

    const fleet = Array.from({ length: 20 }, (_, i) => `emu${i + 1}`);
    // One alias per call: sf alias set with many at once races its own alias-file lock ("Lock file is already being held").
    for (const alias of fleet) {
      // eslint-disable-next-line no-await-in-loop
      const aliased = await runSf(['alias', 'set', `${alias}=${emu.ready.admin.username}`], { home });
      if (aliased.status !== 0) throw new Error(`sf alias set: ${aliased.stdout} ${aliased.stderr}`);
    }
    const auditArgs = (orgs: string[]): string[] => ['jwtapp', 'audit', ...orgs.flatMap((o) => ['--target-org', o])];
    const fleetOne = await timed('sf jwtapp audit, 1 org', () => runSf(auditArgs(['emu']), { home }));
    const fleetTwenty = await timed('sf jwtapp audit, 20 orgs', () => runSf(auditArgs(fleet), { home }));
    row(
      'audit: 20 orgs ÷ 1 org (no latency)',
      `${(fleetTwenty / fleetOne).toFixed(2)} (${ms(fleetTwenty)} / ${ms(fleetOne)})`,
    );

    for (const waiting of ['setup', 'verify'] as const) {
      const lags: string[] = [];
      for (const latency of LATENCIES) lags.push(await propagationLag(latency, waiting)); // eslint-disable-line no-await-in-loop
      row(
        `${waiting} --wait: app usable (${PROPAGATION_S} s after it is stored) -> login accepted, median / max of ${RUNS}`,
        ...lags,
      );
    }
    const { initialMs, factor, maxMs } = DEFAULT_BACKOFF;
    row(
      '--wait: the pause after failed attempt n',
      `${initialMs / 1000} s × ${factor}^(n-1), at most ${maxMs / 1000} s; half of it fixed, half random`,
    );

    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, ...v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v.join('  |  ')}\n`);
  } finally {
    await proxy.stop();
    await emu.stop();
  }
};

try {
  await main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
