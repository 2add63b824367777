import { randomBytes } from 'node:crypto';
import { IdFactory, type KeyPrefixedObject } from './ids.js';

/** A row of an sObject as the REST API returns it (without `attributes`). */
export type SObjectRow = Record<string, string | number | boolean | null>;

/** A profile; `loginIpRanges` restrict where its users may log in from (IPv4, inclusive). */
export type Profile = {
  Id: string;
  Name: string;
  isAdmin: boolean;
  /** "API Only User" (`PermissionsApiUserOnly`): the API works, an interactive login does not. */
  apiOnly: boolean;
  /** "API Enabled" (`PermissionsApiEnabled`): without it the org issues the user tokens but refuses every API call. */
  apiEnabled: boolean;
  /** The user license its users take a seat of. */
  UserLicenseId: string;
  loginIpRanges: Array<{ start: string; end: string }>;
};

/** A user license and its seats; `UsedLicenses` is counted from the active users holding it. */
export type UserLicense = { Id: string; Name: string; MasterLabel: string; TotalLicenses: number; Status: 'Active' };

/** The license of integration users, with the API-only profile made for it (Help: "Give Integration Users API Only Access"). */
export const INTEGRATION_LICENSE = 'Salesforce Integration';
export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';

/**
 * Usernames are unique across all of Salesforce, not per org: every emulator in this process registers its
 * users here, so a username taken in one emulated org is `DUPLICATE_USERNAME` in another.
 */
const TAKEN_USERNAMES = new Set<string>();

/**
 * Every org alive in this process. Consumer keys, like usernames, are unique across Salesforce: a key another org's
 * app holds is "already in use" here too. An org that stops, or a sandbox refreshed, lets go of its keys.
 */
const LIVE_ORGS = new Set<OrgState>();

/** A consumer key as Salesforce generates one: `3MVG9` and base64url with `.` (retrieved files hold `.` and `_`). */
export const newConsumerKey = (): string =>
  `3MVG9${randomBytes(60).toString('base64url').replace(/-/g, '.').slice(0, 80)}`;

/** "Staged credentials are valid for 30 days unless they're deleted before then" (Connect REST, App OAuth Staged Credentials) [doc]. */
export const STAGED_CREDENTIAL_DAYS = 30;

/** A consumer secret as Setup shows one: 64 hex digits. */
export const newConsumerSecret = (): string => randomBytes(32).toString('hex').toUpperCase();

/**
 * A sandbox's name: "alphanumeric characters only … must begin with a letter … 10 characters or fewer" (Help,
 * Create a Sandbox) [doc].
 */
export const SANDBOX_NAME = /^[A-Za-z][A-Za-z0-9]{0,9}$/;

export type User = {
  Id: string;
  Username: string;
  FirstName: string;
  LastName: string;
  Name: string;
  Email: string;
  Alias: string;
  IsActive: boolean;
  ProfileId: string;
  UserType: 'Standard';
  TimeZoneSidKey: string;
  LanguageLocaleKey: string;
  LocaleSidKey: string;
  EmailEncodingKey: string;
  CommunityNickname: string;
};

export type PermissionSet = {
  Id: string;
  Name: string;
  Label: string;
  Description: string | null;
  IsOwnedByProfile: boolean;
  ProfileId: string | null;
  NamespacePrefix: string | null;
  IsCustom: boolean;
};

export type PermissionSetAssignment = { Id: string; AssigneeId: string; PermissionSetId: string };

export type SetupEntityType = 'ConnectedApplication' | 'ExternalClientApplication';

export type SetupEntityAccess = {
  Id: string;
  ParentId: string;
  SetupEntityId: string;
  SetupEntityType: SetupEntityType;
};

/** One stored version of a metadata component; `body` is undefined once the component is deleted. */
export type ComponentVersion = {
  at: number;
  id: string;
  type: string;
  fullName: string;
  body: MetadataBody | undefined;
  createdDate: string;
  lastModifiedDate: string;
};

