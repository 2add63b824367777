import { expect } from 'chai';
import { defaultAudience, orgKindOfUrl } from '../../src/oauth/audience.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/retry/backoff.js';
import { diagnose } from '../../src/oauth/diagnosis.js';
import { parseIdentityUrl, tokenUrl, type TokenOutcome } from '../../src/oauth/token.js';

const context = {
  loginUrl: 'https://login.salesforce.com',
  clientId: '3MVGkey',
  username: 'ci@acme.com',
  audience: 'https://login.salesforce.com',
};
const refused = (error: string, description: string, status = 400): Extract<TokenOutcome, { kind: 'refused' }> => ({
  kind: 'refused' as const,
  status,
  error,
  description,
  serverDate: undefined,
});

describe('audience', () => {
  it('is test.salesforce.com for sandbox and scratch login URLs', () => {
    for (const url of [
      'https://test.salesforce.com',
      'https://acme--uat.sandbox.my.salesforce.com',
      'https://fun-dream-123.scratch.my.salesforce.com',
      'https://acme--dev.my.salesforce.com',
    ]) {
      expect(orgKindOfUrl(url), url).to.equal('sandbox');
      expect(defaultAudience(url), url).to.equal('https://test.salesforce.com');
    }
  });

  it('is login.salesforce.com for production and its My Domain', () => {
    expect(defaultAudience('https://login.salesforce.com')).to.equal('https://login.salesforce.com');
    expect(defaultAudience('https://acme.my.salesforce.com/')).to.equal('https://login.salesforce.com');
  });

  it('is the URL itself for any other host (a site, a test server)', () => {
    expect(defaultAudience('http://127.0.0.1:4567/')).to.equal('http://127.0.0.1:4567');
    expect(defaultAudience('https://acme.my.site.com/partners/')).to.equal('https://acme.my.site.com/partners');
  });
});

describe('backoff', () => {
  it('starts between half and the whole first step, and grows', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).to.equal(1000);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 1)).to.equal(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).to.equal(4000);
  });

  it('never pauses longer than the cap', () => {
    for (let attempt = 1; attempt < 30; attempt++)
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, () => 1)).to.be.at.most(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(30, DEFAULT_BACKOFF, () => 0)).to.equal(DEFAULT_BACKOFF.maxMs / 2);
  });
});

describe('diagnosis', () => {
  const cases: Array<[string, string, string, string]> = [
    ['invalid_client_id', 'client identifier invalid', 'ClientIdInvalid', 'propagating'],
    ['invalid_grant', "user hasn't approved this consumer", 'UserNotApproved', 'propagating'],
    ['invalid_app_access', 'user is not admin approved to access this app', 'UserNotAdminApproved', 'permanent'],
    ['invalid_grant', 'audience is invalid', 'AudienceInvalid', 'permanent'],
    ['invalid_grant', 'invalid assertion', 'InvalidAssertion', 'permanent'],
    ['invalid_grant', 'ip restricted', 'IpRestricted', 'permanent'],
    ['invalid_grant', 'authentication failure', 'AuthenticationFailure', 'permanent'],
    ['invalid_client', 'invalid client credentials', 'InvalidClientCredentials', 'permanent'],
    ['invalid_grant', 'no client credentials user enabled', 'NoClientCredentialsUser', 'permanent'],
    ['invalid_request', 'request not supported on this domain', 'DomainNotSupported', 'permanent'],
    ['app_not_found', 'External client app is not installed in this org', 'AppNotInstalled', 'permanent'],
    ['unsupported_grant_type', 'grant type not supported', 'UnsupportedGrantType', 'permanent'],
    ['invalid_scope', 'something new', 'UnknownOAuthError', 'permanent'],
  ];
  for (const [error, description, name, persistence] of cases) {
    it(`explains ${error}: ${description} as ${name}`, () => {
      const d = diagnose(refused(error, description), context);
      expect(d).to.include({ name, code: error, description, persistence });
      expect(d.cause.length).to.be.greaterThan(20);
      expect(d.actions.length).to.be.greaterThan(0);
    });
  }

  it("says an app_not_found at the org's My Domain is a blocked or missing app, not the generic-host mistake", () => {
    const generic = diagnose(refused('app_not_found', 'External client app is not installed in this org'), {
      ...context,
      loginUrl: 'https://login.salesforce.com',
    });
    expect(generic.name).to.equal('AppNotInstalled');
    expect(generic.actions[0]).to.include('My Domain');
    for (const atMyDomain of [
      { ...context, loginUrl: 'https://acme.my.salesforce.com' },
      { ...context, loginUrl: 'https://acme--uat.sandbox.my.salesforce.com' },
      { ...context, loginUrl: 'https://127.0.0.1:6101', atMyDomain: true },
    ]) {
      const d = diagnose(refused('app_not_found', 'External client app is not installed in this org'), atMyDomain);
      expect(d).to.include({ name: 'AppDisabled', persistence: 'permanent' });
      expect(d.cause).to.include('blocked').and.include(atMyDomain.loginUrl);
      expect(d.actions[0]).to.include('sf jwtapp unblock');
    }
  });

  it('treats a 5xx answer and an unreachable server as passing failures', () => {
    expect(diagnose({ kind: 'http-error', status: 503, body: 'down', serverDate: undefined }, context)).to.include({
      name: 'LoginServer',
      persistence: 'transient',
    });
    expect(diagnose({ kind: 'unreachable', message: 'ENOTFOUND' }, context)).to.include({
      name: 'LoginUrlUnreachable',
      persistence: 'transient',
    });
    // A redirect is never the token endpoint's answer: a moved domain (same path, new host) or a gateway's sign-in page.
    const moved = diagnose(
      { kind: 'redirected', status: 301, location: 'https://acme-renamed.my.salesforce.com/services/oauth2/token' },
      context,
    );
    expect(moved).to.include({ name: 'LoginDomainMoved', persistence: 'permanent' });
    expect(moved.actions.join(' ')).to.include('https://acme-renamed.my.salesforce.com');
    const away = diagnose(
      { kind: 'redirected', status: 302, location: 'https://sso.corp.example/login?return=x' },
      context,
    );
    expect(away).to.include({ name: 'LoginRedirected', persistence: 'permanent' });
    expect(away.cause).to.include('https://sso.corp.example/login').and.not.include('return=x');
  });

  it('names the user and client id in its causes and actions', () => {
    expect(diagnose(refused('invalid_client_id', 'client identifier invalid'), context).cause).to.include('3MVGkey');
    expect(
      diagnose(refused('invalid_app_access', 'user is not admin approved to access this app'), context).actions.join(
        ' ',
      ),
    ).to.include('--on-behalf-of ci@acme.com');
  });
});

describe('token URL', () => {
  it("sits below the login URL, a site's path included", () => {
    expect(tokenUrl('https://login.salesforce.com')).to.equal('https://login.salesforce.com/services/oauth2/token');
    expect(tokenUrl('https://acme.my.site.com/partners/')).to.equal(
      'https://acme.my.site.com/partners/services/oauth2/token',
    );
  });
});

describe('identity URL', () => {
  it('gives the org and user Ids', () => {
    expect(parseIdentityUrl('https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA')).to.deep.equal({
      orgId: '00D000000000001AAA',
      userId: '005000000000001AAA',
    });
    expect(parseIdentityUrl('https://example.com/nothing')).to.equal(undefined);
  });
});
