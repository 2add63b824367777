import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, metadataOf, testKey } from '../helpers/org.js';

type TokenAnswer = { status: number; body: Record<string, string> };
type LoginRow = { UserId: string; LoginType: string; LoginSubType: string | null; Status: string; Application: string };

/**
 * The username-password flow as the emulator answers it (docs/research/password-flow.md): blocked by the org
 * setting unless "Allow OAuth Username-Password Flows" is on, the password with the security token appended,
 * and every attempt in LoginHistory with the fields and filter rules the object reference gives.
 */
describe("the emulator's username-password flow and LoginHistory", () => {
  let emu: RunningEmulator;
  let conn: Connection;
  let consumerKey: string;
  let consumerSecret: string;
  let user: string;
  let token: string;

  const passwordLogin = async (fields: Record<string, string>): Promise<TokenAnswer> => {
    const response = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: consumerKey,
        client_secret: consumerSecret,
        username: user,
        ...fields,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const setBlocked = async (blocked: boolean): Promise<void> => {
    const saved = (await metadataOf(conn).update('OauthOidcSettings', {
      fullName: 'OauthOidc',
      blockOAuthUnPwFlow: blocked,
    })) as { success: boolean };
    expect(saved.success).to.equal(true);
  };
  const history = async (where = ''): Promise<LoginRow[]> =>
    (
      await conn.query<LoginRow>(
        `SELECT UserId, LoginType, LoginSubType, Status, Application FROM LoginHistory ${where} ORDER BY LoginTime DESC`,
      )
    ).records;

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true });
    conn = await adminConnection(emu);
    user = emu.ready.integrationUser.username;
    const created = (await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Legacy_Sync',
      label: 'Legacy Sync',
      contactEmail: 'admin@example.com',
      oauthConfig: { callbackUrl: 'http://localhost:1717/OauthRedirect', scopes: ['Api'] },
    })) as { success: boolean };
    expect(created.success).to.equal(true);
    const app = (await emu.state()).apps.find((a) => a.name === 'Legacy_Sync');
    consumerKey = String(app?.consumerKey);
    consumerSecret = String(app?.consumerSecret);
    const set = await fetch(`${emu.url}/__emulator/users/password`, {
      method: 'POST',
      body: JSON.stringify({ username: user, password: 'Correct-Horse-1' }),
    });
    token = ((await set.json()) as { securityToken: string }).securityToken;
  });
  after(() => emu.stop());

  it('blocks the flow in a new org, answering as for a wrong password; Login History tells them apart', async () => {
    expect(await metadataOf(conn).read('OauthOidcSettings', 'OauthOidc'), 'a new org blocks the flow').to.deep.include({
      blockOAuthUnPwFlow: 'true',
    });
    const blocked = await passwordLogin({ password: `Correct-Horse-1${token}` });
    expect(blocked).to.deep.equal({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authentication failure' },
    });
    const [row] = await history();
    expect(row).to.deep.include({
      LoginType: 'Remote Access 2.0',
      LoginSubType: 'OAuth Username-Password',
      Status: 'Username-Password Flow Disabled',
      Application: 'Legacy Sync',
    });
  });

  it('logs in once the setting allows the flow, with the security token appended to the password, and records it', async () => {
    await setBlocked(false);
    expect(await metadataOf(conn).read('OauthOidcSettings', 'OauthOidc')).to.deep.include({
      blockOAuthUnPwFlow: 'false',
    });
    const wrong = await passwordLogin({ password: 'Correct-Horse-1' });
    expect(wrong.body).to.deep.equal({ error: 'invalid_grant', error_description: 'authentication failure' });
    const ok = await passwordLogin({ password: `Correct-Horse-1${token}` });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.have.property('access_token');
    expect(ok.body).not.to.have.property('refresh_token');
    expect((await history()).slice(0, 2).map((r) => r.Status)).to.deep.equal(['Success', 'Invalid Password']);
  });

  it('never runs the flow through an External Client App: "Username-Password Flow Disabled", the setting allowing it', async () => {
    const { certificatePem } = await testKey();
    const eca = await configureJwtApp(conn, { name: 'Modern_Sync', certificatePem, username: user });
    const secret = String((await emu.state()).apps.find((a) => a.consumerKey === eca.consumerKey)?.consumerSecret);
    const answer = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: eca.consumerKey,
        client_secret: secret,
        username: user,
        password: `Correct-Horse-1${token}`,
      }),
    });
    expect({ status: answer.status, body: await answer.json() }).to.deep.equal({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authentication failure' },
    });
    expect((await history())[0]).to.deep.include({
      Status: 'Username-Password Flow Disabled',
      Application: 'Modern_Sync',
    });
    await setBlocked(true);
  });

  it('filters LoginHistory only on the fields Salesforce lets a query filter on, LoginTime with date literals', async () => {
    const recent = await history("WHERE LoginTime = LAST_N_DAYS:30 AND LoginType = 'Remote Access 2.0'");
    expect(recent.length).to.be.at.least(3);
    const since = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(await history(`WHERE LoginTime > ${since}`)).to.deep.equal([]);
    const refused = async (where: string): Promise<string> =>
      history(where).then(
        () => 'accepted',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    expect(await refused("WHERE Status = 'Success'")).to.match(
      /^INVALID_FIELD: [\s\S]*field 'Status' can not be filtered in query call$/,
    );
    expect(await refused(`WHERE LoginTime > '${since}'`)).to.match(
      /^INVALID_FIELD: [\s\S]*value of filter criterion for field 'LoginTime' must be of type dateTime and should not be enclosed in quotes$/,
    );
  });
});