/** A metadata component as plain data: strings, booleans, numbers, nested components and arrays of them. */
export type MetadataValue = string | boolean | number | MetadataBody | MetadataValue[];
export type MetadataBody = { [field: string]: MetadataValue };

export type OrgOptions = {
  /** Sandboxes (and scratch orgs) log in at test.salesforce.com; production at login.salesforce.com. */
  sandbox: boolean;
  /** How long an app change takes to reach the token endpoint. */
  propagationMs: number;
  /** New Connected Apps are blocked since Spring '26 unless Salesforce Support re-enables them. */
  allowConnectedAppCreation: boolean;
  /**
   * "Allow Access to OAuth Consumer Secrets via Metadata API" (ExternalClientAppSettings, deprecated): when on,
   * the Metadata API returns an External Client App's consumer secret; Salesforce advises it off.
   */
  consumerSecretApiAccess: boolean;
  /**
   * "Metadata Secrets Protection" as the strictest org has it: the Metadata API returns neither an External
   * Client App's consumer secret nor its consumer key [unconfirmed for the key: Salesforce documents the secret
   * withheld; the stricter choice makes every caller read the key through the credentials resource].
   */
  metadataSecretsProtection: boolean;
  /**
   * "Allow access to External Client App consumer secrets via REST API"
   * (ExternalClientAppSettings.enableClientSecretInRestApiAccess, API 62.0): the credentials resource returns
   * secrets. Off by default.
   */
  clientSecretRestAccess: boolean;
  /**
   * Access tokens are JWT-format, as an app with "Issue JSON Web Token (JWT)-based access tokens" issues them
   * (here every session the org issues). The SOAP API takes them only from API 68.0 (jsforce#1817).
   */
  jwtAccessTokens: boolean;
  /** The admin's profile holds "View Client Secret", which the credentials resource asks for a secret [unconfirmed default]. */
  adminViewsClientSecret: boolean;
  /** The clock, so tests can move time without sleeping. */
  now: () => number;
  /**
   * Seats of the Salesforce Integration user license: "one or more" in Enterprise, Unlimited, Performance and
   * Developer editions (reported: 5, and 1 in Developer Edition). 0 is an edition without it (Professional):
   * neither the license nor its API-only profile exists.
   */
  integrationLicenses: number;
  /** The org is a Dev Hub: it has ScratchOrgInfo (none elsewhere, where a query of it is INVALID_TYPE). */
  devHub: boolean;
  /**
   * "Allow OAuth Username-Password Flows" is off (OauthOidcSettings.blockOAuthUnPwFlow true): "If your org is
   * created in Summer '23 or later, the username-password flow is blocked by default" (Help, Block Authorization
   * Flows to Improve Security) [doc].
   */
  passwordFlowBlocked: boolean;
  /**
   * A scratch org's end (`Organization.TrialExpirationDate`); a scratch org is also a sandbox-kind org
   * (`IsSandbox` true, logins through test.salesforce.com), which sfdx-core reads as a scratch org [code:
   * `determineOrg`, `IsSandbox && TrialExpirationDate`]. Undefined for other orgs.
   */
  trialExpirationDate?: string;
};

/**
 * One row of LoginHistory, with the fields of the object reference (docs/research/password-flow.md §4). Picklist
 * fields hold what a query returns: LoginType its label ("Remote Access 2.0", as REST samples show it)
 * [reported]; LoginSubType its label too ("OAuth Username-Password") [unconfirmed: the plugin reads either form].
 */
export type LoginHistoryRow = {
  Id: string;
  UserId: string;
  LoginTime: string;
  LoginType: string;
  LoginSubType: string | null;
  Status: string;
  Application: string | null;
  ApiType: string | null;
  ApiVersion: string | null;
  AuthenticationServiceId: string | null;
  AuthMethodReference: string | null;
  Browser: string;
  CipherSuite: string | null;
  ClientVersion: string | null;
  CountryIso: string | null;
  LoginGeoId: string | null;
  LoginUrl: string;
  NetworkId: string | null;
  OptionsIsGet: boolean;
  OptionsIsPost: boolean;
  Platform: string;
  SourceIp: string;
  TlsProtocol: string | null;
};

