/**
 * The metadata types the emulator stores, as the Metadata API WSDL defines them: each field's type, in
 * WSDL order (the order a read returns them in). A request with an element the type does not have, or a
 * value that is not of the field's type, is refused as Salesforce's SOAP layer refuses it.
 */
export type FieldType =
  | 'string'
  | 'boolean'
  | 'int'
  | { enum: string; values: readonly string[] }
  | { complex: string }
  | { list: FieldType };

export type TypeDefinition = {
  fields: Record<string, FieldType>;
  /** Fields a create or update must carry; Salesforce answers REQUIRED_FIELD_MISSING otherwise. */
  required: string[];
};

const list = (of: FieldType): FieldType => ({ list: of });
const complex = (name: string): FieldType => ({ complex: name });
const enumOf = (name: string, values: readonly string[]): FieldType => ({ enum: name, values });

/** `ConnectedAppOauthAccessScope`: the values the WSDL allows (read back folded, see apps.ts). */
export const CONNECTED_APP_SCOPES = [
  'Basic',
  'Api',
  'Web',
  'Full',
  'Chatter',
  'CustomApplications',
  'RefreshToken',
  'OpenID',
  'Profile',
  'Email',
  'Address',
  'Phone',
  'OfflineAccess',
  'CustomPermissions',
  'Wave',
  'Eclair',
  'Pardot',
  'Lightning',
  'Content',
  'CDPIngest',
  'CDPProfile',
  'CDPQuery',
  'Forgot_Password',
  'UserRegistration',
  'Interaction',
  'Einstein_GPT',
  'Sfap_Api',
  'MCP_Api',
] as const;

const ECA_LINK = { externalClientApplication: 'string', label: 'string' } as const;

export const COMPLEX_TYPES: Record<string, TypeDefinition> = {
  ConnectedAppOauthConfig: {
    fields: {
      callbackUrl: 'string',
      certificate: 'string',
      consumerKey: 'string',
      consumerSecret: 'string',
      idTokenConfig: complex('ConnectedAppOauthIdToken'),
      isAdminApproved: 'boolean',
      isClientCredentialEnabled: 'boolean',
      isCodeCredentialEnabled: 'boolean',
      isCodeCredentialPostOnly: 'boolean',
      isConsumerSecretOptional: 'boolean',
      isIntrospectAllTokens: 'boolean',
      isNamedUserJwtEnabled: 'boolean',
      isPkceRequired: 'boolean',
      isRefreshTokenRotationEnabled: 'boolean',
      isSecretRequiredForRefreshToken: 'boolean',
      isSecretRequiredForTokenExchange: 'boolean',
      isTokenExchangeEnabled: 'boolean',
      oauthClientCredentialUser: 'string',
      scopes: list(enumOf('ConnectedAppOauthAccessScope', CONNECTED_APP_SCOPES)),
      singleLogoutUrl: 'string',
    },
    required: ['callbackUrl'],
  },
  ConnectedAppOauthIdToken: {
    fields: {
      idTokenAudience: 'string',
      idTokenIncludeAttributes: 'boolean',
      idTokenIncludeCustomPerms: 'boolean',
      idTokenIncludeStandardClaims: 'boolean',
      idTokenValidity: 'int',
    },
    required: [],
  },
  ConnectedAppOauthPolicy: {
    fields: {
      ipRelaxation: enumOf('ConnectedAppOauthIpRelaxation', ['ENFORCE', 'BYPASS', 'ENFORCE_ACTIVATED_DEVICES']),
      isTokenExchangeFlowEnabled: 'boolean',
      refreshTokenPolicy: enumOf('ConnectedAppOauthRefreshTokenPolicy', [
        'infinite',
        'immediately',
        'zero',
        'specific_lifetime',
      ]),
      singleLogoutUrl: 'string',
    },
    required: [],
  },
  ConnectedAppIpRange: {
    fields: { description: 'string', end: 'string', start: 'string' },
    required: ['start', 'end'],
  },
  PermissionSetUserPermission: {
    fields: { enabled: 'boolean', name: 'string' },
    required: ['enabled', 'name'],
  },
};

