import { expect } from 'chai';
import { auditChecks, summarise, type AuditFacts } from '../../src/audit/checks.js';
import type { AppSnapshot } from '../../src/apps/app.js';

const snapshot = (overrides: Partial<AppSnapshot> = {}): AppSnapshot => ({
  kind: 'external-client-app',
  name: 'Acme_App',
  label: 'Acme App',
  consumerKey: 'KEY12345',
  certificate: 'CERT',
  scopes: ['Api', 'RefreshToken'],
  adminApproved: true,
  permissionSets: ['Acme_App_Access'],
  policies: { infiniteRefreshTokens: false, ipRelaxed: false, clientCredentials: { enabled: false, runAs: undefined } },
  ...overrides,
});

const facts = (overrides: Partial<AuditFacts> = {}): AuditFacts => ({
  name: 'Acme_App',
  kind: 'external-client-app',
  snapshot: snapshot(),
  enabled: true,
  loginUrl: 'https://acme.my.salesforce.com',
  certificate: { notAfter: '2027-06-01T00:00:00.000Z', keySize: 2048, signatureHash: 'SHA-256' },
  existingPermissionSets: ['Acme_App_Access'],
  devHub: false,
  ...overrides,
});

const OPTIONS = { requiredScopes: ['Api', 'RefreshToken'], warnDays: 30, now: new Date('2026-11-23T00:00:00Z'), targetOrg: 'admin@acme.com' };

const status = (f: AuditFacts): Record<string, string> => Object.fromEntries(auditChecks(f, OPTIONS).map((c) => [c.id, c.status]));

describe('audit checks', () => {
  it('passes a least-privilege JWT app', () => {
    const checks = auditChecks(facts(), OPTIONS);
    expect(summarise(checks)).to.deep.equal({ pass: checks.length, warn: 0, fail: 0 });
  });

  it('warns of refresh tokens that never expire, relaxed IP restrictions, and a certificate close to its end', () => {
    expect(
      status(
        facts({
          snapshot: snapshot({ policies: { infiniteRefreshTokens: true, ipRelaxed: true, clientCredentials: { enabled: false, runAs: undefined } } }),
          certificate: { notAfter: '2026-12-10T00:00:00.000Z', keySize: 2048, signatureHash: 'SHA-256' },
        })
      )
    ).to.include({ refreshTokens: 'WARN', ipRelaxation: 'WARN', certificateExpiry: 'WARN' });
  });

  it('fails an expired, small, SHA-1 certificate', () => {
    expect(status(facts({ certificate: { notAfter: '2026-01-01T00:00:00.000Z', keySize: 1024, signatureHash: 'SHA-1' } }))).to.include({
      certificateExpiry: 'FAIL',
      keySize: 'FAIL',
      signatureHash: 'FAIL',
    });
  });

  it('fails the client credentials flow without an active run-as user, and passes an app for that flow alone without a certificate', () => {
    const cc = snapshot({ certificate: undefined, policies: { infiniteRefreshTokens: false, ipRelaxed: false, clientCredentials: { enabled: true, runAs: 'gone@acme.com' } } });
    expect(status(facts({ snapshot: cc, certificate: undefined, runAs: { username: 'gone@acme.com', active: false } }))).to.include({
      certificate: 'PASS',
      clientCredentialsUser: 'FAIL',
    });
  });

  it('warns an External Client App on a Dev Hub about scratch org creation (forcedotcom/cli#3515), with the workaround', () => {
    const checks = auditChecks(facts({ devHub: true }), OPTIONS);
    const trap = checks.find((c) => c.id === 'devHubScratchOrgs');
    expect(trap?.status).to.equal('WARN');
    expect(trap?.fix).to.include('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
    expect(auditChecks(facts({ devHub: true, kind: 'connected-app' }), OPTIONS).some((c) => c.id === 'devHubScratchOrgs')).to.equal(false);
  });

  it('reports a --verify login as Salesforce answered it: PASS, FAIL with the diagnosis\'s first action, WARN while it may be propagating', () => {
    const login = (success: boolean, persistence = 'permanent'): AuditFacts['login'] => ({
      success,
      username: 'int@acme.com',
      loginUrl: 'https://acme.my.salesforce.com',
      elapsedMs: 120,
      ...(success ? {} : { error: { name: 'UserNotPreAuthorizedError', cause: 'The user holds no permission set the app pre-authorizes.', actions: ['sf jwtapp setup …'], persistence } }),
    });
    const of = (f: AuditFacts): ReturnType<typeof auditChecks>[number] | undefined => auditChecks(f, OPTIONS).find((c) => c.id === 'login');
    expect(of(facts())).to.equal(undefined);
    expect(of(facts({ login: login(true) }))?.status).to.equal('PASS');
    const refused = of(facts({ login: login(false) }));
    expect(refused).to.include({ status: 'FAIL', fix: 'sf jwtapp setup …' });
    expect(refused?.message).to.include('UserNotPreAuthorizedError').and.include('int@acme.com');
    expect(of(facts({ login: login(false, 'propagating') }))?.status).to.equal('WARN');
    // What the audit read explains the answer: no propagation will let a user who holds none of the permission sets in.
    const holdsNone = { username: 'int@acme.com', exists: true, active: true, holds: [] };
    expect(of(facts({ login: login(false, 'propagating'), user: holdsNone }))?.status).to.equal('FAIL');
  });
});