/**
 * Usernames are unique across all of Salesforce, so each emulated org gets its own username domain: two
 * emulators (or a test's several) never share a user, and sf's auth store keeps them apart.
 */
export const USERNAME_DOMAIN = 'emulator.jwtapp.test';

/**
 * The org's data: users, profiles, permission sets and their grants as sObject rows, and metadata
 * components with their history (the token endpoint sees the history `propagationMs` late).
 */
export class OrgState {
  /** A refresh makes a new org: "The org ID of the sandbox changes each time it's refreshed" (Help) [doc]. */
  public orgId: string;
  public readonly orgName = 'jwtapp Emulator';
  public readonly ids: IdFactory;
  public readonly profiles: Profile[] = [];
  public readonly licenses: UserLicense[] = [];
  public readonly users: User[] = [];
  public readonly permissionSets: PermissionSet[] = [];
  public readonly assignments: PermissionSetAssignment[] = [];
  public readonly setupEntityAccess: SetupEntityAccess[] = [];
  /**
   * What a permission set grants besides its name, label and description, by its Id, as the Metadata API
   * takes and returns it (`userPermissions`, `objectPermissions`, `fieldPermissions`, `classAccesses`, ...).
   */
  public readonly permissionSetContent = new Map<string, MetadataBody>();
  /** Consumer secrets by consumer key: Salesforce makes them, Setup shows them, the Metadata API never returns them. */
  public readonly consumerSecrets = new Map<string, string>();
  /**
   * An External Client App's staged OAuth credentials, by the app's Id (one per consumer): a second key and secret,
   * `active` (valid beside the primary pair) or `rotated` (the former primary, valid until deleted or 30 days
   * pass). `since` is when it was staged or rotated. docs/emulator.md, "Staged credentials".
   */
  public readonly stagedCredentials = new Map<
    string,
    { id: string; key: string; secret: string; state: 'active' | 'rotated'; since: number }
  >();
  /**
   * The key and secret pairs the token endpoint takes besides an app's primary one (a staged pair, the pair a
   * rotation replaced), each from a point in time (as the lagging token endpoint sees it) until revoked, for at most
   * 30 days.
   */
  public readonly extraCredentials: Array<{
    appId: string;
    key: string;
    secret: string;
    from: number;
    to: number;
    expires: number;
  }> = [];
  /** Users' passwords and security tokens, by user Id: set by an admin (a test), never returned by any API. */
  public readonly passwords = new Map<string, { password: string; securityToken: string }>();
  /** Every login attempt of a known user, newest last: what LoginHistory answers (docs/research/password-flow.md). */
  public readonly loginHistory: LoginHistoryRow[] = [];
  public readonly usernameDomain = `org${randomBytes(3).toString('hex')}.${USERNAME_DOMAIN}`;
  /**
   * Refusals a test asked for (`POST /__emulator/refusals`): the next call of that operation is refused as
   * Salesforce refuses it, to prove what a command leaves behind when the org says no half-way.
   */
  public readonly refusals: Array<{ operation: string; problem: string; after: number }> = [];
  /** Every version of every component, oldest first, keyed by `type:fullName` in lower case. */
  private readonly components = new Map<string, ComponentVersion[]>();

  public constructor(public readonly options: OrgOptions) {
    this.ids = new IdFactory(randomBytes(2).toString('hex').slice(0, 3).toUpperCase());
    this.orgId = this.ids.next('Organization');
    this.seed();
    LIVE_ORGS.add(this);
  }

