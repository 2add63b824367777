import { randomBytes, type X509Certificate } from 'node:crypto';
import type { KeyPrefixedObject } from './ids.js';
import type { ComponentVersion, MetadataBody, MetadataValue, OrgState, PermissionSet, User } from './org.js';
import { certificateBody, ecaComponents, isKnownScope, normaliseScopes, parseCertificate, setupEntityTypeOf, splitCommaList } from './apps.js';
import { developerNameProblem, permissionSetTooLong } from './rest.js';
import {
  COMPLEX_TYPES,
  DOCUMENTED_VALUES,
  ECA_TYPES,
  FIELD_MIN_API_VERSION,
  RETIRED_FIELDS,
  METADATA_TYPES,
  MIN_API_VERSION,
  SETTINGS_NAME,
  type FieldType,
  type TypeDefinition,
} from './metadata-types.js';
import {
  children,
  escapeXml,
  METADATA_NS,
  ORDER,
  sfFault,
  SoapFault,
  soapResponse,
  textOf,
  type Envelope,
  type XmlNode,
} from './soap.js';
import type { Reply } from './http.js';
import { DeployApi } from './deploy.js';

/** A component ready to store, and the permission sets it pre-authorizes (undefined: it cannot). */
type Prepared = { body: MetadataBody; accessNames: string[] | undefined };

/** The sObject whose Id a component of the type gets (SetupEntityAccess takes the apps' Ids). */
const ID_OBJECT: Partial<Record<string, KeyPrefixedObject>> = {
  ConnectedApp: 'ConnectedApplication',
  ExternalClientApplication: 'ExternalClientApplication',
};

/** The Metadata API's per-call limit for the CRUD operations. */
const MAX_COMPONENTS_PER_CALL = 10;

export type SaveError = { statusCode: string; message: string; fields?: string[] };
export type SaveOutcome = { fullName: string; errors: SaveError[]; created?: boolean };

class SaveRefused extends Error {
  public constructor(public readonly error: SaveError) {
    super(error.message);
  }
}

const refuse = (statusCode: string, message: string, fields?: string[]): never => {
  throw new SaveRefused({ statusCode, message, fields });
};

/** The SOAP Metadata API (`/services/Soap/m/NN.N`): CRUD of the app, ECA and permission set types. */
export class MetadataApi {
  private readonly deploys: DeployApi;
  /** Apps whose OAuth settings a deploy created: their policies are generated once the deploy's own are in. */
  private deployedOauthSettings: Array<{ app: string; oauthSettings: string }> | undefined;

  public constructor(private readonly org: OrgState) {
    this.deploys = new DeployApi(org, this);
  }

  public handle(envelope: Envelope, apiVersion: number, user: User): Reply {
    // The Metadata API as a whole needs "Modify All Data" or "Modify Metadata".
    if (!this.org.isAdmin(user)) {
      throw sfFault(
        'INSUFFICIENT_ACCESS',
        'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions'
      );
    }
    const op = envelope.operation;
    const body = envelope.body;
    switch (op) {
      case 'createMetadata':
      case 'updateMetadata':
      case 'upsertMetadata':
        return this.save(op, children(body, 'metadata'), apiVersion);
      case 'readMetadata':
        return this.read(textOf(children(body, 'type')[0]), children(body, 'fullNames').map(textOf), apiVersion);
      case 'deleteMetadata':
        return this.delete(textOf(children(body, 'type')[0]), children(body, 'fullNames').map(textOf), apiVersion);
      case 'listMetadata':
        return this.list(children(body, 'queries'), apiVersion);
      case 'deploy':
      case 'checkDeployStatus':
        return this.deploys.handle(envelope, apiVersion, user);
      default:
        throw new SoapFault('soapenv:Client', `No operation available for request {${METADATA_NS}}${op}`);
    }
  }

  /** One component of a deploy: created or replaced, as an upsert is. */
  public deployOne(type: string, body: MetadataBody): SaveOutcome {
    return this.saveOne('upsertMetadata', type, body);
  }

  /**
   * A deploy's components, each saved as an upsert. Policies are generated only for an app whose OAuth settings
   * the deploy created and whose policies it did not carry: real projects deploy all five components together,
   * under names of their own (`<App>_oauthPlcy`, `<App>_plcy`), and Salesforce keeps them as the app's policies.
   */
  public deployAll(components: Array<{ type: string; body: MetadataBody }>): SaveOutcome[] {
    this.deployedOauthSettings = [];
    try {
      const outcomes = components.map((c) => this.deployOne(c.type, c.body));
      for (const { app, oauthSettings } of this.deployedOauthSettings) {
        if (this.org.component('ExternalClientApplication', app)) this.createDefaultPolicies(app, oauthSettings);
      }
      return outcomes;
    } finally {
      this.deployedOauthSettings = undefined;
    }
  }

