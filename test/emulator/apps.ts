import { X509Certificate } from 'node:crypto';
import { OAUTH_SCOPES } from './metadata-types.js';
import type { ComponentVersion, MetadataBody, OrgState, SetupEntityType, User } from './org.js';

/** What the token endpoint needs to know of an app of either kind. */
export type OAuthApp = {
  kind: 'connected-app' | 'external-client-app';
  /** The ConnectedApplication / ExternalClientApplication Id that SetupEntityAccess.SetupEntityId takes. */
  id: string;
  name: string;
  label: string;
  consumerKey: string | undefined;
  certificate: string | undefined;
  /** Metadata scope enums (`Api`, `RefreshToken`, …). */
  scopes: string[];
  adminApproved: boolean;
  profileNames: string[];
  enabled: boolean;
  /** "Relax IP restrictions" lets users log in from outside their profile's login IP ranges. */
  ipRelaxed: boolean;
  /** The client credentials flow: on, and the user it runs as. */
  clientCredentials: { enabled: boolean; runAs: string | undefined };
};

/**
 * An uploaded certificate, in either form Salesforce takes: PEM, or the base64 body alone (what retrieved Connected
 * Apps hold, on one line). Undefined when it is neither.
 */
export const parseCertificate = (text: string): X509Certificate | undefined => {
  const body = (/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text)?.[1] ?? text).replace(
    /\s+/g,
    '',
  );
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  try {
    return new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    return undefined;
  }
};

/** The certificate as a Connected App stores and returns it: its base64 body alone, on one line. */
export const certificateBody = (certificate: X509Certificate): string => certificate.raw.toString('base64');

export const setupEntityTypeOf = (app: Pick<OAuthApp, 'kind'>): SetupEntityType =>
  app.kind === 'connected-app' ? 'ConnectedApplication' : 'ExternalClientApplication';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const sub = (body: MetadataBody, field: string): MetadataBody => {
  const v = body[field];
  return typeof v === 'object' && !Array.isArray(v) ? v : {};
};

/** `Api, RefreshToken` → [`Api`, `RefreshToken`] (ECAs keep scopes as one comma-separated string). */
export const splitCommaList = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];

export const ECA_COMPONENT_TYPES = [
  'ExtlClntAppOauthSettings',
  'ExtlClntAppGlobalOauthSettings',
  'ExtlClntAppOauthConfigurablePolicies',
  'ExtlClntAppConfigurablePolicies',
] as const;

/** The components of an External Client App, found by their `externalClientApplication` field. */
export const ecaComponents = (
  appName: string,
  componentsOf: (type: string) => ComponentVersion[],
): Record<(typeof ECA_COMPONENT_TYPES)[number], MetadataBody> => {
  const find = (type: string): MetadataBody =>
    componentsOf(type).find((c) => str(c.body?.externalClientApplication)?.toLowerCase() === appName.toLowerCase())
      ?.body ?? {};
  return {
    ExtlClntAppOauthSettings: find('ExtlClntAppOauthSettings'),
    ExtlClntAppGlobalOauthSettings: find('ExtlClntAppGlobalOauthSettings'),
    ExtlClntAppOauthConfigurablePolicies: find('ExtlClntAppOauthConfigurablePolicies'),
    ExtlClntAppConfigurablePolicies: find('ExtlClntAppConfigurablePolicies'),
  };
};

const connectedApp = (c: ComponentVersion): OAuthApp => {
  const body = c.body ?? {};
  const oauth = sub(body, 'oauthConfig');
  return {
    kind: 'connected-app',
    id: c.id,
    name: c.fullName,
    label: str(body.label) ?? c.fullName,
    consumerKey: str(oauth.consumerKey),
    certificate: str(oauth.certificate),
    scopes: strings(oauth.scopes),
    adminApproved: oauth.isAdminApproved === true,
    profileNames: strings(body.profileName),
    enabled: true,
    ipRelaxed: sub(body, 'oauthPolicy').ipRelaxation === 'BYPASS',
    clientCredentials: {
      enabled: oauth.isClientCredentialEnabled === true,
      runAs: str(oauth.oauthClientCredentialUser),
    },
  };
};

const externalClientApp = (c: ComponentVersion, componentsOf: (type: string) => ComponentVersion[]): OAuthApp => {
  const body = c.body ?? {};
  const parts = ecaComponents(c.fullName, componentsOf);
  const global = parts.ExtlClntAppGlobalOauthSettings;
  const policies = parts.ExtlClntAppOauthConfigurablePolicies;
  return {
    kind: 'external-client-app',
    id: c.id,
    name: c.fullName,
    label: str(body.label) ?? c.fullName,
    consumerKey: str(global.consumerKey),
    certificate: str(global.certificate),
    scopes: splitCommaList(parts.ExtlClntAppOauthSettings.commaSeparatedOauthScopes),
    adminApproved: policies.permittedUsersPolicyType === 'AdminApprovedPreAuthorized',
    profileNames: [],
    // An ECA without a configurable-policies component is enabled; `isEnabled=false` disables it.
    enabled: parts.ExtlClntAppConfigurablePolicies.isEnabled !== false,
    ipRelaxed: policies.ipRelaxationPolicyType === 'Bypass',
    // Both halves must allow it: the global settings enable the flow, the policies name its user.
    clientCredentials: {
      enabled: global.isClientCredentialsFlowEnabled === true && policies.isClientCredentialsFlowEnabled === true,
      runAs: str(policies.clientCredentialsFlowUser),
    },
  };
};