  /** Whether an app of any org alive in this process holds the consumer key. */
  public static consumerKeyHeld(key: string): boolean {
    return [...LIVE_ORGS].some((org) => org.consumerKeys().includes(key));
  }

  /** The org is gone (its emulator stopped): its usernames and consumer keys are free again. */
  public close(): void {
    LIVE_ORGS.delete(this);
    for (const u of this.users) TAKEN_USERNAMES.delete(u.Username.toLowerCase());
  }

  /**
   * The staged credential a token request's client id names, if it is usable at `at`: staged (or rotated) long
   * enough ago to have propagated, and not past its 30 days.
   */
  public stagedCredential(
    clientId: string | null | undefined,
    at: number,
  ): { appId: string; secret: string } | undefined {
    const found = this.extraCredentials.find(
      (c) => c.key === clientId && c.from <= at && at < c.to && this.now() < c.expires,
    );
    return found ? { appId: found.appId, secret: found.secret } : undefined;
  }

  /** The consumer keys of the org's apps, both kinds, staged ones included. */
  public consumerKeys(): string[] {
    const keyOf = (v: MetadataValue | undefined): string[] => (typeof v === 'string' ? [v] : []);
    return [
      ...[...this.stagedCredentials.values()].map((c) => c.key),
      ...this.componentsOf('ConnectedApp').flatMap((c) => {
        const oauth = c.body?.oauthConfig;
        return oauth && typeof oauth === 'object' && !Array.isArray(oauth) ? keyOf(oauth.consumerKey) : [];
      }),
      ...this.componentsOf('ExtlClntAppGlobalOauthSettings').flatMap((c) => keyOf(c.body?.consumerKey)),
    ];
  }

  /**
   * A sandbox create or refresh: the org becomes a new copy of `production` (docs/emulator.md, "Sandbox create and
   * refresh", each rule graded there). What the sandbox held before is gone, its usernames and consumer keys with
   * it; production's users come over with `.<sandbox>` after the username and `.invalid` after the email, with their
   * profiles, permission sets and assignments; its metadata comes over, a Connected App with its consumer key and
   * secret, an External Client App with new ones [unconfirmed]. Nothing of Login History, passwords or queued
   * refusals. Every component is new to the token endpoint: a login right after waits for propagation (cli#1640).
   */
  public refreshFrom(production: OrgState, sandboxName: string): void {
    const copy = <T>(rows: T[]): T[] => rows.map((r) => structuredClone(r));
    const replace = <T>(target: T[], rows: T[]): void => {
      target.splice(0, target.length, ...rows);
    };
    for (const u of this.users) TAKEN_USERNAMES.delete(u.Username.toLowerCase());
    this.orgId = this.ids.next('Organization');
    replace(this.licenses, copy(production.licenses));
    replace(this.profiles, copy(production.profiles));
    this.users.length = 0;
    for (const u of production.users) {
      this.addUser({ ...u, Username: this.sandboxUsername(u.Username, sandboxName), Email: `${u.Email}.invalid` });
    }
    replace(this.permissionSets, copy(production.permissionSets));
    replace(this.assignments, copy(production.assignments));
    replace(this.setupEntityAccess, copy(production.setupEntityAccess));
    this.permissionSetContent.clear();
    production.permissionSetContent.forEach((v, k) => this.permissionSetContent.set(k, structuredClone(v)));
    this.passwords.clear();
    this.loginHistory.length = 0;
    this.refusals.length = 0;
    this.consumerSecrets.clear();
    this.stagedCredentials.clear();
    this.extraCredentials.length = 0;
    this.components.clear();
    const at = this.now();
    for (const [key, versions] of production.components) {
      const current = versions.at(-1);
      if (!current?.body) continue;
      const body = structuredClone(current.body);
      if (current.type === 'ExtlClntAppGlobalOauthSettings') {
        body.consumerKey = newConsumerKey();
        this.consumerSecrets.set(body.consumerKey, newConsumerSecret());
      }
      this.components.set(key, [{ ...current, at, body }]);
    }
    for (const key of this.consumerKeys()) {
      const secret = production.consumerSecrets.get(key);
      if (secret && !this.consumerSecrets.has(key)) this.consumerSecrets.set(key, secret);
    }
    const { passwordFlowBlocked, consumerSecretApiAccess, metadataSecretsProtection, clientSecretRestAccess } =
      production.options;
    Object.assign(this.options, {
      sandbox: true,
      devHub: false,
      passwordFlowBlocked,
      consumerSecretApiAccess,
      metadataSecretsProtection,
      clientSecretRestAccess,
    });
  }

