import { join } from 'node:path';
import { expect } from 'chai';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import Verify, { type VerifyResult } from '../../src/commands/jwtapp/verify.js';
import { startEmulator, type EmulatorState, type RunningEmulator } from '../helpers/emulator.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand, type CommandRun } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

/** Seeds run by `npm test`; `npm run soak` runs 200 (FAULT_SEEDS=200). */
const SEEDS = Number(process.env.FAULT_SEEDS ?? 30);
const FAULT_RATE = 0.2;

/** What must hold after any run, failed or not: nothing half-made, nothing made twice. */
const invariantViolations = (state: EmulatorState, app: string, username: string): string[] => {
  const problems: string[] = [];
  const apps = state.externalClientApps.filter((a) => a.fullName === app);
  if (apps.length > 1) problems.push(`${apps.length} apps named ${app}`);
  // An External Client App is written in one all-or-nothing deploy: never without its certificate.
  for (const eca of apps) {
    if (
      !String(eca.components.ExtlClntAppGlobalOauthSettings?.metadata.certificate ?? '').includes('BEGIN CERTIFICATE')
    )
      problems.push(`${app} has no certificate`);
  }
  const sets = state.permissionSets.filter((p) => p.Name === `${app}_Access`);
  if (sets.length > 1) problems.push(`${sets.length} permission sets`);
  const user = state.users.find((u) => u.Username === username);
  const assignments = state.permissionSetAssignments.filter(
    (a) => a.AssigneeId === user?.Id && sets.some((s) => s.Id === a.PermissionSetId),
  );
  if (assignments.length > 1) problems.push(`${assignments.length} assignments`);
  return problems;
};

const certificateOf = async (emu: RunningEmulator): Promise<string> =>
  String(
    (await emu.state()).externalClientApps.find((a) => a.fullName === 'Fault_App')?.components
      .ExtlClntAppGlobalOauthSettings?.metadata.certificate,
  );

type Outcome = { seed: number; exitCode: number; name?: string; retries: number; violations: string[] };

/**
 * The fault matrix: `setup` against an org that answers a fifth of its calls with a 503, a dropped
 * connection, or an answer lost after the write was made. Each run either succeeds or ends with a named
 * error; the org is never half-configured or configured twice; once the outage is over, a second run
 * always completes and verifies.
 */