  /** One component deleted (by deleteMetadata, or a deploy's destructive changes); the errors if it cannot be. */
  public deleteOne(type: string, name: string): SaveError[] {
    if (type === 'PermissionSet') {
      const p = this.org.findPermissionSetByName(name);
      if (!p) return [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: `no PermissionSet named ${name} found` }];
      if (this.org.assignments.some((a) => a.PermissionSetId === p.Id)) {
        return [{ statusCode: 'DELETE_FAILED', message: 'This permission set is assigned to users.' }];
      }
      this.org.permissionSets.splice(this.org.permissionSets.indexOf(p), 1);
      this.removeAccessOf((a) => a.ParentId === p.Id);
      return [];
    }
    const component = this.org.component(type, name);
    if (!component) return [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: `no ${type} named ${name} found` }];
    this.deleteComponent(type, component);
    return [];
  }

  // ---- writes -------------------------------------------------------------------

  private save(op: 'createMetadata' | 'updateMetadata' | 'upsertMetadata', nodes: XmlNode[], apiVersion: number): Reply {
    limitComponents(nodes.length);
    const types = new Set(nodes.map((n) => (typeof n === 'string' ? '' : String(n['@type'] ?? ''))));
    const [type] = [...types];
    if (types.size !== 1 || !type) {
      throw sfFault('INVALID_TYPE', 'All components in one call must be of the same type, given as xsi:type');
    }
    const definition = typeDefinition(type, apiVersion);
    // Parse all before saving any: a malformed element fails the whole call, as a SOAP fault does.
    const bodies = nodes.map((n) => decode(n, definition, type, apiVersion));
    const outcomes = bodies.map((body) => this.saveOne(op, type, body));
    const results = outcomes
      .map((o) => {
        const created = op === 'upsertMetadata' ? `<created>${String(o.created ?? false)}</created>` : '';
        return `<result>${created}${errorsXml(o.errors)}<fullName>${escapeXml(o.fullName)}</fullName><success>${String(o.errors.length === 0)}</success></result>`;
      })
      .join('');
    return soapResponse(op, results);
  }

  private saveOne(op: string, type: string, body: MetadataBody): SaveOutcome {
    const fullName = typeof body.fullName === 'string' ? body.fullName : '';
    try {
      if (!fullName) refuse('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName', ['fullName']);
      const exists = this.exists(type, fullName);
      if (op === 'createMetadata' && exists) {
        refuse('DUPLICATE_DEVELOPER_NAME', `There is already a ${type} named ${fullName}.`, ['fullName']);
      }
      if (op === 'updateMetadata' && !exists) {
        refuse('INVALID_CROSS_REFERENCE_KEY', `In field: fullName - no ${type} named ${fullName} found`, ['fullName']);
      }
      const creating = !exists;
      if (type === 'PermissionSet') this.savePermissionSet(fullName, body, creating);
      else if (SETTINGS_NAME[type]) this.saveSettings(type, fullName, body);
      else this.saveComponent(type, fullName, body, creating);
      return { fullName, errors: [], created: creating };
    } catch (e) {
      if (e instanceof SaveRefused) return { fullName, errors: [e.error] };
      throw e;
    }
  }

  /** Settings exist once per org: they are updated, never created or deleted. */
  private saveSettings(type: string, fullName: string, body: MetadataBody): void {
    if (fullName.toLowerCase() !== SETTINGS_NAME[type].toLowerCase()) {
      refuse('INVALID_CROSS_REFERENCE_KEY', `${type} has one component, named ${SETTINGS_NAME[type]}`, ['fullName']);
    }
    if (typeof body.enableConsumerSecretApiAccess === 'boolean') {
      this.org.options.consumerSecretApiAccess = body.enableConsumerSecretApiAccess;
    }
    if (typeof body.enableClientSecretInRestApiAccess === 'boolean') {
      this.org.options.clientSecretRestAccess = body.enableClientSecretInRestApiAccess;
    }
  }

  private exists(type: string, fullName: string): boolean {
    if (SETTINGS_NAME[type]) return fullName.toLowerCase() === SETTINGS_NAME[type].toLowerCase();
    return type === 'PermissionSet'
      ? this.org.findPermissionSetByName(fullName) !== undefined
      : this.org.component(type, fullName) !== undefined;
  }

  private saveComponent(type: string, fullName: string, given: MetadataBody, creating: boolean): void {
    const definition = METADATA_TYPES[type];
    const problem = developerNameProblem(fullName);
    if (problem) refuse('FIELD_INTEGRITY_EXCEPTION', `${fullName}: ${problem}`, ['fullName']);
    const missing = missingRequired(given, definition);
    if (missing) refuse('REQUIRED_FIELD_MISSING', `Required field is missing: ${missing}`, [missing]);
    const invalid = undocumentedValue(given, type);
    if (invalid) refuse('FIELD_INTEGRITY_EXCEPTION', `${invalid.field}: invalid value ${invalid.value}`, [invalid.field]);
    if (creating) this.checkAppNameFree(type, fullName);
    const previous = this.org.component(type, fullName);
    // An update replaces the component: what the request omits is gone, except what Salesforce keeps itself.
    const stored: MetadataBody = { ...given, fullName: previous?.fullName ?? fullName };
    const { body, accessNames } =
      type === 'ConnectedApp'
        ? this.prepareConnectedApp(stored, previous, creating)
        : type === 'ExternalClientApplication'
          ? { body: this.orgSpecific(stored, previous, 'orgScopedExternalApp', `${this.org.orgId.slice(0, 15)}:${fullName}`), accessNames: undefined }
          : (ECA_TYPES as readonly string[]).includes(type)
            ? this.prepareEcaComponent(type, fullName, stored, previous, creating)
            : { body: stored, accessNames: undefined };

    // Permission sets named in the component must exist before anything is written.
    // A Connected App retrieved from a real org names its permission sets by label ("Github Actions CI", "NPE
    // Connected App Clients": test/corpus); deploying it back must resolve them. API names are taken too.
    const byLabel = (name: string): PermissionSet | undefined =>
      type === 'ConnectedApp' ? this.org.permissionSets.find((p) => p.Label === name && !p.IsOwnedByProfile) : undefined;
    const accessSets = (accessNames ?? []).map(
      (name) =>
        this.org.findPermissionSetByName(name) ??
        byLabel(name) ??
        refuse('INVALID_CROSS_REFERENCE_KEY', `no PermissionSet named ${name} found`, ['permissionSetName'])
    );
    const version = this.org.putComponent(type, fullName, body, ID_OBJECT[type] ?? 'MetadataComponent');
    const consumerKey = type === 'ConnectedApp' ? asBody(body.oauthConfig)?.consumerKey : type === 'ExtlClntAppGlobalOauthSettings' ? body.consumerKey : undefined;
    if (typeof consumerKey === 'string' && !this.org.consumerSecrets.has(consumerKey)) {
      this.org.consumerSecrets.set(consumerKey, randomBytes(32).toString('hex').toUpperCase());
    }
    if (accessNames !== undefined) this.replaceAccess(type, version, body, accessSets.map((p) => p.Id));
    if (type === 'ExtlClntAppOauthSettings' && creating) {
      const app = String(body.externalClientApplication);
      if (this.deployedOauthSettings) this.deployedOauthSettings.push({ app, oauthSettings: fullName });
      else this.createDefaultPolicies(app, fullName);
    }
  }

  /**
   * Connected Apps and External Client Apps share one namespace of API names: sfdx-hardis deletes a Connected
   * App of the same name before it deploys an External Client App (externalClientAppUtils.ts,
   * deleteConflictingConnectedApps). The exact refusal is unconfirmed.
   */
  private checkAppNameFree(type: string, fullName: string): void {
    const other = type === 'ConnectedApp' ? 'ExternalClientApplication' : type === 'ExternalClientApplication' ? 'ConnectedApp' : undefined;
    if (other && this.org.component(other, fullName)) {
      refuse('DUPLICATE_DEVELOPER_NAME', `The API name ${fullName} is already used by a ${other === 'ConnectedApp' ? 'connected app' : 'external client app'}.`, ['fullName']);
    }
  }

  /**
   * Salesforce generates an app's policies "with default values when an external client app is saved or
   * during deployment" (Help: Configure OAuth Policies) when none are given; they are named
   * `<OAuth settings>_defaultPolicy` and `<app>_defaultPolicy` (retrieved files; public runbooks,
   * sfdx-hardis#1934, CumulusCI's `_oauth_defaultPolicy`). The defaults are the ones a runbook reports:
   * self-authorized, refresh tokens valid 365 days.
   */
  private createDefaultPolicies(app: string, oauthSettingsName: string): void {
    const linked = (t: string): boolean =>
      this.org.componentsOf(t).some((c) => String(c.body?.externalClientApplication).toLowerCase() === app.toLowerCase());
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
        'MetadataComponent'
      );
    }
    if (!linked('ExtlClntAppConfigurablePolicies')) {
      const name = `${app}_defaultPolicy`;
      this.org.putComponent(
        'ExtlClntAppConfigurablePolicies',
        name,
        { fullName: name, externalClientApplication: app, isEnabled: true, isOauthPluginEnabled: true, label: name },
        'MetadataComponent'
      );
    }
  }

  /** Checks and normalises a Connected App; the permission sets it lists become its access rows. */
  private prepareConnectedApp(given: MetadataBody, previous: ComponentVersion | undefined, creating: boolean): Prepared {
    const { permissionSetName, ...body } = given;
    if (creating && !this.org.options.allowConnectedAppCreation) {
      refuse(
        'FIELD_INTEGRITY_EXCEPTION',
        'You can no longer create connected apps. Create an external client app instead, or contact Salesforce Customer Support to enable connected app creation.'
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
        refuse('INVALID_CROSS_REFERENCE_KEY', `In field: profileName - no Profile named ${profile} found`, ['profileName']);
      }
    }
    return { body, accessNames: asStrings(permissionSetName) };
  }

  /** Checks and normalises an ECA component; the OAuth policies' permission sets become access rows. */
  private prepareEcaComponent(
    type: string,
    fullName: string,
    given: MetadataBody,
    previous: ComponentVersion | undefined,
    creating: boolean
  ): Prepared {
    const { consumerSecret, commaSeparatedPermissionSet, ...body } = given;
    void consumerSecret;
    this.checkEcaLink(type, fullName, body, previous);
    if (type === 'ExtlClntAppGlobalOauthSettings') {
      // "Three files, deployed together — the global OAuth file alone fails" (a public MCP runbook).
      if (!ecaComponents(String(body.externalClientApplication), (t) => this.org.componentsOf(t)).ExtlClntAppOauthSettings.fullName) {
        refuse(
          'FIELD_INTEGRITY_EXCEPTION',
          "The external client app configured in your global OAuth Settings doesn't have a valid OAuth settings configuration",
          ['externalClientApplication']
        );
      }
      Object.assign(body, this.credentials(body, previous?.body, creating));
      this.checkCertificate(body.certificate);
    }
    if (type === 'ExtlClntAppOauthSettings') {
      Object.assign(body, this.orgSpecific(body, previous, 'oauthLink', `${this.org.orgId.slice(0, 15)}:${this.org.newId('MetadataComponent').slice(0, 15)}`));
      const scopes = splitCommaList(body.commaSeparatedOauthScopes);
      const unknown = scopes.filter((s) => !isKnownScope(s));
      // The text a runbook quotes for `McpApi`; Salesforce's message goes on to list the valid values.
      if (unknown.length > 0) refuse('FIELD_INTEGRITY_EXCEPTION', `There's a problem with your scope(s): ${unknown.join(', ')}`, ['commaSeparatedOauthScopes']);
      // Stored, and read back, as retrieved files show them: `Api, Web, OpenID`.
      if (scopes.length > 0) body.commaSeparatedOauthScopes = normaliseScopes(scopes).join(', ');
      else delete body.commaSeparatedOauthScopes;
    }
    if (type !== 'ExtlClntAppOauthConfigurablePolicies') {
      return { body: commaSeparatedPermissionSet === undefined ? body : { ...body, commaSeparatedPermissionSet }, accessNames: undefined };
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
  private orgSpecific(body: MetadataBody, previous: ComponentVersion | undefined, field: string, generated: string): MetadataBody {
    const stored = previous?.body?.[field];
    const given = body[field];
    if (given !== undefined && given !== stored) {
      refuse('FIELD_INTEGRITY_EXCEPTION', `${field}: ${String(given)} does not refer to this org's app. Remove it and deploy again.`, [field]);
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
        refuse('FIELD_INTEGRITY_EXCEPTION', "The consumer key must be 8 to 256 characters: letters, digits, '.', '_', '+', '/' or '='.", ['consumerKey']);
      }
      if (this.consumerKeyInUse(key)) {
        refuse('DUPLICATE_VALUE', 'This consumer key is already in use. Enter a unique consumer key.', ['consumerKey']);
      }
      return { consumerKey: key };
    }
    return { consumerKey: `3MVG9${randomBytes(60).toString('base64url').replace(/-/g, '.').slice(0, 80)}` };
  }

  private consumerKeyInUse(key: string): boolean {
    const keys = [
      ...this.org.componentsOf('ConnectedApp').map((c) => asBody(c.body?.oauthConfig)?.consumerKey),
      ...this.org.componentsOf('ExtlClntAppGlobalOauthSettings').map((c) => c.body?.consumerKey),
    ];
    return keys.includes(key);
  }

  /**
   * A certificate must be an X.509 certificate, as PEM or as its base64 body alone (retrieved files hold that form,
   * and tools deploy it). The parsed certificate, for the kinds that store it in another form.
   */
  private checkCertificate(certificate: MetadataValue | undefined): X509Certificate | undefined {
    if (certificate === undefined) return undefined;
    return (
      parseCertificate(String(certificate)) ??
      refuse('FIELD_INTEGRITY_EXCEPTION', 'The certificate is not a valid X.509 certificate: give it as PEM or as its base64 body.', ['certificate'])
    );
  }

  private checkRunAsUser(username: MetadataValue | undefined): void {
    const user = typeof username === 'string' ? this.org.findUserByUsername(username) : undefined;
    if (!user?.IsActive) {
      refuse(
        'FIELD_INTEGRITY_EXCEPTION',
        'The client credentials flow needs an active run-as user.',
        ['oauthClientCredentialUser']
      );
    }
  }

  /** An ECA component names its app in `externalClientApplication`; each app has at most one of each type. */
  private checkEcaLink(type: string, fullName: string, body: MetadataBody, previous: ComponentVersion | undefined): void {
    const appName = String(body.externalClientApplication ?? '');
    if (!this.org.component('ExternalClientApplication', appName)) {
      refuse(
        'INVALID_CROSS_REFERENCE_KEY',
        `In field: externalClientApplication - no ExternalClientApplication named ${appName} found`,
        ['externalClientApplication']
      );
    }
    if (previous && String(previous.body?.externalClientApplication).toLowerCase() !== appName.toLowerCase()) {
      refuse('FIELD_INTEGRITY_EXCEPTION', 'externalClientApplication cannot be changed.', ['externalClientApplication']);
    }
    const sibling = this.org
      .componentsOf(type)
      .find(
        (c) =>
          c.fullName.toLowerCase() !== fullName.toLowerCase() &&
          String(c.body?.externalClientApplication).toLowerCase() === appName.toLowerCase()
      );
    if (sibling) {
      refuse('DUPLICATE_VALUE', `${appName} already has a ${type}: ${sibling.fullName}.`, ['externalClientApplication']);
    }
  }

  /** The permission sets an app's metadata lists are its SetupEntityAccess rows; a save replaces them. */
  private replaceAccess(type: string, version: ComponentVersion, body: MetadataBody, permissionSetIds: string[]): void {
    const app =
      type === 'ConnectedApp'
        ? { id: version.id, kind: 'connected-app' as const }
        : { id: this.org.component('ExternalClientApplication', String(body.externalClientApplication))?.id ?? '', kind: 'external-client-app' as const };
    const rows = this.org.setupEntityAccess;
    for (let i = rows.length - 1; i >= 0; i--) {
      if (rows[i].SetupEntityId === app.id && !permissionSetIds.includes(rows[i].ParentId)) rows.splice(i, 1);
    }
    for (const parentId of permissionSetIds) {
      if (!rows.some((r) => r.SetupEntityId === app.id && r.ParentId === parentId)) {
        rows.push({ Id: this.org.newId('SetupEntityAccess'), ParentId: parentId, SetupEntityId: app.id, SetupEntityType: setupEntityTypeOf(app) });
      }
    }
  }

  private savePermissionSet(fullName: string, body: MetadataBody, creating: boolean): void {
    const problem = developerNameProblem(fullName);
    if (problem) refuse('FIELD_INTEGRITY_EXCEPTION', `${fullName}: ${problem}`, ['fullName']);
    if (typeof body.label !== 'string') refuse('REQUIRED_FIELD_MISSING', 'Required field is missing: label', ['label']);
    const tooLong = permissionSetTooLong({ Label: body.label, Description: body.description });
    if (tooLong) refuse('STRING_TOO_LONG', tooLong.message, [tooLong.field === 'Label' ? 'label' : 'description']);
    const description = typeof body.description === 'string' ? body.description : null;
    const existing = this.org.findPermissionSetByName(fullName);
    // What the set grants is kept as sent and returned by readMetadata (an update replaces it, as a deploy does).
    const { fullName: _name, label: _label, description: _description, ...content } = body;
    void [_name, _label, _description];
    if (creating || !existing) {
      const Id = this.org.newId('PermissionSet');
      this.org.permissionSetContent.set(Id, content);
      this.org.permissionSets.push({
        Id,
        Name: fullName,
        Label: String(body.label),
        Description: description,
        IsOwnedByProfile: false,
        ProfileId: null,
        NamespacePrefix: null,
        IsCustom: true,
      });
    } else {
      existing.Label = String(body.label);
      existing.Description = description;
      this.org.permissionSetContent.set(existing.Id, content);
    }
  }

  // ---- reads --------------------------------------------------------------------

  private read(type: string, fullNames: string[], apiVersion: number): Reply {
    limitComponents(fullNames.length);
    const definition = typeDefinition(type, apiVersion);
    const records = fullNames
      .map((name) => {
        const body = this.readBody(type, name);
        return body ? `<records xsi:type="${type}">${encode(body, definition, type, apiVersion)}</records>` : '<records xsi:nil="true"/>';
      })
      .join('');
    return soapResponse('readMetadata', `<result>${records}</result>`);
  }

  private readBody(type: string, fullName: string): MetadataBody | undefined {
    if (SETTINGS_NAME[type]) {
      return this.exists(type, fullName)
        ? {
            fullName: SETTINGS_NAME[type],
            enableClientSecretInRestApiAccess: this.org.options.clientSecretRestAccess,
            enableConsumerSecretApiAccess: this.org.options.consumerSecretApiAccess,
            enablePackageEcaOauthFromDevOrg: false,
          }
        : undefined;
    }
    if (type === 'PermissionSet') {
      const p = this.org.findPermissionSetByName(fullName);
      return p
        ? { fullName: p.Name, label: p.Label, ...(p.Description ? { description: p.Description } : {}), ...(this.org.permissionSetContent.get(p.Id) ?? {}) }
        : undefined;
    }
    const component = this.org.component(type, fullName);
    if (!component?.body) return undefined;
    const body: MetadataBody = { ...component.body };
    const accessNames = (appId: string): string[] =>
      this.org.setupEntityAccess
        .filter((a) => a.SetupEntityId === appId)
        .map((a) => this.org.permissionSets.find((p) => p.Id === a.ParentId)?.Name)
        .filter((n): n is string => n !== undefined);
    if (type === 'ConnectedApp') {
      const names = accessNames(component.id);
      if (names.length > 0) body.permissionSetName = names;
    }
    // "Allow Access to OAuth Consumer Secrets via Metadata API" lets the Metadata API return the secret; off (as
    // Salesforce's security guidance advises) it never does. The consumer key is returned either way.
    if (type === 'ExtlClntAppGlobalOauthSettings' && this.org.options.metadataSecretsProtection) {
      delete body.consumerKey;
    } else if (type === 'ExtlClntAppGlobalOauthSettings' && this.org.options.consumerSecretApiAccess) {
      const secret = typeof body.consumerKey === 'string' ? this.org.consumerSecrets.get(body.consumerKey) : undefined;
      if (secret) body.consumerSecret = secret;
    }
    if (type === 'ExtlClntAppOauthConfigurablePolicies') {
      const app = this.org.component('ExternalClientApplication', String(body.externalClientApplication));
      const names = app ? accessNames(app.id) : [];
      if (names.length > 0) body.commaSeparatedPermissionSet = names.join(',');
    }
    return body;
  }

  private delete(type: string, fullNames: string[], apiVersion: number): Reply {
    limitComponents(fullNames.length);
    typeDefinition(type, apiVersion);
    const results = fullNames
      .map((name) => {
        const errors = this.deleteOne(type, name);
        return `<result>${errorsXml(errors)}<fullName>${escapeXml(name)}</fullName><success>${String(errors.length === 0)}</success></result>`;
      })
      .join('');
    return soapResponse('deleteMetadata', results);
  }

  /** Deleting an app takes its grants with it; deleting an ECA header takes its components. */
  private deleteComponent(type: string, component: ComponentVersion): void {
    const consumerKey = asBody(component.body?.oauthConfig)?.consumerKey;
    if (typeof consumerKey === 'string') this.org.consumerSecrets.delete(consumerKey);
    if (type === 'ExternalClientApplication') {
      const parts = ecaComponents(component.fullName, (t) => this.org.componentsOf(t));
      const ecaKey = parts.ExtlClntAppGlobalOauthSettings.consumerKey;
      if (typeof ecaKey === 'string') this.org.consumerSecrets.delete(ecaKey);
      for (const [partType, partBody] of Object.entries(parts)) {
        if (typeof partBody.fullName === 'string') this.org.deleteComponent(partType, partBody.fullName);
      }
    }
    this.org.deleteComponent(type, component.fullName);
    if (type === 'ConnectedApp' || type === 'ExternalClientApplication') {
      this.removeAccessOf((a) => a.SetupEntityId === component.id);
    }
  }

  private removeAccessOf(predicate: (a: OrgState['setupEntityAccess'][number]) => boolean): void {
    const rows = this.org.setupEntityAccess;
    for (let i = rows.length - 1; i >= 0; i--) if (predicate(rows[i])) rows.splice(i, 1);
  }

  private list(queries: XmlNode[], apiVersion: number): Reply {
    if (queries.length > 3) throw sfFault('INVALID_QUERY', 'listMetadata takes at most 3 queries');
    const admin = this.org.users[0];
    const props = queries.flatMap((q) => {
      const type = textOf(children(q, 'type')[0]);
      typeDefinition(type, apiVersion);
      const entries: Array<{ fullName: string; id: string; created: string; modified: string }> =
        type === 'PermissionSet'
          ? this.org.permissionSets
              .filter((p) => !p.IsOwnedByProfile)
              .map((p) => ({ fullName: p.Name, id: p.Id, created: '', modified: '' }))
          : this.org.componentsOf(type).map((c) => ({ fullName: c.fullName, id: c.id, created: c.createdDate, modified: c.lastModifiedDate }));
      return entries.map((e) => {
        const stamp = e.modified || new Date(this.org.now()).toISOString();
        return (
          '<result>' +
          `<createdById>${admin.Id}</createdById><createdByName>${escapeXml(admin.Name)}</createdByName>` +
          `<createdDate>${e.created || stamp}</createdDate><fileName>${escapeXml(fileNameOf(type, e.fullName))}</fileName>` +
          `<fullName>${escapeXml(e.fullName)}</fullName><id>${e.id}</id>` +
          `<lastModifiedById>${admin.Id}</lastModifiedById><lastModifiedByName>${escapeXml(admin.Name)}</lastModifiedByName>` +
          `<lastModifiedDate>${stamp}</lastModifiedDate><manageableState>unmanaged</manageableState>` +
          `<type>${type}</type></result>`
        );
      });
    });
    return soapResponse('listMetadata', props.join(''));
  }
}

