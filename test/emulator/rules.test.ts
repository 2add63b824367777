import { createPrivateKey } from 'node:crypto';
import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, connectionFor, metadataOf, otherKey, testKey, type JwtAppFixture } from '../helpers/org.js';
import { signAssertion } from '../../src/oauth/jwt.js';
import { OAUTH_ERRORS } from './oauth.js';

/** Each test here proves one refusal the emulator shares with Salesforce, through the real clients. */
describe('the emulator refuses what Salesforce refuses', () => {
  let emu: RunningEmulator;
  let conn: Connection;
  let app: JwtAppFixture;
  let integration: string;

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true });
    conn = await adminConnection(emu);
    integration = emu.ready.integrationUser.username;
    app = await configureJwtApp(conn, { name: 'Rules_App', certificatePem: (await testKey()).certificatePem, username: integration });
  });
  after(() => emu.stop());

  const token = async (claims: Record<string, unknown>, key?: string): Promise<{ status: number; body: Record<string, string> }> => {
    const pem = key ?? (await testKey()).privateKeyPem;
    const assertion = signAssertion(claims as never, createPrivateKey(pem));
    const response = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    iss: app.consumerKey,
    sub: integration,
    aud: 'https://login.salesforce.com',
    exp: Math.floor(Date.now() / 1000) + 120,
    ...overrides,
  });

  describe('sessions', () => {
    it('answers a REST call without a valid token 401 INVALID_SESSION_ID', async () => {
      const response = await fetch(`${emu.url}/services/data/v68.0/query?q=SELECT+Id+FROM+User`, { headers: { authorization: 'Bearer nope' } });
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    });

    it('answers a Metadata API call without a valid session with an INVALID_SESSION_ID fault', async () => {
      const bad = await connectionFor(emu, emu.ready.admin.accessToken);
      bad.accessToken = '00Dxx!invalid';
      const error = await metadataOf(bad).read('PermissionSet', 'X').then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).to.include('INVALID_SESSION_ID');
    });

    it('refuses the Metadata API to a user who is not an admin', async () => {
      const granted = await token(claims({ aud: emu.url }));
      const nonAdmin = await connectionFor(emu, granted.body.access_token);
      const error = await metadataOf(nonAdmin).read('PermissionSet', 'X').then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).to.include('INSUFFICIENT_ACCESS');
    });
  });

  describe('the JWT bearer token endpoint', () => {
    it('grants a token that works for the REST API', async () => {
      const granted = await token(claims());
      expect(granted.status).to.equal(200);
      expect(granted.body).to.include({ instance_url: emu.url, token_type: 'Bearer', scope: 'api refresh_token' });
      expect(granted.body.id).to.match(new RegExp(`/id/${emu.ready.orgId}/005`));
      const rest = await fetch(`${emu.url}/services/data/v68.0/query?q=SELECT+Id+FROM+Organization`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
      expect(rest.status).to.equal(200);
    });

    it('accepts its own URL, with or without a trailing slash, as the audience', async () => {
      expect((await token(claims({ aud: emu.url }))).status).to.equal(200);
      expect((await token(claims({ aud: `${emu.url}/` }))).status).to.equal(200);
    });

    it('refuses test.salesforce.com as the audience of a production org', async () => {
      expect((await token(claims({ aud: 'https://test.salesforce.com' }))).body).to.deep.equal(OAUTH_ERRORS.audienceInvalid);
    });

    it('accepts an exp in milliseconds, as @salesforce/core sends it, and refuses a missing or past exp', async () => {
      expect((await token(claims({ exp: Date.now() + 300 }))).status).to.equal(200);
      expect((await token(claims({ exp: undefined }))).body).to.deep.equal(OAUTH_ERRORS.invalidAssertion);
      expect((await token(claims({ exp: Math.floor(Date.now() / 1000) - 10 }))).body).to.deep.equal(OAUTH_ERRORS.invalidAssertion);
    });

    it('refuses a JWT signed by another key, and an unknown user', async () => {
      expect((await token(claims(), (await otherKey()).privateKeyPem)).body).to.deep.equal(OAUTH_ERRORS.invalidAssertion);
      expect((await token(claims({ sub: 'nobody@example.com' }))).status).to.equal(400);
    });

    it('refuses other grant types', async () => {
      const response = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
      expect(await response.json()).to.deep.equal(OAUTH_ERRORS.unsupportedGrant);
    });

    it('refuses a token of an app without the api scope for the REST API', async () => {
      const narrow = await configureJwtApp(conn, { name: 'Narrow_App', certificatePem: (await testKey()).certificatePem, username: integration, scopes: 'OpenID' });
      const granted = await token(claims({ iss: narrow.consumerKey }));
      expect(granted.status).to.equal(200);
      const rest = await fetch(`${emu.url}/services/data/v68.0/query?q=SELECT+Id+FROM+User`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
      expect(rest.status).to.equal(403);
    });
  });

  describe('the sandbox kind', () => {
    it('takes test.salesforce.com and refuses login.salesforce.com as the audience', async () => {
      const sandbox = await startEmulator({ sandbox: true });
      try {
        const sandboxApp = await configureJwtApp(await adminConnection(sandbox), { name: 'Sbx_App', certificatePem: (await testKey()).certificatePem, username: sandbox.ready.integrationUser.username });
        const send = async (aud: string): Promise<Record<string, string>> => {
          const assertion = signAssertion({ iss: sandboxApp.consumerKey, sub: sandbox.ready.integrationUser.username, aud, exp: Math.floor(Date.now() / 1000) + 60 }, createPrivateKey((await testKey()).privateKeyPem));
          const response = await fetch(`${sandbox.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }) });
          return (await response.json()) as Record<string, string>;
        };
        expect(await send('https://test.salesforce.com')).to.have.property('access_token');
        expect(await send('https://login.salesforce.com')).to.deep.equal(OAUTH_ERRORS.audienceInvalid);
      } finally {
        await sandbox.stop();
      }
    });
  });

  describe('the Metadata API', () => {
    const connectedApp = (fullName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      fullName,
      label: fullName,
      contactEmail: 'a@example.com',
      oauthConfig: { callbackUrl: 'http://localhost/cb', scopes: ['Api', 'Profile', 'Email', 'OfflineAccess'], ...extra },
    });

    it('keeps a given consumer key, never returns the secret, and folds scopes on read', async () => {
      expect(await metadataOf(conn).create('ConnectedApp', connectedApp('Key_App', { consumerKey: 'MyOwnKey12345', consumerSecret: 'ABC' }))).to.include({ success: true });
      const read = (await metadataOf(conn).read('ConnectedApp', 'Key_App')) as { oauthConfig: Record<string, unknown> };
      expect(read.oauthConfig.consumerKey).to.equal('MyOwnKey12345');
      expect(read.oauthConfig).not.to.have.property('consumerSecret');
      expect(read.oauthConfig.scopes).to.deep.equal(['Api', 'Basic', 'RefreshToken']);
    });

    it('refuses to change a consumer key, and a key another app has', async () => {
      const changed = (await metadataOf(conn).update('ConnectedApp', connectedApp('Key_App', { consumerKey: 'AnotherKey123' }))) as { success: boolean; errors: Array<{ message: string }> };
      expect(changed.success).to.equal(false);
      expect(changed.errors[0].message).to.include('cannot be changed');
      const taken = (await metadataOf(conn).create('ConnectedApp', connectedApp('Thief_App', { consumerKey: 'MyOwnKey12345' }))) as { success: boolean; errors: Array<{ statusCode: string }> };
      expect(taken).to.deep.include({ success: false });
      expect(taken.errors[0].statusCode).to.equal('DUPLICATE_VALUE');
    });

    it('replaces the whole component on update: an omitted certificate is gone', async () => {
      const { certificatePem } = await testKey();
      await metadataOf(conn).update('ConnectedApp', connectedApp('Key_App', { certificate: certificatePem }));
      expect(((await metadataOf(conn).read('ConnectedApp', 'Key_App')) as { oauthConfig: Record<string, unknown> }).oauthConfig.certificate).to.include('BEGIN CERTIFICATE');
      await metadataOf(conn).update('ConnectedApp', connectedApp('Key_App'));
      expect(((await metadataOf(conn).read('ConnectedApp', 'Key_App')) as { oauthConfig: Record<string, unknown> }).oauthConfig).not.to.have.property('certificate');
      expect(((await metadataOf(conn).read('ConnectedApp', 'Key_App')) as { oauthConfig: Record<string, unknown> }).oauthConfig.consumerKey).to.equal('MyOwnKey12345');
    });

    it('refuses new Connected Apps unless the org allows them', async () => {
      const strict = await startEmulator();
      try {
        const result = (await metadataOf(await adminConnection(strict)).create('ConnectedApp', connectedApp('Blocked_App'))) as { success: boolean; errors: Array<{ message: string }> };
        expect(result.success).to.equal(false);
        expect(result.errors[0].message).to.include('no longer create connected apps');
      } finally {
        await strict.stop();
      }
    });

    it('refuses an element the type does not have, as a SOAP fault', async () => {
      const error = await metadataOf(conn).create('ConnectedApp', { ...connectedApp('Typo_App'), contactMail: 'x' }).then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).to.include('contactMail invalid at this location in type ConnectedApp');
    });

    it('refuses an unknown scope', async () => {
      const error = await metadataOf(conn).create('ConnectedApp', connectedApp('Scope_App', { scopes: ['Superpowers'] })).then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).to.include("'Superpowers' is not a valid value for the enum 'ConnectedAppOauthAccessScope'");
    });

    it('refuses more than 10 components in one call', async () => {
      const many = Array.from({ length: 11 }, (_, i) => ({ fullName: `Many_${i}`, label: `Many ${i}` }));
      const error = await metadataOf(conn).create('PermissionSet', many).then(
        () => undefined,
        (e: Error) => e
      );
      expect(error?.message).to.include('EXCEEDED_ID_LIMIT');
    });

    it('turns the permission sets an app lists into access rows, and an update that omits them removes them', async () => {
      await metadataOf(conn).create('PermissionSet', { fullName: 'Listed_PS', label: 'Listed' });
      await metadataOf(conn).create('ConnectedApp', { ...connectedApp('Listed_App'), permissionSetName: ['Listed_PS'] });
      const appId = (await emu.state()).connectedApps.find((a) => a.fullName === 'Listed_App')?.id;
      const rows = async (): Promise<number> => (await emu.state()).setupEntityAccess.filter((r) => r.SetupEntityId === appId).length;
      expect(await rows()).to.equal(1);
      await metadataOf(conn).update('ConnectedApp', connectedApp('Listed_App'));
      expect(await rows()).to.equal(0);
    });

    it('answers readMetadata of a missing name with an empty record, and lists and deletes components', async () => {
      expect(await metadataOf(conn).read('ConnectedApp', 'No_Such_App')).not.to.have.property('fullName');
      const listed = (await conn.metadata.list([{ type: 'ConnectedApp' }])) as Array<{ fullName: string; id: string }>;
      expect(listed.map((p) => p.fullName)).to.include.members(['Key_App', 'Listed_App']);
      const deleted = (await conn.metadata.delete('ConnectedApp', 'Listed_App')) as { success: boolean };
      expect(deleted.success).to.equal(true);
      expect(await metadataOf(conn).read('ConnectedApp', 'Listed_App')).not.to.have.property('fullName');
    });

    it('keeps an ECA\'s OAuth components out of reach until the org allows access to consumer secrets', async () => {
      const closed = await startEmulator({ consumerSecretApiAccess: false });
      try {
        const admin = await adminConnection(closed);
        const refused = await metadataOf(admin).read('ExtlClntAppGlobalOauthSettings', 'Any_glbloauth').then(
          () => undefined,
          (e: Error) => e
        );
        expect(refused?.message).to.include('INSUFFICIENT_ACCESS').and.include('Allow Access to OAuth Consumer Secrets via Metadata API');
        expect(await metadataOf(admin).read('ExternalClientAppSettings', 'ExternalClientApp')).to.include({ enableConsumerSecretApiAccess: 'false' });
        expect(await metadataOf(admin).update('ExternalClientAppSettings', { fullName: 'ExternalClientApp', enableConsumerSecretApiAccess: true })).to.include({ success: true });
        expect(await metadataOf(admin).read('ExtlClntAppGlobalOauthSettings', 'Any_glbloauth')).not.to.have.property('fullName');
      } finally {
        await closed.stop();
      }
    });

    it('refuses an ECA component that names no app', async () => {
      const result = (await metadataOf(conn).create('ExtlClntAppOauthSettings', { fullName: 'Orphan_oauth', externalClientApplication: 'No_Such_Eca', label: 'x', commaSeparatedOauthScopes: 'Api' })) as { success: boolean; errors: Array<{ statusCode: string }> };
      expect(result.success).to.equal(false);
      expect(result.errors[0].statusCode).to.equal('INVALID_CROSS_REFERENCE_KEY');
    });
  });

  describe('the REST API', () => {
    it('answers the SOQL subset with parent relationships', async () => {
      const result = await conn.query<{ PermissionSet: { Name: string }; Assignee: { Username: string } }>(
        `SELECT Id, PermissionSet.Name, Assignee.Username FROM PermissionSetAssignment WHERE Assignee.Username = '${integration}' AND PermissionSet.Name IN ('Rules_App_Access', 'Other') LIMIT 5`
      );
      expect(result.records.map((r) => r.PermissionSet.Name)).to.deep.equal(['Rules_App_Access']);
      expect(result.records[0].Assignee.Username).to.equal(integration);
    });

    it('refuses unknown objects, unknown fields and malformed queries, as Salesforce does', async () => {
      const failure = (soql: string): Promise<{ errorCode?: string; name?: string; message: string }> =>
        conn.query(soql).then(
          () => ({ message: 'no error' }),
          (e: { errorCode?: string; name?: string; message: string }) => e
        );
      expect((await failure('SELECT Id FROM ScratchOrgInfo')).message).to.include("sObject type 'ScratchOrgInfo' is not supported");
      expect((await failure('SELECT Nope FROM User')).message).to.include("No such column 'Nope' on entity 'User'");
      expect((await failure('SELECT Id FROM User WHERE')).message).to.include('unexpected token');
    });

    it('refuses a second identical permission set assignment with DUPLICATE_VALUE', async () => {
      const user = await conn.singleRecordQuery<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${integration}'`);
      const ps = await conn.singleRecordQuery<{ Id: string }>("SELECT Id FROM PermissionSet WHERE Name = 'Rules_App_Access'");
      const error = await conn.sobject('PermissionSetAssignment').create({ AssigneeId: user.Id, PermissionSetId: ps.Id }).then(
        (r) => r,
        (e: Error) => e
      );
      expect(JSON.stringify(error)).to.include('DUPLICATE_VALUE');
    });

    it('accepts paths with doubled slashes', async () => {
      const response = await fetch(`${emu.url}//services/data/v68.0//query?q=SELECT+Id+FROM+Organization`, { headers: { authorization: `Bearer ${emu.ready.admin.accessToken}` } });
      expect(response.status).to.equal(200);
    });
  });

  describe('fault injection', () => {
    it('fails every API call at rate 1 but never the token endpoint or the control calls, and replays by seed', async () => {
      const statuses = async (seed: number): Promise<number[]> => {
        const faulty = await startEmulator({ faultRate: 0.5, faultSeed: seed });
        try {
          for (let i = 0; i < 12; i++) {
            // eslint-disable-next-line no-await-in-loop
            await fetch(`${faulty.url}/services/data`).catch(() => undefined);
          }
          return (await faulty.requests()).map((r) => r.status);
        } finally {
          await faulty.stop();
        }
      };
      const first = await statuses(7);
      expect(first).to.deep.equal(await statuses(7));
      expect(first.some((s) => s === 200)).to.equal(true);
      expect(first.some((s) => s !== 200)).to.equal(true);

      const always = await startEmulator({ faultRate: 1, faultSeed: 1 });
      try {
        const api = await fetch(`${always.url}/services/data`).then((r) => r.status, () => 0);
        expect([0, 503]).to.include(api);
        const tokenEndpoint = await fetch(`${always.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'x' }) });
        expect(tokenEndpoint.status).to.equal(400);
        expect((await fetch(`${always.url}/__emulator/state`)).status).to.equal(200);
      } finally {
        await always.stop();
      }
    });
  });
});
