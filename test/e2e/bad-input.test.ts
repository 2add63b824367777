import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SfCommand } from '@salesforce/sf-plugins-core';
import CredentialsRotate from '../../src/commands/jwtapp/credentials/rotate.js';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import Verify from '../../src/commands/jwtapp/verify.js';
import Token from '../../src/commands/jwtapp/token.js';
import Audit from '../../src/commands/jwtapp/audit.js';
import CertGenerate from '../../src/commands/jwtapp/cert/generate.js';
import CertRotate from '../../src/commands/jwtapp/cert/rotate.js';
import Unblock from '../../src/commands/jwtapp/unblock.js';
import Block from '../../src/commands/jwtapp/block.js';
import UserCreate from '../../src/commands/jwtapp/user/create.js';
import { BAD_INPUTS, type BadInput, type BadInputContext, type FixtureName } from '../bad-input/cases.js';
import { orgOf, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  configureJwtApp,
  createUser,
  metadataOf,
  otherKey,
  storeAdminLogin,
  storeLogin,
  testKey,
} from '../helpers/org.js';
import { runCommand } from '../helpers/command.js';
import { jwtLogin } from '../helpers/token.js';
import { refusedCertificate } from '../helpers/certificates.js';
import PasswordFlowReport from '../../src/commands/jwtapp/password-flow/report.js';
import PasswordFlowBlock from '../../src/commands/jwtapp/password-flow/block.js';
import PasswordFlowAllow from '../../src/commands/jwtapp/password-flow/allow.js';
import { tempDir } from '../helpers/temp.js';
import { withFakeClock } from '../helpers/time.js';
import { EXIT_CODES } from '../../src/exit-codes.js';

type AnyCommand = Parameters<typeof runCommand>[0] & (abstract new (...args: never[]) => SfCommand<unknown>);
const COMMANDS: Record<BadInput['command'], AnyCommand> = {
  setup: Setup as AnyCommand,
  verify: Verify as AnyCommand,
  token: Token as AnyCommand,
  audit: Audit as AnyCommand,
  'cert generate': CertGenerate as AnyCommand,
  'cert rotate': CertRotate as AnyCommand,
  block: Block as AnyCommand,
  unblock: Unblock as AnyCommand,
  'user create': UserCreate as AnyCommand,
  'password-flow report': PasswordFlowReport as AnyCommand,
  'password-flow block': PasswordFlowBlock as AnyCommand,
  'password-flow allow': PasswordFlowAllow as AnyCommand,
  'credentials rotate': CredentialsRotate as AnyCommand,
};

const fixtures = async (dir: string): Promise<Record<FixtureName, string>> => {
  const file = async (name: string, text: string | Buffer, mode = 0o600): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text, { mode });
    return path;
  };
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const directory = join(dir, 'a-directory');
  await mkdir(directory);
  const readOnlyDir = join(dir, 'read-only');
  await mkdir(readOnlyDir);
  await chmod(readOnlyDir, 0o555);
  const sharedDir = join(dir, 'shared');
  await mkdir(sharedDir);
  await chmod(sharedDir, 0o777);
  return {
    directory,
    empty: await file('empty.key', ''),
    encrypted: await file(
      'encrypted.key',
      rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }),
    ),
    ecKey: await file('ec.key', ec.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    smallKey: await file('small.key', rsa1024.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    certificate: await file('server.crt', (await testKey()).certificatePem, 0o644),
    derKey: await file('der.key', rsa2048.privateKey.export({ type: 'pkcs8', format: 'der' })),
    publicKey: await file('public.pem', rsa2048.publicKey.export({ type: 'spki', format: 'pem' }), 0o644),
    otherKey: await file('other.key', (await otherKey()).privateKeyPem),
    unwritableDir: join(dir, 'empty.key', 'certs'),
    readOnlyDir,
    foreignEnvFile: await file('.env', 'DATABASE_URL=postgres://localhost/app\nSTRIPE_KEY=sk_test_123\n'),
    staleEnvFile: await file(
      '.env.jwt',
      '# Written by sf jwtapp setup. Keep this file out of version control.\nSF_USERNAME=someone@example.com\nSF_CLIENT_ID=3MVG9AnotherAppsKey\n',
    ),
    ecCertificate: await file('ec.crt', await refusedCertificate('ec'), 0o644),
    smallCertificate: await file('small.crt', await refusedCertificate('rsa1024'), 0o644),
    sha1Certificate: await file('sha1.crt', await refusedCertificate('sha1'), 0o644),
    futureCertificate: await file('future.crt', await refusedCertificate('future'), 0o644),
    sharedDir,
  };
};

