import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  assign,
  configureJwtApp,
  connectionFor,
  metadataOf,
  otherKey,
  testKey,
  type JwtAppFixture,
} from '../helpers/org.js';
import { jwtLogin, postToken, refusal, signJwt, JWT_BEARER_GRANT, type TokenAnswer } from '../helpers/token.js';
import type { KeyAndCertificate } from '../../src/certificate/generate.js';
import { OAUTH_ERRORS } from './oauth.js';

const PROPAGATION_MS = 5 * 60_000;
const PRODUCTION_LOGIN = 'https://login.salesforce.com';
const SANDBOX_LOGIN = 'https://test.salesforce.com';

type OAuthError = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS];

/** Salesforce answers every token endpoint refusal with HTTP 400 and an `error` / `error_description` pair. */
const expectRefused = (answer: TokenAnswer, error: OAuthError): void => {
  expect(answer).to.deep.equal({ status: 400, body: error });
};

const restGet = (emu: RunningEmulator, path: string, token?: string): Promise<Response> =>
  fetch(`${emu.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

const SESSION_INVALID = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

describe("the emulator's token endpoint and sessions", () => {
  let clock: FakeClock;
  let emu: RunningEmulator;
  let conn: Connection;
  let key: KeyAndCertificate;
  let wrongKey: KeyAndCertificate;
  let integration: string;
  let app: JwtAppFixture;

  /** Creates an app through the Metadata API and lets it reach the token endpoint. */
  const propagated = async <T>(setup: Promise<T>): Promise<T> => {
    const result = await setup;
    clock.advance(PROPAGATION_MS);
    return result;
  };

  before(async () => {
    key = await testKey();
    wrongKey = await otherKey();
    // Made after the certificate: a clock behind its notBefore would make every signature fail.
    clock = new FakeClock();
    emu = await startEmulator({ allowConnectedAppCreation: true, propagationMs: PROPAGATION_MS, now: clock.now });
    conn = await adminConnection(emu);
    integration = emu.ready.integrationUser.username;
    app = await propagated(
      configureJwtApp(conn, { name: 'Oauth_App', certificatePem: key.certificatePem, username: integration }),
    );
  });
  after(() => emu.stop());

  const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    iss: app.consumerKey,
    sub: integration,
    aud: PRODUCTION_LOGIN,
    exp: Math.floor(clock.now() / 1000) + 120,
    ...overrides,
  });
  const login = (overrides: Record<string, unknown> = {}, privateKeyPem = key.privateKeyPem): Promise<TokenAnswer> =>
    jwtLogin(emu.url, claims(overrides), privateKeyPem);

  describe('sessions', () => {
    it('answers REST calls without a token, or with one it did not issue, 401 INVALID_SESSION_ID "Session expired or invalid"', async () => {
      for (const path of [
        '/services/data/v68.0/query?q=SELECT+Id+FROM+User',
        '/services/data/v68.0/tooling/query?q=SELECT+Id+FROM+SandboxProcess',
        '/services/data/v68.0/sobjects/User/005000000000000AAA',
        '/services/oauth2/userinfo',
      ]) {
        for (const token of [undefined, 'not-a-token', `${emu.ready.orgId.slice(0, 15)}!AQforged`]) {
          // eslint-disable-next-line no-await-in-loop
          const response = await restGet(emu, path, token);
          expect(response.status, `${path} with ${String(token)}`).to.equal(401);
          // eslint-disable-next-line no-await-in-loop
          expect(await response.json()).to.deep.equal(SESSION_INVALID);
        }
      }
    });

    it('answers a Metadata API call with a session it did not issue with an INVALID_SESSION_ID fault', async () => {
      const forged = await adminConnection(emu);
      forged.accessToken = `${emu.ready.orgId.slice(0, 15)}!AQforged`;
      const error = await refusal(metadataOf(forged).read('PermissionSet', 'Oauth_App_Access'));
      expect(error.name).to.equal('sf:INVALID_SESSION_ID');
      expect(error.message).to.equal('INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session');
    });

    it('answers a SOAP request without a session header with an INVALID_SESSION_ID fault and HTTP 500', async () => {
      const response = await fetch(`${emu.url}/services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><listMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><queries><type>PermissionSet</type></queries></listMetadata></soapenv:Body></soapenv:Envelope>',
      });
      expect(response.status).to.equal(500);
      expect(await response.text()).to.include('<faultcode>sf:INVALID_SESSION_ID</faultcode>');
    });

    it('ends the sessions of a user who is deactivated', async () => {
      const granted = await login();
      expect(
        (await restGet(emu, '/services/data/v68.0/query?q=SELECT+Id+FROM+Organization', granted.body.access_token))
          .status,
      ).to.equal(200);
      // No API here deactivates users; Setup would, so the test reaches into the org as Setup does.
      const user = emu.emulator.org.findUserByUsername(integration);
      if (!user) throw new Error('no integration user');
      user.IsActive = false;
      try {
        const response = await restGet(
          emu,
          '/services/data/v68.0/query?q=SELECT+Id+FROM+Organization',
          granted.body.access_token,
        );
        expect(response.status).to.equal(401);
        expect(await response.json()).to.deep.equal(SESSION_INVALID);
      } finally {
        user.IsActive = true;
      }
    });
  });

  describe('the JWT bearer flow', () => {
    it("answers an External Client App's JWT at the generic login host with app_not_found, and at the My Domain with a token", async () => {
      expectRefused(await jwtLogin(emu.ready.loginUrl, claims(), key.privateKeyPem), OAUTH_ERRORS.appNotFound);
      expect((await login()).status).to.equal(200);
    });

    it('grants a pre-authorized user an access token, the instance URL, the identity URL and the token type', async () => {
      const granted = await login();
      expect(granted.status).to.equal(200);
      const userId = (await emu.state()).users.find((u) => u.Username === integration)?.Id;
      expect(granted.body).to.include({
        instance_url: emu.url,
        id: `${emu.url}/id/${emu.ready.orgId}/${String(userId)}`,
        token_type: 'Bearer',
        scope: 'api refresh_token',
      });
      expect(granted.body.access_token).to.match(new RegExp(`^${emu.ready.orgId.slice(0, 15)}!`));
    });

    it('grants a token the REST API takes, as the user it was issued to', async () => {
      const granted = await login();
      const asUser = await connectionFor(emu, granted.body.access_token);
      const me = await asUser.query<{ Username: string }>(
        `SELECT Username FROM User WHERE Username = '${integration}'`,
      );
      expect(me.records.map((r) => r.Username)).to.deep.equal([integration]);
      const info = await restGet(emu, '/services/oauth2/userinfo', granted.body.access_token);
      expect(await info.json()).to.include({ preferred_username: integration, organization_id: emu.ready.orgId });
    });

    it('refuses an assertion signed by a key other than the one of the uploaded certificate with "invalid assertion"', async () => {
      expectRefused(await login({}, wrongKey.privateKeyPem), OAUTH_ERRORS.invalidAssertion);
    });

    it('refuses an assertion whose claims were changed after it was signed', async () => {
      const [header, , signature] = signJwt(claims(), key.privateKeyPem).split('.');
      const changed = Buffer.from(JSON.stringify(claims({ sub: emu.ready.admin.username }))).toString('base64url');
      expectRefused(
        await postToken(emu.url, { grant_type: JWT_BEARER_GRANT, assertion: `${header}.${changed}.${signature}` }),
        OAUTH_ERRORS.invalidAssertion,
      );
    });

    it('refuses an assertion that is not a JWT, and one whose header names another algorithm than RS256', async () => {
      expectRefused(
        await postToken(emu.url, { grant_type: JWT_BEARER_GRANT, assertion: 'not.a-jwt' }),
        OAUTH_ERRORS.invalidAssertion,
      );
      expectRefused(await postToken(emu.url, { grant_type: JWT_BEARER_GRANT }), OAUTH_ERRORS.invalidAssertion);
      const rs384 = signJwt(claims(), key.privateKeyPem, { alg: 'RS384' });
      expectRefused(
        await postToken(emu.url, { grant_type: JWT_BEARER_GRANT, assertion: rs384 }),
        OAUTH_ERRORS.invalidAssertion,
      );
    });

    it('refuses an issuer that is no app\'s consumer key with invalid_client_id "client identifier invalid"', async () => {
      expectRefused(await login({ iss: `${app.consumerKey}X` }), OAUTH_ERRORS.invalidClientId);
      expectRefused(await login({ iss: undefined }), OAUTH_ERRORS.invalidClientId);
    });

    it('takes its own URL, with or without a trailing slash, and login.salesforce.com as the audience of a production org', async () => {
      expect((await login({ aud: emu.url })).status).to.equal(200);
      expect((await login({ aud: `${emu.url}/` })).status).to.equal(200);
      expect((await login({ aud: PRODUCTION_LOGIN })).status).to.equal(200);
    });

    it('refuses test.salesforce.com, another host, or no audience for a production org with "audience is invalid"', async () => {
      expectRefused(await login({ aud: SANDBOX_LOGIN }), OAUTH_ERRORS.audienceInvalid);
      expectRefused(await login({ aud: 'https://example.my.salesforce.com' }), OAUTH_ERRORS.audienceInvalid);
      expectRefused(await login({ aud: undefined }), OAUTH_ERRORS.audienceInvalid);
    });

    it('refuses an assertion without exp, or one that has expired, with "expired authorization code"', async () => {
      expectRefused(await login({ exp: undefined }), OAUTH_ERRORS.expiredAssertion);
      expectRefused(await login({ exp: Math.floor(clock.now() / 1000) - 10 }), OAUTH_ERRORS.expiredAssertion);
    });

    it('accepts an exp in milliseconds, as @salesforce/core sends it', async () => {
      expect((await login({ exp: clock.now() + 300_000 })).status).to.equal(200);
    });

    it('refuses a subject who is no user of the org', async () => {
      expectRefused(await login({ sub: `nobody@${integration.split('@')[1]}` }), OAUTH_ERRORS.notApproved);
    });

    it('refuses an inactive user with "authentication failure", even one holding the permission set', async () => {
      await assign(conn, emu.ready.inactiveUser.username, app.permissionSet);
      expectRefused(await login({ sub: emu.ready.inactiveUser.username }), OAUTH_ERRORS.authenticationFailure);
    });

    it('refuses a user without a permission set that grants the admin-approved app with invalid_app_access', async () => {
      expectRefused(await login({ sub: emu.ready.admin.username }), OAUTH_ERRORS.notAdminApproved);
    });

    it('admits a user once an assigned permission set is given access to the app, and not before', async () => {
      const ps = await conn.sobject('PermissionSet').create({ Name: 'Oauth_Later_Access', Label: 'Later' });
      await assign(conn, emu.ready.admin.username, 'Oauth_Later_Access');
      expectRefused(await login({ sub: emu.ready.admin.username }), OAUTH_ERRORS.notAdminApproved);
      const eca = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Oauth_App'",
      );
      await conn.sobject('SetupEntityAccess').create({ ParentId: ps.id, SetupEntityId: eca.Id });
      expect((await login({ sub: emu.ready.admin.username })).status).to.equal(200);
    });

    it('refuses every user of a self-authorized app with "user hasn\'t approved this consumer"', async () => {
      const selfAuthorized = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Self',
          certificatePem: key.certificatePem,
          username: integration,
          permittedUsers: 'AllSelfAuthorized',
        }),
      );
      expectRefused(await login({ iss: selfAuthorized.consumerKey }), OAUTH_ERRORS.notApproved);
    });

    it('refuses a disabled External Client App with app_not_found, and admits users of an enabled one', async () => {
      const disabled = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Off',
          certificatePem: key.certificatePem,
          username: integration,
          enabled: false,
        }),
      );
      const enabled = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_On',
          certificatePem: key.certificatePem,
          username: integration,
          enabled: true,
        }),
      );
      expectRefused(await login({ iss: disabled.consumerKey }), OAUTH_ERRORS.appNotFound);
      expect((await login({ iss: enabled.consumerKey })).status).to.equal(200);
    });

    it('refuses every assertion for an app without a certificate with "invalid assertion"', async () => {
      await propagated(
        metadataOf(conn).create('ConnectedApp', {
          fullName: 'Oauth_NoCert',
          label: 'No certificate',
          contactEmail: 'admin@example.com',
          oauthConfig: {
            callbackUrl: 'http://localhost/cb',
            scopes: ['Api'],
            isAdminApproved: true,
            consumerKey: 'OauthNoCert123',
          },
          profileName: ['Standard User'],
        }),
      );
      expectRefused(await login({ iss: 'OauthNoCert123' }), OAUTH_ERRORS.invalidAssertion);
    });

    it('admits the users of a profile a Connected App lists, and refuses the others', async () => {
      await propagated(
        metadataOf(conn).create('ConnectedApp', {
          fullName: 'Oauth_Profile',
          label: 'Profile app',
          contactEmail: 'admin@example.com',
          oauthConfig: {
            callbackUrl: 'http://localhost/cb',
            scopes: ['Api'],
            isAdminApproved: true,
            certificate: key.certificatePem,
            consumerKey: 'OauthProfile123',
          },
          profileName: ['Standard User'],
        }),
      );
      expect((await login({ iss: 'OauthProfile123' })).status).to.equal(200);
      expectRefused(
        await login({ iss: 'OauthProfile123', sub: emu.ready.ipRestrictedUser.username }),
        OAUTH_ERRORS.notAdminApproved,
      );
    });

    it('refuses every user of a Connected App that is not admin-approved with "user hasn\'t approved this consumer"', async () => {
      await propagated(
        metadataOf(conn).create('ConnectedApp', {
          fullName: 'Oauth_Unapproved',
          label: 'Unapproved',
          contactEmail: 'admin@example.com',
          oauthConfig: {
            callbackUrl: 'http://localhost/cb',
            scopes: ['Api'],
            isAdminApproved: false,
            certificate: key.certificatePem,
            consumerKey: 'OauthUnapproved1',
          },
          profileName: ['Standard User'],
        }),
      );
      expectRefused(await login({ iss: 'OauthUnapproved1' }), OAUTH_ERRORS.notApproved);
    });

    it('refuses a user whose profile\'s login IP ranges exclude the caller with "ip restricted", unless the app relaxes IP restrictions', async () => {
      const remote = emu.ready.ipRestrictedUser.username;
      const enforced = await propagated(
        configureJwtApp(conn, { name: 'Oauth_Ip', certificatePem: key.certificatePem, username: remote }),
      );
      const relaxed = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Ip_Bypass',
          certificatePem: key.certificatePem,
          username: remote,
          ipRelaxation: 'Bypass',
        }),
      );
      expectRefused(await login({ iss: enforced.consumerKey, sub: remote }), OAUTH_ERRORS.ipRestricted);
      expect((await login({ iss: relaxed.consumerKey, sub: remote })).status).to.equal(200);
    });

    it('refuses grant types Salesforce does not have with unsupported_grant_type', async () => {
      expectRefused(
        await postToken(emu.url, { grant_type: 'urn:example:no-such-grant', username: integration, password: 'x' }),
        OAUTH_ERRORS.unsupportedGrant,
      );
      expectRefused(await postToken(emu.url, {}), OAUTH_ERRORS.unsupportedGrant);
    });
  });

  describe('app scopes', () => {
    let narrow: JwtAppFixture;
    before(async () => {
      narrow = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Narrow',
          certificatePem: key.certificatePem,
          username: integration,
          scopes: 'OpenID',
        }),
      );
    });

    it("grants a token with only the app's scopes", async () => {
      const granted = await login({ iss: narrow.consumerKey });
      expect(granted.status).to.equal(200);
      expect(granted.body.scope).to.equal('openid');
    });

    it('refuses a token of an app without the Api scope for the REST API', async () => {
      const granted = await login({ iss: narrow.consumerKey });
      const response = await restGet(
        emu,
        '/services/data/v68.0/query?q=SELECT+Id+FROM+Organization',
        granted.body.access_token,
      );
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal([
        { message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' },
      ]);
    });

    it('refuses a token of an app without the Api scope for the Metadata API', async () => {
      const granted = await login({ iss: narrow.consumerKey });
      const response = await fetch(`${emu.url}/services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader xmlns="http://soap.sforce.com/2006/04/metadata"><sessionId>${granted.body.access_token}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><listMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><queries><type>PermissionSet</type></queries></listMetadata></soapenv:Body></soapenv:Envelope>`,
      });
      expect(response.status).to.equal(500);
      expect(await response.text()).to.include('<faultcode>sf:API_DISABLED_FOR_ORG</faultcode>');
    });
  });

  describe('propagation', () => {
    it('answers invalid_client_id for a new app until the propagation time has passed', async () => {
      const fresh = await configureJwtApp(conn, {
        name: 'Oauth_Fresh',
        certificatePem: key.certificatePem,
        username: integration,
      });
      expectRefused(await login({ iss: fresh.consumerKey }), OAUTH_ERRORS.invalidClientId);
      clock.advance(PROPAGATION_MS - 1);
      expectRefused(await login({ iss: fresh.consumerKey }), OAUTH_ERRORS.invalidClientId);
      clock.advance(1);
      expect((await login({ iss: fresh.consumerKey })).status).to.equal(200);
    });

    it('keeps the old certificate at the token endpoint until a replacement has propagated', async () => {
      const rotating = await propagated(
        configureJwtApp(conn, { name: 'Oauth_Rotate', certificatePem: key.certificatePem, username: integration }),
      );
      const updated = await metadataOf(conn).update('ExtlClntAppGlobalOauthSettings', {
        fullName: 'Oauth_Rotate_glbloauth',
        externalClientApplication: 'Oauth_Rotate',
        label: 'Oauth_Rotate',
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        certificate: wrongKey.certificatePem,
      });
      expect(updated).to.include({ success: true });
      expect((await login({ iss: rotating.consumerKey })).status).to.equal(200);
      expectRefused(await login({ iss: rotating.consumerKey }, wrongKey.privateKeyPem), OAUTH_ERRORS.invalidAssertion);
      clock.advance(PROPAGATION_MS);
      expectRefused(await login({ iss: rotating.consumerKey }), OAUTH_ERRORS.invalidAssertion);
      expect((await login({ iss: rotating.consumerKey }, wrongKey.privateKeyPem)).status).to.equal(200);
    });

    it('keeps admitting users of an app being disabled until the change has propagated', async () => {
      const closing = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Closing',
          certificatePem: key.certificatePem,
          username: integration,
          enabled: true,
        }),
      );
      await metadataOf(conn).update('ExtlClntAppConfigurablePolicies', {
        fullName: 'Oauth_Closing_defaultPolicy',
        externalClientApplication: 'Oauth_Closing',
        label: 'Oauth_Closing',
        isEnabled: false,
        isOauthPluginEnabled: true,
      });
      expect((await login({ iss: closing.consumerKey })).status).to.equal(200);
      clock.advance(PROPAGATION_MS);
      expectRefused(await login({ iss: closing.consumerKey }), OAUTH_ERRORS.appNotFound);
    });
  });

  describe('the client credentials flow', () => {
    let runAs: JwtAppFixture;
    let secretOf: (consumerKey: string) => Promise<string>;

    before(async () => {
      runAs = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Cc',
          certificatePem: key.certificatePem,
          clientCredentialsUser: integration,
          username: integration,
        }),
      );
      secretOf = async (consumerKey: string): Promise<string> => {
        const secret = (await emu.state()).apps.find((a) => a.consumerKey === consumerKey)?.consumerSecret;
        if (!secret) throw new Error(`no secret for ${consumerKey}`);
        return secret;
      };
    });

    const clientCredentials = async (baseUrl: string, consumerKey: string, secret: string): Promise<TokenAnswer> =>
      postToken(baseUrl, { grant_type: 'client_credentials', client_id: consumerKey, client_secret: secret });

    it('grants the run-as user a token at the My Domain, with the key and secret in the form or in HTTP Basic', async () => {
      const secret = await secretOf(runAs.consumerKey);
      const inForm = await clientCredentials(emu.url, runAs.consumerKey, secret);
      expect(inForm.status).to.equal(200);
      const info = await restGet(emu, '/services/oauth2/userinfo', inForm.body.access_token);
      expect(await info.json()).to.include({ preferred_username: integration });
      const basic = Buffer.from(`${runAs.consumerKey}:${secret}`).toString('base64');
      expect(
        (await postToken(emu.url, { grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })).status,
      ).to.equal(200);
    });

    it('refuses a run-as user the admin-approved app has not pre-authorized with invalid_app_access', async () => {
      const unassigned = await propagated(
        configureJwtApp(conn, {
          name: 'Oauth_Cc_Unassigned',
          certificatePem: key.certificatePem,
          clientCredentialsUser: integration,
        }),
      );
      expectRefused(
        await clientCredentials(emu.url, unassigned.consumerKey, await secretOf(unassigned.consumerKey)),
        OAUTH_ERRORS.notAdminApproved,
      );
    });

    it('refuses the flow at the generic login host with "request not supported on this domain"', async () => {
      expectRefused(
        await clientCredentials(emu.ready.loginUrl, runAs.consumerKey, await secretOf(runAs.consumerKey)),
        OAUTH_ERRORS.domainNotSupported,
      );
    });

    it('refuses a wrong secret with invalid_client "invalid client credentials", and an unknown key with invalid_client_id', async () => {
      expectRefused(
        await clientCredentials(emu.url, runAs.consumerKey, 'WRONG'),
        OAUTH_ERRORS.invalidClientCredentials,
      );
      expectRefused(await clientCredentials(emu.url, `${runAs.consumerKey}X`, 'WRONG'), OAUTH_ERRORS.invalidClientId);
    });

    it('refuses an app without a client credentials user with "no client credentials user enabled"', async () => {
      expectRefused(
        await clientCredentials(emu.url, app.consumerKey, await secretOf(app.consumerKey)),
        OAUTH_ERRORS.noClientCredentialsUser,
      );
    });
  });
});

