import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/**
 * OAuth scope names (what vendor guides and `scope=` use) → Metadata API enums
 * (`ConnectedAppOauthAccessScope`, also the values of an ECA's `commaSeparatedOauthScopes`).
 */
/* eslint-disable camelcase -- OAuth scope names are Salesforce's, snake_case on the wire */
const OAUTH_NAME_TO_ENUM: Record<string, string> = {
  api: 'Api',
  refresh_token: 'RefreshToken',
  offline_access: 'RefreshToken',
  full: 'Full',
  web: 'Web',
  id: 'Basic',
  profile: 'Profile',
  email: 'Email',
  address: 'Address',
  phone: 'Phone',
  openid: 'OpenID',
  chatter_api: 'Chatter',
  custom_permissions: 'CustomPermissions',
  visualforce: 'CustomApplications',
  wave_api: 'Wave',
  eclair_api: 'Eclair',
  pardot_api: 'Pardot',
  lightning: 'Lightning',
  content: 'Content',
  cdp_ingest_api: 'CDPIngest',
  cdp_profile_api: 'CDPProfile',
  cdp_query_api: 'CDPQuery',
  forgot_password: 'Forgot_Password',
  user_registration_api: 'UserRegistration',
  interaction_api: 'Interaction',
  einstein_gpt_api: 'Einstein_GPT',
  sfap_api: 'Sfap_Api',
  mcp_api: 'MCP_Api',
};
/* eslint-enable camelcase */

const ENUMS = new Set([...Object.values(OAUTH_NAME_TO_ENUM), 'OfflineAccess']);

/** Salesforce stores these as the enum on the right and reads them back so (SPEC §1). */
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
      const byName = OAUTH_NAME_TO_ENUM[s.toLowerCase()];
      if (byName) return byName;
      const byEnum = [...ENUMS].find((e) => e.toLowerCase() === s.toLowerCase());
      if (byEnum) return byEnum;
      throw messages.createError('error.UnknownScope', [s], [Object.keys(OAUTH_NAME_TO_ENUM).join(', ')]);
    });
  if (scopes.length === 0) throw messages.createError('error.NoScopes');
  return [...new Set(scopes)];
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
