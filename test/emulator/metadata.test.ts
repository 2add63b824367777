import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { Duration } from '@salesforce/kit';
import { ComponentSet, ComponentStatus } from '@salesforce/source-deploy-retrieve';
import type { Connection } from '@salesforce/core';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  assign,
  certificateBodyOf,
  configureJwtApp,
  connectionFor,
  metadataOf,
  testKey,
} from '../helpers/org.js';
import { jwtLogin, refusal } from '../helpers/token.js';
import type { KeyAndCertificate } from '../../src/certificate/generate.js';
import { tempDir } from '../helpers/temp.js';

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type SaveError = { statusCode: string; message: string; fields?: string[] };
type SaveResult = { success: boolean; fullName: string; errors: SaveError[]; created?: boolean };
type Body = Record<string, unknown>;

const CONTACT = 'admin@example.com';
const CALLBACK = 'http://localhost:1717/OauthRedirect';

const connectedApp = (fullName: string, oauth: Body = {}, extra: Body = {}): Body => ({
  fullName,
  label: fullName,
  contactEmail: CONTACT,
  oauthConfig: { callbackUrl: CALLBACK, scopes: ['Api'], ...oauth },
  ...extra,
});

const ecaHeader = (name: string, extra: Body = {}): Body => ({
  fullName: name,
  label: name,
  contactEmail: CONTACT,
  distributionState: 'Local',
  ...extra,
});
const ecaPart = (name: string, suffix: string, fields: Body = {}): Body => ({
  fullName: `${name}_${suffix}`,
  externalClientApplication: name,
  label: name,
  ...fields,
});

const expectSaved = (result: SaveResult): void => {
  expect(result.errors, JSON.stringify(result.errors)).to.deep.equal([]);
  expect(result.success).to.equal(true);
};

const expectNotSaved = (result: SaveResult, statusCode: string, message?: string): void => {
  expect(result.success).to.equal(false);
  expect(result.errors.map((e) => e.statusCode)).to.deep.equal([statusCode]);
  if (message) expect(result.errors[0].message).to.equal(message);
};

