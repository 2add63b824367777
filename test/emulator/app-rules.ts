import type { X509Certificate } from 'node:crypto';
import { newConsumerKey, OrgState, type ComponentVersion, type MetadataBody, type MetadataValue } from './org.js';
import {
  certificateBody,
  ecaComponents,
  isKnownScope,
  normaliseScopes,
  parseCertificate,
  splitCommaList,
} from './apps.js';
import { asBody, asStrings, refuse } from './metadata-xml.js';

/**
 * A component ready to store, and the permission sets it pre-authorizes (undefined: it cannot); `consumerSecret`
 * is one a create brought (an ECA restored with its credentials).
 */
export type Prepared = { body: MetadataBody; accessNames: string[] | undefined; consumerSecret?: string };

/**
 * What Salesforce checks and fills in when a Connected App or an External Client App (or one of its components) is
 * saved, by createMetadata/updateMetadata/upsertMetadata or a deploy alike. A rule refuses a save with `refuse`.
 */
export class AppRules {
  public constructor(private readonly org: OrgState) {}

  /**
   * Connected Apps and External Client Apps share one namespace of API names: sfdx-hardis deletes a Connected
   * App of the same name before it deploys an External Client App (externalClientAppUtils.ts,
   * deleteConflictingConnectedApps). The exact refusal is unconfirmed.
   */
  public checkAppNameFree(type: string, fullName: string): void {
    const other =
      type === 'ConnectedApp'
        ? 'ExternalClientApplication'
        : type === 'ExternalClientApplication'
          ? 'ConnectedApp'
          : undefined;
    if (other && this.org.component(other, fullName)) {
      refuse(
        'DUPLICATE_DEVELOPER_NAME',
        `The API name ${fullName} is already used by a ${other === 'ConnectedApp' ? 'connected app' : 'external client app'}.`,
        ['fullName'],
      );
    }
  }

  /**
   * Salesforce generates an app's policies "with default values when an external client app is saved or
   * during deployment" (Help: Configure OAuth Policies) when none are given; they are named
   * `<OAuth settings>_defaultPolicy` and `<app>_defaultPolicy` (retrieved files; public runbooks,
   * sfdx-hardis#1934, CumulusCI's `_oauth_defaultPolicy`). The defaults are the ones a runbook reports:
   * self-authorized, refresh tokens valid 365 days.
   */
  public createDefaultPolicies(app: string, oauthSettingsName: string): void {
    const linked = (t: string): boolean =>
      this.org
        .componentsOf(t)
        .some((c) => String(c.body?.externalClientApplication).toLowerCase() === app.toLowerCase());
    if (!linked('ExtlClntAppOauthConfigurablePolicies')) {
      const name = `${oauthSettingsName}_defaultPolicy`;
      this.org.putComponent(
        'ExtlClntAppOauthConfigurablePolicies',
        name,
        {
          fullName: name,
          externalClientApplication: app,
          ipRelaxationPolicyType: 'Enforce',
          isClientCredentialsFlowEnabled: false,
          label: name,
          permittedUsersPolicyType: 'AllSelfAuthorized',
          refreshTokenPolicyType: 'SpecificLifetime',
          refreshTokenValidityPeriod: 365,
          refreshTokenValidityUnit: 'Days',
        },
        'MetadataComponent',
      );
    }
    if (!linked('ExtlClntAppConfigurablePolicies')) {
      const name = `${app}_defaultPolicy`;
      this.org.putComponent(
        'ExtlClntAppConfigurablePolicies',
        name,
        { fullName: name, externalClientApplication: app, isEnabled: true, isOauthPluginEnabled: true, label: name },
        'MetadataComponent',
      );
    }
  }

