import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, json, readRequest, restError, writeReply, type Reply, type Request } from './http.js';
import {
  OrgState,
  SANDBOX_NAME,
  type LoginHistoryRow,
  type MetadataBody,
  type OrgOptions,
  type PermissionSet,
  type PermissionSetAssignment,
  type Profile,
  type SetupEntityAccess,
  type User,
} from './org.js';
import { GENERIC_LOGIN_HOST, OAuthEndpoints, Sessions, type Session } from './oauth.js';
import { RestApi } from './rest.js';
import { ScratchSignups, type ScratchOrgMade, type StartScratchOrg } from './scratch.js';
import { OAuthUsageApi } from './usage.js';
import { OAuthCredentialsApi } from './credentials.js';
import { MetadataApi } from './metadata.js';
import { ComponentStore } from './components.js';
import { parseEnvelope, SoapFault, soapFault, soapOperationOf, sfFault } from './soap.js';
import { currentApps, grantsApiAccess, type ECA_COMPONENT_TYPES, type OAuthApp } from './apps.js';
import { FaultInjector } from './faults.js';
import { seedSetupMadeApps } from './seed.js';

export type EmulatorOptions = Partial<OrgOptions> & {
  port?: number;
  /** Share of API calls (not token or control calls) answered with a 503 or a dropped connection. */
  faultRate?: number;
  faultSeed?: number;
  /** Adds an External Client App and a Connected App as an admin would have made them in Setup. */
  seedApps?: boolean;
  /** Milliseconds every answer (REST, OAuth) waits before it is sent, as a real org's round trip does. Default 0. */
  latencyMs?: number;
  /** The same for SOAP Metadata API calls; default METADATA_LATENCY_FACTOR × latencyMs. */
  metadataLatencyMs?: number;
};

/**
 * How much slower a Metadata API call answers than a REST call. [unconfirmed] Salesforce publishes no
 * figures; a SOAP call parses and writes an envelope on both sides and reads metadata rather than rows, and
 * users report readMetadata and checkDeployStatus in the hundreds of milliseconds where REST reads take
 * 100-200 ms. Two is the choice made; `--metadata-latency-ms` sets it outright.
 */
export const METADATA_LATENCY_FACTOR = 2;

export type RequestLogEntry = {
  /** The host name the request was sent to: 127.0.0.1 (the My Domain), or a generic login host's name. */
  host: string;
  method: string;
  path: string;
  soapOperation: string | null;
  status: number;
  /** How long the answer was held back (--latency-ms, --metadata-latency-ms). */
  latencyMs: number;
  /** When the answer went out (epoch ms, real time). */
  answeredAt: number;
};

type EcaComponentType = (typeof ECA_COMPONENT_TYPES)[number];

/** A metadata component as GET /__emulator/state shows it: its Id, its name, and its fields as stored. */
export type StateComponent = { id: string; fullName: string; metadata: MetadataBody };

/**
 * What GET /__emulator/state answers (as JSON: a field that is undefined is left out): the org as tests read it
 * back, made of the org's own types.
 */
export type EmulatorState = {
  orgId: string;
  sandbox: boolean;
  apps: Array<OAuthApp & { consumerSecret: string | undefined }>;
  connectedApps: StateComponent[];
  /** Each with its four components, found by their link to it (null: none). */
  externalClientApps: Array<StateComponent & { components: Record<EcaComponentType, StateComponent | null> }>;
  /** The permission sets an admin sees in Setup: not those a profile owns. */
  permissionSets: PermissionSet[];
  setupEntityAccess: SetupEntityAccess[];
  permissionSetAssignments: PermissionSetAssignment[];
  users: Array<User & { Profile: string }>;
  profiles: Array<Pick<Profile, 'Id' | 'Name'>>;
  /** External Client Apps whose refresh tokens were deleted through the OAuth usage API, in order. */
  refreshTokensRevoked: string[];
  /** Every access token the org issued that is still valid (tests scan outputs and logs for them). */
  accessTokens: string[];
  /** "Allow OAuth Username-Password Flows" is off. */
  passwordFlowBlocked: boolean;
  /** Every login attempt recorded, oldest first. */
  loginHistory: LoginHistoryRow[];
};

/** What `npm run emulator` prints when it is ready: the contract other tooling reads. */
export type ReadyLine = {
  instanceUrl: string;
  orgId: string;
  sandbox: boolean;
  apiVersion: string;
  admin: { username: string; accessToken: string };
  integrationUser: { username: string };
  inactiveUser: { username: string };
  /** A user whose profile allows logins only from 10.0.0.0/8: refused from here unless the app relaxes IP restrictions. */
  ipRestrictedUser: { username: string };
  /** The same server under the generic login host's role (login.salesforce.com / test.salesforce.com). */
  loginUrl: string;
};

