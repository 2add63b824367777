import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/sf.js';
import { emulatorAt, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, metadataOf, testKey } from '../helpers/org.js';
import { jwtLogin, refusal } from '../helpers/token.js';
import type { ReadyLine } from './server.js';
import { OAUTH_ERRORS } from './oauth.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;
type Started = { child: Child; ready: ReadyLine; emu: RunningEmulator; laterLines: string[]; stderr: () => string };

const ENTRY = [
  join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
  join(REPO_ROOT, 'test', 'emulator', 'main.ts'),
];

/** What `npm run --silent emulator -- …` runs, without npm's own output around it. */
const spawnEntry = (args: string[]): Child =>
  spawn(process.execPath, [...ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

const exitOf = (child: Child): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** Starts the entry and reads its first stdout line, as tooling that depends on the contract does. */
const start = async (...args: string[]): Promise<Started> => {
  const child = spawnEntry(args);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const reader = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    reader.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`the emulator exited with ${String(code)} before it was ready: ${stderr}`)),
    );
  });
  const laterLines: string[] = [];
  reader.on('line', (line) => laterLines.push(line));
  const ready = JSON.parse(first) as ReadyLine;
  const emu = emulatorAt(ready, async (): Promise<void> => {
    child.kill('SIGTERM');
    await exitOf(child);
  });
  return { child, ready, emu, laterLines, stderr: () => stderr };
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const connectedApp = (fullName: string, certificatePem: string): Record<string, unknown> => ({
  fullName,
  label: fullName,
  contactEmail: 'admin@example.com',
  oauthConfig: {
    callbackUrl: 'http://localhost:1717/OauthRedirect',
    scopes: ['Api'],
    certificate: certificatePem,
    isAdminApproved: true,
  },
  profileName: ['Standard User'],
});