  /** Checks and normalises a Connected App; the permission sets it lists become its access rows. */
  public prepareConnectedApp(given: MetadataBody, previous: ComponentVersion | undefined, creating: boolean): Prepared {
    const { permissionSetName, ...body } = given;
    if (creating && !this.org.options.allowConnectedAppCreation) {
      refuse(
        'FIELD_INTEGRITY_EXCEPTION',
        'You can no longer create connected apps. Create an external client app instead, or contact Salesforce Customer Support to enable connected app creation.',
      );
    }
    const oauth = asBody(body.oauthConfig);
    if (oauth) {
      const scopes = asStrings(oauth.scopes);
      if (scopes.length === 0) refuse('FIELD_INTEGRITY_EXCEPTION', 'At least one OAuth scope is required.', ['scopes']);
      const { consumerSecret, ...kept } = oauth;
      void consumerSecret;
      const certificate = this.checkCertificate(oauth.certificate);
      body.oauthConfig = {
        ...kept,
        // Retrieved Connected Apps hold the certificate as its base64 body alone, on one line, whatever was uploaded.
        ...(certificate ? { certificate: certificateBody(certificate) } : {}),
        scopes: normaliseScopes(scopes),
        ...this.credentials(oauth, asBody(previous?.body?.oauthConfig), creating),
      };
      if (oauth.isClientCredentialEnabled === true) this.checkRunAsUser(oauth.oauthClientCredentialUser);
    }
    for (const profile of asStrings(body.profileName)) {
      if (!this.org.profiles.some((p) => p.Name.toLowerCase() === profile.toLowerCase())) {
        refuse('INVALID_CROSS_REFERENCE_KEY', `In field: profileName - no Profile named ${profile} found`, [
          'profileName',
        ]);
      }
    }
    return { body, accessNames: asStrings(permissionSetName) };
  }

  /** Checks and normalises an ECA component; the OAuth policies' permission sets become access rows. */
  public prepareEcaComponent(
    type: string,
    fullName: string,
    given: MetadataBody,
    previous: ComponentVersion | undefined,
    creating: boolean,
  ): Prepared {
    const { consumerSecret, commaSeparatedPermissionSet, ...body } = given;
    this.checkEcaLink(type, fullName, body, previous);
    // A create may bring the consumer secret with the key: sfdx-hardis restores an ECA after a sandbox refresh by
    // deploying its saved `consumerKey` and `consumerSecret` in the global OAuth settings (after-refresh.ts,
    // deployExternalClientApps) [reported]. An update never changes the secret.
    const kept =
      type === 'ExtlClntAppGlobalOauthSettings' && creating && typeof consumerSecret === 'string' && consumerSecret
        ? { consumerSecret }
        : {};
    if (type === 'ExtlClntAppGlobalOauthSettings') {
      // "Three files, deployed together — the global OAuth file alone fails" (a public MCP runbook).
      if (
        !ecaComponents(String(body.externalClientApplication), (t) => this.org.componentsOf(t)).ExtlClntAppOauthSettings
          .fullName
      ) {
        refuse(
          'FIELD_INTEGRITY_EXCEPTION',
          "The external client app configured in your global OAuth Settings doesn't have a valid OAuth settings configuration",
          ['externalClientApplication'],
        );
      }
      Object.assign(body, this.credentials(body, previous?.body, creating));
      this.checkCertificate(body.certificate);
    }
    if (type === 'ExtlClntAppOauthSettings') {
      Object.assign(
        body,
        this.orgSpecific(
          body,
          previous,
          'oauthLink',
          `${this.org.orgId.slice(0, 15)}:${this.org.newId('MetadataComponent').slice(0, 15)}`,
        ),
      );
      const scopes = splitCommaList(body.commaSeparatedOauthScopes);
      const unknown = scopes.filter((s) => !isKnownScope(s));
      // The text a runbook quotes for `McpApi`; Salesforce's message goes on to list the valid values.
      if (unknown.length > 0)
        refuse('FIELD_INTEGRITY_EXCEPTION', `There's a problem with your scope(s): ${unknown.join(', ')}`, [
          'commaSeparatedOauthScopes',
        ]);
      // Stored, and read back, as retrieved files show them: `Api, Web, OpenID`.
      if (scopes.length > 0) body.commaSeparatedOauthScopes = normaliseScopes(scopes).join(', ');
      else delete body.commaSeparatedOauthScopes;
    }
    if (type !== 'ExtlClntAppOauthConfigurablePolicies') {
      return {
        body: commaSeparatedPermissionSet === undefined ? body : { ...body, commaSeparatedPermissionSet },
        accessNames: undefined,
        ...kept,
      };
    }
    if (body.isClientCredentialsFlowEnabled === true) this.checkRunAsUser(body.clientCredentialsFlowUser);
    return { body, accessNames: splitCommaList(commaSeparatedPermissionSet) };
  }

  /**
   * Fields Salesforce fills in with references into this org (`oauthLink` of OAuth settings,
   * `orgScopedExternalApp` of the app): generated when a save omits them, kept on later saves that omit
   * them, and refused when a save carries another value — "Deployment fails if there's an OAuth link field
   * in the settings file with incorrect information. If the field doesn't exist, it's generated during
   * deployment" (Salesforce Help, Deploy an ECA with a New Global OAuth Settings File); sfdx-hardis strips
   * both before deploying retrieved apps to another org. The refusal's text is unconfirmed.
   */
  public orgSpecific(
    body: MetadataBody,
    previous: ComponentVersion | undefined,
    field: string,
    generated: string,
  ): MetadataBody {
    const stored = previous?.body?.[field];
    const given = body[field];
    if (given !== undefined && given !== stored) {
      refuse(
        'FIELD_INTEGRITY_EXCEPTION',
        `${field}: ${String(given)} does not refer to this org's app. Remove it and deploy again.`,
        [field],
      );
    }
    return { ...body, [field]: stored ?? generated };
  }

