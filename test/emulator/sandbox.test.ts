import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { FakeClock, startEmulator, type EmulatorState, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, assign, configureJwtApp, createUser, metadataOf, testKey } from '../helpers/org.js';
import { jwtLogin, type TokenAnswer } from '../helpers/token.js';
import type { KeyAndCertificate } from '../../src/certificate/generate.js';

const PROPAGATION_MS = 5 * 60_000;
const SANDBOX_LOGIN = 'https://test.salesforce.com';

const consumerKeyOf = (state: EmulatorState, name: string): string | undefined =>
  state.apps.find((a) => a.name === name)?.consumerKey;

/** What a sandbox create or refresh does to an org (docs/emulator.md, "Sandbox create and refresh"). */
describe("the emulator's sandbox refresh", () => {
  let clock: FakeClock;
  let production: RunningEmulator;
  let sandbox: RunningEmulator;
  let prodConn: Connection;
  let key: KeyAndCertificate;
  let ciUser: string;

  /** Every org a test starts is stopped after the tests, whatever they answered; `gone` stops one now. */
  const running = new Set<RunningEmulator>();
  const start = async (options: Parameters<typeof startEmulator>[0] = {}): Promise<RunningEmulator> => {
    const emu = await startEmulator({ propagationMs: PROPAGATION_MS, now: clock.now, ...options });
    running.add(emu);
    return emu;
  };
  const gone = async (emu: RunningEmulator): Promise<void> => {
    running.delete(emu);
    await emu.stop();
  };

  const login = (emu: RunningEmulator, iss: string, sub: string, host = emu.url): Promise<TokenAnswer> =>
    jwtLogin(host, { iss, sub, aud: SANDBOX_LOGIN, exp: Math.floor(clock.now() / 1000) + 120 }, key.privateKeyPem);

  /**
   * An External Client App created in three saves (header, OAuth settings, global OAuth settings) with the given
   * consumer key (and secret), as a restore deploys it: the global settings' save result.
   */
  const ecaWithKey = async (
    conn: Connection,
    name: string,
    credentials: { consumerKey: string; consumerSecret?: string },
  ): Promise<{ success: boolean; errors?: { statusCode: string } | Array<{ statusCode: string }> }> => {
    const api = metadataOf(conn);
    const header = { fullName: name, label: name, contactEmail: 'admin@example.com', distributionState: 'Local' };
    expect(((await api.create('ExternalClientApplication', header)) as { success: boolean }).success).to.equal(true);
    const oauth = { externalClientApplication: name, label: name };
    await api.create('ExtlClntAppOauthSettings', {
      fullName: `${name}_oauth`,
      ...oauth,
      commaSeparatedOauthScopes: 'Api',
    });
    return (await api.create('ExtlClntAppGlobalOauthSettings', {
      fullName: `${name}_glbloauth`,
      ...oauth,
      callbackUrl: 'http://localhost:1717/OauthRedirect',
      ...credentials,
      certificate: key.certificatePem,
    })) as { success: boolean; errors?: { statusCode: string } | Array<{ statusCode: string }> };
  };

  before(async () => {
    key = await testKey();
    clock = new FakeClock();
    production = await start({ allowConnectedAppCreation: true });
    sandbox = await start({ sandbox: true });
    prodConn = await adminConnection(production);
    ciUser = `ci@${production.ready.admin.username.split('@')[1]}`;
    await createUser(prodConn, { username: ciUser, profile: 'Standard User', lastName: 'CI', alias: 'ci' });
    await configureJwtApp(prodConn, { name: 'Prod_Eca', certificatePem: key.certificatePem, username: ciUser });
  });
  after(() => Promise.all([...running].map((emu) => gone(emu))));

  it('makes a new org of production: a new org Id, users suffixed with the sandbox name, emails made invalid', async () => {
    const before = await sandbox.state();
    const ready = await sandbox.refreshFrom(production, 'uat');
    const after = await sandbox.state();
    expect(after.orgId).to.not.equal(before.orgId);
    expect(ready.orgId).to.equal(after.orgId);
    expect(after.sandbox).to.equal(true);
    const prod = await production.state();
    expect(after.users.map((u) => u.Username)).to.deep.equal(prod.users.map((u) => `${u.Username}.uat`));
    expect(after.users.map((u) => u.Email)).to.deep.equal(prod.users.map((u) => `${u.Email}.invalid`));
    // The sandbox's own users are gone; record Ids are production's.
    expect(after.users.map((u) => u.Id)).to.deep.equal(prod.users.map((u) => u.Id));
    expect(ready.admin.username).to.equal(`${production.ready.admin.username}.uat`);
  });

  it("refuses the old org's sessions and answers the new admin's", async () => {
    const old = await start({ sandbox: true });
    const oldToken = old.ready.admin.accessToken;
    await old.refreshFrom(production, 'qa');
    const query = (token: string): Promise<Response> =>
      fetch(`${old.url}/services/data/v66.0/query?q=SELECT+Id+FROM+User`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await query(oldToken)).status).to.equal(401);
    expect((await query(old.ready.admin.accessToken)).status).to.equal(200);
  });

  it("copies production's permission sets, their grants and assignments, and its External Client App with a new consumer key", async () => {
    const prod = await production.state();
    const after = await sandbox.state();
    expect(after.permissionSets.map((p) => p.Name)).to.deep.equal(prod.permissionSets.map((p) => p.Name));
    expect(after.setupEntityAccess).to.deep.equal(prod.setupEntityAccess);
    expect(after.permissionSetAssignments).to.deep.equal(prod.permissionSetAssignments);
    const prodKey = consumerKeyOf(prod, 'Prod_Eca');
    const sandboxKey = consumerKeyOf(after, 'Prod_Eca');
    expect(sandboxKey).to.be.a('string').and.not.equal(prodKey);
    // Only after propagation does the token endpoint know the copy: a login right after the refresh waits (cli#1640).
    expect((await login(sandbox, String(sandboxKey), `${ciUser}.uat`)).body.error).to.equal('invalid_client_id');
    clock.advance(PROPAGATION_MS);
    expect((await login(sandbox, String(sandboxKey), `${ciUser}.uat`)).status).to.equal(200);
    // Production's key is not the sandbox copy's.
    expect((await login(sandbox, String(prodKey), `${ciUser}.uat`)).body.error).to.equal('invalid_client_id');
  });

  it("keeps a Connected App's consumer key and secret, so production's key logs in to the sandbox", async () => {
    const connected = await start({ allowConnectedAppCreation: true });
    const conn = await adminConnection(connected);
    const permissionSet = 'Cli_Access';
    await metadataOf(conn).create('PermissionSet', { fullName: permissionSet, label: 'CLI access' });
    await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Prod_Cli',
      label: 'Prod CLI',
      contactEmail: 'admin@example.com',
      oauthConfig: {
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        certificate: key.certificatePem,
        scopes: ['Api', 'RefreshToken'],
        isAdminApproved: true,
      },
      permissionSetName: [permissionSet],
    });
    await assign(conn, connected.ready.admin.username, permissionSet);
    const box = await start({ sandbox: true });
    await box.refreshFrom(connected, 'dev');
    clock.advance(PROPAGATION_MS);
    const prod = await connected.state();
    const after = await box.state();
    const prodApp = prod.apps.find((a) => a.name === 'Prod_Cli');
    const copy = after.apps.find((a) => a.name === 'Prod_Cli');
    expect(copy?.consumerKey).to.equal(prodApp?.consumerKey);
    expect(copy?.consumerSecret).to.equal(prodApp?.consumerSecret);
    // What `sf org create sandbox` does after the copy: the production login's client id, the sandbox username.
    const answer = await login(
      box,
      String(copy?.consumerKey),
      `${connected.ready.admin.username}.dev`,
      box.ready.loginUrl,
    );
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  });

  it("drops what was made in the sandbox, and frees its app's consumer key for a deploy after the refresh", async () => {
    const box = await start({ sandbox: true });
    const conn = await adminConnection(box);
    const sandboxUser = box.ready.integrationUser.username;
    const made = await configureJwtApp(conn, {
      name: 'Ci_App',
      certificatePem: key.certificatePem,
      username: sandboxUser,
    });
    // Held: no other org may take the key, production included.
    const duplicate = await ecaWithKey(prodConn, 'Taker', { consumerKey: made.consumerKey });
    expect(duplicate.success).to.equal(false);
    expect([duplicate.errors].flat().map((e) => e?.statusCode)).to.deep.equal(['DUPLICATE_VALUE']);

    await box.refreshFrom(production, 'ci');
    const after = await box.state();
    expect(after.externalClientApps.map((a) => a.fullName))
      .to.include('Prod_Eca')
      .and.not.include('Ci_App');
    expect(after.users.map((u) => u.Username)).to.not.include(sandboxUser);
    // The key the old sandbox held is free: the new copy takes it back, with the secret the pipeline kept.
    const restored = await ecaWithKey(await adminConnection(box), 'Ci_App', {
      consumerKey: made.consumerKey,
      consumerSecret: 'KeptSecret0123456789',
    });
    expect(restored.success).to.equal(true);
    const app = (await box.state()).apps.find((a) => a.name === 'Ci_App');
    expect(app?.consumerKey).to.equal(made.consumerKey);
    expect(app?.consumerSecret).to.equal('KeptSecret0123456789');
  });

  it('frees the consumer keys of an org that stops', async () => {
    const other = await start();
    const conn = await adminConnection(other);
    const app = await configureJwtApp(conn, { name: 'Gone_App', certificatePem: key.certificatePem });
    await gone(other);
    const box = await start();
    const saved = await ecaWithKey(await adminConnection(box), 'Back', { consumerKey: app.consumerKey });
    expect(saved.success).to.equal(true);
  });

  it('prefixes a copied username another org already holds, as Salesforce does', async () => {
    const second = await start({ sandbox: true });
    // The sandbox `uat` above holds `<user>.uat`: a second sandbox of that name gets `00x…<user>.uat`.
    await second.refreshFrom(production, 'uat');
    const names = (await second.state()).users.map((u) => u.Username);
    const prod = (await production.state()).users.map((u) => `${u.Username}.uat`);
    names.forEach((name, i) => {
      expect(name).to.match(/^00x[A-Za-z0-9_-]{4}/);
      expect(name.endsWith(prod[i])).to.equal(true);
    });
  });

  it('refuses a refresh it cannot do', async () => {
    const refresh = async (emu: RunningEmulator, body: object): Promise<number> =>
      (await fetch(`${emu.url}/__emulator/sandbox/refresh`, { method: 'POST', body: JSON.stringify(body) })).status;
    expect(await refresh(sandbox, { production: production.url, name: '1uat' })).to.equal(400);
    expect(await refresh(sandbox, { production: production.url, name: 'averylongname' })).to.equal(400);
    expect(await refresh(sandbox, { production: 'http://127.0.0.1:1', name: 'uat' })).to.equal(400);
    expect(await refresh(production, { production: sandbox.url, name: 'uat' })).to.equal(400);
  });
});
