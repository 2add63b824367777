/**
 * The metadata types the emulator stores. Their fields, field types, required fields and enum values are
 * Salesforce's, generated from `@salesforce/types` (see `schema/`); this file adds only what that package
 * cannot say, each with its source in docs/emulator.md: the API version a type appeared in, the values
 * Salesforce documents for fields the WSDL types as plain strings, and which types form an app.
 */
import { SCHEMA, type FieldType, type TypeDefinition } from './schema/index.js';

export type { FieldType, TypeDefinition };

/**
 * Fields Salesforce took at some API versions and no longer publishes, so `@salesforce/types` (the newest WSDL)
 * lacks them: each with the field it follows in its type's sequence and the last version that takes it.
 * `isNamedUserJwtEnabled` of OAuth policies: valid at API 61–63, refused from 64 (sfdx-hardis#1681)
 * [reported], and held by a set retrieved at API 62 (test/corpus, chrzasz/sf-th-eca-via-metadata) [retrieved].
 */
export const RETIRED_FIELDS: Record<string, Record<string, { type: FieldType; after: string; until: number }>> = {
  ExtlClntAppOauthConfigurablePolicies: {
    isNamedUserJwtEnabled: { type: 'boolean', after: 'isGuestCodeCredFlowEnabled', until: 63 },
  },
};

const withRetiredFields = (type: string, definition: TypeDefinition): TypeDefinition => {
  const retired = Object.entries(RETIRED_FIELDS[type] ?? {});
  if (retired.length === 0) return definition;
  const fields = Object.entries(definition.fields).flatMap(([name, field]) => [
    [name, field] as const,
    ...retired.filter(([, r]) => r.after === name).map(([retiredName, r]) => [retiredName, r.type] as const),
  ]);
  return { ...definition, fields: Object.fromEntries(fields) };
};

/** Every complex type of the schema: the stored types and the ones nested in them. */
export const COMPLEX_TYPES: Record<string, TypeDefinition> = Object.fromEntries(
  Object.entries(SCHEMA.types).map(([type, definition]) => [type, withRetiredFields(type, definition)]),
);

export const ECA_TYPES = [
  'ExternalClientApplication',
  'ExtlClntAppOauthSettings',
  'ExtlClntAppGlobalOauthSettings',
  'ExtlClntAppOauthConfigurablePolicies',
  'ExtlClntAppConfigurablePolicies',
] as const;

const STORED_TYPES = [
  'ConnectedApp',
  ...ECA_TYPES,
  'ExternalClientAppSettings',
  'OauthOidcSettings',
  'PermissionSet',
  'BlacklistedConsumer',
];

/** The types the emulator's Metadata API serves. */
export const METADATA_TYPES: Record<string, TypeDefinition> = Object.fromEntries(
  STORED_TYPES.map((type) => {
    const definition = COMPLEX_TYPES[type];
    if (!definition) throw new Error(`emulator bug: ${SCHEMA.source} has no ${type}`);
    return [type, definition];
  }),
);

const enumValues = (type: string, field: string): readonly string[] => {
  let f: FieldType | undefined = SCHEMA.types[type]?.fields[field];
  while (f && typeof f === 'object' && 'list' in f) f = f.list;
  if (!f || typeof f !== 'object' || !('enum' in f))
    throw new Error(`emulator bug: ${type}.${field} is not an enum in ${SCHEMA.source}`);
  return f.values;
};

/** `ConnectedAppOauthAccessScope`: the scope enum of both app kinds, as Salesforce publishes it. */
export const OAUTH_SCOPES = enumValues('ConnectedAppOauthConfig', 'scopes');

/**
 * Fields the WSDL types as `xsd:string` whose values Salesforce's documentation lists (the ConnectedApp and
 * ExtlClntAppOauthConfigurablePolicies pages); a save with another value is refused
 * (FIELD_INTEGRITY_EXCEPTION). Patterns, since `refreshTokenPolicy` carries a period: `specific_lifetime:3:HOURS`.
 */
export const DOCUMENTED_VALUES: Record<string, Record<string, RegExp>> = {
  ConnectedAppOauthPolicy: {
    ipRelaxation: /^(ENFORCE|BYPASS|BYPASS_2FACTOR|ENFORCE_RELAXREFRESH)$/,
    refreshTokenPolicy: /^(zero|infinite|(specific_lifetime|specific_inactivity):\d+:(HOURS|DAYS|MONTHS))$/,
  },
  ExtlClntAppOauthConfigurablePolicies: {
    ipRelaxationPolicyType: /^(Enforce|Bypass|Bypass_2factor|Enforce_RelaxRefresh)$/,
    refreshTokenValidityUnit: /^(Hours|Days|Months)$/,
  },
};

/**
 * The API version each type appeared in (Metadata API Developer Guide, each type's page); below it the
 * type is unknown (`INVALID_TYPE`).
 */
export const MIN_API_VERSION: Record<string, number> = {
  ExternalClientApplication: 59,
  ExtlClntAppOauthSettings: 59,
  ExtlClntAppGlobalOauthSettings: 59,
  ExtlClntAppOauthConfigurablePolicies: 59,
  ExtlClntAppConfigurablePolicies: 60,
  ExternalClientAppSettings: 58,
  BlacklistedConsumer: 49,
  // "OauthOidcSettings is available in API version 56.0 and later" (meta_oauthoidcsettings) [doc].
  OauthOidcSettings: 56,
};

/** Fields that appeared after their type did: sent at an older version, the SOAP layer does not know them. */
export const FIELD_MIN_API_VERSION: Record<string, Record<string, number>> = {
  ExtlClntAppGlobalOauthSettings: {
    certificate: 60,
    isClientCredentialsFlowEnabled: 60,
    isDeviceFlowEnabled: 60,
    isRefreshTokenRotationEnabled: 60,
    isSecretRequiredForTokenExchange: 60,
    isTokenExchangeEnabled: 60,
    isCodeCredFlowEnabled: 61,
    isCodeCredPostOnly: 61,
    isNamedUserJwtEnabled: 61,
  },
  ExtlClntAppOauthConfigurablePolicies: { clientCredentialsFlowUser: 60, isClientCredentialsFlowEnabled: 60 },
  ExternalClientAppSettings: { enableClientSecretInRestApiAccess: 62, enablePackageEcaOauthFromDevOrg: 62 },
  // "This field is available in API version 59.0 and later" (meta_oauthoidcsettings) [doc].
  OauthOidcSettings: { isPkceRequired: 59 },
};

/** Settings types have one component, named after the type without "Settings". */
export const SETTINGS_NAME: Record<string, string> = {
  ExternalClientAppSettings: 'ExternalClientApp',
  OauthOidcSettings: 'OauthOidc',
};
