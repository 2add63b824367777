import { Messages } from '@salesforce/core';
import type { ConnectedAppOauthAccessScope } from '@salesforce/types/metadata';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/**
 * Every value of Salesforce's scope enum (`ConnectedAppOauthAccessScope` in `@salesforce/types`, the enum of
 * a Connected App's `scopes` and the values of an ECA's `commaSeparatedOauthScopes`), with the OAuth scope
 * names users write for it (`scope=` parameters, vendor guides), as Salesforce Help's "OAuth Tokens and
 * Scopes" gives them. Typed by the published enum, so a value Salesforce adds or removes fails the build
 * until it is named here. A scope whose OAuth name is not documented is taken by its enum name only.
 */
/* eslint-disable camelcase -- OAuth scope names are Salesforce's, snake_case on the wire */
const OAUTH_NAMES: Record<ConnectedAppOauthAccessScope, readonly string[]> = {
  Api: ['api'],
  RefreshToken: ['refresh_token'],
  OfflineAccess: ['offline_access'],
  Full: ['full'],
  Web: ['web'],
  Basic: ['id'],
  Profile: ['profile'],
  Email: ['email'],
  Address: ['address'],
  Phone: ['phone'],
  OpenID: ['openid'],
  Chatter: ['chatter_api'],
  CustomPermissions: ['custom_permissions'],
  CustomApplications: ['visualforce'],
  Wave: ['wave_api'],
  Eclair: ['eclair_api'],
  Pardot: ['pardot_api'],
  Lightning: ['lightning'],
  Content: ['content'],
  CDPIngest: ['cdp_ingest_api'],
  CDPProfile: ['cdp_profile_api'],
  CDPQuery: ['cdp_query_api'],
  CDPSegment: ['cdp_segment_api'],
  CDPIdentityResolution: ['cdp_identityresolution_api'],
  CDPCalculatedInsight: ['cdp_calculated_insight_api'],
  CDP: ['cdp_api'],
  Chatbot: ['chatbot_api'],
  ForgotPassword: ['forgot_password'],
  UserRegistration: ['user_registration_api'],
  Interaction: ['interaction_api'],
  EinsteinGPT: ['einstein_gpt_api'],
  SFAP: ['sfap_api'],
  PwdlessLogin: ['pwdless_login_api'],
  MCP: ['mcp_api'],
  SCRT: [],
  DataCloudUserClaims: [],
  A2A: [],
  CmdbDiscovery: [],
  SemanticLayer: [],
};
/* eslint-enable camelcase */

const ENUMS = Object.keys(OAUTH_NAMES) as ConnectedAppOauthAccessScope[];

const BY_NAME = new Map<string, ConnectedAppOauthAccessScope>(
  ENUMS.flatMap((e) => [[e.toLowerCase(), e] as const, ...OAUTH_NAMES[e].map((n) => [n, e] as const)]),
);

/** Salesforce stores these as the enum on the right and reads them back so (the ConnectedAppOauthAccessScope enum in @salesforce/types; docs/research/oauth-facts.md). */
const STORED_AS: Record<string, string> = {
  Profile: 'Basic',
  Email: 'Basic',
  Address: 'Basic',
  Phone: 'Basic',
  OfflineAccess: 'RefreshToken',
};

/** The scopes a JWT integration needs: API access, and to be allowed to act without the user present. */
export const REQUIRED_SCOPES = ['Api', 'RefreshToken'] as const;

/**
 * `api,refresh_token,offline_access` or `Api,RefreshToken` (or a mix, any case) → the metadata enums.
 * An unknown scope is refused before anything is written.
 */
export const parseScopes = (list: string): string[] => {
  const scopes = list
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const scope = BY_NAME.get(s.toLowerCase());
      if (scope) return scope;
      throw messages.createError(
        'error.UnknownScope',
        [s],
        [ENUMS.flatMap((e) => OAUTH_NAMES[e]).join(', ')],
        EXIT_CODES.localInput,
      );
    });
  if (scopes.length === 0) throw messages.createError('error.NoScopes', [], [], EXIT_CODES.localInput);
  // One of each stored form: `refresh_token,offline_access` is one scope to Salesforce.
  return scopes.filter((s, i) => scopes.findIndex((t) => storedForm(t) === storedForm(s)) === i);
};

/** The form Salesforce keeps a scope in, for comparing what is stored with what is wanted. */
export const storedForm = (scope: string): string => STORED_AS[scope] ?? scope;

export const normaliseScopes = (scopes: readonly string[]): string[] => [...new Set(scopes.map(storedForm))];

/** Every wanted scope is already there (in its stored form). */
export const hasScopes = (current: readonly string[], wanted: readonly string[]): boolean => {
  const have = new Set(normaliseScopes(current));
  return normaliseScopes(wanted).every((s) => have.has(s));
};

/** The existing scopes plus the wanted ones: an update never removes a scope someone else needs. */
export const mergeScopes = (current: readonly string[], wanted: readonly string[]): string[] => {
  const merged = [...current];
  for (const scope of wanted) {
    if (!hasScopes(merged, [scope])) merged.push(scope);
  }
  return merged;
};