// ---- encoding -------------------------------------------------------------------------

const FOLDERS: Record<string, [string, string]> = {
  ConnectedApp: ['connectedApps', 'connectedApp'],
  ExternalClientApplication: ['externalClientApps', 'eca'],
  ExtlClntAppOauthSettings: ['extlClntAppOauthSettings', 'ecaOauth'],
  ExtlClntAppGlobalOauthSettings: ['extlClntAppGlobalOauthSets', 'ecaGlblOauth'],
  ExtlClntAppOauthConfigurablePolicies: ['extlClntAppOauthPolicies', 'ecaOauthPlcy'],
  ExtlClntAppConfigurablePolicies: ['extlClntAppPolicies', 'ecaPlcy'],
  PermissionSet: ['permissionsets', 'permissionset'],
};

const fileNameOf = (type: string, fullName: string): string => {
  const [folder, suffix] = FOLDERS[type] ?? [type, type];
  return `${folder}/${fullName}.${suffix}`;
};

const limitComponents = (count: number): void => {
  if (count > MAX_COMPONENTS_PER_CALL) {
    throw sfFault(
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COMPONENTS_PER_CALL} records in this operation`
    );
  }
};

export const typeDefinition = (type: string, apiVersion: number): TypeDefinition => {
  const definition = METADATA_TYPES[type];
  if (!definition || apiVersion < (MIN_API_VERSION[type] ?? 0)) {
    throw sfFault('INVALID_TYPE', `Unknown type name '${type}' specified in the request at API version ${apiVersion.toFixed(1)}`);
  }
  return definition;
};

const isNil = (node: XmlNode): boolean => typeof node === 'object' && node['@nil'] === 'true';

const invalidElement = (name: string, typeName: string): SoapFault =>
  new SoapFault('soapenv:Client', `Element {${METADATA_NS}}${name} invalid at this location in type ${typeName}`);

/** XML element → plain data of the field types, refusing what the WSDL (of that API version) does not allow. */
export const decode = (node: XmlNode, definition: TypeDefinition, typeName: string, apiVersion: number): MetadataBody => {
  const body: MetadataBody = {};
  if (typeof node === 'string') return body;
  checkOrder(node, definition, typeName);
  for (const [name, raw] of Object.entries(node)) {
    if (name.startsWith('@') || name === '#text') continue;
    const field = definition.fields[name];
    if (!field || apiVersion < (FIELD_MIN_API_VERSION[typeName]?.[name] ?? 0) || apiVersion > (RETIRED_FIELDS[typeName]?.[name]?.until ?? Infinity)) {
      throw invalidElement(name, typeName);
    }
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => !isNil(v));
    if (typeof field === 'object' && 'list' in field) {
      body[name] = values.map((v) => decodeValue(v, field.list, name, apiVersion));
    } else {
      if (values.length > 1) throw invalidElement(name, typeName);
      if (values.length === 1) body[name] = decodeValue(values[0], field, name, apiVersion);
    }
  }
  return body;
};

/**
 * The WSDL's types are sequences: each element must come after the ones before it in its type, a repeated
 * element's values together. Salesforce refuses anything else with the same fault as an unknown element
 * (sfdx-hardis#1681 for `isNamedUserJwtEnabled`; "Error parsing file: Element {…}types invalid at this
 * location in type EmailServicesFunction" and ExpressionSetDefinition's "strict child-element order" in
 * public projects). The first element found before one it should follow is the one named.
 */
const checkOrder = (node: Exclude<XmlNode, string>, definition: TypeDefinition, typeName: string): void => {
  const sequence = Object.keys(definition.fields);
  const order = node[ORDER];
  let reached = -1;
  for (const name of Array.isArray(order) ? order : []) {
    const position = sequence.indexOf(String(name));
    if (position === -1) continue; // An unknown element is refused by name where the fields are read.
    if (position < reached) throw invalidElement(String(name), typeName);
    reached = position;
  }
};

const decodeValue = (node: XmlNode, field: FieldType, name: string, apiVersion: number): MetadataValue => {
  if (field === 'string') return textOf(node);
  if (field === 'boolean') {
    const t = textOf(node).trim();
    if (t !== 'true' && t !== 'false' && t !== '1' && t !== '0') {
      throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the type xsd:boolean`);
    }
    return t === 'true' || t === '1';
  }
  if (field === 'number') {
    // `@salesforce/types` has one `number` for the WSDL's xsd:int and xsd:double.
    const t = textOf(node).trim();
    if (!/^-?\d+(\.\d+)?$/.test(t)) throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the type xsd:int`);
    return Number(t);
  }
  if ('enum' in field) {
    const t = textOf(node).trim();
    if (!field.values.includes(t)) {
      throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the enum '${field.enum}'`);
    }
    return t;
  }
  if ('complex' in field) return decode(node, COMPLEX_TYPES[field.complex], field.complex, apiVersion);
  throw new SoapFault('soapenv:Client', `Element ${name} cannot be a list here`);
};

