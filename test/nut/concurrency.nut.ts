import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { nutBench } from '../helpers/nut.js';
import type { SfRun } from '../helpers/sf.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Two pipelines (here four) deploying at once run `setup` for the same app and user, with the same key pair
 * from their secret store. They must converge: one app, one permission set, one assignment; each run exits
 * 0, or with a named error that a re-run clears.
 */
describe('four setup runs at once, through the real sf', () => {
  const nut = nutBench();

  it('converge on one app, one permission set and one assignment, every run verified', async () => {
    const pair = await generateKeyAndCertificate(2048, { subject: 'CN=shared', days: 400 });
    const secrets = await tempDir('jwtapp-concurrent-');
    await writeFile(join(secrets, 'server.key'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(secrets, 'server.crt'), pair.certificatePem);
    const username = nut.integration;
    const setup = (n: number): Promise<SfRun> =>
      nut.sf([
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Busy_App',
        '--username',
        username,
        '--private-key-file',
        join(secrets, 'server.key'),
        '--certificate-file',
        join(secrets, 'server.crt'),
        '--output-dir',
        `run-${n}`,
        '--json',
      ]);

    const runs = await Promise.all([1, 2, 3, 4].map(setup));
    // A record another run made first (DUPLICATE_*) is read back as done, not a failure: all four succeed.
    for (const [i, run] of runs.entries()) {
      expect(run.status, `run ${i + 1}: ${run.stdout}${run.stderr}`).to.equal(0);
      expect(
        (run.json?.result as { verification?: { success: boolean } }).verification?.success,
        `run ${i + 1}`,
      ).to.equal(true);
    }
    const state = await nut.emu.state();
    const sets = state.permissionSets.filter((p) => p.Name === 'Busy_App_Access');
    const user = state.users.find((u) => u.Username === username);
    expect(state.externalClientApps.filter((a) => a.fullName === 'Busy_App')).to.have.length(1);
    expect(sets).to.have.length(1);
    expect(
      state.permissionSetAssignments.filter((a) => a.AssigneeId === user?.Id && a.PermissionSetId === sets[0].Id),
    ).to.have.length(1);
    const conflicts = runs.flatMap((r) =>
      ((r.json?.result as { retries?: Array<{ operation: string }> }).retries ?? []).filter((c) =>
        c.operation.includes('another run'),
      ),
    );
    process.stdout.write(
      `      four runs at once: 4 exited 0; ${conflicts.length} found a record another run had made and read it back as done\n`,
    );
    // The app works for the key every run used.
    const clientId = String(state.apps.find((a) => a.name === 'Busy_App')?.consumerKey);
    const login = await nut.sf([
      'org',
      'login',
      'jwt',
      '--username',
      username,
      '--client-id',
      clientId,
      '--jwt-key-file',
      join(secrets, 'server.key'),
      '--instance-url',
      nut.emu.url,
      '--json',
    ]);
    expect(login.status, login.stdout).to.equal(0);
  });
});