describe("the emulator's Metadata API", () => {
  let emu: RunningEmulator;
  let conn: Connection;
  let key: KeyAndCertificate;

  const create = async (type: string, body: Body): Promise<SaveResult> =>
    (await metadataOf(conn).create(type, body)) as SaveResult;
  const update = async (type: string, body: Body): Promise<SaveResult> =>
    (await metadataOf(conn).update(type, body)) as SaveResult;
  const upsert = async (type: string, body: Body): Promise<SaveResult> =>
    (await metadataOf(conn).upsert(type, body)) as SaveResult;
  const read = (type: string, fullName: string): Promise<Body> => metadataOf(conn).read(type, fullName);
  const remove = async (type: string, fullName: string): Promise<SaveResult> =>
    (await conn.metadata.delete(type as never, fullName)) as unknown as SaveResult;
  const listed = async (
    type: string,
  ): Promise<Array<{ fullName: string; type: string; id: string; fileName: string }>> =>
    (await conn.metadata.list({ type } as never)) as unknown as Array<{
      fullName: string;
      type: string;
      id: string;
      fileName: string;
    }>;

  /** An External Client App of the five component types; what each part is given is added to a minimal one. */
  const createEca = async (
    name: string,
    parts: { global?: Body; oauth?: Body; policies?: Body; plcy?: Body } = {},
  ): Promise<string> => {
    expectSaved(await create('ExternalClientApplication', ecaHeader(name)));
    expectSaved(
      await create(
        'ExtlClntAppOauthSettings',
        ecaPart(name, 'oauth', { commaSeparatedOauthScopes: 'Api', ...parts.oauth }),
      ),
    );
    expectSaved(
      await create(
        'ExtlClntAppGlobalOauthSettings',
        ecaPart(name, 'glbloauth', { callbackUrl: CALLBACK, certificate: key.certificatePem, ...parts.global }),
      ),
    );
    // The policies Salesforce made when the OAuth settings were saved, updated as Setup updates them.
    expectSaved(
      await update(
        'ExtlClntAppOauthConfigurablePolicies',
        ecaPart(name, 'oauth_defaultPolicy', {
          permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
          ...parts.policies,
        }),
      ),
    );
    if (parts.plcy)
      expectSaved(
        await update(
          'ExtlClntAppConfigurablePolicies',
          ecaPart(name, 'defaultPolicy', { isEnabled: true, ...parts.plcy }),
        ),
      );
    return String((await read('ExtlClntAppGlobalOauthSettings', `${name}_glbloauth`)).consumerKey);
  };

  before(async () => {
    key = await testKey();
    emu = await startEmulator({ allowConnectedAppCreation: true });
    conn = await adminConnection(emu);
  });
  after(() => emu.stop());

  describe('round trips', () => {
    it('creates, reads, lists and deletes a Connected App', async () => {
      const app = connectedApp(
        'Trip_App',
        {
          certificate: key.certificatePem,
          scopes: ['Api', 'RefreshToken'],
          isAdminApproved: true,
          consumerKey: 'TripAppKey0001',
        },
        {
          description: 'A round trip',
          oauthPolicy: { ipRelaxation: 'BYPASS', refreshTokenPolicy: 'infinite' },
          profileName: ['Standard User'],
        },
      );
      expectSaved(await create('ConnectedApp', app));
      const back = await read('ConnectedApp', 'Trip_App');
      expect(back).to.deep.include({
        fullName: 'Trip_App',
        label: 'Trip_App',
        contactEmail: CONTACT,
        description: 'A round trip',
        oauthPolicy: { ipRelaxation: 'BYPASS', refreshTokenPolicy: 'infinite' },
        profileName: ['Standard User'],
      });
      // A Connected App keeps its certificate as retrieved files show it: the base64 body alone, on one line.
      expect(back.oauthConfig).to.deep.equal({
        callbackUrl: CALLBACK,
        certificate: certificateBodyOf(key.certificatePem),
        consumerKey: 'TripAppKey0001',
        isAdminApproved: true,
        scopes: ['Api', 'RefreshToken'],
      });

      const entry = (await listed('ConnectedApp')).find((p) => p.fullName === 'Trip_App');
      expect(entry).to.include({ type: 'ConnectedApp', fileName: 'connectedApps/Trip_App.connectedApp' });
      const row = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM ConnectedApplication WHERE Name = 'Trip_App'",
      );
      expect(row.Id).to.equal(entry?.id);
      expect((await emu.state()).apps.find((a) => a.id === row.Id)).to.include({
        kind: 'connected-app',
        name: 'Trip_App',
        consumerKey: 'TripAppKey0001',
        adminApproved: true,
      });

      expectSaved(await remove('ConnectedApp', 'Trip_App'));
      expect(await read('ConnectedApp', 'Trip_App')).to.not.have.property('fullName');
      expect((await listed('ConnectedApp')).map((p) => p.fullName)).to.not.include('Trip_App');
      expect((await emu.state()).apps.map((a) => a.name)).to.not.include('Trip_App');
    });

    it('creates and reads back the five External Client App types, linked to one app', async () => {
      const consumerKey = await createEca('Trip_Eca', {
        oauth: { commaSeparatedOauthScopes: 'Api,RefreshToken' },
        global: { consumerKey: 'TripEcaKey0001', isClientCredentialsFlowEnabled: false },
        policies: { ipRelaxationPolicyType: 'Enforce', refreshTokenPolicyType: 'Infinite' },
        plcy: { isEnabled: true, isOauthPluginEnabled: true },
      });
      expect(consumerKey).to.equal('TripEcaKey0001');
      expect(await read('ExternalClientApplication', 'Trip_Eca')).to.deep.include({
        fullName: 'Trip_Eca',
        label: 'Trip_Eca',
        contactEmail: CONTACT,
        distributionState: 'Local',
      });
      expect(await read('ExtlClntAppOauthSettings', 'Trip_Eca_oauth')).to.deep.include({
        externalClientApplication: 'Trip_Eca',
        commaSeparatedOauthScopes: 'Api, RefreshToken',
      });
      expect(await read('ExtlClntAppGlobalOauthSettings', 'Trip_Eca_glbloauth')).to.deep.include({
        externalClientApplication: 'Trip_Eca',
        callbackUrl: CALLBACK,
        certificate: key.certificatePem,
        consumerKey: 'TripEcaKey0001',
        isClientCredentialsFlowEnabled: 'false',
      });
      expect(await read('ExtlClntAppOauthConfigurablePolicies', 'Trip_Eca_oauth_defaultPolicy')).to.deep.include({
        externalClientApplication: 'Trip_Eca',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        ipRelaxationPolicyType: 'Enforce',
        refreshTokenPolicyType: 'Infinite',
      });
      expect(await read('ExtlClntAppConfigurablePolicies', 'Trip_Eca_defaultPolicy')).to.deep.include({
        externalClientApplication: 'Trip_Eca',
        isEnabled: 'true',
        isOauthPluginEnabled: 'true',
      });

      const header = (await listed('ExternalClientApplication')).find((p) => p.fullName === 'Trip_Eca');
      expect(header).to.include({ fileName: 'externalClientApps/Trip_Eca.eca' });
      for (const [type, name] of [
        ['ExtlClntAppOauthSettings', 'Trip_Eca_oauth'],
        ['ExtlClntAppGlobalOauthSettings', 'Trip_Eca_glbloauth'],
        ['ExtlClntAppOauthConfigurablePolicies', 'Trip_Eca_oauth_defaultPolicy'],
        ['ExtlClntAppConfigurablePolicies', 'Trip_Eca_defaultPolicy'],
      ]) {
        // eslint-disable-next-line no-await-in-loop
        expect((await listed(type)).map((p) => p.fullName)).to.include(name);
      }
      const row = await conn.singleRecordQuery<{ Id: string; DeveloperName: string }>(
        "SELECT Id, DeveloperName FROM ExternalClientApplication WHERE DeveloperName = 'Trip_Eca'",
      );
      expect(row.Id).to.equal(header?.id);
      expect((await emu.state()).apps.find((a) => a.id === row.Id)).to.deep.include({
        kind: 'external-client-app',
        consumerKey: 'TripEcaKey0001',
        scopes: ['Api', 'RefreshToken'],
        adminApproved: true,
        enabled: true,
      });
    });

    it('creates, reads, updates, upserts and deletes permission sets', async () => {
      expectSaved(await create('PermissionSet', { fullName: 'Trip_PS', label: 'Trip', description: 'First' }));
      expect(await read('PermissionSet', 'Trip_PS')).to.deep.include({
        fullName: 'Trip_PS',
        label: 'Trip',
        description: 'First',
      });
      expectSaved(await update('PermissionSet', { fullName: 'Trip_PS', label: 'Trip again' }));
      const back = await read('PermissionSet', 'Trip_PS');
      expect(back).to.deep.include({ fullName: 'Trip_PS', label: 'Trip again' });
      expect(back).to.not.have.property('description');
      expect(
        (await conn.singleRecordQuery<{ Label: string }>("SELECT Label FROM PermissionSet WHERE Name = 'Trip_PS'"))
          .Label,
      ).to.equal('Trip again');

      expect(await upsert('PermissionSet', { fullName: 'Trip_PS', label: 'Trip' })).to.include({
        success: true,
        created: false,
      });
      expect(await upsert('PermissionSet', { fullName: 'Trip_PS_Two', label: 'Two' })).to.include({
        success: true,
        created: true,
      });
      const names = (await listed('PermissionSet')).map((p) => p.fullName);
      expect(names).to.include.members(['Trip_PS', 'Trip_PS_Two']);
      expect(names.filter((n) => n.startsWith('X00e'))).to.deep.equal([]);

      expectSaved(await remove('PermissionSet', 'Trip_PS_Two'));
      expect(await read('PermissionSet', 'Trip_PS_Two')).to.not.have.property('fullName');
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.not.include('Trip_PS_Two');
    });

    it('saves each component of a call on its own: one refused does not stop the others', async () => {
      const results = (await metadataOf(conn).create('PermissionSet', [
        { fullName: 'Each_One', label: 'One' },
        { fullName: 'Trip_PS', label: 'Taken' },
      ])) as SaveResult[];
      expect(results.map((r) => r.success)).to.deep.equal([true, false]);
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.include('Each_One');
    });
  });

  describe('retrieve', () => {
    it('retrieves components of several types for source-deploy-retrieve, as sf project retrieve does: the fields readMetadata returns, no secret, a missing member named', async () => {
      const consumerKey = await createEca('Ret_Eca', { plcy: { isEnabled: false, isOauthPluginEnabled: true } });
      expectSaved(await create('ConnectedApp', connectedApp('Ret_Ca', { consumerKey: 'RetCaKey000001' })));
      const dir = await tempDir('jwtapp-retrieve-');
      const set = new ComponentSet([
        { fullName: 'Ret_Eca_glbloauth', type: 'ExtlClntAppGlobalOauthSettings' },
        { fullName: 'Ret_Eca_defaultPolicy', type: 'ExtlClntAppConfigurablePolicies' },
        { fullName: 'Ret_Ca', type: 'ConnectedApp' },
        { fullName: 'No_Such_App', type: 'ConnectedApp' },
      ]);
      const retrieve = await set.retrieve({ usernameOrConnection: conn, output: dir, merge: false });
      const result = await retrieve.pollStatus({
        frequency: Duration.milliseconds(100),
        timeout: Duration.seconds(30),
      });
      expect(result.response.status).to.equal('Succeeded');
      const files = result.getFileResponses();
      expect(
        files.filter((f) => f.state !== ComponentStatus.Failed).map((f) => `${f.type}:${f.fullName}`),
      ).to.have.members([
        'ExtlClntAppGlobalOauthSettings:Ret_Eca_glbloauth',
        'ExtlClntAppConfigurablePolicies:Ret_Eca_defaultPolicy',
        'ConnectedApp:Ret_Ca',
      ]);
      const missing = asArray(result.response.messages).map((m) => m.problem);
      expect(missing).to.deep.equal(["Entity of type 'ConnectedApp' named 'No_Such_App' cannot be found"]);
      const text = async (type: string, name: string): Promise<string> => {
        const file = files.find((f) => f.type === type && f.fullName === name);
        return readFile(String(file?.filePath), 'utf8');
      };
      const global = await text('ExtlClntAppGlobalOauthSettings', 'Ret_Eca_glbloauth');
      expect(global).to.match(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<ExtlClntAppGlobalOauthSettings xmlns="http:\/\/soap.sforce.com\/2006\/04\/metadata">/,
      );
      expect(global).to.include(`<consumerKey>${consumerKey}</consumerKey>`);
      expect(global).to.include('<externalClientApplication>Ret_Eca</externalClientApplication>');
      expect(global).not.to.include('consumerSecret');
      expect(global).not.to.include('<fullName>');
      expect(await text('ExtlClntAppConfigurablePolicies', 'Ret_Eca_defaultPolicy')).to.include(
        '<isEnabled>false</isEnabled>',
      );
      expect(await text('ConnectedApp', 'Ret_Ca')).to.include('<consumerKey>RetCaKey000001</consumerKey>');
    });

    it('queues a retrieve and answers its status until done, the zip only then; an unknown job id is refused', async () => {
      const { id } = await conn.metadata.retrieve({
        apiVersion: conn.getApiVersion(),
        singlePackage: true,
        unpackaged: {
          types: [{ name: 'ExternalClientApplication', members: ['Trip_Eca'] }],
          version: conn.getApiVersion(),
        },
      } as never);
      expect(id).to.match(/^09S/);
      let status = await conn.metadata.checkRetrieveStatus(id);
      for (let i = 0; i < 50 && String(status.done) !== 'true'; i++) {
        expect(status.zipFile ?? '').to.equal('');
        // eslint-disable-next-line no-await-in-loop
        await new Promise((resolve) => setTimeout(resolve, 20));
        // eslint-disable-next-line no-await-in-loop
        status = await conn.metadata.checkRetrieveStatus(id);
      }
      expect(status).to.include({ status: 'Succeeded' });
      expect(status.zipFile).to.be.a('string').and.not.equal('');
      const refused = await conn.metadata.checkRetrieveStatus('09S000000000000AAA').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(refused?.message).to.match(/INVALID_CROSS_REFERENCE_KEY/);
    });
  });

  describe('Connected App creation', () => {
    it('refuses a new Connected App in an org that has not been allowed to create them, by create and by upsert', async () => {
      const strict = await startEmulator();
      try {
        const admin = await adminConnection(strict);
        const message =
          'You can no longer create connected apps. Create an external client app instead, or contact Salesforce Customer Support to enable connected app creation.';
        expectNotSaved(
          (await metadataOf(admin).create('ConnectedApp', connectedApp('Blocked_App'))) as SaveResult,
          'FIELD_INTEGRITY_EXCEPTION',
          message,
        );
        expectNotSaved(
          (await metadataOf(admin).upsert('ConnectedApp', connectedApp('Blocked_App'))) as SaveResult,
          'FIELD_INTEGRITY_EXCEPTION',
          message,
        );
        expect((await strict.state()).connectedApps).to.deep.equal([]);
      } finally {
        await strict.stop();
      }
    });
  });

  describe('consumer keys and secrets', () => {
    it('keeps a consumer key given on create, and reads it back', async () => {
      expectSaved(await create('ConnectedApp', connectedApp('Key_Given', { consumerKey: 'KeyGivenCa0001' })));
      expect(((await read('ConnectedApp', 'Key_Given')).oauthConfig as Body).consumerKey).to.equal('KeyGivenCa0001');
      expect(await createEca('Key_Given_Eca', { global: { consumerKey: 'KeyGivenEca001' } })).to.equal(
        'KeyGivenEca001',
      );
    });

    it('generates a consumer key when create gives none, different for each app', async () => {
      expectSaved(await create('ConnectedApp', connectedApp('Key_Made')));
      const made = String(((await read('ConnectedApp', 'Key_Made')).oauthConfig as Body).consumerKey);
      const madeEca = await createEca('Key_Made_Eca');
      expect(made).to.match(/^\S{20,}$/);
      expect(madeEca).to.match(/^\S{20,}$/);
      expect(made).to.not.equal(madeEca);
    });

    it('keeps the consumer key when an update omits it', async () => {
      expectSaved(await update('ConnectedApp', connectedApp('Key_Given', { scopes: ['Api', 'RefreshToken'] })));
      expect(((await read('ConnectedApp', 'Key_Given')).oauthConfig as Body).consumerKey).to.equal('KeyGivenCa0001');
      expectSaved(
        await update(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Key_Given_Eca', 'glbloauth', { callbackUrl: CALLBACK }),
        ),
      );
      expect((await read('ExtlClntAppGlobalOauthSettings', 'Key_Given_Eca_glbloauth')).consumerKey).to.equal(
        'KeyGivenEca001',
      );
    });

    it('takes an update that repeats the consumer key', async () => {
      expectSaved(await update('ConnectedApp', connectedApp('Key_Given', { consumerKey: 'KeyGivenCa0001' })));
      expectSaved(
        await update(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Key_Given_Eca', 'glbloauth', { callbackUrl: CALLBACK, consumerKey: 'KeyGivenEca001' }),
        ),
      );
    });

    it('refuses an update that changes the consumer key, and keeps the old one', async () => {
      expectNotSaved(
        await update('ConnectedApp', connectedApp('Key_Given', { consumerKey: 'AnotherKey0001' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expect(((await read('ConnectedApp', 'Key_Given')).oauthConfig as Body).consumerKey).to.equal('KeyGivenCa0001');
      expectNotSaved(
        await upsert('ConnectedApp', connectedApp('Key_Given', { consumerKey: 'AnotherKey0001' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectNotSaved(
        await update(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Key_Given_Eca', 'glbloauth', { callbackUrl: CALLBACK, consumerKey: 'AnotherKey0002' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expect((await read('ExtlClntAppGlobalOauthSettings', 'Key_Given_Eca_glbloauth')).consumerKey).to.equal(
        'KeyGivenEca001',
      );
    });

    it('refuses a consumer key another app already has, of either kind, with DUPLICATE_VALUE', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Key_Thief', { consumerKey: 'KeyGivenCa0001' })),
        'DUPLICATE_VALUE',
      );
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Key_Thief', { consumerKey: 'KeyGivenEca001' })),
        'DUPLICATE_VALUE',
      );
      expectSaved(await create('ExternalClientApplication', ecaHeader('Key_Thief_Eca')));
      expectSaved(
        await create(
          'ExtlClntAppOauthSettings',
          ecaPart('Key_Thief_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api' }),
        ),
      );
      expectNotSaved(
        await create(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Key_Thief_Eca', 'glbloauth', { callbackUrl: CALLBACK, consumerKey: 'KeyGivenCa0001' }),
        ),
        'DUPLICATE_VALUE',
      );
      expectNotSaved(
        await create(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Key_Thief_Eca', 'glbloauth', { callbackUrl: CALLBACK, consumerKey: 'KeyGivenEca001' }),
        ),
        'DUPLICATE_VALUE',
      );
      expect(await read('ConnectedApp', 'Key_Thief')).to.not.have.property('fullName');
    });

    it('refuses a consumer key shorter than 8 characters or with characters Salesforce keys never hold', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Key_Short', { consumerKey: 'Short1' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Key_Dashed', { consumerKey: 'has-dash-0001' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Key_Spaced', { consumerKey: 'has space 0001' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it('keeps a consumer key of the forms Salesforce generates, dots, underscores and base64 padding included', async () => {
      const generated = '3MVG9PG9sFc71i9niSy3spF8Y.qLj20SmyCy_6T3OrdHVvczQhbzRi7tKG5SimgteXRQHo1ZCj285vg5swDVX';
      expectSaved(await create('ConnectedApp', connectedApp('Key_Generated', { consumerKey: generated })));
      expect((await read('ConnectedApp', 'Key_Generated')).oauthConfig).to.have.property('consumerKey', generated);
      const padded = '3MVG9vVKBifrxMjZTfLHEjlAtOG19L_Smg3IgrOF2AcjIzIL8GwDURUOAvyqL5PhNM3IQY.iPEX==';
      expectSaved(await create('ConnectedApp', connectedApp('Key_Padded', { consumerKey: padded })));
      expect((await read('ConnectedApp', 'Key_Padded')).oauthConfig).to.have.property('consumerKey', padded);
    });

    it('never returns the consumer secret, given or generated', async () => {
      expectSaved(await create('ConnectedApp', connectedApp('Secret_App', { consumerSecret: 'GIVENSECRET1234' })));
      expect((await read('ConnectedApp', 'Secret_App')).oauthConfig).to.not.have.property('consumerSecret');
      await createEca('Secret_Eca', { global: { consumerSecret: 'GIVENSECRET5678' } });
      expect(await read('ExtlClntAppGlobalOauthSettings', 'Secret_Eca_glbloauth')).to.not.have.property(
        'consumerSecret',
      );
      // Setup shows a secret to an admin; that is where the state endpoint gets it.
      const state = await emu.state();
      expect(state.apps.find((a) => a.name === 'Secret_App')?.consumerSecret)
        .to.be.a('string')
        .and.not.equal('');
      expect(JSON.stringify(state.connectedApps)).to.not.include('GIVENSECRET1234');
    });
  });

  describe('updates replace the whole component', () => {
    it('leaves no certificate, description or profiles on a Connected App when an update omits them', async () => {
      expectSaved(
        await create(
          'ConnectedApp',
          connectedApp(
            'Replace_App',
            { certificate: key.certificatePem, scopes: ['Api', 'RefreshToken', 'Web'] },
            { description: 'before', profileName: ['Standard User'] },
          ),
        ),
      );
      expectSaved(await update('ConnectedApp', connectedApp('Replace_App', { scopes: ['Api'] })));
      const back = await read('ConnectedApp', 'Replace_App');
      expect(back.oauthConfig).to.not.have.property('certificate');
      expect((back.oauthConfig as Body).scopes).to.deep.equal(['Api']);
      expect(back).to.not.have.property('description');
      expect(back.profileName).to.deep.equal([]);
    });

    it('leaves no certificate on a Connected App when an upsert omits it', async () => {
      expectSaved(await update('ConnectedApp', connectedApp('Replace_App', { certificate: key.certificatePem })));
      expect(await upsert('ConnectedApp', connectedApp('Replace_App'))).to.include({ success: true, created: false });
      expect((await read('ConnectedApp', 'Replace_App')).oauthConfig).to.not.have.property('certificate');
    });

    it('leaves no certificate or callback URL, and no scopes, on External Client App components when updates omit them', async () => {
      await createEca('Replace_Eca', { oauth: { commaSeparatedOauthScopes: 'Api,RefreshToken' } });
      expectSaved(await update('ExtlClntAppGlobalOauthSettings', ecaPart('Replace_Eca', 'glbloauth')));
      const global = await read('ExtlClntAppGlobalOauthSettings', 'Replace_Eca_glbloauth');
      expect(global).to.not.have.property('certificate');
      expect(global).to.not.have.property('callbackUrl');
      expectSaved(await update('ExtlClntAppOauthSettings', ecaPart('Replace_Eca', 'oauth')));
      expect(await read('ExtlClntAppOauthSettings', 'Replace_Eca_oauth')).to.not.have.property(
        'commaSeparatedOauthScopes',
      );
      const seen = (await emu.state()).apps.find((a) => a.name === 'Replace_Eca');
      expect(seen).to.not.have.property('certificate');
      expect(seen?.scopes).to.deep.equal([]);
    });
  });

  describe('scopes', () => {
    it('stores Profile, Email, Address and Phone as Basic, and OfflineAccess as RefreshToken, on a Connected App', async () => {
      expectSaved(
        await create(
          'ConnectedApp',
          connectedApp('Scope_App', {
            scopes: ['Api', 'Profile', 'Email', 'Address', 'Phone', 'OfflineAccess', 'RefreshToken'],
          }),
        ),
      );
      expect(((await read('ConnectedApp', 'Scope_App')).oauthConfig as Body).scopes).to.deep.equal([
        'Api',
        'Basic',
        'RefreshToken',
      ]);
    });

    it("folds an External Client App's comma-separated scopes the same way", async () => {
      await createEca('Scope_Eca', { oauth: { commaSeparatedOauthScopes: 'Api, Profile,Email,OfflineAccess' } });
      expect((await read('ExtlClntAppOauthSettings', 'Scope_Eca_oauth')).commaSeparatedOauthScopes).to.equal(
        'Api, Basic, RefreshToken',
      );
    });

    it('refuses an unknown Connected App scope as the WSDL does, with a SOAP fault', async () => {
      const error = await refusal(
        create('ConnectedApp', connectedApp('Scope_Bad', { scopes: ['Api', 'Superpowers'] })),
      );
      expect(error.name).to.equal('soapenv:Client');
      expect(error.message).to.equal("'Superpowers' is not a valid value for the enum 'ConnectedAppOauthAccessScope'");
      expect(await read('ConnectedApp', 'Scope_Bad')).to.not.have.property('fullName');
    });

    it("refuses an unknown scope in an External Client App's comma-separated scopes", async () => {
      expectSaved(await create('ExternalClientApplication', ecaHeader('Scope_Bad_Eca')));
      expectNotSaved(
        await create(
          'ExtlClntAppOauthSettings',
          ecaPart('Scope_Bad_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api,Superpowers' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
        "There's a problem with your scope(s): Superpowers",
      );
    });

    it("takes SFApiPlatform in an External Client App's scopes, as a file retrieved at API 67 holds it, and not in a Connected App's", async () => {
      expectSaved(await create('ExternalClientApplication', ecaHeader('Scope_Sfap_Eca')));
      expectSaved(
        await create(
          'ExtlClntAppOauthSettings',
          ecaPart('Scope_Sfap_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api, SFApiPlatform' }),
        ),
      );
      expect((await read('ExtlClntAppOauthSettings', 'Scope_Sfap_Eca_oauth')).commaSeparatedOauthScopes).to.equal(
        'Api, SFApiPlatform',
      );
      const error = await refusal(
        create('ConnectedApp', connectedApp('Scope_Sfap', { scopes: ['Api', 'SFApiPlatform'] })),
      );
      expect(error.message).to.equal(
        "'SFApiPlatform' is not a valid value for the enum 'ConnectedAppOauthAccessScope'",
      );
    });

    it('refuses OAuth settings of a Connected App without any scope', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Scope_None', { scopes: [] })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });
  });

  describe('the WSDL and the limits of a call', () => {
    it('refuses an element the type does not have, at the top or nested, with a SOAP fault', async () => {
      const top = await refusal(create('ConnectedApp', { ...connectedApp('Typo_App'), contactMail: CONTACT }));
      expect(top.name).to.equal('soapenv:Client');
      expect(top.message).to.equal(
        'Element {http://soap.sforce.com/2006/04/metadata}contactMail invalid at this location in type ConnectedApp',
      );
      const nested = await refusal(create('ConnectedApp', connectedApp('Typo_App', { callbackURL: CALLBACK })));
      expect(nested.message).to.equal(
        'Element {http://soap.sforce.com/2006/04/metadata}callbackURL invalid at this location in type ConnectedAppOauthConfig',
      );
      expect(await read('ConnectedApp', 'Typo_App')).to.not.have.property('fullName');
    });

    it("refuses an element out of its place in the type's WSDL sequence, at the top or nested, with a SOAP fault", async () => {
      // jsforce sends fields in the order it is given them: the raw client, not the helper that orders them.
      const raw = (body: Body): Promise<unknown> => conn.metadata.create('ConnectedApp', body as never);
      const top = await refusal(
        raw({
          fullName: 'Order_App',
          label: 'Order_App',
          contactEmail: CONTACT,
          oauthConfig: { callbackUrl: CALLBACK, scopes: ['Api'] },
        }),
      );
      expect(top.name).to.equal('soapenv:Client');
      expect(top.message).to.equal(
        'Element {http://soap.sforce.com/2006/04/metadata}contactEmail invalid at this location in type ConnectedApp',
      );
      // What a merge that appends "admin approved" after the scopes sends (the path of ActiFi's guide, docs/research/vendor-guides.md).
      const nested = await refusal(
        raw({
          fullName: 'Order_App',
          contactEmail: CONTACT,
          label: 'Order_App',
          oauthConfig: { callbackUrl: CALLBACK, scopes: ['Api'], isAdminApproved: true },
        }),
      );
      expect(nested.message).to.equal(
        'Element {http://soap.sforce.com/2006/04/metadata}isAdminApproved invalid at this location in type ConnectedAppOauthConfig',
      );
      expect(await read('ConnectedApp', 'Order_App')).to.not.have.property('fullName');
      expectSaved(
        (await raw({
          fullName: 'Order_App',
          contactEmail: CONTACT,
          label: 'Order_App',
          oauthConfig: { callbackUrl: CALLBACK, isAdminApproved: true, scopes: ['Api'] },
        })) as SaveResult,
      );
    });

    it('takes a certificate as PEM or as its base64 body alone, and refuses text that is neither', async () => {
      const body = certificateBodyOf(key.certificatePem);
      expectSaved(await create('ConnectedApp', connectedApp('Body_Cert_App', { certificate: body })));
      expect((await read('ConnectedApp', 'Body_Cert_App')).oauthConfig).to.include({ certificate: body });
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Bad_Cert_App', { certificate: 'not a certificate' })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Bad_Cert_App', { certificate: body.slice(0, 40) })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it("refuses a value that is not of the field's type: a boolean, an enum", async () => {
      expect(
        (await refusal(create('ConnectedApp', connectedApp('Typed_App', { isAdminApproved: 'yes' })))).message,
      ).to.equal("'yes' is not a valid value for the type xsd:boolean");
      expectSaved(await create('ExternalClientApplication', ecaHeader('Typed_Eca')));
      const policy = await refusal(
        create(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Typed_Eca', 'oauth_defaultPolicy', { permittedUsersPolicyType: 'Everyone' }),
        ),
      );
      expect(policy.message).to.equal("'Everyone' is not a valid value for the enum 'PermittedUsersPolicyType'");
    });

    it('does not know the External Client App types below API version 59.0, nor types it has never had', async () => {
      const old = await adminConnection(emu);
      old.setApiVersion('58.0');
      const tooOld = await refusal(metadataOf(old).read('ExternalClientApplication', 'Trip_Eca'));
      expect(tooOld.name).to.equal('sf:INVALID_TYPE');
      expect(tooOld.message).to.equal(
        "INVALID_TYPE: Unknown type name 'ExternalClientApplication' specified in the request at API version 58.0",
      );
      expect((await refusal(read('CustomWidget', 'X'))).name).to.equal('sf:INVALID_TYPE');
    });

    it('refuses more than 10 components in one call with EXCEEDED_ID_LIMIT, and saves none of them', async () => {
      const eleven = Array.from({ length: 11 }, (_, i) => ({ fullName: `Many_${i}`, label: `Many ${i}` }));
      const error = await refusal(metadataOf(conn).create('PermissionSet', eleven));
      expect(error.name).to.equal('sf:EXCEEDED_ID_LIMIT');
      expect((await emu.state()).permissionSets.map((p) => p.Name).filter((n) => n.startsWith('Many_'))).to.deep.equal(
        [],
      );
      expect(
        (await refusal(metadataOf(conn).read('PermissionSet', eleven.map((p) => p.fullName) as never))).name,
      ).to.equal('sf:EXCEEDED_ID_LIMIT');
      expect(
        (
          await refusal(
            conn.metadata.delete(
              'PermissionSet',
              eleven.map((p) => p.fullName),
            ),
          )
        ).name,
      ).to.equal('sf:EXCEEDED_ID_LIMIT');
    });

    it('takes 10 components in one call', async () => {
      const ten = Array.from({ length: 10 }, (_, i) => ({ fullName: `Ten_${i}`, label: `Ten ${i}` }));
      const results = (await metadataOf(conn).create('PermissionSet', ten)) as SaveResult[];
      expect(results.map((r) => r.success)).to.deep.equal(ten.map(() => true));
    });

    it('refuses a listMetadata call of more than 3 queries', async () => {
      const queries = ['PermissionSet', 'ConnectedApp', 'ExternalClientApplication', 'ExtlClntAppOauthSettings'].map(
        (type) => ({ type }),
      );
      expect((await refusal(conn.metadata.list(queries as never))).name).to.equal('sf:INVALID_QUERY');
    });

    it('refuses a call at an API version it does not serve', async () => {
      const response = await fetch(`${emu.url}/services/Soap/m/99.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader xmlns="http://soap.sforce.com/2006/04/metadata"><sessionId>${emu.ready.admin.accessToken}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><listMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><queries><type>PermissionSet</type></queries></listMetadata></soapenv:Body></soapenv:Envelope>`,
      });
      expect(response.status).to.equal(500);
      expect(await response.text()).to.include('<faultcode>sf:UNSUPPORTED_API_VERSION</faultcode>');
    });
  });

  describe('saves it refuses', () => {
    it('refuses to create a name that exists with DUPLICATE_DEVELOPER_NAME, and to update one that does not with INVALID_CROSS_REFERENCE_KEY', async () => {
      expectNotSaved(await create('ConnectedApp', connectedApp('Key_Given')), 'DUPLICATE_DEVELOPER_NAME');
      expectNotSaved(await update('ConnectedApp', connectedApp('Never_Made')), 'INVALID_CROSS_REFERENCE_KEY');
      expectNotSaved(
        await update('PermissionSet', { fullName: 'Never_Made', label: 'x' }),
        'INVALID_CROSS_REFERENCE_KEY',
      );
      expect(await read('ConnectedApp', 'Never_Made')).to.not.have.property('fullName');
    });

    it('refuses a component without its required fields, nested ones included, with REQUIRED_FIELD_MISSING', async () => {
      const noEmail = await create('ConnectedApp', {
        fullName: 'Required_App',
        label: 'x',
        oauthConfig: { callbackUrl: CALLBACK, scopes: ['Api'] },
      });
      expectNotSaved(noEmail, 'REQUIRED_FIELD_MISSING');
      expect(noEmail.errors[0].fields).to.deep.equal(['contactEmail']);
      const noCallback = await create('ConnectedApp', {
        fullName: 'Required_App',
        label: 'x',
        contactEmail: CONTACT,
        oauthConfig: { scopes: ['Api'] },
      });
      expectNotSaved(noCallback, 'REQUIRED_FIELD_MISSING');
      expect(noCallback.errors[0].fields).to.deep.equal(['oauthConfig.callbackUrl']);
      expect(
        (await create('ExternalClientApplication', { fullName: 'Required_Eca', label: 'x', contactEmail: CONTACT }))
          .success,
      ).to.equal(true);
      const noIsEnabled = await create('ExtlClntAppConfigurablePolicies', {
        fullName: 'Required_Eca_defaultPolicy',
        externalClientApplication: 'Required_Eca',
        label: 'x',
      });
      expectNotSaved(noIsEnabled, 'REQUIRED_FIELD_MISSING');
      expect(noIsEnabled.errors[0].fields).to.deep.equal(['isEnabled']);
      expectNotSaved(await create('PermissionSet', { fullName: 'Required_PS' }), 'REQUIRED_FIELD_MISSING');
    });

    it('refuses API names Salesforce does not allow', async () => {
      for (const name of ['1_App', 'Two__Underscores', 'Trailing_', 'With Space']) {
        // eslint-disable-next-line no-await-in-loop
        expectNotSaved(await create('ConnectedApp', connectedApp(name)), 'FIELD_INTEGRITY_EXCEPTION');
        // eslint-disable-next-line no-await-in-loop
        expectNotSaved(await create('PermissionSet', { fullName: name, label: 'x' }), 'FIELD_INTEGRITY_EXCEPTION');
      }
    });

    it('refuses a certificate that is not an X.509 certificate in PEM', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Cert_Bad', { certificate: key.privateKeyPem })),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectSaved(await create('ExternalClientApplication', ecaHeader('Cert_Bad_Eca')));
      expectNotSaved(
        await create(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Cert_Bad_Eca', 'glbloauth', { certificate: 'not a certificate' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it('refuses a profile the org does not have', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Profile_Bad', {}, { profileName: ['No Such Profile'] })),
        'INVALID_CROSS_REFERENCE_KEY',
      );
    });

    it('refuses a client credentials flow whose run-as user is inactive or unknown', async () => {
      const inactive = emu.ready.inactiveUser.username;
      expectNotSaved(
        await create(
          'ConnectedApp',
          connectedApp('Cc_Bad', { isClientCredentialEnabled: true, oauthClientCredentialUser: inactive }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectSaved(await create('ExternalClientApplication', ecaHeader('Cc_Bad_Eca')));
      expectNotSaved(
        await create(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Cc_Bad_Eca', 'oauth_defaultPolicy', {
            isClientCredentialsFlowEnabled: true,
            clientCredentialsFlowUser: 'nobody@example.com',
          }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });
  });

  describe('who may use it', () => {
    it('refuses every call of a user who is not an admin with INSUFFICIENT_ACCESS', async () => {
      const integration = emu.ready.integrationUser.username;
      const app = await configureJwtApp(conn, {
        name: 'Nonadmin_App',
        certificatePem: key.certificatePem,
        username: integration,
      });
      const granted = await jwtLogin(
        emu.url,
        { iss: app.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        key.privateKeyPem,
      );
      expect(granted.status).to.equal(200);
      const nonAdmin = await connectionFor(emu, granted.body.access_token);
      for (const call of [
        (): PromiseLike<unknown> => metadataOf(nonAdmin).read('PermissionSet', 'Nonadmin_App_Access'),
        (): PromiseLike<unknown> =>
          metadataOf(nonAdmin).create('PermissionSet', { fullName: 'Nonadmin_PS', label: 'x' }),
        (): PromiseLike<unknown> => nonAdmin.metadata.list({ type: 'PermissionSet' }),
        (): PromiseLike<unknown> => nonAdmin.metadata.delete('PermissionSet', 'Nonadmin_App_Access'),
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const error = await refusal(call());
        expect(error.name).to.equal('sf:INSUFFICIENT_ACCESS');
      }
      const names = (await emu.state()).permissionSets.map((p) => p.Name);
      expect(names).to.include('Nonadmin_App_Access');
      expect(names).to.not.include('Nonadmin_PS');
    });
  });

  describe('app access through metadata', () => {
    const rowsOf = async (
      appId: string | undefined,
    ): Promise<Array<{ permissionSet: string | undefined; type: string }>> => {
      const state = await emu.state();
      return state.setupEntityAccess
        .filter((r) => r.SetupEntityId === appId)
        .map((r) => ({
          permissionSet: state.permissionSets.find((p) => p.Id === r.ParentId)?.Name,
          type: r.SetupEntityType,
        }));
    };
    const appId = async (name: string): Promise<string | undefined> =>
      (await emu.state()).apps.find((a) => a.name === name)?.id;

    before(async () => {
      expectSaved(await create('PermissionSet', { fullName: 'Grant_One', label: 'One' }));
      expectSaved(await create('PermissionSet', { fullName: 'Grant_Two', label: 'Two' }));
    });

    it('turns the permission sets a Connected App lists into its SetupEntityAccess rows, and reads them back', async () => {
      expectSaved(
        await create('ConnectedApp', connectedApp('Grant_App', {}, { permissionSetName: ['Grant_One', 'Grant_Two'] })),
      );
      expect(await rowsOf(await appId('Grant_App'))).to.have.deep.members([
        { permissionSet: 'Grant_One', type: 'ConnectedApplication' },
        { permissionSet: 'Grant_Two', type: 'ConnectedApplication' },
      ]);
      expect((await read('ConnectedApp', 'Grant_App')).permissionSetName).to.have.members(['Grant_One', 'Grant_Two']);
    });

    it('removes the access rows a Connected App update no longer lists', async () => {
      expectSaved(await update('ConnectedApp', connectedApp('Grant_App', {}, { permissionSetName: ['Grant_Two'] })));
      expect(await rowsOf(await appId('Grant_App'))).to.deep.equal([
        { permissionSet: 'Grant_Two', type: 'ConnectedApplication' },
      ]);
      expectSaved(await update('ConnectedApp', connectedApp('Grant_App')));
      expect(await rowsOf(await appId('Grant_App'))).to.deep.equal([]);
      expect((await read('ConnectedApp', 'Grant_App')).permissionSetName).to.deep.equal([]);
    });

    it("turns an External Client App policy's commaSeparatedPermissionSet into rows of the app, and an update that omits it removes them", async () => {
      await createEca('Grant_Eca', { policies: { commaSeparatedPermissionSet: 'Grant_One,Grant_Two' } });
      expect(await rowsOf(await appId('Grant_Eca'))).to.have.deep.members([
        { permissionSet: 'Grant_One', type: 'ExternalClientApplication' },
        { permissionSet: 'Grant_Two', type: 'ExternalClientApplication' },
      ]);
      expect(
        (await read('ExtlClntAppOauthConfigurablePolicies', 'Grant_Eca_oauth_defaultPolicy'))
          .commaSeparatedPermissionSet,
      ).to.equal('Grant_One,Grant_Two');
      expectSaved(
        await update(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Grant_Eca', 'oauth_defaultPolicy', { permittedUsersPolicyType: 'AdminApprovedPreAuthorized' }),
        ),
      );
      expect(await rowsOf(await appId('Grant_Eca'))).to.deep.equal([]);
      expect(await read('ExtlClntAppOauthConfigurablePolicies', 'Grant_Eca_oauth_defaultPolicy')).to.not.have.property(
        'commaSeparatedPermissionSet',
      );
    });

    it('refuses a permission set that does not exist, and writes nothing', async () => {
      expectNotSaved(
        await create('ConnectedApp', connectedApp('Grant_Missing', {}, { permissionSetName: ['No_Such_PS'] })),
        'INVALID_CROSS_REFERENCE_KEY',
      );
      expect(await read('ConnectedApp', 'Grant_Missing')).to.not.have.property('fullName');
      expectNotSaved(
        await update(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Grant_Eca', 'oauth_defaultPolicy', { commaSeparatedPermissionSet: 'Grant_One,No_Such_PS' }),
        ),
        'INVALID_CROSS_REFERENCE_KEY',
      );
      expect(await rowsOf(await appId('Grant_Eca'))).to.deep.equal([]);
    });

    it("takes an app's access rows away when the app or the permission set is deleted", async () => {
      expectSaved(
        await update('ConnectedApp', connectedApp('Grant_App', {}, { permissionSetName: ['Grant_One', 'Grant_Two'] })),
      );
      const id = await appId('Grant_App');
      expectSaved(await remove('PermissionSet', 'Grant_Two'));
      expect(await rowsOf(id)).to.deep.equal([{ permissionSet: 'Grant_One', type: 'ConnectedApplication' }]);
      expectSaved(await remove('ConnectedApp', 'Grant_App'));
      expect((await emu.state()).setupEntityAccess.filter((r) => r.SetupEntityId === id)).to.deep.equal([]);
    });

    it('refuses to delete a permission set that is assigned, with DELETE_FAILED', async () => {
      await assign(conn, emu.ready.integrationUser.username, 'Grant_One');
      expectNotSaved(await remove('PermissionSet', 'Grant_One'), 'DELETE_FAILED');
      expect(await read('PermissionSet', 'Grant_One')).to.include({ fullName: 'Grant_One' });
    });
  });

  describe('External Client App components', () => {
    it('refuses an External Client App named like a Connected App, and the other way round: one namespace', async () => {
      expectSaved(await create('ConnectedApp', connectedApp('Shared_Name')));
      expectNotSaved(await create('ExternalClientApplication', ecaHeader('Shared_Name')), 'DUPLICATE_DEVELOPER_NAME');
      expectSaved(await create('ExternalClientApplication', ecaHeader('Shared_Eca_Name')));
      expectNotSaved(await create('ConnectedApp', connectedApp('Shared_Eca_Name')), 'DUPLICATE_DEVELOPER_NAME');
    });

    it("generates the OAuth link and the org-scoped name, keeps them when a save omits them, refuses another org's", async () => {
      await createEca('Linked_Eca');
      const oauth = await read('ExtlClntAppOauthSettings', 'Linked_Eca_oauth');
      expect(String(oauth.oauthLink)).to.match(new RegExp(`^${emu.ready.orgId.slice(0, 15)}:`));
      expect((await read('ExternalClientApplication', 'Linked_Eca')).orgScopedExternalApp).to.equal(
        `${emu.ready.orgId.slice(0, 15)}:Linked_Eca`,
      );
      expectSaved(
        await update(
          'ExtlClntAppOauthSettings',
          ecaPart('Linked_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api, Web' }),
        ),
      );
      expect((await read('ExtlClntAppOauthSettings', 'Linked_Eca_oauth')).oauthLink).to.equal(oauth.oauthLink);
      expectSaved(
        await update(
          'ExtlClntAppOauthSettings',
          ecaPart('Linked_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api', oauthLink: oauth.oauthLink }),
        ),
      );
      expectNotSaved(
        await update(
          'ExtlClntAppOauthSettings',
          ecaPart('Linked_Eca', 'oauth', { oauthLink: '00D000000000001:0Xx000000000001' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectNotSaved(
        await update(
          'ExternalClientApplication',
          ecaHeader('Linked_Eca', { orgScopedExternalApp: '00D000000000001:Linked_Eca' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it('takes the policy values Salesforce documents for string fields, and refuses others', async () => {
      await createEca('Valued_Eca');
      expectSaved(
        await update(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Valued_Eca', 'oauth_defaultPolicy', {
            ipRelaxationPolicyType: 'Bypass_2factor',
            refreshTokenValidityUnit: 'Months',
          }),
        ),
      );
      expectNotSaved(
        await update(
          'ExtlClntAppOauthConfigurablePolicies',
          ecaPart('Valued_Eca', 'oauth_defaultPolicy', { ipRelaxationPolicyType: 'EnforceActivatedDevices' }),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
      expectSaved(
        await create(
          'ConnectedApp',
          connectedApp(
            'Valued_App',
            {},
            { oauthPolicy: { ipRelaxation: 'BYPASS_2FACTOR', refreshTokenPolicy: 'specific_lifetime:3:HOURS' } },
          ),
        ),
      );
      expectNotSaved(
        await update(
          'ConnectedApp',
          connectedApp(
            'Valued_App',
            {},
            { oauthPolicy: { ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'SPECIFIC_LIFETIME' } },
          ),
        ),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it('does not know the certificate field of global OAuth settings below API version 60.0', async () => {
      const old = await connectionFor(emu, emu.ready.admin.accessToken);
      old.setApiVersion('59.0');
      const fault = await refusal(
        metadataOf(old).create(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Valued_Eca', 'glbloauth', { certificate: key.certificatePem }),
        ),
      );
      expect(fault.name).to.equal('soapenv:Client');
      expect(fault.message).to.include('certificate invalid at this location');
    });

    it('refuses a component that names an app that does not exist with INVALID_CROSS_REFERENCE_KEY', async () => {
      const result = await create(
        'ExtlClntAppOauthSettings',
        ecaPart('No_Such_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api' }),
      );
      expectNotSaved(result, 'INVALID_CROSS_REFERENCE_KEY');
      expect(result.errors[0].fields).to.deep.equal(['externalClientApplication']);
      expect(await read('ExtlClntAppOauthSettings', 'No_Such_Eca_oauth')).to.not.have.property('fullName');
    });

    it('refuses a second component of one type for the same app with DUPLICATE_VALUE', async () => {
      await createEca('Link_Eca');
      expectNotSaved(
        await create('ExtlClntAppOauthSettings', {
          ...ecaPart('Link_Eca', 'oauth'),
          fullName: 'Link_Eca_oauth2',
          commaSeparatedOauthScopes: 'Api',
        }),
        'DUPLICATE_VALUE',
      );
    });

    it('refuses to move a component to another app', async () => {
      await createEca('Link_Other');
      expectNotSaved(
        await update('ExtlClntAppOauthSettings', {
          ...ecaPart('Link_Other', 'oauth'),
          fullName: 'Link_Eca_oauth',
          commaSeparatedOauthScopes: 'Api',
        }),
        'FIELD_INTEGRITY_EXCEPTION',
      );
    });

    it('links a component to its app by externalClientApplication, whatever its name', async () => {
      expectSaved(await create('ExternalClientApplication', ecaHeader('Named_Eca')));
      expectSaved(
        await create('ExtlClntAppOauthSettings', {
          fullName: 'Whatever_Name',
          externalClientApplication: 'Named_Eca',
          label: 'x',
          commaSeparatedOauthScopes: 'Api',
        }),
      );
      expectSaved(
        await create('ExtlClntAppGlobalOauthSettings', {
          fullName: 'Anything_At_All',
          externalClientApplication: 'Named_Eca',
          label: 'x',
          consumerKey: 'NamedEcaKey001',
          certificate: key.certificatePem,
        }),
      );
      const state = await emu.state();
      expect(state.apps.find((a) => a.name === 'Named_Eca')).to.include({
        consumerKey: 'NamedEcaKey001',
        certificate: key.certificatePem,
      });
      expect(
        state.externalClientApps.find((a) => a.fullName === 'Named_Eca')?.components.ExtlClntAppGlobalOauthSettings
          ?.fullName,
      ).to.equal('Anything_At_All');
    });

    it("deletes an app's components with the app", async () => {
      expectSaved(await remove('ExternalClientApplication', 'Link_Eca'));
      for (const [type, name] of [
        ['ExtlClntAppOauthSettings', 'Link_Eca_oauth'],
        ['ExtlClntAppGlobalOauthSettings', 'Link_Eca_glbloauth'],
        ['ExtlClntAppOauthConfigurablePolicies', 'Link_Eca_oauth_defaultPolicy'],
      ]) {
        // eslint-disable-next-line no-await-in-loop
        expect(await read(type, name)).to.not.have.property('fullName');
      }
      expect((await emu.state()).apps.map((a) => a.name)).to.not.include('Link_Eca');
    });
  });

  describe('reads, lists and deletes of what is not there', () => {
    it('answers readMetadata of a missing name with an empty record, in the place of that name', async () => {
      const records = (await metadataOf(conn).read('PermissionSet', [
        'Ten_0',
        'Nothing_Here',
        'Ten_1',
      ] as never)) as unknown as Body[];
      expect(records.map((r) => r.fullName)).to.deep.equal(['Ten_0', undefined, 'Ten_1']);
    });

    it('lists nothing for a type with no components', async () => {
      const fresh = await startEmulator();
      try {
        expect(await (await adminConnection(fresh)).metadata.list({ type: 'ConnectedApp' })).to.deep.equal([]);
      } finally {
        await fresh.stop();
      }
    });

    it('refuses to delete a component that does not exist with INVALID_CROSS_REFERENCE_KEY', async () => {
      expectNotSaved(await remove('ConnectedApp', 'Nothing_Here'), 'INVALID_CROSS_REFERENCE_KEY');
      expectNotSaved(await remove('PermissionSet', 'Nothing_Here'), 'INVALID_CROSS_REFERENCE_KEY');
    });
  });

  describe('the org setting for OAuth consumer secrets', () => {
    let closed: RunningEmulator;
    let admin: Connection;
    before(async () => {
      closed = await startEmulator();
      admin = await adminConnection(closed);
    });
    after(() => closed.stop());

    it('is off by default, as Salesforce advises, and External Client Apps are written and read all the same, without their secret', async () => {
      expect(await metadataOf(admin).read('ExternalClientAppSettings', 'ExternalClientApp')).to.include({
        enableConsumerSecretApiAccess: 'false',
      });
      expectSaved((await metadataOf(admin).create('ExternalClientApplication', ecaHeader('Closed_Eca'))) as SaveResult);
      expectSaved(
        (await metadataOf(admin).create(
          'ExtlClntAppOauthSettings',
          ecaPart('Closed_Eca', 'oauth', { commaSeparatedOauthScopes: 'Api' }),
        )) as SaveResult,
      );
      expectSaved(
        (await metadataOf(admin).create(
          'ExtlClntAppGlobalOauthSettings',
          ecaPart('Closed_Eca', 'glbloauth', { callbackUrl: CALLBACK }),
        )) as SaveResult,
      );
      const global = await metadataOf(admin).read('ExtlClntAppGlobalOauthSettings', 'Closed_Eca_glbloauth');
      expect(global.consumerKey)
        .to.be.a('string')
        .and.match(/^3MVG9/);
      expect(global).to.not.have.property('consumerSecret');
    });

    it('returns the consumer secret once the admin turns the setting on', async () => {
      expectSaved(
        (await metadataOf(admin).update('ExternalClientAppSettings', {
          fullName: 'ExternalClientApp',
          enableConsumerSecretApiAccess: true,
        })) as SaveResult,
      );
      expect(await metadataOf(admin).read('ExternalClientAppSettings', 'ExternalClientApp')).to.include({
        enableConsumerSecretApiAccess: 'true',
      });
      const global = await metadataOf(admin).read('ExtlClntAppGlobalOauthSettings', 'Closed_Eca_glbloauth');
      const { apps } = await closed.state();
      expect(global.consumerSecret).to.equal(apps.find((a) => a.name === 'Closed_Eca')?.consumerSecret);
    });

    it('has one settings component, named ExternalClientApp', async () => {
      expectNotSaved(
        (await metadataOf(admin).update('ExternalClientAppSettings', {
          fullName: 'Other',
          enableConsumerSecretApiAccess: true,
        })) as SaveResult,
        'INVALID_CROSS_REFERENCE_KEY',
      );
    });
  });
});
