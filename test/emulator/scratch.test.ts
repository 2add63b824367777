/* eslint-disable camelcase -- OAuth's form fields */
/* eslint-disable no-await-in-loop -- a signup is polled, as sfdx-core polls it */
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, metadataOf, testKey } from '../helpers/org.js';
import { postToken } from '../helpers/token.js';

const V = '/services/data/v68.0';
const CALLBACK = 'http://localhost:1717/OauthRedirect';

/** Scratch org signup on a Dev Hub (docs/emulator.md, "Scratch org signup"), over raw HTTP. */
describe("the emulator's scratch org signup", () => {
  let hub: RunningEmulator;
  let plain: RunningEmulator;

  const post = (emu: RunningEmulator, path: string, body: unknown): Promise<Response> =>
    fetch(`${emu.url}${V}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.ready.admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** Inserts a request and reads it back until its signup is done, as sfdx-core polls it. */
  const signup = async (fields: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await post(hub, '/sobjects/ScratchOrgInfo', { Edition: 'Developer', ...fields });
    expect(response.status, await response.clone().text()).to.equal(201);
    const { id } = (await response.json()) as { id: string };
    for (;;) {
      const record = (await (
        await fetch(`${hub.url}${V}/sobjects/ScratchOrgInfo/${id}`, {
          headers: { authorization: `Bearer ${hub.ready.admin.accessToken}` },
        })
      ).json()) as Record<string, unknown>;
      if (record.Status === 'Active' || record.Status === 'Error') return record;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    hub = await startEmulator({ devHub: true, allowConnectedAppCreation: true });
    plain = await startEmulator();
  });
  after(async () => {
    await hub.stop();
    await plain.stop();
  });

  it('refuses a consumer key without its callback URL, as forcedotcom/cli#3515 reports', async () => {
    const response = await post(hub, '/sobjects/ScratchOrgInfo', {
      Edition: 'Developer',
      ConnectedAppConsumerKey: 'PlatformCLI',
    });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.deep.equal([
      {
        message: 'Required fields are missing: [ConnectedAppCallbackUrl]',
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['ConnectedAppCallbackUrl'],
      },
    ]);
  });

  it('has no ScratchOrgInfo outside a Dev Hub', async () => {
    const response = await post(plain, '/sobjects/ScratchOrgInfo', {
      ConnectedAppConsumerKey: 'PlatformCLI',
      ConnectedAppCallbackUrl: CALLBACK,
    });
    expect(response.status).to.equal(404);
  });

  describe('with PlatformCLI', () => {
    let record: Record<string, unknown>;
    let scratchUrl: string;
    before(async () => {
      record = await signup({
        OrgName: 'Pipeline',
        ConnectedAppConsumerKey: 'PlatformCLI',
        ConnectedAppCallbackUrl: CALLBACK,
      });
      scratchUrl = String(record.LoginUrl);
    });

    it("goes Active with a real signup's fields: a new org at its own URL, its admin, a one-time AuthCode", () => {
      expect(record).to.include({
        Status: 'Active',
        ErrorCode: null,
        SignupInstance: 'USA260S',
        SignupTrialDays: 7,
        // No AdminEmail: the requesting user's email (the seeded admin's is its username).
        SignupEmail: hub.ready.admin.username,
        Release: 'Current',
        OrgName: 'Pipeline',
      });
      expect(String(record.SignupUsername)).to.match(/^test-[a-z0-9_-]+@example\.com$/);
      expect(String(record.ScratchOrg)).to.match(/^00D[A-Za-z0-9]{12}$/);
      expect(String(record.AuthCode)).to.match(/==$/);
      expect(scratchUrl)
        .to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
        .and.not.equal(hub.url);
      const expires = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      expect(record.ExpirationDate).to.equal(expires);
    });

    it("exchanges the code once, for PlatformCLI and the request's callback URL, and renews with the refresh token", async () => {
      const form = { grant_type: 'authorization_code', code: String(record.AuthCode), client_id: 'PlatformCLI' };
      const elsewhere = await postToken(scratchUrl, { ...form, redirect_uri: 'http://localhost:1718/OauthRedirect' });
      expect(elsewhere.body.error).to.equal('redirect_uri_mismatch');
      const withSecret = await postToken(scratchUrl, { ...form, redirect_uri: CALLBACK, client_secret: 'guessed' });
      expect(withSecret.body).to.include({ error: 'invalid_client' });

      const exchanged = await postToken(scratchUrl, { ...form, redirect_uri: CALLBACK });
      expect(exchanged.status, JSON.stringify(exchanged.body)).to.equal(200);
      expect(exchanged.body).to.include({ instance_url: scratchUrl, token_type: 'Bearer' });
      const userinfo = (await (
        await fetch(`${scratchUrl}/services/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${exchanged.body.access_token}` },
        })
      ).json()) as { preferred_username: string };
      expect(userinfo.preferred_username).to.equal(record.SignupUsername);
      // A scratch org as sfdx-core tells one: IsSandbox, with a trial end.
      const organization = (await (
        await fetch(
          `${scratchUrl}${V}/query?q=${encodeURIComponent('SELECT IsSandbox, TrialExpirationDate FROM Organization')}`,
          { headers: { authorization: `Bearer ${exchanged.body.access_token}` } },
        )
      ).json()) as { records: Array<{ IsSandbox: boolean; TrialExpirationDate: string }> };
      expect(organization.records[0].IsSandbox).to.equal(true);
      expect(organization.records[0].TrialExpirationDate).to.match(new RegExp(`^${String(record.ExpirationDate)}T`));

      const again = await postToken(scratchUrl, { ...form, redirect_uri: CALLBACK });
      expect(again.body).to.include({ error: 'invalid_grant', error_description: 'expired authorization code' });
      const renewed = await postToken(scratchUrl, {
        grant_type: 'refresh_token',
        refresh_token: exchanged.body.refresh_token,
        client_id: 'PlatformCLI',
      });
      expect(renewed.status).to.equal(200);
      expect(renewed.body.access_token).to.be.a('string').and.not.equal(exchanged.body.access_token);
    });

    it('fails a signup whose Username another org holds', async () => {
      const taken = await signup({
        Username: hub.ready.admin.username,
        ConnectedAppConsumerKey: 'PlatformCLI',
        ConnectedAppCallbackUrl: CALLBACK,
      });
      expect(taken).to.include({ Status: 'Error', ErrorCode: 'C-1007', LoginUrl: null, AuthCode: null });
    });
  });

  it("fails an External Client App's key with C-1016, and refuses a Connected App's, whose replication it does not model", async () => {
    const conn = await adminConnection(hub);
    const { certificatePem } = await testKey();
    const eca = await configureJwtApp(conn, { name: 'Hub_Eca', certificatePem });
    const failed = await signup({ ConnectedAppConsumerKey: eca.consumerKey, ConnectedAppCallbackUrl: CALLBACK });
    expect(failed).to.include({ Status: 'Error', ErrorCode: 'C-1016', AuthCode: null, LoginUrl: null });

    await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Hub_App',
      label: 'Hub App',
      contactEmail: 'admin@example.com',
      oauthConfig: { callbackUrl: CALLBACK, scopes: ['Api'], certificate: certificatePem },
    });
    const key = (await hub.state()).apps.find((a) => a.name === 'Hub_App')?.consumerKey;
    const response = await post(hub, '/sobjects/ScratchOrgInfo', {
      ConnectedAppConsumerKey: key,
      ConnectedAppCallbackUrl: CALLBACK,
    });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as Array<{ errorCode: string }>)[0].errorCode).to.equal('EMULATOR_NOT_MODELLED');
  });

  it('stops its scratch orgs when the Dev Hub stops', async () => {
    const other = await startEmulator({ devHub: true });
    const response = await post(other, '/sobjects/ScratchOrgInfo', {
      ConnectedAppConsumerKey: 'PlatformCLI',
      ConnectedAppCallbackUrl: CALLBACK,
    });
    const { id } = (await response.json()) as { id: string };
    let loginUrl: unknown = null;
    while (!loginUrl) {
      const record = (await (
        await fetch(`${other.url}${V}/sobjects/ScratchOrgInfo/${id}`, {
          headers: { authorization: `Bearer ${other.ready.admin.accessToken}` },
        })
      ).json()) as Record<string, unknown>;
      loginUrl = record.LoginUrl;
    }
    expect((await fetch(`${String(loginUrl)}/services/data`)).status).to.equal(200);
    await other.stop();
    const after = await fetch(`${String(loginUrl)}/services/data`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });
});
