import type { ComponentStore } from './components.js';
import type { OrgState } from './org.js';

/** The apps `--seed-apps` adds: one of each kind, as an admin would have made them in Setup. */
export const SEEDED_APPS = { connectedApp: 'Setup_Made_Connected_App', externalClientApp: 'Setup_Made_Eca' } as const;

/**
 * Apps made outside this plugin, with the fields Setup and other tools fill in and `setup` never sets:
 * callback URLs, ID-token settings, custom attributes, trusted IP ranges, PKCE, a pre-authorized profile,
 * Salesforce's org-specific links, and components named by their own convention. `setup`'s read → merge →
 * write must carry every one of them through an update (updateMetadata replaces the whole component: https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_updateMetadata.htm).
 */
export const seedSetupMadeApps = (org: OrgState, components: ComponentStore): void => {
  const save = (type: string, body: Record<string, unknown>): void => {
    const outcome = components.deployOne(type, body as never);
    if (outcome.errors.length > 0)
      throw new Error(`emulator bug: seeding ${type} ${outcome.fullName}: ${JSON.stringify(outcome.errors)}`);
  };
  const app = SEEDED_APPS.externalClientApp;
  save('ExternalClientApplication', {
    fullName: app,
    label: 'Setup Made ECA',
    contactEmail: 'admin@example.com',
    contactPhone: '+1 555 0100',
    description: 'Made in Setup for a vendor integration',
    distributionState: 'Local',
    isProtected: false,
  });
  save('ExtlClntAppOauthSettings', {
    fullName: 'SetupMadeEcaOAuthSettings',
    externalClientApplication: app,
    label: 'Setup Made ECA OAuth Settings',
    commaSeparatedOauthScopes: 'Api, Web, OpenID',
    customAttributes: [{ key: 'tenant', formula: '"acme"' }],
    trustedIpRanges: [{ startIpAddress: '198.51.100.0', endIpAddress: '198.51.100.255', description: 'Vendor egress' }],
  });
  save('ExtlClntAppGlobalOauthSettings', {
    fullName: 'SetupMadeEcaGlblOAuth',
    externalClientApplication: app,
    label: 'Setup Made ECA Global OAuth',
    callbackUrl: 'https://vendor.example/oauth/callback',
    isPkceRequired: true,
    isSecretRequiredForRefreshToken: true,
    idTokenConfig: { idTokenIncludeStandardClaims: true, idTokenValidityInMinutes: 2 },
  });
  save('ExtlClntAppOauthConfigurablePolicies', {
    fullName: 'SetupMadeEcaOAuthSettings_defaultPolicy',
    externalClientApplication: app,
    label: 'SetupMadeEcaOAuthSettings_defaultPolicy',
    commaSeparatedProfile: 'System Administrator',
    customAttributes: [{ key: 'region', formula: '"eu"' }],
    ipRelaxationPolicyType: 'Enforce',
    permittedUsersPolicyType: 'AllSelfAuthorized',
    refreshTokenPolicyType: 'SpecificLifetime',
    refreshTokenValidityPeriod: 90,
    refreshTokenValidityUnit: 'Days',
    sessionTimeoutInMinutes: 120,
  });

  // New Connected Apps are blocked, but orgs keep the ones made before Spring '26.
  const allowed = org.options.allowConnectedAppCreation;
  Object.assign(org.options, { allowConnectedAppCreation: true });
  try {
    save('ConnectedApp', {
      fullName: SEEDED_APPS.connectedApp,
      label: 'Setup Made Connected App',
      contactEmail: 'admin@example.com',
      description: 'Made in Setup before Spring 26',
      oauthConfig: {
        callbackUrl: 'https://vendor.example/oauth/callback',
        isAdminApproved: false,
        isPkceRequired: true,
        scopes: ['Web', 'OpenID'],
        idTokenConfig: { idTokenIncludeStandardClaims: true, idTokenValidity: 2 },
      },
      oauthPolicy: { ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'specific_lifetime:30:DAYS' },
      attributes: [{ key: 'tenant', formula: '"acme"' }],
      profileName: ['System Administrator'],
    });
  } finally {
    Object.assign(org.options, { allowConnectedAppCreation: allowed });
  }
};
