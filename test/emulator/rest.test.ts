import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import {
  adminConnection,
  configureJwtApp,
  connectionFor,
  metadataOf,
  testKey,
  type JwtAppFixture,
} from '../helpers/org.js';
import { jwtLogin, refusal } from '../helpers/token.js';

const V = '/services/data/v68.0';

describe("the emulator's REST API", () => {
  let emu: RunningEmulator;
  let conn: Connection;
  let integration: string;
  let integrationId: string;
  let eca: JwtAppFixture;

  const get = (path: string, token = emu.ready.admin.accessToken): Promise<Response> =>
    fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${emu.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.ready.admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const soql = (query: string): string => `${V}/query?q=${encodeURIComponent(query)}`;

  before(async () => {
    emu = await startEmulator({ allowConnectedAppCreation: true });
    conn = await adminConnection(emu);
    integration = emu.ready.integrationUser.username;
    integrationId = (
      await conn.singleRecordQuery<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${integration}'`)
    ).Id;
    const { certificatePem } = await testKey();
    eca = await configureJwtApp(conn, { name: 'Rest_Eca', certificatePem, username: integration });
    await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Rest_App',
      label: 'Rest App',
      contactEmail: 'admin@example.com',
      oauthConfig: {
        callbackUrl: 'http://localhost/cb',
        scopes: ['Api'],
        certificate: certificatePem,
        isAdminApproved: true,
      },
    });
  });
  after(() => emu.stop());

  describe('versions and paths', () => {
    it('lists the API versions at /services/data, without a session', async () => {
      const response = await fetch(`${emu.url}/services/data`);
      expect(response.status).to.equal(200);
      const versions = (await response.json()) as Array<{ label: string; url: string; version: string }>;
      expect(versions).to.deep.include({ label: 'v68.0', url: '/services/data/v68.0', version: '68.0' });
      expect(versions.at(-1)?.version).to.equal(emu.ready.apiVersion);
      expect(versions.every((v) => v.url === `/services/data/v${v.version}` && v.label === `v${v.version}`)).to.equal(
        true,
      );
    });

    it('lists the resources of a version', async () => {
      expect(await (await get(V)).json()).to.include({
        sobjects: `${V}/sobjects`,
        query: `${V}/query`,
        tooling: `${V}/tooling`,
      });
    });

    it('answers 404 NOT_FOUND for an API version it does not serve', async () => {
      const response = await get('/services/data/v20.0/query?q=SELECT+Id+FROM+User');
      expect(response.status).to.equal(404);
      expect(await response.json()).to.deep.equal([
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    });

    it('accepts paths with doubled slashes, and logs them collapsed', async () => {
      await emu.clearRequests();
      const response = await get('//services/data/v68.0//query?q=SELECT+Id+FROM+Organization');
      expect(response.status).to.equal(200);
      expect(((await response.json()) as { records: Array<{ Id: string }> }).records.map((r) => r.Id)).to.deep.equal([
        emu.ready.orgId,
      ]);
      const soap = await fetch(`${emu.url}//services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader xmlns="http://soap.sforce.com/2006/04/metadata"><sessionId>${emu.ready.admin.accessToken}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><listMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><queries><type>PermissionSet</type></queries></listMetadata></soapenv:Body></soapenv:Envelope>`,
      });
      expect(soap.status).to.equal(200);
      expect((await emu.requests()).map((r) => r.path)).to.deep.equal([
        '/services/data/v68.0/query',
        '/services/Soap/m/68.0',
      ]);
    });
  });

  describe('SOQL', () => {
    it("answers a field list with typed values and each record's type and URL", async () => {
      const result = await conn.query<{
        Id: string;
        Username: string;
        IsActive: boolean;
        attributes: { type: string; url: string };
      }>(`SELECT Id, Username, IsActive FROM User WHERE Username = '${integration}'`);
      expect(result).to.include({ totalSize: 1, done: true });
      expect(result.records[0]).to.deep.equal({
        attributes: { type: 'User', url: `${V}/sobjects/User/${integrationId}` },
        Id: integrationId,
        Username: integration,
        IsActive: true,
      });
    });

    it('follows parent relationships, nesting the parent record', async () => {
      const result = await conn.query<{
        PermissionSet: { attributes: { type: string }; Name: string };
        Assignee: { Username: string };
      }>(
        `SELECT PermissionSet.Name, Assignee.Username FROM PermissionSetAssignment WHERE PermissionSet.Name = '${eca.permissionSet}'`,
      );
      expect(result.records).to.have.length(1);
      expect(result.records[0].PermissionSet).to.deep.include({ Name: eca.permissionSet });
      expect(result.records[0].PermissionSet.attributes.type).to.equal('PermissionSet');
      expect(result.records[0].Assignee.Username).to.equal(integration);
    });

    it("lists the assignment of each user's profile permission set, as Salesforce does", async () => {
      const result = await conn.query<{
        PermissionSet: { IsOwnedByProfile: boolean; Profile: { Name: string } | null };
      }>(
        `SELECT PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name FROM PermissionSetAssignment WHERE AssigneeId = '${integrationId}'`,
      );
      const owned = result.records.filter((r) => r.PermissionSet.IsOwnedByProfile);
      expect(owned.map((r) => r.PermissionSet.Profile?.Name)).to.deep.equal(['Standard User']);
      expect(result.records.filter((r) => !r.PermissionSet.IsOwnedByProfile)).to.have.length(1);
    });

    it('filters with IN, NOT IN, AND, OR, != and parentheses', async () => {
      const names = async (where: string): Promise<string[]> =>
        (await conn.query<{ Name: string }>(`SELECT Name FROM Profile WHERE ${where} ORDER BY Name`)).records.map(
          (r) => r.Name,
        );
      expect(await names("Name IN ('Standard User', 'Read Only', 'No Such')")).to.deep.equal([
        'Read Only',
        'Standard User',
      ]);
      expect(await names("Name IN ('Standard User', 'Read Only') AND Name != 'Read Only'")).to.deep.equal([
        'Standard User',
      ]);
      expect(
        await names("(Name = 'Standard User' OR Name = 'Read Only') AND Name NOT IN ('Standard User')"),
      ).to.deep.equal(['Read Only']);
      expect(await names("Name = 'System Administrator' OR Name = 'Read Only'")).to.deep.equal([
        'Read Only',
        'System Administrator',
      ]);
    });

    it('orders and limits', async () => {
      const all = (await conn.query<{ Name: string }>('SELECT Name FROM Profile ORDER BY Name DESC')).records.map(
        (r) => r.Name,
      );
      expect(all).to.deep.equal([...all].sort().reverse());
      const two = await conn.query<{ Name: string }>('SELECT Name FROM Profile ORDER BY Name DESC LIMIT 2');
      expect(two.totalSize).to.equal(2);
      expect(two.records.map((r) => r.Name)).to.deep.equal(all.slice(0, 2));
    });

    it('compares an 18-character Id with its 15-character form', async () => {
      const rows = await conn.query<{ Username: string }>(
        `SELECT Username FROM User WHERE Id = '${integrationId.slice(0, 15)}'`,
      );
      expect(rows.records.map((r) => r.Username)).to.deep.equal([integration]);
    });

    it('refuses an object it does not have with INVALID_TYPE, as Salesforce refuses ScratchOrgInfo outside a Dev Hub', async () => {
      const error = await refusal(conn.query('SELECT Id FROM ScratchOrgInfo'));
      expect(error.name).to.equal('INVALID_TYPE');
      expect(error.message).to.include("sObject type 'ScratchOrgInfo' is not supported.");
      const response = await get(soql('SELECT Id FROM ScratchOrgInfo'));
      expect(response.status).to.equal(400);
      expect(((await response.json()) as Array<{ errorCode: string }>)[0].errorCode).to.equal('INVALID_TYPE');
    });

    it('refuses an unknown column or relationship with INVALID_FIELD, even where no row matches', async () => {
      const column = await refusal(conn.query("SELECT Id, Nope FROM User WHERE Username = 'nobody'"));
      expect(column.name).to.equal('INVALID_FIELD');
      expect(column.message).to.include("No such column 'Nope' on entity 'User'.");
      const inWhere = await refusal(conn.query("SELECT Id FROM User WHERE Nope = 'x'"));
      expect(inWhere.name).to.equal('INVALID_FIELD');
      const relationship = await refusal(conn.query('SELECT Owner.Name FROM PermissionSet'));
      expect(relationship.name).to.equal('INVALID_FIELD');
      expect(relationship.message).to.include("Didn't understand relationship 'Owner' in field path.");
    });

    it('refuses what is not SOQL with MALFORMED_QUERY', async () => {
      for (const query of [
        'SELECT Id FROM User WHERE',
        'SELECT FROM User',
        'SELECT Id FROM User LIMIT ten',
        "SELECT Id FROM User WHERE Username = 'open",
        'SELECT Id User',
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const error = await refusal(conn.query(query));
        expect(error.name, query).to.equal('MALFORMED_QUERY');
      }
      const noQuery = await get(`${V}/query`);
      expect(noQuery.status).to.equal(400);
      expect(await noQuery.json()).to.deep.equal([
        { message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' },
      ]);
    });

    it('answers Tooling API queries', async () => {
      expect(await conn.tooling.query('SELECT Id, SandboxName FROM SandboxProcess')).to.deep.include({
        totalSize: 0,
        done: true,
        records: [],
      });
    });

    it('finds both kinds of app by name: ConnectedApplication and ExternalClientApplication', async () => {
      const state = await emu.state();
      const connected = await conn.singleRecordQuery<{ Id: string; Name: string }>(
        "SELECT Id, Name FROM ConnectedApplication WHERE Name = 'Rest App'",
      );
      expect(connected.Id).to.equal(state.connectedApps.find((a) => a.fullName === 'Rest_App')?.id);
      const external = await conn.singleRecordQuery<{ Id: string; DeveloperName: string; MasterLabel: string }>(
        "SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = 'Rest_Eca'",
      );
      expect(external.Id).to.equal(state.externalClientApps.find((a) => a.fullName === 'Rest_Eca')?.id);
      expect(external.MasterLabel).to.equal('Rest_Eca');
    });
  });

  describe('sobjects', () => {
    const appIds = async (): Promise<{ connected: string; external: string }> => ({
      connected: (
        await conn.singleRecordQuery<{ Id: string }>("SELECT Id FROM ConnectedApplication WHERE Name = 'Rest App'")
      ).Id,
      external: (
        await conn.singleRecordQuery<{ Id: string }>(
          "SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Rest_Eca'",
        )
      ).Id,
    });

    it('creates, retrieves and deletes a permission set', async () => {
      const created = await conn
        .sobject('PermissionSet')
        .create({ Name: 'Rest_PS', Label: 'Rest PS', Description: 'made over REST' });
      expect(created).to.include({ success: true });
      expect(created.id).to.match(/^0PS/);
      expect(await conn.sobject('PermissionSet').retrieve(String(created.id))).to.deep.include({
        Id: created.id,
        Name: 'Rest_PS',
        Label: 'Rest PS',
        Description: 'made over REST',
        IsOwnedByProfile: false,
      });
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.include('Rest_PS');
      await conn.sobject('PermissionSet').destroy(String(created.id));
      expect((await refusal(conn.sobject('PermissionSet').retrieve(String(created.id)))).name).to.equal('NOT_FOUND');
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.not.include('Rest_PS');
    });

    it('creates, retrieves and deletes a permission set assignment', async () => {
      const ps = await conn.sobject('PermissionSet').create({ Name: 'Rest_Assigned', Label: 'Assigned' });
      const created = await conn
        .sobject('PermissionSetAssignment')
        .create({ AssigneeId: integrationId, PermissionSetId: ps.id });
      expect(created.id).to.match(/^0Pa/);
      expect(await conn.sobject('PermissionSetAssignment').retrieve(String(created.id))).to.deep.include({
        AssigneeId: integrationId,
        PermissionSetId: ps.id,
      });
      expect((await emu.state()).permissionSetAssignments).to.deep.include({
        Id: created.id,
        AssigneeId: integrationId,
        PermissionSetId: ps.id,
      });
      await conn.sobject('PermissionSetAssignment').destroy(String(created.id));
      expect((await emu.state()).permissionSetAssignments.map((a) => a.Id)).to.not.include(created.id);
    });

    it('creates, retrieves and deletes app access for both kinds of app, by their Ids', async () => {
      const ps = await conn.sobject('PermissionSet').create({ Name: 'Rest_Access', Label: 'Access' });
      const { connected, external } = await appIds();
      for (const [appId, type] of [
        [connected, 'ConnectedApplication'],
        [external, 'ExternalClientApplication'],
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const created = await conn.sobject('SetupEntityAccess').create({ ParentId: ps.id, SetupEntityId: appId });
        expect(created.id).to.match(/^0J0/);
        // eslint-disable-next-line no-await-in-loop
        expect(await conn.sobject('SetupEntityAccess').retrieve(String(created.id))).to.deep.include({
          ParentId: ps.id,
          SetupEntityId: appId,
          SetupEntityType: type,
        });
        // eslint-disable-next-line no-await-in-loop
        expect((await emu.state()).setupEntityAccess).to.deep.include({
          Id: created.id,
          ParentId: ps.id,
          SetupEntityId: appId,
          SetupEntityType: type,
        });
        // eslint-disable-next-line no-await-in-loop
        await conn.sobject('SetupEntityAccess').destroy(String(created.id));
        // eslint-disable-next-line no-await-in-loop
        expect((await emu.state()).setupEntityAccess.map((r) => r.Id)).to.not.include(created.id);
      }
    });

    it('refuses a second identical permission set assignment with DUPLICATE_VALUE', async () => {
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM PermissionSet WHERE Name = '${eca.permissionSet}'`,
      );
      const error = await refusal(
        conn.sobject('PermissionSetAssignment').create({ AssigneeId: integrationId, PermissionSetId: ps.Id }),
      );
      expect(error.name).to.equal('DUPLICATE_VALUE');
      expect((await emu.state()).permissionSetAssignments.filter((a) => a.PermissionSetId === ps.Id)).to.have.length(1);
    });

    it('refuses a second identical app access row with DUPLICATE_VALUE', async () => {
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM PermissionSet WHERE Name = '${eca.permissionSet}'`,
      );
      const { external } = await appIds();
      const error = await refusal(
        conn.sobject('SetupEntityAccess').create({ ParentId: ps.Id, SetupEntityId: external }),
      );
      expect(error.name).to.equal('DUPLICATE_VALUE');
    });

    it('refuses references to records that are not what the field takes with INVALID_CROSS_REFERENCE_KEY', async () => {
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM PermissionSet WHERE Name = '${eca.permissionSet}'`,
      );
      const profileOwned = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM PermissionSet WHERE Profile.Name = 'Read Only'",
      );
      for (const [object, record] of [
        ['SetupEntityAccess', { ParentId: ps.Id, SetupEntityId: integrationId }],
        ['SetupEntityAccess', { ParentId: integrationId, SetupEntityId: (await appIds()).external }],
        ['PermissionSetAssignment', { AssigneeId: integrationId, PermissionSetId: profileOwned.Id }],
        ['PermissionSetAssignment', { AssigneeId: ps.Id, PermissionSetId: ps.Id }],
      ] as const) {
        // eslint-disable-next-line no-await-in-loop
        expect((await refusal(conn.sobject(object).create(record))).name, JSON.stringify(record)).to.equal(
          'INVALID_CROSS_REFERENCE_KEY',
        );
      }
    });

    it('refuses missing and unknown fields, and a permission set name that is taken or not an API name', async () => {
      const failure = async (record: Record<string, string>): Promise<string> =>
        (await refusal(conn.sobject('PermissionSet').create(record))).name;
      expect(await failure({ Name: 'Rest_NoLabel' })).to.equal('REQUIRED_FIELD_MISSING');
      expect(await failure({ Name: 'Rest_Typo', Label: 'x', Labell: 'x' })).to.equal('INVALID_FIELD');
      expect(await failure({ Name: eca.permissionSet, Label: 'x' })).to.equal('DUPLICATE_DEVELOPER_NAME');
      expect(await failure({ Name: 'Rest PS', Label: 'x' })).to.equal('FIELD_INTEGRITY_EXCEPTION');
      const response = await post(`${V}/sobjects/PermissionSet`, { Name: 'Rest_NoLabel' });
      expect(response.status).to.equal(400);
      expect(await response.json()).to.deep.equal([
        { message: 'Required fields are missing: [Label]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Label'] },
      ]);
    });

    it('refuses to delete an assigned permission set with DELETE_FAILED, and a deleted record with ENTITY_IS_DELETED', async () => {
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM PermissionSet WHERE Name = '${eca.permissionSet}'`,
      );
      expect((await refusal(conn.sobject('PermissionSet').destroy(ps.Id))).name).to.equal('DELETE_FAILED');
      const gone = await conn.sobject('PermissionSet').create({ Name: 'Rest_Gone', Label: 'Gone' });
      await conn.sobject('PermissionSet').destroy(String(gone.id));
      expect((await refusal(conn.sobject('PermissionSet').destroy(String(gone.id)))).name).to.equal(
        'ENTITY_IS_DELETED',
      );
    });

    it('refuses a field a retrieve asks for that the object does not have', async () => {
      const response = await get(`${V}/sobjects/User/${integrationId}?fields=Username,Nope`);
      expect(response.status).to.equal(400);
      expect(((await response.json()) as Array<{ errorCode: string }>)[0].errorCode).to.equal('INVALID_FIELD');
      expect(await (await get(`${V}/sobjects/User/${integrationId}?fields=Username`)).json()).to.deep.include({
        Username: integration,
      });
    });

    it('refuses inserts and deletes by a user who is not an admin with INSUFFICIENT_ACCESS_OR_READONLY', async () => {
      const { privateKeyPem } = await testKey();
      const granted = await jwtLogin(
        emu.url,
        { iss: eca.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        privateKeyPem,
      );
      const nonAdmin = await connectionFor(emu, granted.body.access_token);
      expect(
        (await refusal(nonAdmin.sobject('PermissionSet').create({ Name: 'Rest_Sneaky', Label: 'x' }))).name,
      ).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
      const assignment = await conn.singleRecordQuery<{ Id: string }>(
        `SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = '${eca.permissionSet}'`,
      );
      expect((await refusal(nonAdmin.sobject('PermissionSetAssignment').destroy(assignment.Id))).name).to.equal(
        'INSUFFICIENT_ACCESS_OR_READONLY',
      );
      expect((await emu.state()).permissionSetAssignments.map((a) => a.Id)).to.include(assignment.Id);
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.not.include('Rest_Sneaky');
    });

    it('lets an admin grant access by REST that the Metadata API then reads back', async () => {
      const ps = await conn.sobject('PermissionSet').create({ Name: 'Rest_Read_Back', Label: 'Read back' });
      const connected = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM ConnectedApplication WHERE Name = 'Rest App'",
      );
      await conn.sobject('SetupEntityAccess').create({ ParentId: ps.id, SetupEntityId: connected.Id });
      expect((await metadataOf(conn).read('ConnectedApp', 'Rest_App')).permissionSetName).to.deep.equal([
        'Rest_Read_Back',
      ]);
    });
  });

  describe('composite resources', () => {
    it('saves each record of composite/sobjects on its own, answering a SaveResult for each', async () => {
      await conn.sobject('PermissionSet').create({ Name: 'Rest_Composite', Label: 'Composite' });
      const ps = await conn.singleRecordQuery<{ Id: string }>(
        "SELECT Id FROM PermissionSet WHERE Name = 'Rest_Composite'",
      );
      const response = await post(`${V}/composite/sobjects`, {
        records: [
          { attributes: { type: 'PermissionSetAssignment' }, AssigneeId: integrationId, PermissionSetId: ps.Id },
          { attributes: { type: 'PermissionSetAssignment' }, AssigneeId: integrationId, PermissionSetId: ps.Id },
        ],
      });
      expect(response.status).to.equal(200);
      const results = (await response.json()) as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
      expect(results.map((r) => r.success)).to.deep.equal([true, false]);
      expect(results[1].errors.map((e) => e.statusCode)).to.deep.equal(['DUPLICATE_VALUE']);
    });

    it('answers each GET of composite/batch with its own status', async () => {
      const response = await post(`${V}/composite/batch`, {
        batchRequests: [
          { method: 'GET', url: `v68.0/query?q=${encodeURIComponent('SELECT Id FROM Organization')}` },
          { method: 'GET', url: `v68.0/query?q=${encodeURIComponent('SELECT Nope FROM Organization')}` },
        ],
      });
      const batch = (await response.json()) as { hasErrors: boolean; results: Array<{ statusCode: number }> };
      expect(batch.hasErrors).to.equal(true);
      expect(batch.results.map((r) => r.statusCode)).to.deep.equal([200, 400]);
    });

    type CompositeAnswer = {
      compositeResponse: Array<{
        referenceId: string;
        httpStatusCode: number;
        body: unknown;
        httpHeaders: Record<string, string>;
      }>;
    };
    const createAndAssign = (name: string, allOrNone: boolean, assignee = integrationId): Promise<Response> =>
      post(`${V}/composite`, {
        allOrNone,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/PermissionSet`, referenceId: 'ps', body: { Name: name, Label: name } },
          {
            method: 'POST',
            url: `${V}/sobjects/PermissionSetAssignment`,
            referenceId: 'psa',
            body: { PermissionSetId: '@{ps.id}', AssigneeId: assignee },
          },
        ],
      });

    it("runs composite subrequests in order, a later one naming an earlier one's Id by reference", async () => {
      const response = await createAndAssign('Rest_Composite_Ref', true);
      expect(response.status).to.equal(200);
      const { compositeResponse } = (await response.json()) as CompositeAnswer;
      expect(compositeResponse.map((r) => [r.referenceId, r.httpStatusCode])).to.deep.equal([
        ['ps', 201],
        ['psa', 201],
      ]);
      const psId = (compositeResponse[0].body as { id: string }).id;
      expect(compositeResponse[0].httpHeaders.Location).to.equal(`${V}/sobjects/PermissionSet/${psId}`);
      const state = await emu.state();
      expect(
        state.permissionSetAssignments.some((a) => a.PermissionSetId === psId && a.AssigneeId === integrationId),
      ).to.equal(true);
    });

    it('rolls every composite subrequest back under allOrNone when one is refused, the others PROCESSING_HALTED', async () => {
      const response = await createAndAssign('Rest_Composite_Undone', true, '005000000000000AAA');
      const { compositeResponse } = (await response.json()) as CompositeAnswer;
      expect(compositeResponse.map((r) => r.httpStatusCode)).to.deep.equal([400, 400]);
      expect((compositeResponse[0].body as Array<{ errorCode: string; message: string }>)[0]).to.deep.equal({
        errorCode: 'PROCESSING_HALTED',
        message: 'The transaction was rolled back since another operation in the same transaction failed.',
      });
      expect((compositeResponse[1].body as Array<{ errorCode: string }>)[0].errorCode).to.not.equal(
        'PROCESSING_HALTED',
      );
      expect((await emu.state()).permissionSets.map((p) => p.Name)).to.not.include('Rest_Composite_Undone');
    });

    it('refuses a batch of more than 25 subrequests', async () => {
      const response = await post(`${V}/composite/batch`, {
        batchRequests: Array.from({ length: 26 }, () => ({
          method: 'GET',
          url: 'v68.0/query?q=SELECT+Id+FROM+Organization',
        })),
      });
      expect(response.status).to.equal(400);
    });
  });

  describe('OAuth usage (Connect REST, API 59.0+)', () => {
    const del = (path: string): Promise<Response> =>
      fetch(`${emu.url}${path}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${emu.ready.admin.accessToken}` },
      });
    const usage = async (): Promise<Array<{ developerName: string; identifier: string }>> =>
      (
        (await (await get(`${V}/apps/oauth/usage`)).json()) as {
          apps: Array<{ developerName: string; identifier: string }>;
        }
      ).apps;

    it('lists an External Client App once a token was issued through it, and deletes its refresh tokens with 204', async () => {
      const { privateKeyPem } = await testKey();
      const granted = await jwtLogin(
        emu.url,
        { iss: eca.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        privateKeyPem,
      );
      expect(granted.status).to.equal(200);
      const listed = (await usage()).find((a) => a.developerName === 'Rest_Eca');
      expect(listed?.identifier).to.match(/^0xI/);
      expect((await del(`${V}/apps/oauth/usage/${String(listed?.identifier)}/tokens`)).status).to.equal(204);
      expect((await emu.state()).refreshTokensRevoked).to.include(listed?.identifier);
      // No session of the JWT bearer flow ends: it has no refresh token.
      expect((await get(`${V}/query?q=SELECT+Id+FROM+User`, granted.body.access_token)).status).to.equal(200);
    });

    it('answers 404 before API 59.0 and for an unknown app, and 403 to a user who is not an admin', async () => {
      expect((await get('/services/data/v58.0/apps/oauth/usage')).status).to.equal(404);
      expect((await del(`${V}/apps/oauth/usage/0xI000000000000AAA/tokens`)).status).to.equal(404);
      const { privateKeyPem } = await testKey();
      const granted = await jwtLogin(
        emu.url,
        { iss: eca.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        privateKeyPem,
      );
      const refused = await get(`${V}/apps/oauth/usage`, granted.body.access_token);
      expect(refused.status).to.equal(403);
      expect(((await refused.json()) as Array<{ errorCode: string }>)[0].errorCode).to.equal('INSUFFICIENT_ACCESS');
    });
  });

  describe('OAuth credentials (Connect REST, API 60.0+)', () => {
    type Consumers = { consumers: Array<{ id: string; key: string; name: string; url: string }> };
    const ecaId = async (): Promise<string> =>
      (
        await conn.singleRecordQuery<{ Id: string }>(
          "SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Rest_Eca'",
        )
      ).Id;
    const errorCode = async (response: Response): Promise<string> =>
      ((await response.json()) as Array<{ errorCode: string }>)[0].errorCode;
    const secretOf = async (): Promise<string | undefined> =>
      (await emu.state()).apps.find((a) => a.name === 'Rest_Eca')?.consumerSecret;

    it("lists an app's consumer with its key, by the app's 18- or 15-character Id, and returns the key alone by default", async () => {
      const id = await ecaId();
      const listed = (await (await get(`${V}/apps/oauth/credentials/${id}`)).json()) as Consumers;
      expect(listed.consumers).to.have.length(1);
      expect(listed.consumers[0]).to.include({ key: eca.consumerKey });
      expect(
        ((await (await get(`${V}/apps/oauth/credentials/${id.slice(0, 15)}`)).json()) as Consumers).consumers[0].key,
      ).to.equal(eca.consumerKey);
      const consumer = listed.consumers[0].id;
      expect(await (await get(`${V}/apps/oauth/credentials/${id}/${consumer}`)).json()).to.deep.equal({
        id: consumer,
        key: eca.consumerKey,
      });
      expect(await (await get(`${V}/apps/oauth/credentials/${id}/${consumer}?part=key`)).json()).to.deep.equal({
        id: consumer,
        key: eca.consumerKey,
      });
    });

    it('returns the secret only with the org setting on and to a user with View Client Secret; otherwise says which is missing', async () => {
      const id = await ecaId();
      const consumer = ((await (await get(`${V}/apps/oauth/credentials/${id}`)).json()) as Consumers).consumers[0].id;
      const secretUrl = `${V}/apps/oauth/credentials/${id}/${consumer}?part=keyandsecret`;
      const off = await get(secretUrl);
      expect(off.status).to.equal(403);
      expect(await errorCode(off)).to.equal('FUNCTIONALITY_NOT_ENABLED');
      // The setting is ExternalClientAppSettings.enableClientSecretInRestApiAccess, deployed as any setting is.
      await metadataOf(conn).update('ExternalClientAppSettings', {
        fullName: 'ExternalClientApp',
        enableClientSecretInRestApiAccess: true,
      } as never);
      const on = await get(secretUrl);
      expect(on.status).to.equal(200);
      expect(await on.json()).to.deep.equal({ id: consumer, key: eca.consumerKey, secret: await secretOf() });
      expect(await (await get(`${V}/apps/oauth/credentials/${id}/${consumer}?part=secret`)).json()).to.deep.equal({
        id: consumer,
        secret: await secretOf(),
      });
      const bad = await get(`${V}/apps/oauth/credentials/${id}/${consumer}?part=everything`);
      expect(bad.status).to.equal(400);
      await metadataOf(conn).update('ExternalClientAppSettings', {
        fullName: 'ExternalClientApp',
        enableClientSecretInRestApiAccess: false,
      } as never);
      expect((await get(secretUrl)).status).to.equal(403);

      const withoutPermission = await startEmulator({ clientSecretRestAccess: true, adminViewsClientSecret: false });
      try {
        const other = await adminConnection(withoutPermission);
        const { certificatePem } = await testKey();
        await configureJwtApp(other, {
          name: 'Perm_Eca',
          certificatePem,
          username: withoutPermission.ready.integrationUser.username,
        });
        const otherId = (
          await other.singleRecordQuery<{ Id: string }>(
            "SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Perm_Eca'",
          )
        ).Id;
        const at = (path: string): Promise<Response> =>
          fetch(`${withoutPermission.url}${path}`, {
            headers: { authorization: `Bearer ${withoutPermission.ready.admin.accessToken}` },
          });
        const otherConsumer = ((await (await at(`${V}/apps/oauth/credentials/${otherId}`)).json()) as Consumers)
          .consumers[0].id;
        const refused = await at(`${V}/apps/oauth/credentials/${otherId}/${otherConsumer}?part=secret`);
        expect(refused.status).to.equal(403);
        expect(await errorCode(refused)).to.equal('INSUFFICIENT_ACCESS');
        expect((await at(`${V}/apps/oauth/credentials/${otherId}/${otherConsumer}?part=key`)).status).to.equal(200);
      } finally {
        await withoutPermission.stop();
      }
    });

    it('answers 404 before API 60.0 and for an unknown app or consumer, and 403 to a user who is not an admin', async () => {
      const id = await ecaId();
      expect((await get(`/services/data/v59.0/apps/oauth/credentials/${id}`)).status).to.equal(404);
      expect((await get(`${V}/apps/oauth/credentials/0xI000000000000AAA`)).status).to.equal(404);
      expect((await get(`${V}/apps/oauth/credentials/${id}/0Cx000000000000AAA`)).status).to.equal(404);
      const { privateKeyPem } = await testKey();
      const granted = await jwtLogin(
        emu.url,
        { iss: eca.consumerKey, sub: integration, aud: emu.url, exp: Math.floor(Date.now() / 1000) + 120 },
        privateKeyPem,
      );
      expect((await get(`${V}/apps/oauth/credentials/${id}`, granted.body.access_token)).status).to.equal(403);
    });

    it('Metadata Secrets Protection: readMetadata returns neither the key nor the secret of global OAuth settings', async () => {
      const guarded = await startEmulator({ metadataSecretsProtection: true, consumerSecretApiAccess: true });
      try {
        const other = await adminConnection(guarded);
        const { certificatePem } = await testKey();
        await configureJwtApp(other, {
          name: 'Guarded_Eca',
          certificatePem,
          username: guarded.ready.integrationUser.username,
        });
        const global = (await metadataOf(other).read(
          'ExtlClntAppGlobalOauthSettings',
          'Guarded_Eca_glbloauth',
        )) as unknown as Record<string, unknown>;
        expect(global).to.include({ fullName: 'Guarded_Eca_glbloauth' });
        expect((await guarded.state()).apps.find((a) => a.name === 'Guarded_Eca')?.consumerKey).to.be.a('string');
        expect(global).not.to.have.property('consumerKey');
        expect(global).not.to.have.property('consumerSecret');
      } finally {
        await guarded.stop();
      }
    });
  });
});