/** Every app of either kind, as the org was at a point in time. */
export const appsAsOf = (org: OrgState, at: number): OAuthApp[] => {
  const componentsOf = (type: string): ComponentVersion[] => org.componentsAsOf(type, at);
  return [
    ...componentsOf('ConnectedApp').map(connectedApp),
    ...componentsOf('ExternalClientApplication').map((c) => externalClientApp(c, componentsOf)),
  ];
};

export const currentApps = (org: OrgState): OAuthApp[] => appsAsOf(org, Number.POSITIVE_INFINITY);

const ipNumber = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Outside every login IP range of the user's profile (a profile without ranges restricts nothing). */
export const ipRestricted = (org: OrgState, app: OAuthApp, user: User, remoteAddress: string): boolean => {
  const { loginIpRanges } = org.profileOf(user);
  if (app.ipRelaxed || loginIpRanges.length === 0 || !/^\d+\.\d+\.\d+\.\d+$/.test(remoteAddress)) return false;
  const ip = ipNumber(remoteAddress);
  return !loginIpRanges.some((r) => ip >= ipNumber(r.start) && ip <= ipNumber(r.end));
};

/** A user is pre-authorized through a listed profile or an assigned permission set that has the app. */
export const isPreAuthorized = (org: OrgState, app: OAuthApp, user: User): boolean => {
  const profile = org.profileOf(user);
  if (app.profileNames.some((p) => p.toLowerCase() === profile.Name.toLowerCase())) return true;
  const permissionSetIds = new Set(org.permissionSetsOf(user).map((p) => p.Id));
  return org.setupEntityAccess.some((a) => a.SetupEntityId === app.id && permissionSetIds.has(a.ParentId));
};

/**
 * The OAuth scope name a token reports for each value of Salesforce's scope enum
 * (`ConnectedAppOauthAccessScope`, generated from `@salesforce/types`), as Salesforce Help's "OAuth Tokens
 * and Scopes" lists them. Enum values whose scope name that page does not give are reported as the enum
 * in lower case (marked unconfirmed in docs/emulator.md). Salesforce folds `Profile`, `Email`, `Address`
 * and `Phone` into `Basic`, and `OfflineAccess` into `RefreshToken`, when it stores an app.
 */
const SCOPE_NAMES: Record<string, string> = {
  Api: 'api',
  Basic: 'id',
  Chatter: 'chatter_api',
  CustomApplications: 'visualforce',
  CustomPermissions: 'custom_permissions',
  Full: 'full',
  OpenID: 'openid',
  RefreshToken: 'refresh_token',
  Web: 'web',
  Wave: 'wave_api',
  Eclair: 'eclair_api',
  Pardot: 'pardot_api',
  Lightning: 'lightning',
  Content: 'content',
  CDPIngest: 'cdp_ingest_api',
  CDPProfile: 'cdp_profile_api',
  CDPQuery: 'cdp_query_api',
  CDPSegment: 'cdp_segment_api',
  CDPIdentityResolution: 'cdp_identityresolution_api',
  CDPCalculatedInsight: 'cdp_calculated_insight_api',
  CDP: 'cdp_api',
  Chatbot: 'chatbot_api',
  ForgotPassword: 'forgot_password',
  UserRegistration: 'user_registration_api',
  Interaction: 'interaction_api',
  EinsteinGPT: 'einstein_gpt_api',
  SFAP: 'sfap_api',
  SFApiPlatform: 'sfap_api',
  PwdlessLogin: 'pwdless_login_api',
  MCP: 'mcp_api',
};

/** Accepted on write, stored as the enum on the right. */
export const SCOPE_ALIASES_ON_WRITE: Record<string, string> = {
  Profile: 'Basic',
  Email: 'Basic',
  Address: 'Basic',
  Phone: 'Basic',
  OfflineAccess: 'RefreshToken',
};

export const normaliseScopes = (scopes: string[]): string[] => [
  ...new Set(scopes.map((s) => SCOPE_ALIASES_ON_WRITE[s] ?? s)),
];

/**
 * Scope values an External Client App's comma-separated scopes take beyond the WSDL's enum: the API 66 Metadata
 * API guide lists `SFApiPlatform` where the WSDL has `SFAP`, and an app retrieved at API 67 carries it (see
 * docs/emulator.md). Taken at every API version [unconfirmed below 66].
 */
const ECA_SCOPES_BEYOND_ENUM = ['SFApiPlatform'];

export const isKnownScope = (scope: string): boolean =>
  OAUTH_SCOPES.includes(scope) || ECA_SCOPES_BEYOND_ENUM.includes(scope);

export const oauthScopeNames = (scopes: string[]): string[] =>
  normaliseScopes(scopes).map((s) => SCOPE_NAMES[s] ?? s.toLowerCase());

/** Whether a session of these scopes may call the REST and SOAP APIs. */
export const grantsApiAccess = (oauthScopes: string[]): boolean =>
  oauthScopes.includes('api') || oauthScopes.includes('full');