  /**
   * The refusal queued for this call of the operation (`deploy`, `delete:PermissionSet`, …), taken off the
   * queue; one queued with `after: n` lets n calls through first.
   */
  public takeRefusal(operation: string): string | undefined {
    const index = this.refusals.findIndex((r) => r.operation === operation);
    if (index < 0) return undefined;
    const refusal = this.refusals[index];
    if (refusal.after > 0) {
      refusal.after -= 1;
      return undefined;
    }
    return this.refusals.splice(index, 1)[0].problem;
  }

  public now(): number {
    return this.options.now();
  }

  /** Records a login attempt of a known user, as Salesforce records every one in LoginHistory. */
  public recordLogin(
    row: Pick<LoginHistoryRow, 'UserId' | 'Status' | 'Application' | 'LoginSubType' | 'LoginUrl' | 'SourceIp'> &
      Partial<LoginHistoryRow>,
  ): LoginHistoryRow {
    const recorded: LoginHistoryRow = {
      Id: this.newId('LoginHistory'),
      LoginTime: new Date(this.now()).toISOString(),
      LoginType: 'Remote Access 2.0',
      ApiType: null,
      ApiVersion: null,
      AuthenticationServiceId: null,
      AuthMethodReference: null,
      Browser: 'Unknown',
      CipherSuite: null,
      ClientVersion: null,
      CountryIso: null,
      LoginGeoId: null,
      NetworkId: null,
      OptionsIsGet: false,
      OptionsIsPost: true,
      Platform: 'Unknown',
      TlsProtocol: null,
      ...row,
    };
    this.loginHistory.push(recorded);
    return recorded;
  }

  public newId(object: KeyPrefixedObject): string {
    return this.ids.next(object);
  }

  public findUserByUsername(username: string): User | undefined {
    const wanted = username.toLowerCase();
    return this.users.find((u) => u.Username.toLowerCase() === wanted);
  }

  public findUser(id: string): User | undefined {
    return this.users.find((u) => u.Id === id);
  }

  public profileOf(user: User): Profile {
    const profile = this.profiles.find((p) => p.Id === user.ProfileId);
    if (!profile) throw new Error(`emulator bug: user ${user.Username} has no profile`);
    return profile;
  }

  /** Seats of a license taken by active users. */
  public usedLicenses(licenseId: string): number {
    const profiles = new Set(this.profiles.filter((p) => p.UserLicenseId === licenseId).map((p) => p.Id));
    return this.users.filter((u) => u.IsActive && profiles.has(u.ProfileId)).length;
  }

  /** Whether a username is taken anywhere (usernames are global). */
  public usernameTaken(username: string): boolean {
    return TAKEN_USERNAMES.has(username.toLowerCase());
  }

  public addUser(user: User): void {
    TAKEN_USERNAMES.add(user.Username.toLowerCase());
    this.users.push(user);
  }

  /** A user's username and email changed, as a scratch org's signup names its admin. */
  public renameUser(user: User, username: string, email: string): void {
    TAKEN_USERNAMES.delete(user.Username.toLowerCase());
    Object.assign(user, { Username: username, Email: email });
    TAKEN_USERNAMES.add(username.toLowerCase());
  }

  public isAdmin(user: User): boolean {
    return this.profileOf(user).isAdmin;
  }