describe(`setup and cert rotate under faults: ${SEEDS} seeds at fault rate ${FAULT_RATE}`, function () {
  this.timeout(SEEDS * 30_000);
  const outcomes: Outcome[] = [];

  const setup = (alias: string, emu: RunningEmulator, dir: string): Promise<CommandRun<SetupResult>> =>
    runCommand<SetupResult>(Setup, [
      '--target-org',
      alias,
      '--name',
      'Fault_App',
      '--username',
      emu.ready.integrationUser.username,
      '--output-dir',
      dir,
      '--json',
    ]);

  it('each run succeeds or fails with a named error, leaves the org consistent, and a second run completes and verifies', async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      // eslint-disable-next-line no-await-in-loop
      const emu = await startEmulator({ faultSeed: seed });
      try {
        const alias = `emu-faults-${seed}`;
        // eslint-disable-next-line no-await-in-loop
        await storeAdminLogin(emu, alias);
        // eslint-disable-next-line no-await-in-loop
        const dir = await tempDir('jwtapp-faults-');
        // eslint-disable-next-line no-await-in-loop
        await emu.setFaultRate(FAULT_RATE);
        // eslint-disable-next-line no-await-in-loop
        const first = await setup(alias, emu, dir);
        // eslint-disable-next-line no-await-in-loop
        await emu.setFaultRate(0);
        const username = emu.ready.integrationUser.username;
        // eslint-disable-next-line no-await-in-loop
        const violations = invariantViolations(await emu.state(), 'Fault_App', username);
        outcomes.push({
          seed,
          exitCode: first.exitCode,
          name: first.json?.name,
          retries: first.json?.result?.retries?.length ?? 0,
          violations,
        });
        if (first.exitCode !== 0) {
          // A named error of ours, with what to do: never a raw transport error or a stack trace.
          expect(first.json?.name, `seed ${seed}: ${first.stdout}`)
            .to.match(/^[A-Z][A-Za-z]+Error$/)
            .and.not.equal('TypeError');
          expect(first.json?.actions?.length ?? 0, `seed ${seed}`).to.be.greaterThan(0);
          // The outage is the run's named error (exit 5), not a raw transport error (sf's exit 1 or 10).
          expect(first.json?.message ?? '', `seed ${seed}`).not.to.match(/^(fetch failed|\[\{"message")/);
          expect(first.exitCode, `seed ${seed}`).to.be.oneOf([4, 5]);
        }
        // eslint-disable-next-line no-await-in-loop
        const second = await setup(alias, emu, dir);
        expect(second.exitCode, `seed ${seed}: second run ${second.stdout}`).to.equal(0);
        expect(second.json?.result?.verification?.success, `seed ${seed}`).to.equal(true);
        // eslint-disable-next-line no-await-in-loop
        const after = await emu.state();
        expect(invariantViolations(after, 'Fault_App', username), `seed ${seed}`).to.deep.equal([]);
        expect(after.externalClientApps.filter((a) => a.fullName === 'Fault_App')).to.have.length(1);
        expect(after.permissionSets.filter((p) => p.Name === 'Fault_App_Access')).to.have.length(1);
      } finally {
        // eslint-disable-next-line no-await-in-loop
        await emu.stop();
      }
    }
    const failed = outcomes.filter((o) => o.exitCode !== 0);
    const violations = outcomes.flatMap((o) => o.violations.map((v) => `seed ${o.seed}: ${v}`));
    process.stdout.write(
      `      fault matrix: ${outcomes.length} seeds, ${outcomes.length - failed.length} first runs succeeded ` +
        `(${outcomes.reduce((n, o) => n + o.retries, 0)} calls retried), ${failed.length} needed a second run ` +
        `(${failed.map((o) => `${o.seed}:${o.name ?? '?'}`).join(', ') || 'none'}), invariant violations: ${violations.length}\n`,
    );
    expect(violations).to.deep.equal([]);
    expect(outcomes).to.have.length(SEEDS);
  });

  it('cert rotate under the same faults: afterwards the key the pipeline reads (server.key) always logs in', async () => {
    const rotations: Array<{ seed: number; exitCode: number; name?: string; rotated: boolean }> = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      // eslint-disable-next-line no-await-in-loop
      const emu = await startEmulator({ faultSeed: 1000 + seed });
      try {
        const alias = `emu-faults-rotate-${seed}`;
        // eslint-disable-next-line no-await-in-loop
        await storeAdminLogin(emu, alias);
        // eslint-disable-next-line no-await-in-loop
        const dir = await tempDir('jwtapp-faults-rotate-');
        // eslint-disable-next-line no-await-in-loop
        const made = await setup(alias, emu, dir);
        expect(made.exitCode, made.stdout).to.equal(0);
        const username = emu.ready.integrationUser.username;
        // eslint-disable-next-line no-await-in-loop
        const before = await certificateOf(emu);
        // eslint-disable-next-line no-await-in-loop
        await emu.setFaultRate(FAULT_RATE);
        // eslint-disable-next-line no-await-in-loop
        const run = await runCommand<RotateResult>(CertRotate, [
          '--target-org',
          alias,
          '--name',
          'Fault_App',
          '--username',
          username,
          '--output-dir',
          dir,
          '--json',
        ]);
        // eslint-disable-next-line no-await-in-loop
        await emu.setFaultRate(0);
        if (run.exitCode !== 0) {
          expect(run.json?.name, `seed ${seed}: ${run.stdout}`)
            .to.match(/^[A-Z][A-Za-z]+Error$/)
            .and.not.equal('TypeError');
          expect(run.exitCode, `seed ${seed}`).to.be.oneOf([4, 5]);
        }
        // eslint-disable-next-line no-await-in-loop
        const after = await certificateOf(emu);
        rotations.push({ seed, exitCode: run.exitCode, name: run.json?.name, rotated: after !== before });
        // Whatever happened, the pipeline's key file and the app's certificate belong together.
        // eslint-disable-next-line no-await-in-loop
        const login = await runCommand<VerifyResult>(Verify, [
          '-o',
          username,
          '-i',
          String(made.json?.result?.clientId),
          '-f',
          join(dir, 'server.key'),
          '-r',
          emu.url,
          '--json',
        ]);
        expect(login.exitCode, `seed ${seed}: ${run.json?.name ?? 'rotated'}, then ${login.stdout}`).to.equal(0);
      } finally {
        // eslint-disable-next-line no-await-in-loop
        await emu.stop();
      }
    }
    const failed = rotations.filter((r) => r.exitCode !== 0);
    process.stdout.write(
      `      rotate under faults: ${rotations.length} seeds, ${rotations.filter((r) => r.rotated).length} rotated, ` +
        `${failed.length} stopped with a named error (${failed.map((r) => `${r.seed}:${r.name ?? '?'}`).join(', ') || 'none'}); server.key logged in after every run\n`,
    );
    expect(rotations).to.have.length(SEEDS);
  });
});
