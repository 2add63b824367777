/**
 * `npm run bench`: figures, not assertions, at each round-trip latency of BENCH_LATENCIES (default 0 and
 * 150 ms, played by the emulator: REST and OAuth answers held that long, Metadata API answers twice it).
 * At each: the HTTP requests and wall time of `sf jwtapp setup` on a fresh org and on a re-run (from the
 * emulator's request log); `sf jwtapp verify` against `sf org login jwt` making the same login, refused three
 * ways and working, both through the real sf against the same emulator in the same run; the requests of
 * `audit` (with and without --verify), `cert rotate`, `block` and `unblock`. Once: the start-up of
 * `sf jwtapp verify --help` and `sf jwtapp setup --help` against `sf org login jwt --help`, and a fleet audit of
 * 20 orgs against one (20 aliases of the same emulator org); and, on an org whose app changes take
 * BENCH_PROPAGATION_S (default 60) to reach its token endpoint, the time from the app becoming usable to
 * `setup --wait` seeing the login accepted. Refused logins: sf's own error lists every login/audience pair it
 * tried; those sent to login.salesforce.com and test.salesforce.com cannot reach the emulator (or the internet
 * here) and fail at once, so a second ratio counts each of them at the played latency, as on a real org.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator, type RunningEmulator } from '../test/helpers/emulator.js';
import { adminConnection, createUser, otherKey } from '../test/helpers/org.js';
import { runSf, sfWithAdmin, type SfRun } from '../test/helpers/sf.js';
import { DEFAULT_BACKOFF } from '../src/oauth/backoff.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCIES = (process.env.BENCH_LATENCIES ?? '0,150').split(',').map(Number);
/** How long the propagation-time org takes to show an app change at its token endpoint (Salesforce: 2-10 minutes). */
const PROPAGATION_S = Number(process.env.BENCH_PROPAGATION_S ?? 60);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median wall time of RUNS runs, after one warm-up run (Node's compile cache, the disk cache); `ok` says which exits are expected. */
const timed = async (label: string, run: () => Promise<SfRun>, ok: (r: SfRun) => boolean = (r): boolean => r.status === 0): Promise<number> => {
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
      ['createMetadata', 'updateMetadata', 'upsertMetadata', 'deleteMetadata', 'deploy'].includes(r.soapOperation ?? '') ||
      (r.method !== 'GET' && r.path.includes('/sobjects')) ||
      (r.method === 'POST' && r.path.endsWith('/composite')) ||
      r.method === 'DELETE'
  ).length;
  // A deploy is asynchronous: its status is polled until done.
  const polls = log.filter((r) => r.soapOperation === 'checkDeployStatus').length;
  const oauth = log.filter((r) => r.path.startsWith('/services/oauth2/')).length;
  return { total: log.length, writes, polls, oauth, reads: log.length - writes - polls - oauth };
};

/** How many login/audience pairs a refused `sf org login jwt` tried: its error lists one line each after "Errors encountered:". */
const attemptsIn = (run: SfRun): number =>
  (run.json?.message ?? '').split('Errors encountered:\n')[1]?.split('\n').filter((line) => line.trim().length > 0).length ?? 0;

const shown = (c: Count): string => `${c.total} (${c.reads} reads, ${c.writes} writes, ${c.polls} polls, ${c.oauth} oauth)`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/**
 * Time from the app becoming usable to setup reporting the login works: a second emulator whose app changes
 * reach its token endpoint PROPAGATION_S after they are made, `setup --wait` retrying the login meanwhile.
 * The change is made by the deploy (at no latency, within milliseconds of its answer); the login is accepted
 * by the first token request that answers 200.
 */