describe('npm run emulator: the contract other tooling depends on', () => {
  describe('started with --port 0 --propagation-ms 0', () => {
    let started: Started;

    before(async () => {
      started = await start('--port', '0', '--propagation-ms', '0');
    });
    after(async () => {
      if (started.child.exitCode === null) await started.emu.stop();
    });

    it('prints one JSON line with the instance URL, org Id, admin login and integration user when it is ready', async () => {
      const { ready } = started;
      expect(ready.instanceUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.orgId).to.match(/^00D[A-Za-z0-9]{15}$/);
      expect(ready.admin.username)
        .to.be.a('string')
        .and.match(/^admin@/);
      expect(ready.admin.accessToken).to.match(new RegExp(`^${ready.orgId.slice(0, 15)}!`));
      expect(ready.integrationUser.username).to.be.a('string').and.not.equal(ready.admin.username);
      const me = await fetch(`${ready.instanceUrl}/services/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${ready.admin.accessToken}` },
      });
      expect(me.status).to.equal(200);
      expect(await me.json()).to.include({ preferred_username: ready.admin.username, organization_id: ready.orgId });
      expect(started.laterLines).to.deep.equal([]);
    });

    it('shows a fresh org in /__emulator/state: no apps, an active integration user who is no admin and holds no permission set, an inactive user, the standard profiles', async () => {
      const state = await started.emu.state();
      expect(state).to.include.keys('apps', 'permissionSets', 'setupEntityAccess', 'permissionSetAssignments', 'users');
      expect(state.apps).to.deep.equal([]);
      expect(state.permissionSets).to.deep.equal([]);
      expect(state.setupEntityAccess).to.deep.equal([]);
      const integration = state.users.find((u) => u.Username === started.ready.integrationUser.username);
      expect(integration).to.include({ IsActive: true });
      expect(integration?.Profile).to.not.equal('System Administrator');
      expect(state.permissionSetAssignments.filter((a) => a.AssigneeId === integration?.Id)).to.deep.equal([]);
      expect(state.users.find((u) => u.Username === started.ready.admin.username)).to.include({
        IsActive: true,
        Profile: 'System Administrator',
      });
      expect(state.users.filter((u) => !u.IsActive).map((u) => u.Username)).to.deep.equal([
        started.ready.inactiveUser.username,
      ]);
      const profiles = state.profiles.map((p) => p.Name);
      expect(profiles).to.include.members(['System Administrator', 'Standard User', 'Minimum Access - Salesforce']);
    });

    it('logs each API call as host, method, path, SOAP operation, status and the latency played, leaves /__emulator/ calls out, and forgets on DELETE', async () => {
      await started.emu.clearRequests();
      const url = started.ready.instanceUrl;
      await fetch(`${url}//services/data`);
      await fetch(`${url}/services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><readMetadata xmlns="http://soap.sforce.com/2006/04/metadata"/></Body></Envelope>',
      });
      // At the generic login host's name: the log says which host a request was sent to.
      await fetch(`${started.ready.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password' }),
      });
      await fetch(`${url}/services/data/v68.0/query?q=SELECT+Id+FROM+User`);
      await started.emu.state();
      const before = Date.now();
      const log = await started.emu.requests();
      // Each answer's time, in order, none in the future: what a benchmark reads to time a run's phases.
      const times = log.map((r) => r.answeredAt);
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
      expect(Math.max(...times)).to.be.at.most(before);
      expect(
        log.map((r) => ({
          host: r.host,
          method: r.method,
          path: r.path,
          soapOperation: r.soapOperation,
          status: r.status,
          latencyMs: r.latencyMs,
        })),
      ).to.deep.equal([
        { host: '127.0.0.1', method: 'GET', path: '/services/data', soapOperation: null, status: 200, latencyMs: 0 },
        {
          host: '127.0.0.1',
          method: 'POST',
          path: '/services/Soap/m/68.0',
          soapOperation: 'readMetadata',
          status: 500,
          latencyMs: 0,
        },
        {
          host: 'localhost',
          method: 'POST',
          path: '/services/oauth2/token',
          soapOperation: null,
          status: 400,
          latencyMs: 0,
        },
        {
          host: '127.0.0.1',
          method: 'GET',
          path: '/services/data/v68.0/query',
          soapOperation: null,
          status: 401,
          latencyMs: 0,
        },
      ]);
      await started.emu.clearRequests();
      expect(await started.emu.requests()).to.deep.equal([]);
    });

    it('logs in with the JWT bearer flow at once when --propagation-ms is 0', async () => {
      const conn = await adminConnection(started.emu);
      const key = await testKey();
      const app = await configureJwtApp(conn, {
        name: 'Contract_Now',
        certificatePem: key.certificatePem,
        username: started.ready.integrationUser.username,
      });
      const answer = await jwtLogin(
        started.ready.instanceUrl,
        {
          iss: app.consumerKey,
          sub: started.ready.integrationUser.username,
          aud: 'https://login.salesforce.com',
          exp: Math.floor(Date.now() / 1000) + 120,
        },
        key.privateKeyPem,
      );
      expect(answer.status).to.equal(200);
    });

    it('refuses to create a Connected App without --allow-connected-app-creation', async () => {
      const result = (await metadataOf(await adminConnection(started.emu)).create(
        'ConnectedApp',
        connectedApp('Contract_Blocked', (await testKey()).certificatePem),
      )) as {
        success: boolean;
        errors: Array<{ statusCode: string }>;
      };
      expect(result.success).to.equal(false);
      expect(result.errors[0].statusCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
      expect((await started.emu.state()).connectedApps).to.deep.equal([]);
    });

    it('exits with code 0 on SIGTERM', async () => {
      started.child.kill('SIGTERM');
      expect(await exitOf(started.child)).to.equal(0);
      await refusal(fetch(`${started.ready.instanceUrl}/services/data`));
    });
  });

  describe('started with --port N --propagation-ms 1000 --allow-connected-app-creation --sandbox --consumer-secret-api-access', () => {
    let started: Started;
    let port: number;

    before(async () => {
      port = await freePort();
      started = await start(
        '--port',
        String(port),
        '--propagation-ms',
        '1000',
        '--allow-connected-app-creation',
        '--sandbox',
        '--consumer-secret-api-access',
      );
    });
    after(async () => {
      if (started.child.exitCode === null) await started.emu.stop();
    });

    it('listens on the port it was given and says it is a sandbox', () => {
      expect(started.ready.instanceUrl).to.equal(`http://127.0.0.1:${port}`);
      expect(started.ready.sandbox).to.equal(true);
    });

    it('creates a Connected App, which the token endpoint refuses as unknown until the propagation time has passed', async () => {
      const key = await testKey();
      const conn = await adminConnection(started.emu);
      expect(
        await metadataOf(conn).create('ConnectedApp', connectedApp('Contract_Later', key.certificatePem)),
      ).to.include({ success: true });
      const { oauthConfig } = (await metadataOf(conn).read('ConnectedApp', 'Contract_Later')) as {
        oauthConfig: { consumerKey: string };
      };
      const login = (): ReturnType<typeof jwtLogin> =>
        jwtLogin(
          started.ready.instanceUrl,
          {
            iss: oauthConfig.consumerKey,
            sub: started.ready.integrationUser.username,
            aud: 'https://test.salesforce.com',
            exp: Math.floor(Date.now() / 1000) + 120,
          },
          key.privateKeyPem,
        );
      expect((await login()).body).to.deep.equal(OAUTH_ERRORS.invalidClientId);
      await sleep(1100);
      const granted = await login();
      expect(granted.status, JSON.stringify(granted.body)).to.equal(200);
    });

    it('starts with the org setting for consumer secrets on', async () => {
      const settings = await metadataOf(await adminConnection(started.emu)).read(
        'ExternalClientAppSettings',
        'ExternalClientApp',
      );
      expect(settings).to.include({ enableConsumerSecretApiAccess: 'true' });
    });

    it('exits with code 0 on SIGINT', async () => {
      started.child.kill('SIGINT');
      expect(await exitOf(started.child)).to.equal(0);
    });
  });

  describe('started with --fault-rate 0.5 --fault-seed 3', () => {
    let started: Started;

    before(async () => {
      started = await start('--fault-rate', '0.5', '--fault-seed', '3');
    });
    after(() => started.emu.stop());

    it('fails API calls in the sequence the seed fixes, and never the token endpoint', async () => {
      const statuses = async (url: string): Promise<number[]> => {
        const seen: number[] = [];
        for (let i = 0; i < 16; i++) {
          // One at a time: the seed fixes the order of faults, so the calls must arrive in order.
          // eslint-disable-next-line no-await-in-loop
          seen.push(
            // eslint-disable-next-line no-await-in-loop
            await fetch(`${url}/services/data`).then(
              (r) => r.status,
              () => 0,
            ),
          );
        }
        return seen;
      };
      const fromEntry = await statuses(started.ready.instanceUrl);
      const inProcess = await startEmulator({ faultRate: 0.5, faultSeed: 3 });
      try {
        expect(fromEntry).to.deep.equal(await statuses(inProcess.url));
      } finally {
        await inProcess.stop();
      }
      expect(fromEntry).to.include(200);
      expect(fromEntry.filter((s) => s !== 200)).to.not.deep.equal([]);
      const tokenAnswers = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${started.ready.instanceUrl}/services/oauth2/token`, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'password' }),
          }).then((r) => r.status),
        ),
      );
      expect(tokenAnswers).to.deep.equal(Array.from({ length: 8 }, () => 400));
    });
  });

  describe('started with --latency-ms 30 --metadata-latency-ms 70', () => {
    let started: Started;

    before(async () => {
      started = await start('--latency-ms', '30', '--metadata-latency-ms', '70');
    });
    after(() => started.emu.stop());

    it('holds REST and OAuth answers 30 ms and SOAP answers 70 ms, and says so in the request log', async () => {
      const url = started.ready.instanceUrl;
      await started.emu.clearRequests();
      await fetch(`${url}/services/data`);
      await fetch(`${url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password' }),
      });
      await fetch(`${url}/services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<Envelope/>',
      });
      expect((await started.emu.requests()).map((r) => r.latencyMs)).to.deep.equal([30, 30, 70]);
    });
  });

  it('exits with code 2 and says why when a number flag is not a number, or a fault rate is above 1', async () => {
    const refused = async (args: string[]): Promise<{ code: number | null; stderr: string }> => {
      const child = spawnEntry(args);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // 'close', not 'exit': stderr is read to its end only by then.
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, stderr };
    };
    expect(await refused(['--propagation-ms', 'soon'])).to.deep.equal({
      code: 2,
      stderr: '--propagation-ms must be a non-negative number, got soon\n',
    });
    expect(await refused(['--fault-rate', '2'])).to.deep.equal({
      code: 2,
      stderr: '--fault-rate must be a number from 0 to 1, got 2\n',
    });
  });
});