export const METADATA_TYPES: Record<string, TypeDefinition> = {
  ConnectedApp: {
    fields: {
      fullName: 'string',
      contactEmail: 'string',
      contactPhone: 'string',
      description: 'string',
      iconUrl: 'string',
      infoUrl: 'string',
      ipRanges: list(complex('ConnectedAppIpRange')),
      label: 'string',
      logoUrl: 'string',
      mobileStartUrl: 'string',
      oauthConfig: complex('ConnectedAppOauthConfig'),
      oauthPolicy: complex('ConnectedAppOauthPolicy'),
      permissionSetName: list('string'),
      plugin: 'string',
      pluginExecutionUser: 'string',
      profileName: list('string'),
      startUrl: 'string',
    },
    required: ['label', 'contactEmail'],
  },
  ExternalClientApplication: {
    fields: {
      fullName: 'string',
      contactEmail: 'string',
      contactPhone: 'string',
      description: 'string',
      distributionState: enumOf('ExtlClntAppDistState', ['Local', 'Packaged']),
      iconUrl: 'string',
      infoUrl: 'string',
      isProtected: 'boolean',
      label: 'string',
      logoUrl: 'string',
      orgScopedExternalApp: 'string',
    },
    required: ['label', 'contactEmail', 'distributionState'],
  },
  ExtlClntAppOauthSettings: {
    fields: {
      fullName: 'string',
      commaSeparatedOauthScopes: 'string',
      ...ECA_LINK,
      singleLogoutUrl: 'string',
    },
    required: ['externalClientApplication', 'label'],
  },
  ExtlClntAppGlobalOauthSettings: {
    fields: {
      fullName: 'string',
      callbackUrl: 'string',
      certificate: 'string',
      consumerKey: 'string',
      consumerSecret: 'string',
      ...ECA_LINK,
      isClientCredentialsFlowEnabled: 'boolean',
      isCodeCredFlowEnabled: 'boolean',
      isCodeCredPostOnly: 'boolean',
      isConsumerSecretOptional: 'boolean',
      isDeviceFlowEnabled: 'boolean',
      isIntrospectAllTokens: 'boolean',
      isNamedUserJwtEnabled: 'boolean',
      isPkceRequired: 'boolean',
      isRefreshTokenRotationEnabled: 'boolean',
      isSecretRequiredForRefreshToken: 'boolean',
      isSecretRequiredForTokenExchange: 'boolean',
      isTokenExchangeEnabled: 'boolean',
      shouldRotateConsumerKey: 'boolean',
      shouldRotateConsumerSecret: 'boolean',
    },
    required: ['externalClientApplication', 'label'],
  },
  ExtlClntAppOauthConfigurablePolicies: {
    fields: {
      fullName: 'string',
      clientCredentialsFlowUser: 'string',
      commaSeparatedPermissionSet: 'string',
      ...ECA_LINK,
      ipRelaxationPolicyType: enumOf('ExtlClntAppOauthIpRelaxationPolicyType', [
        'Enforce',
        'Bypass',
        'EnforceActivatedDevices',
      ]),
      isClientCredentialsFlowEnabled: 'boolean',
      isTokenExchangeFlowEnabled: 'boolean',
      permittedUsersPolicyType: enumOf('ExtlClntAppOauthPermittedUsersPolicyType', [
        'AllSelfAuthorized',
        'AdminApprovedPreAuthorized',
      ]),
      policyAction: 'string',
      refreshTokenPolicyType: enumOf('ExtlClntAppOauthRefreshTokenPolicyType', [
        'Infinite',
        'Immediately',
        'SpecificLifetime',
        'SpecificInactivity',
      ]),
      refreshTokenValidityPeriod: 'int',
      refreshTokenValidityUnit: 'string',
      requiredSessionLevel: 'string',
      sessionTimeoutInMinutes: 'int',
    },
    required: ['externalClientApplication', 'label'],
  },
  ExtlClntAppConfigurablePolicies: {
    fields: {
      fullName: 'string',
      ...ECA_LINK,
      isEnabled: 'boolean',
      isOauthPluginEnabled: 'boolean',
      startPage: 'string',
    },
    required: ['externalClientApplication', 'label'],
  },
  ExternalClientAppSettings: {
    fields: { fullName: 'string', enableConsumerSecretApiAccess: 'boolean', enableExternalClientApps: 'boolean' },
    required: [],
  },
  PermissionSet: {
    fields: {
      fullName: 'string',
      description: 'string',
      hasActivationRequired: 'boolean',
      label: 'string',
      license: 'string',
      userPermissions: list(complex('PermissionSetUserPermission')),
    },
    required: ['label'],
  },
};

export const ECA_TYPES = [
  'ExternalClientApplication',
  'ExtlClntAppOauthSettings',
  'ExtlClntAppGlobalOauthSettings',
  'ExtlClntAppOauthConfigurablePolicies',
  'ExtlClntAppConfigurablePolicies',
] as const;

/** External Client Apps exist since API v59.0 (and their certificate field since v60.0). */
export const MIN_API_VERSION: Record<string, number> = {
  ...Object.fromEntries(ECA_TYPES.map((t) => [t, 59])),
  ExternalClientAppSettings: 58,
};

/** The External Client App components that make up its OAuth plugin (Salesforce's "Special Access Rules"). */
export const OAUTH_PLUGIN_TYPES = ['ExtlClntAppOauthSettings', 'ExtlClntAppGlobalOauthSettings'];

/** Settings types have one component, named after the type without "Settings". */
export const SETTINGS_NAME: Record<string, string> = { ExternalClientAppSettings: 'ExternalClientApp' };
