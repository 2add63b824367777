/**
 * `npm run bench`: figures, not assertions. The HTTP requests a `sf jwtapp setup` makes on a fresh org and
 * on a re-run (from the emulator's request log); the wall time of `sf jwtapp verify` against
 * `sf org login jwt` making the same login, both through the real sf against the same emulator; the
 * start-up of `sf jwtapp verify --help` against built-in commands' help; the requests of `sf jwtapp audit`
 * of one app (with and without --verify), of `cert rotate`, `block` and `unblock`; and the wall time of a
 * fleet audit of 20 orgs against one (20 aliases of the same emulator org: no network latency is played here, so this measures the fan-out's overhead, not its overlap).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '../test/helpers/emulator.js';
import { linkPlugin, runSf, sfHome, type SfRun } from '../test/helpers/sf.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median wall time of RUNS runs, after one warm-up run (Node's compile cache, the disk cache). */
const timed = async (label: string, run: () => Promise<SfRun>): Promise<number> => {
  const times: number[] = [];
  for (let i = -1; i < RUNS; i++) {
    const start = performance.now();
    // eslint-disable-next-line no-await-in-loop
    const result = await run();
    if (i >= 0) times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
  }
  return median(times);
};

const main = async (): Promise<void> => {
  const emu = await startEmulator();
  const home = sfHome();
  try {
    await linkPlugin(home);
    const login = await runSf(['org', 'login', 'access-token', '--instance-url', emu.url, '--alias', 'emu', '--no-prompt'], {
      home,
      env: { SF_ACCESS_TOKEN: emu.ready.admin.accessToken },
    });
    if (login.status !== 0) throw new Error(login.stderr);
    const integration = emu.ready.integrationUser.username;
    const setupArgs = ['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Bench_App', '--username', integration, '--output-dir', 'certs', '--json'];

    const count = async (): Promise<{ total: number; reads: number; writes: number; polls: number; token: number }> => {
      const log = await emu.requests();
      const writes = log.filter(
        (r) =>
          ['createMetadata', 'updateMetadata', 'upsertMetadata', 'deleteMetadata', 'deploy'].includes(r.soapOperation ?? '') ||
          (r.method !== 'GET' && r.path.includes('/sobjects')) ||
          r.method === 'DELETE'
      ).length;
      // A deploy is asynchronous: its status is polled until done.
      const polls = log.filter((r) => r.soapOperation === 'checkDeployStatus').length;
      const token = log.filter((r) => r.path.startsWith('/services/oauth2/')).length;
      return { total: log.length, writes, polls, token, reads: log.length - writes - polls - token };
    };

    await emu.clearRequests();
    const fresh = await runSf(setupArgs, { home });
    if (fresh.status !== 0) throw new Error(fresh.stdout);
    const freshCount = await count();
    await emu.clearRequests();
    const rerun = await runSf(setupArgs, { home });
    if (rerun.status !== 0) throw new Error(rerun.stdout);
    const rerunCount = await count();
    const { clientId } = (fresh.json?.result ?? {}) as { clientId: string };
    const keyFile = join(home, 'certs', 'server.key');

    await emu.clearRequests();
    const auditOne = await runSf(['jwtapp', 'audit', '--target-org', 'emu', '--name', 'Bench_App', '--username', integration, '--json'], { home });
    if (auditOne.status !== 0) throw new Error(auditOne.stdout);
    const auditCount = await count();
    await emu.clearRequests();
    const auditVerify = await runSf(['jwtapp', 'audit', '--target-org', 'emu', '--name', 'Bench_App', '--username', integration, '--jwt-key-file', join(home, 'certs', 'server.key'), '--verify', '--json'], { home });
    if (auditVerify.status !== 0) throw new Error(auditVerify.stdout);
    const auditVerifyCount = await count();
    await emu.clearRequests();
    const rotate = await runSf(['jwtapp', 'cert', 'rotate', '--target-org', 'emu', '--name', 'Bench_App', '--username', integration, '--output-dir', 'certs', '--json'], { home });
    if (rotate.status !== 0) throw new Error(rotate.stdout);
    const rotateCount = await count();
    const lifecycle: Record<string, Awaited<ReturnType<typeof count>>> = {};
    for (const command of ['block', 'unblock']) {
      // eslint-disable-next-line no-await-in-loop
      await emu.clearRequests();
      // eslint-disable-next-line no-await-in-loop
      const run = await runSf(['jwtapp', command, '--target-org', 'emu', '--name', 'Bench_App', '--json'], { home });
      if (run.status !== 0) throw new Error(run.stdout);
      // eslint-disable-next-line no-await-in-loop
      lifecycle[command] = await count();
    }
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

    const verify = await timed('sf jwtapp verify', () => runSf(['jwtapp', 'verify', '-o', integration, '-i', clientId, '-f', keyFile, '-r', emu.url], { home }));
    const loginJwt = await timed('sf org login jwt', () => runSf(['org', 'login', 'jwt', '-o', integration, '-i', clientId, '-f', keyFile, '-r', emu.url], { home }));
    const ownHelp = await timed('sf jwtapp verify --help', () => runSf(['jwtapp', 'verify', '--help'], { home }));
    const builtInHelp = await timed('sf org login jwt --help', () => runSf(['org', 'login', 'jwt', '--help'], { home }));
    const orgDisplayHelp = await timed('sf org display --help', () => runSf(['org', 'display', '--help'], { home }));

    const rows = [
      ['setup, fresh org: HTTP requests', `${freshCount.total} (reads ${freshCount.reads}, writes ${freshCount.writes}, deploy polls ${freshCount.polls}, oauth ${freshCount.token})`],
      ['setup, re-run on a configured org: HTTP requests', `${rerunCount.total} (reads ${rerunCount.reads}, writes ${rerunCount.writes}, deploy polls ${rerunCount.polls}, oauth ${rerunCount.token})`],
      ['audit of one app: HTTP requests', `${auditCount.total} (reads ${auditCount.reads}, writes ${auditCount.writes}, oauth ${auditCount.token})`],
      ['audit of one app --verify: HTTP requests', `${auditVerifyCount.total} (reads ${auditVerifyCount.reads}, writes ${auditVerifyCount.writes}, oauth ${auditVerifyCount.token})`],
      ['cert rotate: HTTP requests', `${rotateCount.total} (reads ${rotateCount.reads}, writes ${rotateCount.writes}, deploy polls ${rotateCount.polls}, oauth ${rotateCount.token})`],
      ...Object.entries(lifecycle).map(([command, c]) => [`${command}: HTTP requests`, `${c.total} (reads ${c.reads}, writes ${c.writes}, deploy polls ${c.polls})`]),
      [`sf jwtapp audit, 1 org, median of ${RUNS}`, `${fleetOne.toFixed(0)} ms`],
      [`sf jwtapp audit, 20 orgs, median of ${RUNS}`, `${fleetTwenty.toFixed(0)} ms`],
      ['audit: 20 orgs / 1 org', (fleetTwenty / fleetOne).toFixed(2)],
      [`sf jwtapp verify, median of ${RUNS}`, `${verify.toFixed(0)} ms`],
      [`sf org login jwt, median of ${RUNS}`, `${loginJwt.toFixed(0)} ms`],
      ['verify / sf org login jwt', (verify / loginJwt).toFixed(2)],
      [`sf jwtapp verify --help, median of ${RUNS}`, `${ownHelp.toFixed(0)} ms`],
      [`sf org login jwt --help, median of ${RUNS}`, `${builtInHelp.toFixed(0)} ms`],
      [`sf org display --help, median of ${RUNS}`, `${orgDisplayHelp.toFixed(0)} ms`],
      ['start-up: jwtapp verify help / org login jwt help', (ownHelp / builtInHelp).toFixed(2)],
      ['start-up: jwtapp verify help / org display help', (ownHelp / orgDisplayHelp).toFixed(2)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  } finally {
    await emu.stop();
  }
};

await main();