const propagationLag = async (): Promise<string> => {
  const propagationMs = PROPAGATION_S * 1000;
  const slow = await startEmulator({ propagationMs });
  try {
    const home = await sfWithAdmin(slow, 'slow');
    const lags: number[] = [];
    const tries: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      /* eslint-disable no-await-in-loop */
      await slow.clearRequests();
      const args = ['jwtapp', 'setup', '--target-org', 'slow', '--name', `Propagation_App_${i}`, '--username', slow.ready.integrationUser.username];
      const run = await runSf([...args, '--output-dir', `certs-${i}`, '--wait', '5', '--json'], { home });
      if (run.status !== 0) throw new Error(`setup on the propagating org: ${run.stdout}`);
      const log = await slow.requests();
      /* eslint-enable no-await-in-loop */
      const deployed = log.find((r) => r.soapOperation === 'deploy');
      const tokens = log.filter((r) => r.path === '/services/oauth2/token');
      const accepted = tokens.find((r) => r.status === 200);
      if (!deployed || !accepted) throw new Error('setup on the propagating org: no deploy or no accepted login in the request log');
      lags.push(accepted.answeredAt - (deployed.answeredAt + propagationMs));
      tries.push(tokens.length);
    }
    return `${ms(median(lags))} | ${ms(Math.max(...lags))} (token requests per run: ${tries.join(', ')}; pauses between them capped at ${DEFAULT_BACKOFF.maxMs / 1000} s)`;
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
      const setupArgs = ['jwtapp', 'setup', '--target-org', 'emu', '--name', name, '--username', integration, '--output-dir', certs, '--json'];
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
      for (const [what, args] of logins) {
        const working = what === 'working login';
        const expected = (r: SfRun): boolean => (working ? r.status === 0 : r.status !== 0);
        await emu.clearRequests();
        await runSf(['jwtapp', 'verify', ...args, '-r', emu.url, '--json'], { home });
        const verifyRequests = (await emu.requests()).length;
        await emu.clearRequests();
        const sfLogin = await runSf(['org', 'login', 'jwt', ...args, '-r', emu.url, '--json'], { home });
        const loginRequests = (await emu.requests()).length;
        // sf names each login/audience pair it tried, one line each; those to login.salesforce.com and
        // test.salesforce.com cannot reach the emulator (nor the internet, here) and fail at once.
        const tried = working ? loginRequests : attemptsIn(sfLogin);
        const elsewhere = Math.max(0, tried - loginRequests);
        const verify = await timed(`verify, ${what}`, () => runSf(['jwtapp', 'verify', ...args, '-r', emu.url], { home }), expected);
        const loginJwt = await timed(`login jwt, ${what}`, () => runSf(['org', 'login', 'jwt', ...args, '-r', emu.url], { home }), expected);
        put(`verify ÷ sf org login jwt, ${what}`, `${(verify / loginJwt).toFixed(2)} (${ms(verify)} / ${ms(loginJwt)}; requests ${verifyRequests} / ${loginRequests})`);
        if (!working) {
          // On a real org those attempts reach Salesforce's login hosts and cost a round trip each.
          const asOnRealOrg = loginJwt + elsewhere * latency;
          put(
            `verify ÷ sf org login jwt, ${what}, sf's ${tried} tries each a round trip`,
            `${(verify / asOnRealOrg).toFixed(2)} (${ms(verify)} / ${ms(asOnRealOrg)}: ${elsewhere} tries to the generic login hosts)`
          );
        }
      }

      const counted = async (args: string[]): Promise<string> => shown((await measured(args)).count);
      put('audit of one app: requests', await counted(['jwtapp', 'audit', '--target-org', 'emu', '--name', name, '--username', integration, '--json']));
      put('audit --verify of one app: requests', await counted(['jwtapp', 'audit', '--target-org', 'emu', '--name', name, '--username', integration, '--jwt-key-file', keyFile, '--verify', '--json']));
      put('cert rotate: requests', await counted(['jwtapp', 'cert', 'rotate', '--target-org', 'emu', '--name', name, '--username', integration, '--output-dir', certs, '--json']));
      put('block: requests', await counted(['jwtapp', 'block', '--target-org', 'emu', '--name', name, '--json']));
      put('unblock: requests', await counted(['jwtapp', 'unblock', '--target-org', 'emu', '--name', name, '--json']));
      /* eslint-enable no-await-in-loop */
    }
    row('round-trip latency (REST; Metadata API twice it)', ...LATENCIES.map((l) => `${l} ms`));
    for (const [label, values] of Object.entries(perLatency)) row(label, ...values);

    await emu.setLatency(0);
    const verifyHelp = await timed('sf jwtapp verify --help', () => runSf(['jwtapp', 'verify', '--help'], { home }));
    const setupHelp = await timed('sf jwtapp setup --help', () => runSf(['jwtapp', 'setup', '--help'], { home }));
    const builtInHelp = await timed('sf org login jwt --help', () => runSf(['org', 'login', 'jwt', '--help'], { home }));
    row(`start-up: sf jwtapp verify --help ÷ sf org login jwt --help (median of ${RUNS})`, `${(verifyHelp / builtInHelp).toFixed(2)} (${ms(verifyHelp)} / ${ms(builtInHelp)})`);
    row(`start-up: sf jwtapp setup --help ÷ sf org login jwt --help (median of ${RUNS})`, `${(setupHelp / builtInHelp).toFixed(2)} (${ms(setupHelp)} / ${ms(builtInHelp)})`);

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
    row('audit: 20 orgs ÷ 1 org (no latency)', `${(fleetTwenty / fleetOne).toFixed(2)} (${ms(fleetTwenty)} / ${ms(fleetOne)})`);

    row(
      `setup --wait: app usable (${PROPAGATION_S} s after its deploy) -> login accepted, median | max of ${RUNS}`,
      await propagationLag()
    );

    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, ...v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v.join('  |  ')}\n`);
  } finally {
    await emu.stop();
  }
};

await main();