  /**
   * The consumer key: kept if given on create (then it must be well-formed and unused), generated if not,
   * and never changed afterwards. The secret is generated by Salesforce and never returned.
   */
  private credentials(given: MetadataBody, previous: MetadataBody | undefined, creating: boolean): MetadataBody {
    const key = typeof given.consumerKey === 'string' && given.consumerKey.length > 0 ? given.consumerKey : undefined;
    if (!creating && previous) {
      const existing = String(previous.consumerKey ?? '');
      if (key && key !== existing) {
        refuse('FIELD_INTEGRITY_EXCEPTION', 'The consumer key cannot be changed once the app exists.', ['consumerKey']);
      }
      return { consumerKey: existing };
    }
    if (key) {
      // Keys Salesforce generates carry '.' and '_' (retrieved files: `3MVG9PG9sFc71i9niSy3spF8Y.qLj20SmyCy_6T3…`) and
      // some end in '==' (`…NM3IQY.iPEg==`, retrieved from a production org), CumulusCI gave keys of letters, digits and
      // '_', sfdx-hardis gives base64 ('+', '/'); a sandbox restore deploys them back. Other characters are refused
      // (the exact rule is unconfirmed).
      if (!/^[A-Za-z0-9._+/=]{8,256}$/.test(key)) {
        refuse(
          'FIELD_INTEGRITY_EXCEPTION',
          "The consumer key must be 8 to 256 characters: letters, digits, '.', '_', '+', '/' or '='.",
          ['consumerKey'],
        );
      }
      if (OrgState.consumerKeyHeld(key)) {
        refuse('DUPLICATE_VALUE', 'This consumer key is already in use. Enter a unique consumer key.', ['consumerKey']);
      }
      return { consumerKey: key };
    }
    return { consumerKey: newConsumerKey() };
  }

  /**
   * A certificate must be an X.509 certificate, as PEM or as its base64 body alone (retrieved files hold that form,
   * and tools deploy it). The parsed certificate, for the kinds that store it in another form.
   */
  private checkCertificate(certificate: MetadataValue | undefined): X509Certificate | undefined {
    if (certificate === undefined) return undefined;
    return (
      parseCertificate(String(certificate)) ??
      refuse(
        'FIELD_INTEGRITY_EXCEPTION',
        'The certificate is not a valid X.509 certificate: give it as PEM or as its base64 body.',
        ['certificate'],
      )
    );
  }

  private checkRunAsUser(username: MetadataValue | undefined): void {
    const user = typeof username === 'string' ? this.org.findUserByUsername(username) : undefined;
    if (!user?.IsActive) {
      refuse('FIELD_INTEGRITY_EXCEPTION', 'The client credentials flow needs an active run-as user.', [
        'oauthClientCredentialUser',
      ]);
    }
  }

  /** An ECA component names its app in `externalClientApplication`; each app has at most one of each type. */
  private checkEcaLink(
    type: string,
    fullName: string,
    body: MetadataBody,
    previous: ComponentVersion | undefined,
  ): void {
    const appName = String(body.externalClientApplication ?? '');
    if (!this.org.component('ExternalClientApplication', appName)) {
      refuse(
        'INVALID_CROSS_REFERENCE_KEY',
        `In field: externalClientApplication - no ExternalClientApplication named ${appName} found`,
        ['externalClientApplication'],
      );
    }
    if (previous && String(previous.body?.externalClientApplication).toLowerCase() !== appName.toLowerCase()) {
      refuse('FIELD_INTEGRITY_EXCEPTION', 'externalClientApplication cannot be changed.', [
        'externalClientApplication',
      ]);
    }
    const sibling = this.org
      .componentsOf(type)
      .find(
        (c) =>
          c.fullName.toLowerCase() !== fullName.toLowerCase() &&
          String(c.body?.externalClientApplication).toLowerCase() === appName.toLowerCase(),
      );
    if (sibling) {
      refuse('DUPLICATE_VALUE', `${appName} already has a ${type}: ${sibling.fullName}.`, [
        'externalClientApplication',
      ]);
    }
  }
}
