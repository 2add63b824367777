import { createVerify, randomBytes } from 'node:crypto';
import { formParams, json, type Reply, type Request } from './http.js';
import type { OrgState, User } from './org.js';
import { appsAsOf, ipRestricted, isPreAuthorized, oauthScopeNames, parseCertificate, type OAuthApp } from './apps.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';

export type Session = { token: string; userId: string; scopes: string[]; appId: string | undefined };

/**
 * The token endpoint's refusals, with Salesforce's codes and texts (all HTTP 400, as Salesforce answers
 * them). Clients and the plugin's diagnosis match on these exact strings.
 */
export const OAUTH_ERRORS = {
  unsupportedGrant: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
  invalidClientId: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
  invalidAssertion: { error: 'invalid_grant', error_description: 'invalid assertion' },
  audienceInvalid: { error: 'invalid_grant', error_description: 'audience is invalid' },
  notApproved: { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
  authenticationFailure: { error: 'invalid_grant', error_description: 'authentication failure' },
  notAdminApproved: { error: 'invalid_app_access', error_description: 'user is not admin approved to access this app' },
  appNotFound: { error: 'app_not_found', error_description: 'External client app is not installed in this org' },
  ipRestricted: { error: 'invalid_grant', error_description: 'ip restricted' },
  invalidClientCredentials: { error: 'invalid_client', error_description: 'invalid client credentials' },
  noClientCredentialsUser: { error: 'invalid_grant', error_description: 'no client credentials user enabled' },
  domainNotSupported: { error: 'invalid_grant', error_description: 'request not supported on this domain' },
  expiredAssertion: { error: 'invalid_grant', error_description: 'expired authorization code' },
  appBlocked: { error: 'app_blocked', error_description: 'this app is blocked by admin' },
  redirectUriMismatch: { error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' },
  expiredAccessOrRefresh: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
} as const;

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';
export const PASSWORD_GRANT = 'password';
export const AUTHORIZATION_CODE_GRANT = 'authorization_code';
export const REFRESH_TOKEN_GRANT = 'refresh_token';

/**
 * LoginHistory's record of each grant (docs/research/password-flow.md §4): LoginType "Remote Access 2.0" for
 * all of them [reported]; LoginSubType names the flow — "OAuth Username-Password" and "OAuth Client Credentials"
 * are documented values, written as their labels [unconfirmed form]; no value is documented for the JWT bearer
 * flow, so it records none [unconfirmed].
 */
export const LOGIN_SUB_TYPES = {
  password: 'OAuth Username-Password',
  clientCredentials: 'OAuth Client Credentials',
  jwtBearer: null,
} as const;

/** LoginHistory's Status texts (docs/research/password-flow.md §4) [reported]. */
export const LOGIN_STATUS = {
  success: 'Success',
  flowDisabled: 'Username-Password Flow Disabled',
  invalidPassword: 'Invalid Password',
  restrictedIp: 'Restricted IP',
  inactive: 'User is Inactive',
  notApproved: 'Failed: Not approved for access',
} as const;

/**
 * The emulator answers on two host names for the same port: 127.0.0.1 is the org's My Domain, and
 * localhost stands for the generic login host (login.salesforce.com / test.salesforce.com), where some
 * flows are not served. Requests a test's proxy carries to login.salesforce.com or test.salesforce.com
 * (test/helpers/proxy.ts) arrive under those names and are answered as the generic login host too.
 */
export const GENERIC_LOGIN_HOST = 'localhost';
/** Salesforce's own names of the generic login hosts: login.salesforce.com, test.salesforce.com. */
export const SALESFORCE_LOGIN_HOSTS = [new URL(PRODUCTION_LOGIN).hostname, new URL(SANDBOX_LOGIN).hostname];
const GENERIC_LOGIN_HOSTS = new Set([GENERIC_LOGIN_HOST, ...SALESFORCE_LOGIN_HOSTS]);

const isGenericLoginHost = (req: Request): boolean =>
  GENERIC_LOGIN_HOSTS.has((req.headers.host ?? '').split(':')[0].toLowerCase());

type OAuthError = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS];

const refuse = (e: OAuthError): Reply => json(400, e);

/** Access tokens the emulator issued, and who they belong to. */
export class Sessions {
  /** The apps whose refresh tokens were deleted, in order (the emulator's state shows them). */
  public readonly refreshTokensRevoked: string[] = [];
  private readonly byToken = new Map<string, Session>();

  public constructor(private readonly org: OrgState) {}

  /**
   * Salesforce's opaque access tokens start with the org Id and a `!`; a JWT-based one (the app setting "Issue
   * JSON Web Token (JWT)-based access tokens") is a signed JWT [unconfirmed: its claims; only its form matters here].
   */
  public issue(user: User, scopes: string[], appId: string | undefined): Session {
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = this.org.options.jwtAccessTokens
      ? `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: user.Id, iss: this.org.orgId, jti: randomBytes(12).toString('hex') })}.${randomBytes(64).toString('base64url')}`
      : `${this.org.orgId.slice(0, 15)}!AQ${randomBytes(48).toString('base64url')}`;
    const session: Session = { token, userId: user.Id, scopes, appId };
    this.byToken.set(token, session);
    return session;
  }

  public lookup(token: string | undefined): Session | undefined {
    return token ? this.byToken.get(token) : undefined;
  }

  /** The session times out (`POST /__emulator/sessions/expire`): Salesforce answers it INVALID_SESSION_ID. */
  public expire(token: string): boolean {
    return this.byToken.delete(token);
  }

  /** The org was refreshed: a new org, where no session of the old one is valid. */
  public clear(): void {
    this.byToken.clear();
    this.refreshTokensRevoked.length = 0;
  }

  /** Every access token issued and not expired: a test scans outputs and logs for them. */
  public tokens(): string[] {
    return [...this.byToken.keys()];
  }

  /** The apps through which a token was issued: the ones with "OAuth usage data". */
  public appIdsWithUsage(): Set<string> {
    return new Set([...this.byToken.values()].flatMap((s) => (s.appId ? [s.appId] : [])));
  }

  /**
   * Deletes the app's refresh tokens. The emulator's flows (JWT bearer, client credentials) issue none, so
   * this records the deletion and ends no session.
   */
  public revokeRefreshTokens(appId: string): void {
    this.refreshTokensRevoked.push(appId);
  }
}

type Jwt = {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
};

const decodeJwt = (assertion: string): Jwt | undefined => {
  const parts = assertion.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * RS256 over the uploaded certificate's public key. The certificate's validity dates are not checked:
 * "When the app cert expires, nothing happens … this is by design" (Salesforce product management, quoted
 * on salesforce.stackexchange.com/q/313488, Connected Apps; the same is assumed for External Client Apps).
 */
const signatureMatches = (jwt: Jwt, certificatePem: string | undefined): boolean => {
  if (!certificatePem || jwt.header.alg !== 'RS256') return false;
  const cert = parseCertificate(certificatePem);
  if (!cert) return false;
  return createVerify('RSA-SHA256').update(jwt.signingInput).verify(cert.publicKey, jwt.signature);
};

/**
 * `exp` must be in the future. Salesforce reads it as seconds, so an `exp` in milliseconds (what
 *
 * @salesforce/core sends) is simply far in the future and accepted.
 */
const expiryValid = (exp: unknown, now: number): boolean => typeof exp === 'number' && exp * 1000 > now;

/** One authorization code: the app and callback URL it was issued for, and the user it logs in. */
type AuthorizationCode = { clientId: string; redirectUri: string; userId: string };

export class OAuthEndpoints {
  private readonly authorizationCodes = new Map<string, AuthorizationCode>();
  /** Refresh tokens issued with a code's exchange: the app (client id) and the user each renews a session for. */
  private readonly refreshTokens = new Map<string, { clientId: string; userId: string }>();

  public constructor(
    private readonly org: OrgState,
    private readonly sessions: Sessions,
    private readonly baseUrl: () => string,
  ) {}

  /** The audiences this org's token endpoint accepts: its own URL, and the generic login host of its kind. */
  public audiences(): string[] {
    const own = this.baseUrl();
    return [own, `${own}/`, this.org.options.sandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN];
  }

  public token(req: Request): Reply {
    const params = formParams(req);
    const grantType = params.get('grant_type');
    if (grantType === JWT_BEARER_GRANT) return this.jwtBearer(params.get('assertion') ?? '', req);
    if (grantType === CLIENT_CREDENTIALS_GRANT) return this.clientCredentials(req, params);
    if (grantType === PASSWORD_GRANT) return this.password(req, params);
    if (grantType === AUTHORIZATION_CODE_GRANT) return this.authorizationCode(params);
    if (grantType === REFRESH_TOKEN_GRANT) return this.refreshToken(params);
    return refuse(OAUTH_ERRORS.unsupportedGrant);
  }

  /**
   * A one-time code for the web server flow's exchange. Only a scratch org's signup issues them here
   * (ScratchOrgInfo.AuthCode, "a one-time authorization code that can be exchanged for an OAuth access token and
   * refresh token" [doc]); the code's form is a real one's (base64, about 100 characters, `==` at the end).
   */
  public issueAuthorizationCode(clientId: string, redirectUri: string, user: User): string {
    const code = `${randomBytes(72).toString('base64').replace(/\//g, '_').replace(/\+/g, '.')}==`;
    this.authorizationCodes.set(code, { clientId, redirectUri, userId: user.Id });
    return code;
  }

  public userinfo(session: Session): Reply {
    const user = this.org.findUser(session.userId);
    if (!user) return json(403, { error: 'forbidden', error_description: 'user not found' });
    return json(200, {
      sub: this.identityUrl(user),
      user_id: user.Id,
      organization_id: this.org.orgId,
      preferred_username: user.Username,
      nickname: user.Alias,
      name: user.Name,
      email: user.Email,
      email_verified: true,
      given_name: user.FirstName,
      family_name: user.LastName,
      zoneinfo: user.TimeZoneSidKey,
      active: user.IsActive,
      user_type: 'STANDARD',
      language: user.LanguageLocaleKey,
      locale: user.LocaleSidKey,
      utcOffset: 0,
      updated_at: new Date(this.org.now()).toISOString(),
      is_app_installed: session.appId !== undefined,
      urls: {
        rest: `${this.baseUrl()}/services/data/v{version}/`,
        sobjects: `${this.baseUrl()}/services/data/v{version}/sobjects/`,
        query: `${this.baseUrl()}/services/data/v{version}/query/`,
        metadata: `${this.baseUrl()}/services/Soap/m/{version}/${this.org.orgId.slice(0, 15)}`,
        profile: `${this.baseUrl()}/${user.Id}`,
      },
    });
  }

  public identityUrl(user: User): string {
    return `${this.baseUrl()}/id/${this.org.orgId}/${user.Id}`;
  }

  /**
   * The app a client id names as the token endpoint sees it (`propagationMs` late), and the secret that goes with
   * it: the app's primary key, or a staged pair of an External Client App (docs/emulator.md, "Staged credentials").
   */
  private appOf(clientId: string | null | undefined): { app: OAuthApp | undefined; secret: string | undefined } {
    const seenAt = this.org.now() - this.org.options.propagationMs;
    const apps = appsAsOf(this.org, seenAt);
    const staged = this.org.stagedCredential(clientId, seenAt);
    const app = apps.find((a) =>
      staged ? a.id === staged.appId : a.consumerKey !== undefined && a.consumerKey === clientId,
    );
    return { app, secret: staged ? staged.secret : this.org.consumerSecrets.get(app?.consumerKey ?? '') };
  }

  /**
   * The client credentials flow: consumer key and secret (form fields or HTTP Basic), only at the org's
   * My Domain, issuing a token for the app's run-as user.
   */
  private clientCredentials(req: Request, params: URLSearchParams): Reply {
    if (isGenericLoginHost(req)) return refuse(OAUTH_ERRORS.domainNotSupported);
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
    const clientId = params.get('client_id') ?? (basicId ? decodeURIComponent(basicId) : undefined);
    const clientSecret = params.get('client_secret') ?? (basicSecret ? decodeURIComponent(basicSecret) : undefined);
    const { app, secret } = this.appOf(clientId);
    if (!app) return refuse(OAUTH_ERRORS.invalidClientId);
    const unusable = this.appRefusal(app);
    if (unusable) return refuse(unusable);
    if (!clientSecret || secret !== clientSecret) return refuse(OAUTH_ERRORS.invalidClientCredentials);
    const runAs =
      app.clientCredentials.enabled && app.clientCredentials.runAs
        ? this.org.findUserByUsername(app.clientCredentials.runAs)
        : undefined;
    if (!runAs) return refuse(OAUTH_ERRORS.noClientCredentialsUser);
    if (!runAs.IsActive) return refuse(OAUTH_ERRORS.authenticationFailure);
    // An admin-approved app runs the flow only as a pre-authorized user (setup guides report invalid_app_access).
    if (app.adminApproved && !isPreAuthorized(this.org, app, runAs)) return refuse(OAUTH_ERRORS.notAdminApproved);
    if (ipRestricted(this.org, app, runAs, req.remoteAddress)) return refuse(OAUTH_ERRORS.ipRestricted);
    return this.grant(app, runAs, req, LOGIN_SUB_TYPES.clientCredentials);
  }

  /**
   * The username-password flow (docs/research/password-flow.md §3): the consumer key and secret, the username,
   * and the password with the user's security token appended. A Connected App's only: External Client Apps never
   * supported it [doc]. Where the org blocks the flow ("Allow OAuth Username-Password Flows" off) Salesforce
   * answers exactly as for a wrong password, `invalid_grant` "authentication failure", and only Login History
   * tells them apart: "Username-Password Flow Disabled" against "Invalid Password" [reported]. No refresh token
   * is issued [doc]. Every attempt of a known user is recorded.
   */
  private password(req: Request, params: URLSearchParams): Reply {
    const clientId = params.get('client_id');
    const apps = appsAsOf(this.org, this.org.now() - this.org.options.propagationMs);
    const app = apps.find((a) => a.consumerKey !== undefined && a.consumerKey === clientId);
    if (!app) return refuse(OAUTH_ERRORS.invalidClientId);
    const unusable = this.appRefusal(app);
    if (unusable) return refuse(unusable);
    const clientSecret = params.get('client_secret');
    if (!clientSecret || this.org.consumerSecrets.get(app.consumerKey ?? '') !== clientSecret)
      return refuse(OAUTH_ERRORS.invalidClientCredentials);
    const username = params.get('username');
    const user = username ? this.org.findUserByUsername(username) : undefined;
    if (!user) return refuse(OAUTH_ERRORS.authenticationFailure);
    const failed = (status: string, error: OAuthError): Reply => {
      this.record(app, user, req, LOGIN_SUB_TYPES.password, status);
      return refuse(error);
    };
    if (app.kind === 'external-client-app' || this.org.options.passwordFlowBlocked)
      return failed(LOGIN_STATUS.flowDisabled, OAUTH_ERRORS.authenticationFailure);
    const credentials = this.org.passwords.get(user.Id);
    const given = params.get('password') ?? '';
    if (!credentials || given !== `${credentials.password}${credentials.securityToken}`)
      return failed(LOGIN_STATUS.invalidPassword, OAUTH_ERRORS.authenticationFailure);
    if (!user.IsActive) return failed(LOGIN_STATUS.inactive, OAUTH_ERRORS.authenticationFailure);
    // Admin-approved apps admit only pre-authorized users, as in the other flows [unconfirmed for this flow].
    if (app.adminApproved && !isPreAuthorized(this.org, app, user))
      return failed(LOGIN_STATUS.notApproved, OAUTH_ERRORS.notAdminApproved);
    if (ipRestricted(this.org, app, user, req.remoteAddress))
      return failed(LOGIN_STATUS.restrictedIp, OAUTH_ERRORS.ipRestricted);
    return this.grant(app, user, req, LOGIN_SUB_TYPES.password);
  }

  private jwtBearer(assertion: string, req: Request): Reply {
    const now = this.org.now();
    const jwt = decodeJwt(assertion);
    if (!jwt) return refuse(OAUTH_ERRORS.invalidAssertion);
    const { iss, sub, aud, exp } = jwt.claims;

    // The token endpoint sees app changes only once they have propagated.
    const { app } = this.appOf(typeof iss === 'string' ? iss : undefined);
    if (!app) return refuse(OAUTH_ERRORS.invalidClientId);
    // An External Client App is known only at its org's My Domain: the generic login hosts cannot tell
    // which org it belongs to (forcedotcom/cli#3482, sfdx-hardis#1979).
    if (app.kind === 'external-client-app' && isGenericLoginHost(req)) return refuse(OAUTH_ERRORS.appNotFound);
    const unusable = this.appRefusal(app);
    if (unusable) return refuse(unusable);
    if (!signatureMatches(jwt, app.certificate)) return refuse(OAUTH_ERRORS.invalidAssertion);
    if (!expiryValid(exp, now)) return refuse(OAUTH_ERRORS.expiredAssertion);
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => typeof a === 'string' && this.audiences().includes(a))) {
      return refuse(OAUTH_ERRORS.audienceInvalid);
    }
    const user = typeof sub === 'string' ? this.org.findUserByUsername(sub) : undefined;
    if (!user) return refuse(OAUTH_ERRORS.notApproved);
    if (!user.IsActive) return refuse(OAUTH_ERRORS.authenticationFailure);
    const refusal = this.policyRefusal(app, user);
    if (refusal) return refuse(refusal);
    if (ipRestricted(this.org, app, user, req.remoteAddress)) return refuse(OAUTH_ERRORS.ipRestricted);
    return this.grant(app, user, req, LOGIN_SUB_TYPES.jwtBearer);
  }

  /**
   * A disabled External Client App is not found; a blocked Connected App (a `BlacklistedConsumer`) answers
   * `app_blocked` "this app is blocked by admin" (reported by a public blog; unconfirmed).
   */
  private appRefusal(app: OAuthApp): OAuthError | undefined {
    if (!app.enabled) return OAUTH_ERRORS.appNotFound;
    if (this.org.isBlocked(app.consumerKey, this.org.now() - this.org.options.propagationMs))
      return OAUTH_ERRORS.appBlocked;
    return undefined;
  }

  /**
   * Admin-approved apps admit only pre-authorized users. Self-authorized apps need the user's own
   * interactive approval, which a server-to-server flow never gives.
   */
  private policyRefusal(app: OAuthApp, user: User): OAuthError | undefined {
    if (!app.adminApproved) return OAUTH_ERRORS.notApproved;
    return isPreAuthorized(this.org, app, user) ? undefined : OAUTH_ERRORS.notAdminApproved;
  }

  /** A login attempt in LoginHistory: the app as Setup names it (its label) [unconfirmed: reported as the name shown]. */
  private record(app: OAuthApp, user: User, req: Request, subType: string | null, status: string): void {
    this.org.recordLogin({
      UserId: user.Id,
      Status: status,
      Application: app.label,
      LoginSubType: subType,
      LoginUrl: (req.headers.host ?? '').split(':')[0],
      SourceIp: req.remoteAddress,
    });
  }

  /**
   * The web server flow's code exchange: the code once [doc], with the client id and callback URL it was issued for
   * (`redirect_uri_mismatch` otherwise [doc]). PlatformCLI is a public client with no secret anyone holds: a
   * `client_secret` sent with it is refused as a wrong one [unconfirmed; forcedotcom/cli#3515's workaround says not to
   * export SFDX_CLIENT_SECRET beside it]. A code used or unknown is "expired authorization code" [reported].
   */
  private authorizationCode(params: URLSearchParams): Reply {
    const code = params.get('code') ?? '';
    const issued = this.authorizationCodes.get(code);
    if (!issued) return refuse(OAUTH_ERRORS.expiredAssertion);
    if (params.get('client_id') !== issued.clientId) return refuse(OAUTH_ERRORS.invalidClientId);
    if (params.get('redirect_uri') !== issued.redirectUri) return refuse(OAUTH_ERRORS.redirectUriMismatch);
    if (params.get('client_secret')) return refuse(OAUTH_ERRORS.invalidClientCredentials);
    this.authorizationCodes.delete(code);
    return this.codeGrant(issued.clientId, issued.userId, true);
  }

  /** A refresh token of a code's exchange renews the session, for the app it was issued to. */
  private refreshToken(params: URLSearchParams): Reply {
    const held = this.refreshTokens.get(params.get('refresh_token') ?? '');
    if (!held || params.get('client_id') !== held.clientId) return refuse(OAUTH_ERRORS.expiredAccessOrRefresh);
    return this.codeGrant(held.clientId, held.userId, false);
  }

  /** A session for a code's user, with a refresh token on the exchange; the answer's fields as the JWT flow's. */
  private codeGrant(clientId: string, userId: string, withRefreshToken: boolean): Reply {
    const user = this.org.findUser(userId);
    if (!user?.IsActive) return refuse(OAUTH_ERRORS.authenticationFailure);
    const scopes = ['refresh_token', 'full'];
    const session = this.sessions.issue(user, scopes, undefined);
    const refreshToken = withRefreshToken ? randomBytes(64).toString('hex') : undefined;
    if (refreshToken) this.refreshTokens.set(refreshToken, { clientId, userId });
    return json(200, {
      access_token: session.token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: scopes.join(' '),
      instance_url: this.baseUrl(),
      id: this.identityUrl(user),
      token_type: 'Bearer',
    });
  }

  private grant(app: OAuthApp, user: User, req: Request, subType: string | null): Reply {
    this.record(app, user, req, subType, LOGIN_STATUS.success);
    const scopes = oauthScopeNames(app.scopes);
    const session = this.sessions.issue(user, scopes, app.id);
    return json(200, {
      access_token: session.token,
      scope: scopes.join(' '),
      instance_url: this.baseUrl(),
      id: this.identityUrl(user),
      token_type: 'Bearer',
    });
  }
}