  public findPermissionSetByName(name: string): PermissionSet | undefined {
    return this.permissionSets.find((p) => p.Name.toLowerCase() === name.toLowerCase() && !p.IsOwnedByProfile);
  }

  /** The permission sets assigned to a user, the one owned by their profile included (as Salesforce lists it). */
  public permissionSetsOf(user: User): PermissionSet[] {
    const ids = new Set(this.assignments.filter((a) => a.AssigneeId === user.Id).map((a) => a.PermissionSetId));
    return this.permissionSets.filter((p) => ids.has(p.Id) || p.ProfileId === user.ProfileId);
  }

  // ---- metadata components -------------------------------------------------

  /**
   * A blocked consumer key (a `BlacklistedConsumer`, what Setup's Block of a Connected App makes): "Blocking
   * an app ends all current user sessions and prevents future sessions" (Metadata API guide).
   */
  public isBlocked(consumerKey: string | undefined, at = Number.POSITIVE_INFINITY): boolean {
    return (
      consumerKey !== undefined &&
      this.componentsAsOf('BlacklistedConsumer', at).some((c) => c.body?.consumerKey === consumerKey)
    );
  }

  /** The current version of a component, or undefined if it does not exist (or was deleted). */
  public component(type: string, fullName: string): ComponentVersion | undefined {
    const current = this.components.get(componentKey(type, fullName))?.at(-1);
    return current?.body ? current : undefined;
  }

  /** The current components of a type. */
  public componentsOf(type: string): ComponentVersion[] {
    return this.componentsAsOf(type, Number.POSITIVE_INFINITY);
  }

  /** The components of a type as they were at a point in time: what a lagging server still sees. */
  public componentsAsOf(type: string, at: number): ComponentVersion[] {
    const result: ComponentVersion[] = [];
    for (const versions of this.components.values()) {
      if (versions[0].type !== type) continue;
      const seen = [...versions].reverse().find((v) => v.at <= at);
      if (seen?.body) result.push(seen);
    }
    return result;
  }

  /** Stores a new version of a component (created or replaced); its Id and creation date are kept. */
  public putComponent(
    type: string,
    fullName: string,
    body: MetadataBody,
    idObject: KeyPrefixedObject,
  ): ComponentVersion {
    const key = componentKey(type, fullName);
    const versions = this.components.get(key) ?? [];
    const previous = versions.at(-1);
    const at = this.now();
    const stamp = new Date(at).toISOString();
    const version: ComponentVersion = {
      at,
      id: previous?.body ? previous.id : this.newId(idObject),
      type,
      fullName: previous?.body ? previous.fullName : fullName,
      body,
      createdDate: previous?.body ? previous.createdDate : stamp,
      lastModifiedDate: stamp,
    };
    versions.push(version);
    this.components.set(key, versions);
    return version;
  }

  public deleteComponent(type: string, fullName: string): boolean {
    const current = this.component(type, fullName);
    if (!current) return false;
    this.components.get(componentKey(type, fullName))?.push({ ...current, at: this.now(), body: undefined });
    return true;
  }

  /**
   * What the org holds now, to put back: a deploy that fails with rollbackOnError (or only checks) leaves
   * the org as it was, as Salesforce's transaction does.
   */
  public snapshot(): () => void {
    const copyRows = <T extends object>(rows: T[]): T[] => rows.map((r) => ({ ...r }));
    const saved = {
      permissionSets: copyRows(this.permissionSets),
      assignments: copyRows(this.assignments),
      setupEntityAccess: copyRows(this.setupEntityAccess),
      consumerSecrets: new Map(this.consumerSecrets),
      components: new Map([...this.components].map(([k, v]) => [k, [...v]])),
      options: { ...this.options },
    };
    return () => {
      const restore = <T>(target: T[], rows: T[]): void => {
        target.splice(0, target.length, ...rows);
      };
      restore(this.permissionSets, saved.permissionSets);
      restore(this.assignments, saved.assignments);
      restore(this.setupEntityAccess, saved.setupEntityAccess);
      this.consumerSecrets.clear();
      saved.consumerSecrets.forEach((v, k) => this.consumerSecrets.set(k, v));
      this.components.clear();
      saved.components.forEach((v, k) => this.components.set(k, v));
      Object.assign(this.options, saved.options);
    };
  }

