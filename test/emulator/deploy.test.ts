import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import JSZip from 'jszip';
import type { Connection } from '@salesforce/core';
import { ComponentSet, ComponentStatus } from '@salesforce/source-deploy-retrieve';
import { Duration } from '@salesforce/kit';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, metadataOf, testKey } from '../helpers/org.js';
import { refusal } from '../helpers/token.js';
import { tempDir } from '../helpers/temp.js';

const NS = 'http://soap.sforce.com/2006/04/metadata';

type DeployMessage = { componentType: string; fullName: string; fileName: string; problem?: string; success: boolean };
type DeployResult = {
  id: string;
  done: boolean;
  status: string;
  success: boolean;
  numberComponentsTotal: number;
  numberComponentsDeployed: number;
  details: { componentSuccesses: DeployMessage[]; componentFailures: DeployMessage[] };
};

/** A metadata-format file: the type's root element and its fields, as Salesforce's own retrieves write them. */
const file = (type: string, fields: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="${NS}">${fields}</${type}>`;

const manifest = (members: Record<string, string[]>, version = '66.0'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${NS}">` +
  Object.entries(members)
    .map(([name, list]) => `<types>${list.map((m) => `<members>${m}</members>`).join('')}<name>${name}</name></types>`)
    .join('') +
  `<version>${version}</version></Package>`;

/** The three files every public tool deploys together for a new External Client App. */
const ecaFiles = (app: string, certificatePem: string, extra: Record<string, string> = {}): Record<string, string> => ({
  [`externalClientApps/${app}.eca`]: file(
    'ExternalClientApplication',
    `<contactEmail>a@example.com</contactEmail><distributionState>Local</distributionState><label>${app}</label>`,
  ),
  [`extlClntAppOauthSettings/${app}_oauth.ecaOauth`]: file(
    'ExtlClntAppOauthSettings',
    `<commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes><externalClientApplication>${app}</externalClientApplication><label>${app}</label>`,
  ),
  [`extlClntAppGlobalOauthSets/${app}_glbloauth.ecaGlblOauth`]: file(
    'ExtlClntAppGlobalOauthSettings',
    `<callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl><certificate>${certificatePem}</certificate><externalClientApplication>${app}</externalClientApplication><label>${app}</label>`,
  ),
  ...extra,
});

const ecaMembers = (app: string): Record<string, string[]> => ({
  ExternalClientApplication: [app],
  ExtlClntAppOauthSettings: [`${app}_oauth`],
  ExtlClntAppGlobalOauthSettings: [`${app}_glbloauth`],
});

const zipOf = async (files: Record<string, string>): Promise<Buffer> => {
  const zip = new JSZip();
  for (const [path, text] of Object.entries(files)) zip.file(path, text);
  return zip.generateAsync({ type: 'nodebuffer' });
};

describe("the emulator's Metadata API deploy", () => {
  let emu: RunningEmulator;
  let conn: Connection;
  let certificatePem: string;

  /** deploy, then checkDeployStatus with details until done, through jsforce as any client does. */
  const deploy = async (
    files: Record<string, string>,
    options: Record<string, unknown> = { rollbackOnError: true, singlePackage: true },
  ): Promise<DeployResult> => {
    const started = await conn.metadata.deploy(await zipOf(files), options);
    for (let i = 0; i < 50; i++) {
      // eslint-disable-next-line no-await-in-loop
      const status = (await conn.metadata.checkDeployStatus(started.id, true)) as unknown as DeployResult;
      if (status.done) return status;
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the deploy never finished');
  };

  const app = async (name: string): Promise<Record<string, unknown> | undefined> =>
    (await emu.state()).externalClientApps.find((a) => a.fullName === name);

  before(async () => {
    certificatePem = (await testKey()).certificatePem;
    emu = await startEmulator();
    conn = await adminConnection(emu);
  });
  after(() => emu.stop());

  it('deploys a new External Client App, with source-deploy-retrieve, and generates its policies', async () => {
    const dir = await tempDir('jwtapp-sdr-');
    for (const [path, text] of Object.entries(ecaFiles('Sdr_Eca', certificatePem))) {
      const [folder, name] = path.split('/');
      // eslint-disable-next-line no-await-in-loop
      await mkdir(join(dir, folder), { recursive: true });
      // eslint-disable-next-line no-await-in-loop
      await writeFile(join(dir, folder, `${name}-meta.xml`), text);
    }
    const set = ComponentSet.fromSource(dir);
    const result = await (
      await set.deploy({ usernameOrConnection: conn })
    ).pollStatus({ frequency: Duration.milliseconds(50), timeout: Duration.minutes(1) });
    expect(result.response.status).to.equal('Succeeded');
    expect(result.getFileResponses().filter((r) => r.state === ComponentStatus.Failed)).to.deep.equal([]);
    const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === 'Sdr_Eca');
    expect(eca?.components.ExtlClntAppOauthConfigurablePolicies?.fullName).to.equal('Sdr_Eca_oauth_defaultPolicy');
    expect(eca?.components.ExtlClntAppOauthConfigurablePolicies?.metadata).to.include({
      permittedUsersPolicyType: 'AllSelfAuthorized',
    });
    expect(eca?.components.ExtlClntAppConfigurablePolicies?.metadata).to.include({
      fullName: 'Sdr_Eca_defaultPolicy',
      isEnabled: true,
    });
    expect((await emu.requests()).map((r) => r.soapOperation)).to.include.members(['deploy', 'checkDeployStatus']);
  });

  it('answers as Salesforce does: package.xml among the successes with an empty type, and not counted', async () => {
    const result = await deploy({
      'package.xml': manifest(ecaMembers('Counted_Eca')),
      ...ecaFiles('Counted_Eca', certificatePem),
    });
    expect(result).to.include({
      status: 'Succeeded',
      success: true,
      numberComponentsTotal: 3,
      numberComponentsDeployed: 3,
    });
    const pkg = result.details.componentSuccesses.find((m) => m.fileName === 'package.xml');
    expect(pkg).to.include({ fullName: 'package.xml', componentType: '' });
    expect(result.id).to.match(/^0Af[A-Za-z0-9]{15}$/);
  });

  it('updates the policies Salesforce generated when the deploy names them, in the same deploy', async () => {
    const policy = file(
      'ExtlClntAppOauthConfigurablePolicies',
      '<externalClientApplication>Policy_Eca</externalClientApplication><label>Policy_Eca</label><permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>',
    );
    const result = await deploy({
      'package.xml': manifest({
        ...ecaMembers('Policy_Eca'),
        ExtlClntAppOauthConfigurablePolicies: ['Policy_Eca_oauth_defaultPolicy'],
      }),
      ...ecaFiles('Policy_Eca', certificatePem, {
        'extlClntAppOauthPolicies/Policy_Eca_oauth_defaultPolicy.ecaOauthPlcy': policy,
      }),
    });
    expect(result.status, JSON.stringify(result.details.componentFailures)).to.equal('Succeeded');
    expect((await emu.state()).apps.find((a) => a.name === 'Policy_Eca')).to.include({ adminApproved: true });
  });

  it('keeps the policies a deploy carries under names of its own, and generates none beside them', async () => {
    const oauthPolicy = file(
      'ExtlClntAppOauthConfigurablePolicies',
      '<externalClientApplication>Own_Eca</externalClientApplication><label>Own_Eca_oauthPlcy</label><permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>',
    );
    const appPolicy = file(
      'ExtlClntAppConfigurablePolicies',
      '<externalClientApplication>Own_Eca</externalClientApplication><isEnabled>true</isEnabled><isOauthPluginEnabled>true</isOauthPluginEnabled><label>Own_Eca_plcy</label>',
    );
    const result = await deploy({
      'package.xml': manifest({
        ...ecaMembers('Own_Eca'),
        ExtlClntAppOauthConfigurablePolicies: ['Own_Eca_oauthPlcy'],
        ExtlClntAppConfigurablePolicies: ['Own_Eca_plcy'],
      }),
      ...ecaFiles('Own_Eca', certificatePem, {
        'extlClntAppOauthPolicies/Own_Eca_oauthPlcy.ecaOauthPlcy': oauthPolicy,
        'extlClntAppPolicies/Own_Eca_plcy.ecaPlcy': appPolicy,
      }),
    });
    expect(result.status, JSON.stringify(result.details.componentFailures)).to.equal('Succeeded');
    const eca = (await emu.state()).externalClientApps.find((a) => a.fullName === 'Own_Eca');
    expect(eca?.components.ExtlClntAppOauthConfigurablePolicies?.fullName).to.equal('Own_Eca_oauthPlcy');
    expect(eca?.components.ExtlClntAppConfigurablePolicies?.fullName).to.equal('Own_Eca_plcy');
    const listed = (await conn.metadata.list([
      { type: 'ExtlClntAppOauthConfigurablePolicies' },
      { type: 'ExtlClntAppConfigurablePolicies' },
    ] as never)) as unknown as Array<{ fullName: string }>;
    expect(listed.map((p) => p.fullName).filter((n) => n.startsWith('Own_Eca'))).to.have.members([
      'Own_Eca_oauthPlcy',
      'Own_Eca_plcy',
    ]);
  });

  it('refuses a second OAuth policy for an app that has one, and rolls the whole deploy back', async () => {
    expect(
      (await deploy({ 'package.xml': manifest(ecaMembers('Twice_Eca')), ...ecaFiles('Twice_Eca', certificatePem) }))
        .status,
    ).to.equal('Succeeded');
    const policy = file(
      'ExtlClntAppOauthConfigurablePolicies',
      '<externalClientApplication>Twice_Eca</externalClientApplication><label>x</label>',
    );
    const result = await deploy({
      'package.xml': manifest({ ExtlClntAppOauthConfigurablePolicies: ['Twice_Eca_oauthPlcy'] }),
      'extlClntAppOauthPolicies/Twice_Eca_oauthPlcy.ecaOauthPlcy': policy,
    });
    expect(result).to.include({ status: 'Failed', success: false });
    expect(result.details.componentFailures.map((f) => f.fullName)).to.deep.equal(['Twice_Eca_oauthPlcy']);
    expect(result.details.componentFailures[0].problem).to.include('already has');
    expect((await app('Twice_Eca'))?.components).to.not.have.nested.property(
      'ExtlClntAppOauthConfigurablePolicies.fullName',
      'Twice_Eca_oauthPlcy',
    );
  });

  it('rolls everything back when one file has an element its type does not have', async () => {
    const files = ecaFiles('Broken_Eca', certificatePem);
    files['extlClntAppOauthSettings/Broken_Eca_oauth.ecaOauth'] = file(
      'ExtlClntAppOauthSettings',
      '<externalClientApplication>Broken_Eca</externalClientApplication><superPowers>true</superPowers>',
    );
    const result = await deploy({ 'package.xml': manifest(ecaMembers('Broken_Eca')), ...files });
    expect(result.status).to.equal('Failed');
    expect(result.details.componentFailures[0].problem).to.include('superPowers invalid at this location');
    expect(await app('Broken_Eca')).to.equal(undefined);
  });

  it('refuses a file whose elements are out of the WSDL\'s order as Salesforce does ("Error parsing file"), and rolls back', async () => {
    const files = ecaFiles('Unordered_Eca', certificatePem);
    files['externalClientApps/Unordered_Eca.eca'] = file(
      'ExternalClientApplication',
      '<label>Unordered_Eca</label><contactEmail>a@example.com</contactEmail><distributionState>Local</distributionState>',
    );
    const result = await deploy({ 'package.xml': manifest(ecaMembers('Unordered_Eca')), ...files });
    expect(result.status).to.equal('Failed');
    expect(
      result.details.componentFailures.find((f) => f.componentType === 'ExternalClientApplication')?.problem,
    ).to.equal(
      `Error parsing file: Element {${NS}}contactEmail invalid at this location in type ExternalClientApplication`,
    );
    expect(await app('Unordered_Eca')).to.equal(undefined);
  });

  it('refuses global OAuth settings deployed without OAuth settings', async () => {
    const files = ecaFiles('Lonely_Eca', certificatePem);
    delete files['extlClntAppOauthSettings/Lonely_Eca_oauth.ecaOauth'];
    const result = await deploy({
      'package.xml': manifest({
        ExternalClientApplication: ['Lonely_Eca'],
        ExtlClntAppGlobalOauthSettings: ['Lonely_Eca_glbloauth'],
      }),
      ...files,
    });
    expect(result.status).to.equal('Failed');
    expect(result.details.componentFailures[0].problem).to.equal(
      "The external client app configured in your global OAuth Settings doesn't have a valid OAuth settings configuration",
    );
  });

  it('reports a member package.xml names but the zip lacks, and a zip without package.xml', async () => {
    const missing = await deploy({ 'package.xml': manifest({ ExternalClientApplication: ['Ghost_Eca'] }) });
    expect(missing.details.componentFailures[0].problem).to.equal(
      "An object 'Ghost_Eca' of type ExternalClientApplication was named in package.xml, but was not found in zipped directory",
    );
    const none = await deploy({ 'externalClientApps/X.eca': file('ExternalClientApplication', '<label>X</label>') });
    expect(none.details.componentFailures[0]).to.include({ fileName: 'package.xml', problem: 'No package.xml found' });
  });

  it('writes nothing for a check-only deploy', async () => {
    const result = await deploy(
      { 'package.xml': manifest(ecaMembers('Checked_Eca')), ...ecaFiles('Checked_Eca', certificatePem) },
      { rollbackOnError: true, singlePackage: true, checkOnly: true },
    );
    expect(result.status).to.equal('Succeeded');
    expect(await app('Checked_Eca')).to.equal(undefined);
  });

  it('refuses, in production, NoTestRun and a deploy that does not roll back on error, with INVALID_OPERATION', async () => {
    const zip = await zipOf({
      'package.xml': manifest(ecaMembers('Prod_Eca')),
      ...ecaFiles('Prod_Eca', certificatePem),
    });
    const invoke = async (options: object): Promise<unknown> => conn.metadata.deploy(zip, options);
    const noTests = await refusal(invoke({ rollbackOnError: true, singlePackage: true, testLevel: 'NoTestRun' }));
    expect(noTests).to.include({
      name: 'sf:INVALID_OPERATION',
      message: 'INVALID_OPERATION: testLevel of NoTestRun cannot be used in production organizations',
    });
    const noRollback = await refusal(invoke({ rollbackOnError: false, singlePackage: true }));
    expect(noRollback).to.include({
      message: 'INVALID_OPERATION: rollbackOnError option must be true on a production org',
    });
    expect(await app('Prod_Eca')).to.equal(undefined);
  });

  it('takes NoTestRun in a sandbox', async () => {
    const sandbox = await startEmulator({ sandbox: true });
    try {
      const sandboxConn = await adminConnection(sandbox);
      const zip = await zipOf({
        'package.xml': manifest(ecaMembers('Sandbox_Eca')),
        ...ecaFiles('Sandbox_Eca', certificatePem),
      });
      const started = await sandboxConn.metadata.deploy(zip, {
        rollbackOnError: true,
        singlePackage: true,
        testLevel: 'NoTestRun',
      });
      expect(started.id).to.match(/^0Af/);
    } finally {
      await sandbox.stop();
    }
  });

  it('answers a status request for a deploy it does not know with INVALID_CROSS_REFERENCE_KEY', async () => {
    const error = await refusal(conn.metadata.checkDeployStatus('0Af000000000000AAA', true));
    expect(error.name).to.equal('sf:INVALID_CROSS_REFERENCE_KEY');
  });

  it('deletes what destructiveChanges.xml names, the app with its components', async () => {
    await deploy({ 'package.xml': manifest(ecaMembers('Doomed_Eca')), ...ecaFiles('Doomed_Eca', certificatePem) });
    expect(await app('Doomed_Eca')).to.not.equal(undefined);
    const result = await deploy({
      'package.xml': manifest({}),
      'destructiveChanges.xml': manifest({ ExternalClientApplication: ['Doomed_Eca'] }),
    });
    expect(result.status).to.equal('Succeeded');
    expect(await app('Doomed_Eca')).to.equal(undefined);
    expect(await metadataOf(conn).read('ExtlClntAppOauthSettings', 'Doomed_Eca_oauth')).to.not.have.property(
      'fullName',
    );
  });

  it('reads back, through the CRUD calls, what a deploy wrote', async () => {
    const back = await metadataOf(conn).read('ExtlClntAppOauthSettings', 'Counted_Eca_oauth');
    expect(back).to.include({
      externalClientApplication: 'Counted_Eca',
      commaSeparatedOauthScopes: 'Api, RefreshToken',
    });
  });
});
