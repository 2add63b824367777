import { expect } from 'chai';
import { auditChecks, summarise, type AuditFacts } from '../../src/audit/checks.js';
import type { AppSnapshot } from '../../src/apps/app.js';
import { countsLine, wrapCommand, wrapWords } from '../../src/audit/render.js';

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

const OPTIONS = {
  requiredScopes: ['Api', 'RefreshToken'],
  warnDays: 30,
  now: new Date('2026-11-23T00:00:00Z'),
  targetOrg: 'admin@acme.com',
};

const status = (f: AuditFacts): Record<string, string> =>
  Object.fromEntries(auditChecks(f, OPTIONS).map((c) => [c.id, c.status]));

describe('audit checks', () => {
  it('passes a least-privilege JWT app', () => {
    const checks = auditChecks(facts(), OPTIONS);
    expect(summarise(checks)).to.deep.equal({ pass: checks.length, warn: 0, fail: 0 });
  });

  it('warns of refresh tokens that never expire, relaxed IP restrictions, and a certificate close to its end', () => {
    expect(
      status(
        facts({
          snapshot: snapshot({
            policies: {
              infiniteRefreshTokens: true,
              ipRelaxed: true,
              clientCredentials: { enabled: false, runAs: undefined },
            },
          }),
          certificate: { notAfter: '2026-12-10T00:00:00.000Z', keySize: 2048, signatureHash: 'SHA-256' },
        }),
      ),
    ).to.include({ refreshTokens: 'WARN', ipRelaxation: 'WARN', certificateExpiry: 'WARN' });
  });

  it('fails an expired, small, SHA-1 certificate', () => {
    expect(
      status(facts({ certificate: { notAfter: '2026-01-01T00:00:00.000Z', keySize: 1024, signatureHash: 'SHA-1' } })),
    ).to.include({
      certificateExpiry: 'FAIL',
      keySize: 'FAIL',
      signatureHash: 'FAIL',
    });
  });

  it('fails the client credentials flow without an active run-as user, and passes an app for that flow alone without a certificate', () => {
    const cc = snapshot({
      certificate: undefined,
      policies: {
        infiniteRefreshTokens: false,
        ipRelaxed: false,
        clientCredentials: { enabled: true, runAs: 'gone@acme.com' },
      },
    });
    expect(
      status(facts({ snapshot: cc, certificate: undefined, runAs: { username: 'gone@acme.com', active: false } })),
    ).to.include({
      certificate: 'PASS',
      clientCredentialsUser: 'FAIL',
    });
  });

  it('warns an External Client App on a Dev Hub about scratch org creation (forcedotcom/cli#3515), with the workaround', () => {
    const checks = auditChecks(facts({ devHub: true }), OPTIONS);
    const trap = checks.find((c) => c.id === 'devHubScratchOrgs');
    expect(trap?.status).to.equal('WARN');
    expect(trap?.fix).to.include('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
    expect(
      auditChecks(facts({ devHub: true, kind: 'connected-app' }), OPTIONS).some((c) => c.id === 'devHubScratchOrgs'),
    ).to.equal(false);
  });

  it("reports a --verify login as Salesforce answered it: PASS, FAIL with the diagnosis's first action, WARN while it may be propagating", () => {
    const login = (success: boolean, persistence = 'permanent'): AuditFacts['login'] => ({
      success,
      username: 'int@acme.com',
      loginUrl: 'https://acme.my.salesforce.com',
      elapsedMs: 120,
      ...(success
        ? {}
        : {
            error: {
              name: 'UserNotPreAuthorizedError',
              cause: 'The user holds no permission set the app pre-authorizes.',
              actions: ['sf jwtapp setup …'],
              persistence,
            },
          }),
    });
    const of = (f: AuditFacts): ReturnType<typeof auditChecks>[number] | undefined =>
      auditChecks(f, OPTIONS).find((c) => c.id === 'login');
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

describe('audit findings count in English', () => {
  const expiry = (notAfter: string): string | undefined =>
    auditChecks(facts({ certificate: { notAfter, keySize: 2048, signatureHash: 'SHA-256' } }), OPTIONS).find(
      (c) => c.id === 'certificateExpiry',
    )?.message;

  it('says "1 day", never "1 days", whether the certificate expires in one, expired one ago, or is valid one more', () => {
    expect(expiry('2026-11-24T12:00:00.000Z')).to.equal('The certificate expires on 2026-11-24, in 1 day.');
    expect(expiry('2026-11-22T12:00:00.000Z')).to.match(/^The certificate expired on 2026-11-22, 1 day ago\./);
    expect(
      auditChecks(
        facts({ certificate: { notAfter: '2026-11-24T12:00:00.000Z', keySize: 2048, signatureHash: 'SHA-256' } }),
        { ...OPTIONS, warnDays: 0 },
      ).find((c) => c.id === 'certificateExpiry')?.message,
    ).to.equal('The certificate is valid until 2026-11-24 (1 day from now).');
    expect(expiry('2026-12-10T00:00:00.000Z')).to.equal('The certificate expires on 2026-12-10, in 17 days.');
  });

  it('names the --username user in every fix that needs one, and a placeholder only when none was given', () => {
    const broken = facts({
      enabled: false,
      snapshot: snapshot({ adminApproved: false, scopes: ['Api'] }),
      keyMatches: false,
      certificate: { notAfter: '2026-01-01T00:00:00.000Z', keySize: 1024, signatureHash: 'SHA-1' },
    });
    const given = auditChecks(broken, { ...OPTIONS, username: 'int@acme.com' }).filter((c) =>
      c.fix?.includes('--username'),
    );
    expect(given.length).to.be.greaterThan(4);
    expect(given.filter((c) => !c.fix?.endsWith('--username int@acme.com'))).to.deep.equal([]);
    const none = auditChecks(broken, OPTIONS).filter((c) => c.fix?.includes('--username'));
    expect(none.filter((c) => !c.fix?.endsWith('--username <integration user>'))).to.deep.equal([]);
  });
});

describe('audit rendering', () => {
  it('wraps a command at flag boundaries with " \\" continuations that a shell joins back to the command', () => {
    const command =
      'sf jwtapp cert rotate --target-org my-production-admin --name Acme_Integration_For_Billing --username integration.user@acme.example.com';
    const lines = wrapCommand(command, 60, '        ');
    expect(lines.length).to.be.greaterThan(1);
    expect(lines.filter((l) => l.length > 60)).to.deep.equal([]);
    expect(lines.slice(0, -1).every((l) => l.endsWith(' \\'))).to.equal(true);
    expect(
      lines
        .join('\n')
        .replace(/ \\\n\s*/g, ' ')
        .trim(),
    ).to.equal(command);
    // A flag and its value on one line; a placeholder with a space stays whole.
    expect(lines.some((l) => /--name\s*\\?$/.test(l))).to.equal(false);
    expect(
      wrapCommand('sf jwtapp setup --target-org admin --name Acme --username <integration user>', 40, '').some((l) =>
        l.includes('<integration user>'),
      ),
    ).to.equal(true);
  });

  it('keeps a word longer than the width whole, on a line of its own, rather than split it', () => {
    const long = 'x'.repeat(50);
    expect(wrapWords(`a ${long} b`, 20, '  ')).to.deep.equal(['  a', `  ${long}`, '  b']);
    expect(wrapWords('Setup > App Manager > the app', 16, '')).to.deep.equal(['Setup > App', 'Manager > the', 'app']);
  });

  it('counts warnings in English', () => {
    expect(countsLine({ pass: 3, warn: 1, fail: 0 })).to.equal('3 passed, 1 warning, 0 failed.');
    expect(countsLine({ pass: 3, warn: 0, fail: 1 })).to.equal('3 passed, 0 warnings, 1 failed.');
    expect(countsLine({ pass: 1, warn: 2, fail: 1 })).to.equal('1 passed, 2 warnings, 1 failed.');
  });
});