const CONTROL_PREFIX = '/__emulator/';

/** The emulators running in this process, by instance URL: a sandbox is refreshed from one of them. */
const RUNNING = new Map<string, Emulator>();

/** A loopback Salesforce org: OAuth, REST and the SOAP Metadata API over one HTTP server. */
export class Emulator {
  public readonly org: OrgState;
  public readonly requests: RequestLogEntry[] = [];
  private readonly sessions: Sessions;
  private readonly oauth: OAuthEndpoints;
  private readonly rest: RestApi;
  private readonly usage: OAuthUsageApi;
  private readonly credentials: OAuthCredentialsApi;
  private readonly metadata: MetadataApi;
  private readonly faults: FaultInjector;
  private readonly server: Server;
  private adminSession!: Session;
  private cannedAnswers: { reply: Reply; left: number; path: string | undefined } | undefined;
  private latency: { ms: number; metadataMs: number };
  private url = '';
  /** The scratch orgs this Dev Hub's signups made: they stop with it. */
  private readonly scratchOrgs: Emulator[] = [];

  public constructor(private readonly options: EmulatorOptions = {}) {
    this.org = new OrgState({
      sandbox: options.sandbox ?? false,
      propagationMs: options.propagationMs ?? 0,
      integrationLicenses: options.integrationLicenses ?? 5,
      devHub: options.devHub ?? false,
      passwordFlowBlocked: options.passwordFlowBlocked ?? true,
      allowConnectedAppCreation: options.allowConnectedAppCreation ?? false,
      consumerSecretApiAccess: options.consumerSecretApiAccess ?? false,
      metadataSecretsProtection: options.metadataSecretsProtection ?? false,
      clientSecretRestAccess: options.clientSecretRestAccess ?? false,
      adminViewsClientSecret: options.adminViewsClientSecret ?? true,
      jwtAccessTokens: options.jwtAccessTokens ?? false,
      trialExpirationDate: options.trialExpirationDate,
      now: options.now ?? Date.now,
    });
    this.sessions = new Sessions(this.org);
    this.oauth = new OAuthEndpoints(this.org, this.sessions, () => this.url);
    this.rest = new RestApi(this.org, new ScratchSignups(this.org, (request) => this.startScratchOrg(request)));
    this.usage = new OAuthUsageApi(this.org, this.sessions);
    this.credentials = new OAuthCredentialsApi(this.org);
    const components = new ComponentStore(this.org);
    this.metadata = new MetadataApi(this.org, components);
    if (options.seedApps) seedSetupMadeApps(this.org, components);
    this.faults = new FaultInjector(options.faultRate ?? 0, options.faultSeed ?? 1);
    this.latency = {
      ms: options.latencyMs ?? 0,
      metadataMs: options.metadataLatencyMs ?? METADATA_LATENCY_FACTOR * (options.latencyMs ?? 0),
    };
    this.server = createServer((req, res) => {
      void readRequest(req).then(async (request) => {
        const control = request.path.startsWith(CONTROL_PREFIX);
        // A real org's round trip: the answer (or the outage) comes after it, whatever it is.
        const latencyMs = control
          ? 0
          : request.path.startsWith('/services/Soap/')
            ? this.latency.metadataMs
            : this.latency.ms;
        // The token endpoint never faults: the tests' own logins go through it.
        const faultable = !control && request.path !== '/services/oauth2/token';
        const canned = control ? undefined : this.takeCannedAnswer(request);
        const fault = canned ? undefined : faultable ? this.faults.next() : undefined;
        let reply: Reply | undefined = canned;
        if (!reply && fault === 'unavailable') reply = restError(503, 'SERVER_UNAVAILABLE', 'Service Unavailable');
        if (!reply && fault !== 'drop') {
          try {
            reply = this.route(request);
          } catch (e) {
            reply = restError(500, 'UNKNOWN_EXCEPTION', `emulator error: ${(e as Error).stack ?? String(e)}`);
          }
        }
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        // Dropped before it was served, or served and its answer lost on the way back: status 0 in the log.
        if (!reply || fault === 'lost') {
          this.log(request, 0, latencyMs);
          req.socket.destroy();
          return;
        }
        if (!control) this.log(request, reply.status, latencyMs);
        writeReply(res, reply, new Date(this.org.now()));
      });
    });
    // Clients keep connections alive; don't let them hold the process open at close.
    this.server.keepAliveTimeout = 1000;
  }