  /**
   * "First, the sandbox name is appended to the username … If the resulting username isn't unique, a second
   * modification is performed in which some characters and digits are prepended" (Help, Users and Contacts) [doc].
   */
  private sandboxUsername(username: string, sandboxName: string): string {
    const suffixed = `${username}.${sandboxName.toLowerCase()}`;
    return this.usernameTaken(suffixed)
      ? `00x${randomBytes(3).toString('base64url').slice(0, 4)}${suffixed}`
      : suffixed;
  }

  private seed(): void {
    const license = (Name: string, TotalLicenses: number): UserLicense => {
      const l: UserLicense = {
        Id: this.newId('UserLicense'),
        Name,
        MasterLabel: Name,
        TotalLicenses,
        Status: 'Active',
      };
      this.licenses.push(l);
      return l;
    };
    const salesforce = license('Salesforce', 10);
    const profile = (
      Name: string,
      isAdmin: boolean,
      apiOnly = false,
      loginIpRanges: Profile['loginIpRanges'] = [],
      seat = salesforce,
      apiEnabled = true,
    ): Profile => {
      const p: Profile = {
        Id: this.newId('Profile'),
        Name,
        isAdmin,
        apiOnly,
        apiEnabled,
        UserLicenseId: seat.Id,
        loginIpRanges,
      };
      this.profiles.push(p);
      // Every profile owns a hidden permission set; SOQL on PermissionSetAssignment shows it.
      this.permissionSets.push({
        Id: this.newId('PermissionSet'),
        Name: `X00e${p.Id.slice(3, 15)}`,
        Label: p.Name,
        Description: null,
        IsOwnedByProfile: true,
        ProfileId: p.Id,
        NamespacePrefix: null,
        IsCustom: false,
      });
      return p;
    };
    const admin = profile('System Administrator', true);
    const standard = profile('Standard User', false);
    profile('Minimum Access - Salesforce', false);
    // A profile whose users may log in only from the office network, never from loopback.
    const officeOnly = profile('Read Only', false, false, [{ start: '10.0.0.0', end: '10.255.255.255' }]);
    // A profile cloned without "API Enabled", as admins make for users who should stay in the UI.
    profile('Standard User (No API)', false, false, [], salesforce, false);
    if (this.options.integrationLicenses > 0) {
      profile(INTEGRATION_PROFILE, false, true, [], license(INTEGRATION_LICENSE, this.options.integrationLicenses));
    }

    const user = (first: string, last: string, alias: string, prof: Profile, active: boolean): User => {
      const u: User = {
        Id: this.newId('User'),
        Username: `${alias}@${this.usernameDomain}`,
        FirstName: first,
        LastName: last,
        Name: `${first} ${last}`,
        Email: `${alias}@${this.usernameDomain}`,
        Alias: alias,
        IsActive: active,
        ProfileId: prof.Id,
        UserType: 'Standard',
        TimeZoneSidKey: 'Europe/London',
        LanguageLocaleKey: 'en_US',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        CommunityNickname: `${alias}.${this.usernameDomain.slice(3, 9)}`,
      };
      this.addUser(u);
      return u;
    };
    user('Ada', 'Admin', 'admin', admin, true);
    user('Ivy', 'Integration', 'integration', standard, true);
    user('Otto', 'Former', 'inactive', standard, false);
    user('Rita', 'Remote', 'restricted', officeOnly, true);
  }
}

const componentKey = (type: string, fullName: string): string => `${type}:${fullName}`.toLowerCase();
