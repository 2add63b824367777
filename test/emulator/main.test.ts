import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/sf.js';
import { adminConnection, metadataOf, testKey } from '../helpers/org.js';
import type { RunningEmulator } from '../helpers/emulator.js';
import { jwtClaims, signAssertion } from '../../src/oauth/jwt.js';
import type { ReadyLine, RequestLogEntry } from './server.js';

type Started = { child: ChildProcessByStdio<null, Readable, Readable>; ready: ReadyLine; lines: string[] };

/** The emulator as outside tooling starts it: the npm entry's program, one JSON line on stdout. */
const start = async (...args: string[]): Promise<Started> => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'test', 'emulator', 'main.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    reader.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)}`)));
  });
  reader.on('line', (l) => lines.push(l));
  return { child, ready: JSON.parse(first) as ReadyLine, lines };
};

const exitCode = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('npm run emulator (the contract)', () => {
  it('prints one JSON line with the instance, org, admin token and users, then serves until SIGTERM', async () => {
    const { child, ready, lines } = await start('--port', '0');
    try {
      expect(ready.instanceUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.orgId).to.match(/^00D[A-Za-z0-9]{15}$/);
      expect(ready.admin.username).to.match(/^admin@/);
      expect(ready.admin.accessToken).to.match(/^00D[A-Za-z0-9]{12}!/);
      expect(ready.integrationUser.username).to.match(/^integration@/);

      const state = (await (await fetch(`${ready.instanceUrl}/__emulator/state`)).json()) as {
        users: Array<{ Id: string; Username: string; IsActive: boolean; Profile: string }>;
        permissionSetAssignments: Array<{ AssigneeId: string }>;
        profiles: Array<{ Name: string }>;
        apps: unknown[];
        permissionSets: unknown[];
        setupEntityAccess: unknown[];
      };
      const integration = state.users.find((u) => u.Username === ready.integrationUser.username);
      expect(integration).to.include({ IsActive: true, Profile: 'Standard User' });
      expect(state.permissionSetAssignments.filter((a) => a.AssigneeId === integration?.Id)).to.deep.equal([]);
      expect(state.users.some((u) => !u.IsActive)).to.equal(true);
      expect(state.profiles.map((p) => p.Name)).to.include.members(['System Administrator', 'Standard User', 'Minimum Access - Salesforce']);
      expect(state).to.include.keys('apps', 'permissionSets', 'setupEntityAccess', 'permissionSetAssignments');

      await fetch(`${ready.instanceUrl}//services/data`);
      await fetch(`${ready.instanceUrl}/services/Soap/m/68.0`, { method: 'POST', body: '<Envelope><Body><readMetadata/></Body></Envelope>' });
      const log = (await (await fetch(`${ready.instanceUrl}/__emulator/requests`)).json()) as RequestLogEntry[];
      expect(log).to.deep.equal([
        { method: 'GET', path: '/services/data', soapOperation: null, status: 200 },
        { method: 'POST', path: '/services/Soap/m/68.0', soapOperation: 'readMetadata', status: 500 },
      ]);
      expect(lines).to.deep.equal([]);
    } finally {
      const exited = exitCode(child);
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
  });

  it('honours --propagation-ms, --allow-connected-app-creation, --sandbox and refuses bad numbers', async () => {
    const { child, ready } = await start('--propagation-ms', '1500', '--allow-connected-app-creation', '--sandbox');
    try {
      expect(ready.sandbox).to.equal(true);
      const emu = { url: ready.instanceUrl, ready } as unknown as RunningEmulator;
      const conn = await adminConnection(emu);
      const key = await testKey();
      const created = await metadataOf(conn).create('ConnectedApp', {
        fullName: 'Contract_App',
        label: 'Contract App',
        contactEmail: 'a@example.com',
        oauthConfig: { callbackUrl: 'http://localhost/cb', scopes: ['Api'], certificate: key.certificatePem, isAdminApproved: true },
        profileName: ['Standard User'],
      });
      expect(created).to.include({ success: true });
      const app = (await metadataOf(conn).read('ConnectedApp', 'Contract_App')) as { oauthConfig: { consumerKey: string } };
      const login = (): Promise<Response> =>
        fetch(`${ready.instanceUrl}/services/oauth2/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: signAssertion(jwtClaims(app.oauthConfig.consumerKey, ready.integrationUser.username, 'https://test.salesforce.com', Date.now()), createPrivateKey(key.privateKeyPem)),
          }),
        });
      expect(await (await login()).json()).to.deep.equal({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await login()).status).to.equal(200);
    } finally {
      const exited = exitCode(child);
      child.kill('SIGINT');
      expect(await exited).to.equal(0);
    }
    const bad = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'test', 'emulator', 'main.ts'), '--fault-rate', 'lots'], { stdio: 'ignore' });
    expect(await exitCode(bad)).to.equal(2);
  });
});