describe('the token endpoint of a sandbox', () => {
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let key: KeyAndCertificate;

  before(async () => {
    key = await testKey();
    emu = await startEmulator({ sandbox: true });
    app = await configureJwtApp(await adminConnection(emu), {
      name: 'Sandbox_App',
      certificatePem: key.certificatePem,
      username: emu.ready.integrationUser.username,
    });
  });
  after(() => emu.stop());

  const loginWith = (aud: string): Promise<TokenAnswer> =>
    jwtLogin(
      emu.url,
      { iss: app.consumerKey, sub: emu.ready.integrationUser.username, aud, exp: Math.floor(Date.now() / 1000) + 120 },
      key.privateKeyPem,
    );

  it('takes test.salesforce.com and its own URL as the audience', async () => {
    expect((await loginWith(SANDBOX_LOGIN)).status).to.equal(200);
    expect((await loginWith(emu.url)).status).to.equal(200);
  });

  it('refuses login.salesforce.com as the audience with "audience is invalid"', async () => {
    expectRefused(await loginWith(PRODUCTION_LOGIN), OAUTH_ERRORS.audienceInvalid);
  });
});

describe('the token endpoint and an expired certificate', () => {
  it('still logs in once the uploaded certificate has expired: Salesforce does not check its dates', async () => {
    const key = await testKey();
    const clock = new FakeClock();
    const emu = await startEmulator({ now: clock.now });
    try {
      const app = await configureJwtApp(await adminConnection(emu), {
        name: 'Expiring_App',
        certificatePem: key.certificatePem,
        username: emu.ready.integrationUser.username,
      });
      const login = (): Promise<TokenAnswer> =>
        jwtLogin(
          emu.url,
          {
            iss: app.consumerKey,
            sub: emu.ready.integrationUser.username,
            aud: emu.url,
            exp: Math.floor(clock.now() / 1000) + 120,
          },
          key.privateKeyPem,
        );
      clock.advance(60_000);
      expect((await login()).status).to.equal(200);
      // The test key's certificate is valid for 30 days.
      clock.advance(31 * 86_400_000);
      expect((await login()).status).to.equal(200);
    } finally {
      await emu.stop();
    }
  });
});