/**
 * Runs `work` with the effective ids of `nobody` when the tests run as root, whom no file mode stops: a
 * read-only folder is read-only only to someone else. Set back whatever happens.
 */
const unprivileged = async <T>(row: BadInput, work: () => Promise<T>): Promise<T> => {
  if (!row.unprivileged || process.getuid?.() !== 0) return work();
  process.setegid?.(65_534);
  process.seteuid?.(65_534);
  try {
    return await work();
  } finally {
    process.seteuid?.(0);
    process.setegid?.(0);
  }
};

/**
 * An outage row (every call answered 503) runs on a clock whose pauses take no time: the command retries as it
 * would against a real outage, its backoff advancing the clock rather than the test's wall time.
 */
const outageTime = <T>(row: BadInput, run: () => Promise<T>): Promise<T> =>
  row.network?.status === 503 ? withFakeClock(run) : run();

/**
 * Every row of the bad-input table (`docs/bad-input.md`): the named error, an action, the exit code, no stack
 * trace in the human output, and the org unchanged — read back from the emulator, not only from its log.
 */
describe(`bad input: ${BAD_INPUTS.length} rows, each a named error with what to do, and nothing changed`, () => {
  let emu: RunningEmulator;
  let ctx: BadInputContext;

  before(async () => {
    emu = await startEmulator();
    await storeAdminLogin(emu, 'emu-bad-admin');
    const integration = emu.ready.integrationUser.username;
    const keyDir = await tempDir('jwtapp-bad-input-');
    const made = await runCommand<SetupResult>(Setup, [
      '--target-org',
      'emu-bad-admin',
      '--name',
      'Bad_Input_App',
      '--username',
      integration,
      '--output-dir',
      keyDir,
      '--json',
    ]);
    expect(made.exitCode, made.stdout).to.equal(0);
    const clientId = String(made.json?.result?.clientId);
    const granted = await jwtLogin(
      emu.url,
      { iss: clientId, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
      await readFile(join(keyDir, 'server.key'), 'utf8'),
    );
    await storeLogin(emu, granted.body.access_token, 'emu-bad-nonadmin');
    // Another admin's session, stored by sf and then timed out by the org (sf keys logins by username).
    const conn = await adminConnection(emu);
    const second = `second-admin@${integration.split('@')[1]}`;
    const secondId = await createUser(conn, {
      username: second,
      profile: 'System Administrator',
      lastName: 'Admin',
      alias: 'admin2',
    });
    const setId = (
      await conn.singleRecordQuery<{ Id: string }>("SELECT Id FROM PermissionSet WHERE Name = 'Bad_Input_App_Access'")
    ).Id;
    // A user who may not use the API: their profile lacks "API Enabled"; the app is granted to them.
    const noApi = `no-api@${integration.split('@')[1]}`;
    const noApiId = await createUser(conn, {
      username: noApi,
      profile: 'Standard User (No API)',
      lastName: 'NoApi',
      alias: 'noapi',
    });
    for (const assignee of [secondId, noApiId]) {
      // eslint-disable-next-line no-await-in-loop
      await conn.sobject('PermissionSetAssignment').create({ AssigneeId: assignee, PermissionSetId: setId });
    }
    const secondLogin = await jwtLogin(
      emu.url,
      { iss: clientId, sub: second, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
      await readFile(join(keyDir, 'server.key'), 'utf8'),
    );
    await storeLogin(emu, secondLogin.body.access_token, 'emu-bad-expired');
    await emu.expireSession(secondLogin.body.access_token);
    // A set an admin made for something else, and an app an admin blocked.
    const foreign = await metadataOf(conn).create('PermissionSet', {
      fullName: 'Payroll_Admin',
      label: 'Payroll admin - do not assign',
      userPermissions: [{ enabled: true, name: 'ModifyAllData' }],
    });
    expect(foreign).to.include({ success: true });
    await configureJwtApp(conn, {
      name: 'Bad_Blocked_App',
      certificatePem: await readFile(join(keyDir, 'server.crt'), 'utf8'),
      username: integration,
      enabled: false,
    });
    ctx = {
      admin: 'emu-bad-admin',
      nonAdmin: 'emu-bad-nonadmin',
      expired: 'emu-bad-expired',
      integration,
      inactive: String((await emu.state()).users.find((u) => !u.IsActive)?.Username),
      noApi,
      instanceUrl: emu.url,
      app: 'Bad_Input_App',
      clientId,
      blockedApp: 'Bad_Blocked_App',
      foreignPermissionSet: 'Payroll_Admin',
      keyDir,
      files: await fixtures(await tempDir('jwtapp-bad-files-')),
    };
    delete process.env.JWTAPP_EMPTY_VARIABLE;
  });
  after(() => emu.stop());

  for (const row of BAD_INPUTS) {
    it(`${row.id} ${row.shown}: ${row.name}, exit ${row.exitCode}`, async () => {
      const before = orgOf(await emu.state());
      const command = COMMANDS[row.command];
      const answering = async (): Promise<void> =>
        row.network ? emu.answerNext({ ...row.network, count: -1 }) : undefined;
      const stopAnswering = async (): Promise<void> =>
        row.network ? emu.answerNext({ status: 200, count: 0 }) : undefined;
      Object.assign(process.env, row.env);
      await answering();
      const json = await unprivileged(row, () =>
        outageTime(row, () => runCommand(command, [...row.args(ctx), '--json'])),
      ).finally(() => Object.keys(row.env ?? {}).forEach((name) => delete process.env[name]));
      await stopAnswering();
      expect({ name: json.json?.name, exitCode: json.exitCode }, json.stdout).to.deep.equal({
        name: row.name,
        exitCode: row.exitCode,
      });
      const text = `${json.json?.message ?? ''} ${(json.json?.actions ?? []).join(' ')}`;
      expect(text.toLowerCase(), json.stdout).to.include(row.says.toLowerCase());
      Object.assign(process.env, row.env);
      await answering();
      const human = await unprivileged(row, () => outageTime(row, () => runCommand(command, row.args(ctx)))).finally(
        () => Object.keys(row.env ?? {}).forEach((name) => delete process.env[name]),
      );
      await stopAnswering();
      expect(human.exitCode).to.equal(row.exitCode);
      expect(`${human.stdout}${human.stderr}`, 'a stack trace').not.to.match(/\n\s+at .+:\d+:\d+\)?\n/);
      expect(orgOf(await emu.state()), 'the org changed').to.deep.equal(before);
    });
  }
});

/**
 * What each command's help promises (its EXIT CODES section) against what the table makes it do: every code
 * listed is one a row exits with (0 is each command's success, asserted in its own end-to-end test), and no row
 * exits with a code its command does not list. As plugin-deploy-retrieve's errorCodes.test.ts, with the codes
 * shown to happen.
 */
describe('the exit codes each command lists in its help', () => {
  it('are exactly 0 and the codes its bad-input rows exit with', () => {
    const listed = Object.fromEntries(
      Object.entries(COMMANDS).map(([id, command]) => {
        const section = (command as unknown as { errorCodes?: { body: Array<{ name: string }> } }).errorCodes;
        return [id, (section?.body ?? []).map((b) => Number(b.name))];
      }),
    );
    const exercised = Object.fromEntries(
      Object.keys(COMMANDS).map((id) => [
        id,
        [EXIT_CODES.ok, ...new Set(BAD_INPUTS.filter((row) => row.command === id).map((row) => row.exitCode))].sort(
          (a, b) => a - b,
        ),
      ]),
    );
    expect(listed).to.deep.equal(exercised);
  });
});
