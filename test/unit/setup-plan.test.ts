import { expect } from 'chai';
import type { AccessState } from '../../src/access/state.js';
import type { AppSnapshot } from '../../src/apps/app.js';
import { mergeConnectedApp } from '../../src/apps/connected-app.js';
import { mergeExternalClientApp } from '../../src/apps/external-client-app.js';
import { appNameProblem } from '../../src/apps/names.js';
import { planSetup, type CurrentState } from '../../src/setup/plan.js';
import { envFileText, loginCommand } from '../../src/output/ci.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const desired = {
  name: 'Acme_App',
  label: 'Acme App',
  contactEmail: 'admin@acme.com',
  certificatePem: CERT,
  scopes: ['Api', 'RefreshToken'],
  callbackUrl: 'http://localhost:1717/OauthRedirect',
  permissionSet: 'Acme_App_Access',
  username: 'ci@acme.com',
  permissionSetLabel: 'Acme App access',
  appType: 'auto' as const,
};
const user = {
  id: '005A',
  username: 'ci@acme.com',
  email: 'ci@acme.com',
  isActive: true,
  profile: 'Standard User',
  apiOnly: false,
  apiEnabledByProfile: true,
};
const access = (overrides: Partial<AccessState> = {}): AccessState => ({
  user,
  permissionSet: undefined,
  assignmentId: undefined,
  appAccess: [],
  externalClientApp: undefined,
  devHub: false,
  ...overrides,
});
const configured: AppSnapshot = {
  kind: 'connected-app',
  name: 'Acme_App',
  label: 'Acme App',
  consumerKey: 'KEY12345',
  certificate: CERT,
  scopes: ['Api', 'RefreshToken', 'Web'],
  adminApproved: true,
  permissionSets: ['Acme_App_Access'],
  policies: { infiniteRefreshTokens: true, ipRelaxed: false, clientCredentials: { enabled: false, runAs: undefined } },
};
const state = (a: AccessState, connectedApp?: AppSnapshot): CurrentState => ({
  access: a,
  connectedApp,
  externalClientApp: undefined,
});

describe('planSetup', () => {
  it('creates a new app after its permission set and the assignment (one request for both)', () => {
    const plan = planSetup(state(access()), desired, []);
    expect(plan.appKind).to.equal('external-client-app');
    expect(plan.changes.map((c) => c.kind)).to.deep.equal([
      'create-permission-set',
      'assign-permission-set',
      'create-app',
    ]);
  });

  it('assigns the permission set before it switches an existing live app to admin-approved', () => {
    const plan = planSetup(state(access(), { ...configured, adminApproved: false, permissionSets: [] }), desired, []);
    expect(plan.changes.map((c) => c.kind)).to.deep.equal([
      'create-permission-set',
      'assign-permission-set',
      'update-app',
    ]);
    const update = plan.changes[2];
    expect(update.kind === 'update-app' && update.fields.map((f) => f.field)).to.deep.equal([
      'permittedUsers',
      'permissionSets',
    ]);
  });

  it('plans nothing for a configured org', () => {
    const plan = planSetup(
      state(
        access({
          permissionSet: {
            id: '0PS1',
            name: 'Acme_App_Access',
            label: 'x',
            description: 'Managed by sf jwtapp setup.',
            otherAssignees: [],
          },
          assignmentId: '0Pa1',
        }),
        configured,
      ),
      desired,
      [],
    );
    expect(plan.changes).to.deep.equal([]);
  });

  it('sees a new certificate as a change', () => {
    const plan = planSetup(
      state(
        access({
          permissionSet: {
            id: '0PS1',
            name: 'Acme_App_Access',
            label: 'x',
            description: 'Managed by sf jwtapp setup.',
            otherAssignees: [],
          },
          assignmentId: '0Pa1',
        }),
        configured,
      ),
      { ...desired, certificatePem: CERT.replace('MIIB', 'MIIC') },
      [],
    );
    expect(plan.changes.map((c) => c.kind)).to.deep.equal(['update-app']);
  });

  it('refuses an unknown or inactive user, and a consumer key that would have to change', () => {
    expect(() => planSetup(state(access({ user: undefined })), desired, []))
      .to.throw()
      .with.property('name', 'UnknownUserError');
    expect(() => planSetup(state(access({ user: { ...user, isActive: false } })), desired, []))
      .to.throw()
      .with.property('name', 'InactiveUserError');
    expect(() => planSetup(state(access(), configured), { ...desired, consumerKey: 'OTHERKEY1' }, []))
      .to.throw()
      .with.property('name', 'ConsumerKeyImmutableError');
  });

  it('refuses an app of the other kind when a kind is asked for', () => {
    expect(() => planSetup(state(access(), configured), { ...desired, appType: 'external-client-app' }, []))
      .to.throw()
      .with.property('name', 'AppKindMismatchError');
  });
});