/** Plain data → XML elements in WSDL order, without the fields the API version does not have yet. */
const encode = (body: MetadataBody, definition: TypeDefinition, typeName = '', apiVersion = Number.POSITIVE_INFINITY): string =>
  Object.entries(definition.fields)
    .map(([name, field]) => {
      const value = body[name];
      if (value === undefined || apiVersion < (FIELD_MIN_API_VERSION[typeName]?.[name] ?? 0) || apiVersion > (RETIRED_FIELDS[typeName]?.[name]?.until ?? Infinity)) return '';
      const values = Array.isArray(value) ? value : [value];
      const inner = typeof field === 'object' && 'list' in field ? field.list : field;
      return values.map((v) => `<${name}>${encodeValue(v, inner)}</${name}>`).join('');
    })
    .join('');

const encodeValue = (value: MetadataValue, field: FieldType): string => {
  if (typeof field === 'object' && 'complex' in field && typeof value === 'object' && !Array.isArray(value)) {
    return encode(value, COMPLEX_TYPES[field.complex]);
  }
  return escapeXml(String(value));
};

const errorsXml = (errors: SaveError[]): string =>
  errors
    .map(
      (e) =>
        `<errors>${(e.fields ?? []).map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}` +
        `<message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`
    )
    .join('');

/** The first required field missing, nested complex fields included (`oauthConfig.callbackUrl`). */
const missingRequired = (body: MetadataBody, definition: TypeDefinition, prefix = ''): string | undefined => {
  for (const field of definition.required) {
    if (body[field] === undefined || body[field] === '') return `${prefix}${field}`;
  }
  for (const [name, field] of Object.entries(definition.fields)) {
    const value = body[name];
    const inner = typeof field === 'object' && 'list' in field ? field.list : field;
    if (typeof inner !== 'object' || !('complex' in inner) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const nested = asBody(v);
      const missing = nested ? missingRequired(nested, COMPLEX_TYPES[inner.complex], `${prefix}${name}.`) : undefined;
      if (missing) return missing;
    }
  }
  return undefined;
};

/** A value Salesforce's documentation does not list for a string field that has a documented set. */
const undocumentedValue = (body: MetadataBody, typeName: string, prefix = ''): { field: string; value: string } | undefined => {
  const definition = COMPLEX_TYPES[typeName];
  for (const [name, value] of Object.entries(body)) {
    const allowed = DOCUMENTED_VALUES[typeName]?.[name];
    if (allowed && typeof value === 'string' && !allowed.test(value)) return { field: `${prefix}${name}`, value };
    const field = definition?.fields[name];
    const inner = typeof field === 'object' && 'list' in field ? field.list : field;
    if (typeof inner !== 'object' || !('complex' in inner)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const nested = asBody(v);
      const found = nested ? undocumentedValue(nested, inner.complex, `${prefix}${name}.`) : undefined;
      if (found) return found;
    }
  }
  return undefined;
};

const asBody = (v: MetadataValue | undefined): MetadataBody | undefined =>
  typeof v === 'object' && !Array.isArray(v) ? v : undefined;

const asStrings = (v: MetadataValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : typeof v === 'string' ? [v] : [];