  public get instanceUrl(): string {
    return this.url;
  }

  public async start(): Promise<ReadyLine> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.adminSession = this.sessions.issue(this.user('admin'), ['full'], undefined);
    RUNNING.set(this.url, this);
    return this.readyLine();
  }

  public async stop(): Promise<void> {
    await Promise.all(this.scratchOrgs.splice(0).map((scratch) => scratch.stop()));
    RUNNING.delete(this.url);
    this.org.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  public readyLine(): ReadyLine {
    return {
      instanceUrl: this.url,
      orgId: this.org.orgId,
      sandbox: this.org.options.sandbox,
      apiVersion: this.rest.latestVersion(),
      admin: { username: this.user('admin').Username, accessToken: this.adminSession.token },
      integrationUser: { username: this.user('integration').Username },
      inactiveUser: { username: this.user('inactive').Username },
      ipRestrictedUser: { username: this.user('restricted').Username },
      loginUrl: this.url.replace('127.0.0.1', GENERIC_LOGIN_HOST),
    };
  }

  /** Everything a test may want to read back: apps of both kinds with their metadata, and the grants. */
  public state(): EmulatorState {
    const org = this.org;
    const componentsOf = (type: string): StateComponent[] =>
      org.componentsOf(type).map((c) => ({ id: c.id, fullName: c.fullName, metadata: c.body ?? {} }));
    return {
      orgId: org.orgId,
      sandbox: org.options.sandbox,
      // Secrets are shown here as Setup shows them to an admin; the APIs never return them.
      apps: currentApps(org).map((a) => ({
        ...a,
        consumerSecret: a.consumerKey ? org.consumerSecrets.get(a.consumerKey) : undefined,
      })),
      connectedApps: componentsOf('ConnectedApp'),
      externalClientApps: componentsOf('ExternalClientApplication').map((header) => {
        const linked = (type: EcaComponentType): StateComponent | null =>
          componentsOf(type).find(
            (c) => String(c.metadata.externalClientApplication).toLowerCase() === header.fullName.toLowerCase(),
          ) ?? null;
        return {
          ...header,
          components: {
            ExtlClntAppOauthSettings: linked('ExtlClntAppOauthSettings'),
            ExtlClntAppGlobalOauthSettings: linked('ExtlClntAppGlobalOauthSettings'),
            ExtlClntAppOauthConfigurablePolicies: linked('ExtlClntAppOauthConfigurablePolicies'),
            ExtlClntAppConfigurablePolicies: linked('ExtlClntAppConfigurablePolicies'),
          },
        };
      }),
      permissionSets: org.permissionSets.filter((p) => !p.IsOwnedByProfile),
      setupEntityAccess: org.setupEntityAccess,
      permissionSetAssignments: org.assignments,
      users: org.users.map((u) => ({ ...u, Profile: org.profileOf(u).Name })),
      profiles: org.profiles.map((p) => ({ Id: p.Id, Name: p.Name })),
      refreshTokensRevoked: this.sessions.refreshTokensRevoked,
      // Like the secrets above, for tests only: which strings must appear in no output or log.
      accessTokens: this.sessions.tokens(),
      passwordFlowBlocked: org.options.passwordFlowBlocked,
      loginHistory: org.loginHistory,
    };
  }

  /**
   * A scratch org for a Dev Hub's signup: a new sandbox-kind org with the signup's end, as fast to propagate and
   * answer as the Dev Hub, whose admin has the signup's username and email, and whose token endpoint takes the
   * signup's AuthCode once, for the app and callback URL the request named.
   */
  private async startScratchOrg(request: Parameters<StartScratchOrg>[0]): Promise<ScratchOrgMade> {
    const scratch = new Emulator({
      sandbox: true,
      trialExpirationDate: request.expires,
      propagationMs: this.org.options.propagationMs,
      latencyMs: this.latency.ms,
      metadataLatencyMs: this.latency.metadataMs,
      now: () => this.org.now(),
    });
    this.scratchOrgs.push(scratch);
    await scratch.start();
    return scratch.signedUp(request);
  }

  private signedUp(request: Parameters<StartScratchOrg>[0]): ScratchOrgMade {
    const admin = this.user('admin');
    this.org.renameUser(admin, request.username, request.email);
    return {
      instanceUrl: this.url,
      orgId: this.org.orgId,
      username: admin.Username,
      authCode: this.oauth.issueAuthorizationCode(request.consumerKey, request.callbackUrl, admin),
    };
  }

  private user(alias: string): User {
    const user = this.org.users.find((u) => u.Alias === alias);
    if (!user) throw new Error(`emulator bug: no seeded user ${alias}`);
    return user;
  }

  private log(req: Request, status: number, latencyMs: number): void {
    this.requests.push({
      host: (req.headers.host ?? '').split(':')[0],
      method: req.method,
      path: req.path,
      soapOperation: req.path.startsWith('/services/Soap/') ? soapOperationOf(req.body) : null,
      status,
      latencyMs,
      answeredAt: Date.now(),
    });
  }

  /** The next canned reply; a `{path}` in its location is the path asked for (a domain that moved keeps paths). */
  private takeCannedAnswer(req: Request): Reply | undefined {
    const canned = this.cannedAnswers;
    if (!canned || canned.left === 0) return undefined;
    // The token endpoint answers only when asked for by path: the tests' own logins go through it.
    if (canned.path ? !req.path.startsWith(canned.path) : req.path === '/services/oauth2/token') return undefined;
    if (canned.left > 0) canned.left -= 1;
    const location = canned.reply.headers?.location;
    const reply = canned.reply.body?.includes('{request}')
      ? { ...canned.reply, body: echoed(canned.reply, req) }
      : canned.reply;
    return location
      ? { ...reply, headers: { ...reply.headers, location: location.replace('{path}', req.path) } }
      : reply;
  }

  /** `/__emulator/…`: what tests read back, and what they make the org do next. */
  private control(req: Request): Reply {
    const handler = this.controls()[`${req.method} ${req.path.slice(CONTROL_PREFIX.length)}`];
    return handler ? handler(JSON.parse(req.body || '{}') as Record<string, unknown>) : notFound();
  }

  private controls(): Record<string, (body: Record<string, unknown>) => Reply> {
    return {
      'GET state': () => json(200, this.state()),
      // An admin sets a user's password in Setup; Salesforce emails the user a security token. Here both at once,
      // the token answered to the test, as the user would read it in the email.
      'POST users/password': ({ username, password }): Reply => {
        const user = typeof username === 'string' ? this.org.findUserByUsername(username) : undefined;
        if (!user || typeof password !== 'string' || password.length < 8)
          return restError(400, 'MALFORMED_REQUEST', 'a known username and a password of 8 characters or more');
        const securityToken = randomBytes(18).toString('base64url').slice(0, 24);
        this.org.passwords.set(user.Id, { password, securityToken });
        return json(200, { securityToken });
      },
      // A history of logins as Salesforce records them, for tests and the demo: each row's user by username, its
      // time in the past (a test's window), the rest as LoginHistory holds it.
      'POST login-history': ({ rows }): Reply => {
        if (!Array.isArray(rows)) return restError(400, 'MALFORMED_REQUEST', 'rows is required');
        for (const row of rows as Array<Record<string, unknown>>) {
          const user = this.org.findUserByUsername(String(row.username));
          if (!user) return restError(400, 'MALFORMED_REQUEST', `no user ${String(row.username)}`);
          this.org.recordLogin({
            UserId: user.Id,
            Status: typeof row.status === 'string' ? row.status : 'Success',
            Application: typeof row.application === 'string' ? row.application : null,
            LoginSubType: typeof row.loginSubType === 'string' ? row.loginSubType : null,
            LoginUrl: typeof row.loginUrl === 'string' ? row.loginUrl : new URL(this.url).host,
            SourceIp: typeof row.sourceIp === 'string' ? row.sourceIp : '127.0.0.1',
            ...(typeof row.loginTime === 'string' ? { LoginTime: new Date(row.loginTime).toISOString() } : {}),
          });
        }
        return { status: 204 };
      },
      // A sandbox create or refresh (`sf org create|refresh sandbox`), done: this org becomes a new copy of the
      // production org at `production` (an emulator of this process). The answer is the new org's ready line, its
      // admin's session being the one sf gets by logging in to the new sandbox.
      'POST sandbox/refresh': ({ production, name }): Reply => {
        const source = typeof production === 'string' ? RUNNING.get(production.replace(/\/$/, '')) : undefined;
        if (!source || source === this)
          return restError(400, 'MALFORMED_REQUEST', 'production must be the instance URL of another running emulator');
        if (typeof name !== 'string' || !SANDBOX_NAME.test(name))
          return restError(400, 'MALFORMED_REQUEST', 'name: letters and digits, starting with a letter, at most 10');
        if (!this.org.options.sandbox) return restError(400, 'MALFORMED_REQUEST', 'this emulator is not a sandbox');
        this.org.refreshFrom(source.org, name);
        this.sessions.clear();
        this.adminSession = this.sessions.issue(this.user('admin'), ['full'], undefined);
        return json(200, this.readyLine());
      },
      'GET requests': () => json(200, this.requests),
      'DELETE requests': (): Reply => {
        this.requests.length = 0;
        return { status: 204 };
      },
      'POST refusals': ({ operation, problem, after }): Reply => {
        if (typeof operation !== 'string' || typeof problem !== 'string')
          return restError(400, 'MALFORMED_REQUEST', 'operation and problem are required');
        this.org.refusals.push({ operation, problem, after: typeof after === 'number' ? after : 0 });
        return { status: 204 };
      },
      'POST sessions/expire': ({ accessToken }) =>
        typeof accessToken === 'string' && this.sessions.expire(accessToken)
          ? { status: 204 }
          : restError(404, 'NOT_FOUND', 'no such session'),
      // What a network between the client and Salesforce answers: a proxy's HTML page, a body cut short,
      // a redirect to a login page or to a moved domain (`{path}` in the location is the path asked for).
      // The next `count` calls (all, when -1; only those under `path` when given, which may be the token
      // endpoint) get this reply, unserved.
      'POST answers': ({ status, contentType, body, location, count, path }): Reply => {
        if (typeof status !== 'number') return restError(400, 'MALFORMED_REQUEST', 'status is required');
        this.cannedAnswers = {
          reply: {
            status,
            headers: {
              'content-type': typeof contentType === 'string' ? contentType : 'text/html',
              ...(typeof location === 'string' ? { location } : {}),
            },
            body: typeof body === 'string' ? body : '',
          },
          left: typeof count === 'number' ? count : 1,
          path: typeof path === 'string' ? path : undefined,
        };
        return { status: 204 };
      },
      // The round trip of every answer from now on (`metadataMs` defaults to METADATA_LATENCY_FACTOR × `ms`).
      'POST latency': ({ ms, metadataMs }): Reply => {
        if (typeof ms !== 'number' || ms < 0)
          return restError(400, 'MALFORMED_REQUEST', 'ms must be a non-negative number');
        this.latency = {
          ms,
          metadataMs: typeof metadataMs === 'number' && metadataMs >= 0 ? metadataMs : METADATA_LATENCY_FACTOR * ms,
        };
        return { status: 204 };
      },
      'POST faults': ({ rate }): Reply => {
        if (typeof rate !== 'number' || rate < 0 || rate > 1)
          return restError(400, 'MALFORMED_REQUEST', 'rate must be a number from 0 to 1');
        this.faults.setRate(rate);
        return { status: 204 };
      },
    };
  }

  private route(req: Request): Reply {
    const { method, path } = req;
    if (path.startsWith(CONTROL_PREFIX)) return this.control(req);
    if (path === '/services/oauth2/token' && method === 'POST') return this.oauth.token(req);
    if (path === '/services/data' || path === '/services/data/') {
      return method === 'GET' ? this.rest.versions() : notFound();
    }

    if (path === '/secur/frontdoor.jsp' && method === 'GET') return this.frontdoor(req);

    const soap = /^\/services\/Soap\/m\/(\d+\.\d)(?:\/.*)?$/.exec(path);
    if (soap && method === 'POST') return this.soap(req, soap[1]);

    const session = this.sessions.lookup(bearerToken(req));
    if (!session) {
      return restError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    }
    const user = this.org.findUser(session.userId);
    if (!user?.IsActive || this.blockedSession(session))
      return restError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

    if (path === '/services/oauth2/userinfo' && (method === 'GET' || method === 'POST')) {
      return this.oauth.userinfo(session);
    }
    const data = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    return data ? this.restCall(req, session, user, data[1], data[2] ?? '') : notFound();
  }

  /** A REST call with a live session: refused when the session may not use the API, else served. */
  private restCall(req: Request, session: Session, user: User, version: string, rest: string): Reply {
    if (!this.apiAllowed(session)) {
      // Salesforce's answer to a token without the api scope (Help article 005226515).
      return restError(401, 'INVALID_SESSION_ID', 'This session is not valid for use with the REST API');
    }
    // A user without "API Enabled" holds a token, but the API refuses every call (see docs/emulator.md).
    if (!this.org.profileOf(user).apiEnabled)
      return restError(403, 'API_DISABLED_FOR_ORG', 'The REST API is not enabled for this Organization.');
    return this.data(req, version, rest, user);
  }

  /** `/services/data/vNN.N/...`: Connect REST's OAuth usage and credentials resources, or the REST data API. */
  private data(req: Request, version: string, rest: string, user: User): Reply {
    const usage = /^\/apps\/oauth\/usage(\/.*)?$/.exec(rest);
    if (usage) return this.usage.handle(req, version, usage[1] ?? '', user);
    const credentials = /^\/apps\/oauth\/credentials(\/.*)?$/.exec(rest);
    if (credentials) return this.credentials.handle(req, version, credentials[1] ?? '', user);
    return this.rest.handle(req, version, rest, user);
  }

  private soap(req: Request, version: string): Reply {
    try {
      const envelope = parseEnvelope(req.body);
      const session = this.sessions.lookup(envelope.sessionId);
      const user = session ? this.org.findUser(session.userId) : undefined;
      if (!session || !user?.IsActive || this.blockedSession(session)) {
        throw sfFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
      }
      if (!this.apiAllowed(session)) {
        throw sfFault(
          'API_DISABLED_FOR_ORG',
          'The Metadata API is not enabled for this session: the app lacks the api scope',
        );
      }
      if (!this.org.profileOf(user).apiEnabled)
        throw sfFault('API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner');
      if (!this.rest.servesVersion(version)) {
        throw sfFault('UNSUPPORTED_API_VERSION', `Invalid Api version specified on URL: ${version}`);
      }
      // The SOAP API takes JWT-based access tokens from API 68.0; below it answers "statusCode=500 |
      // body=INVALID_SESSION_ID" (jsforce#1817's comment; jsforce refuses to send such a call).
      if (Number(version) < 68 && (envelope.sessionId ?? '').split('.').length === 3) {
        throw sfFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
      }
      return this.metadata.handle(envelope, Number(version), user);
    } catch (e) {
      if (e instanceof SoapFault) return soapFault(e);
      throw e;
    }
  }

  /**
   * The UI's front door (`/secur/frontdoor.jsp?sid=<access token>`, what `sf org open` opens): the only
   * interactive login the emulator has. A user whose profile is "API Only User" is refused the UI with the
   * generic "Insufficient Privileges" page (Knowledge article 000386367) while the same session works on the API.
   */
  private frontdoor(req: Request): Reply {
    const session = this.sessions.lookup(req.query.get('sid') ?? undefined);
    const user = session ? this.org.findUser(session.userId) : undefined;
    const page = (title: string, text: string): Reply => ({
      status: 200,
      headers: { 'content-type': 'text/html;charset=UTF-8' },
      body: `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`,
    });
    if (!session || !user?.IsActive)
      return { status: 302, headers: { location: '/?ec=302&startURL=%2Fhome%2Fhome.jsp' } };
    if (this.org.profileOf(user).apiOnly) {
      return page(
        'Insufficient Privileges',
        'You do not have the level of access necessary to perform the operation you requested.',
      );
    }
    return page('Home', `Welcome, ${user.Name}.`);
  }

  /** A session of an app that has been blocked since is over (BlacklistedConsumer). */
  private blockedSession(session: Session): boolean {
    if (session.appId === undefined) return false;
    const app = currentApps(this.org).find((a) => a.id === session.appId);
    return this.org.isBlocked(app?.consumerKey);
  }

  private apiAllowed(session: Session): boolean {
    return session.appId === undefined || grantsApiAccess(session.scopes);
  }
}

/**
 * A gateway that echoes what it was sent: `{request}` in a canned body becomes the request — its line, its
 * headers (Authorization among them) and its body (a token request's form, a SOAP envelope's session id) —
 * escaped as a JSON string's content when the reply is JSON, so an OAuth error can carry it in its
 * `error_description`.
 */
const echoed = (reply: Reply, req: Request): string => {
  const query = req.query.toString();
  const headers = Object.entries(req.headers).map(
    ([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : (value ?? '')}`,
  );
  const text = [`${req.method} ${req.path}${query ? `?${query}` : ''}`, ...headers, '', req.body].join('\n');
  const inJson = (reply.headers?.['content-type'] ?? '').includes('json');
  return (reply.body ?? '').replaceAll('{request}', inJson ? JSON.stringify(text).slice(1, -1) : text);
};

const notFound = (): Reply => restError(404, 'NOT_FOUND', 'The requested resource does not exist');