describe('merging into an existing app', () => {
  it('keeps every Connected App setting it does not own and never sends the secret', () => {
    const merged = mergeConnectedApp(
      {
        fullName: 'Acme_App',
        label: 'Acme',
        contactEmail: 'a@b.c',
        profileName: ['Standard User'],
        permissionSetName: 'Old_PS',
        oauthPolicy: { ipRelaxation: 'BYPASS' },
        oauthConfig: {
          callbackUrl: 'https://x.example/cb',
          scopes: ['Web'],
          consumerKey: 'KEY12345',
          consumerSecret: 'S3CRET',
          isAdminApproved: 'false',
        },
        $: { 'xsi:type': 'ConnectedApp' },
      },
      desired,
    );
    expect(merged).to.deep.include({
      profileName: ['Standard User'],
      permissionSetName: ['Old_PS', 'Acme_App_Access'],
      oauthPolicy: { ipRelaxation: 'BYPASS' },
    });
    expect(merged.oauthConfig).to.deep.equal({
      callbackUrl: 'https://x.example/cb',
      scopes: ['Web', 'Api', 'RefreshToken'],
      consumerKey: 'KEY12345',
      isAdminApproved: true,
      certificate: CERT,
    });
    expect(merged).not.to.have.property('$');
  });

  it("names a new External Client App's five components after it, each labelled by its own name, and appends the permission set once", () => {
    const fresh = mergeExternalClientApp(undefined, desired);
    const parts = [fresh.header, fresh.oauth, fresh.global, fresh.oauthPolicies, fresh.appPolicies];
    expect(parts.map((p) => p?.fullName)).to.deep.equal([
      'Acme_App',
      'Acme_App_oauth',
      'Acme_App_glbloauth',
      'Acme_App_oauthPlcy',
      'Acme_App_plcy',
    ]);
    expect(parts.map((p) => p?.label)).to.deep.equal([
      'Acme App',
      'Acme_App_oauth',
      'Acme_App_glbloauth',
      'Acme_App_oauthPlcy',
      'Acme_App_plcy',
    ]);
    expect(fresh.appPolicies).to.include({ isEnabled: true, isOauthPluginEnabled: true });
    const again = mergeExternalClientApp(
      { ...fresh, oauthPolicies: { ...fresh.oauthPolicies, commaSeparatedPermissionSet: 'Other,Acme_App_Access' } },
      desired,
    );
    expect(again.oauthPolicies?.commaSeparatedPermissionSet).to.equal('Other,Acme_App_Access');
  });
});

describe('API names', () => {
  it('takes what Salesforce takes and says why it refuses the rest', () => {
    expect(appNameProblem('Acme_Integration_2')).to.equal(undefined);
    expect(appNameProblem('2Acme')).to.include('begin with a letter');
    expect(appNameProblem('Acme App')).to.include('only letters, digits and underscores');
    expect(appNameProblem('Acme__App')).to.include('two underscores');
    expect(appNameProblem('Acme_')).to.include('end with an underscore');
    expect(appNameProblem('A'.repeat(61))).to.include('at most 60');
    expect(appNameProblem('A'.repeat(60))).to.equal(undefined);
  });
});

describe('CI output', () => {
  const login = {
    username: 'ci@acme.com',
    clientId: '3MVGkey',
    loginUrl: 'https://login.salesforce.com',
    instanceUrl: 'https://acme.my.salesforce.com',
    audience: 'https://login.salesforce.com',
    keyFile: '/keys/my key.pem',
    apiVersion: '68.0',
  };

  it('writes the sf org login jwt line, quoting what the shell would split', () => {
    expect(loginCommand(login)).to.equal(
      "sf org login jwt --username ci@acme.com --client-id 3MVGkey --jwt-key-file '/keys/my key.pem' --instance-url https://login.salesforce.com",
    );
  });

  it('puts the key in the env file only when given it', () => {
    expect(envFileText(login, undefined)).not.to.include('SF_JWT_KEY=');
    // A stand-in, not a key: the PEM labels are split so no tracked file looks like it holds one.
    const pem = (label: string): string => `-----${label} ${'PRIVATE'} KEY-----`;
    expect(envFileText(login, `${pem('BEGIN')}\nAAA\n${pem('END')}\n`)).to.include(
      `SF_JWT_KEY="${pem('BEGIN')}\\nAAA\\n${pem('END')}"`,
    );
  });
});
