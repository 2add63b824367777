import type { KeyPrefixedObject } from './ids.js';
import {
  newConsumerSecret,
  type ComponentVersion,
  type MetadataBody,
  type OrgState,
  type PermissionSet,
} from './org.js';
import { ecaComponents, setupEntityTypeOf } from './apps.js';
import { developerNameProblem, permissionSetTooLong } from './names.js';
import { ECA_TYPES, METADATA_TYPES, SETTINGS_NAME } from './metadata-types.js';
import {
  asBody,
  missingRequired,
  refuse,
  SaveRefused,
  undocumentedValue,
  type SaveError,
  type SaveOutcome,
} from './metadata-xml.js';
import { AppRules } from './app-rules.js';

/** The sObject whose Id a component of the type gets (SetupEntityAccess takes the apps' Ids). */
const ID_OBJECT: Partial<Record<string, KeyPrefixedObject>> = {
  ConnectedApp: 'ConnectedApplication',
  ExternalClientApplication: 'ExternalClientApplication',
};

/**
 * The org's metadata components as the Metadata API saves, reads, deletes and lists them, whichever call or deploy
 * asks: the app, ECA and permission set types, and the settings. The rules Connected Apps and External Client Apps
 * obey are app-rules.ts'; the SOAP around them is metadata.ts' and deploy.ts'.
 */
export class ComponentStore {
  private readonly rules: AppRules;
  /** Apps whose OAuth settings a deploy created: their policies are generated once the deploy's own are in. */
  private deployedOauthSettings: Array<{ app: string; oauthSettings: string }> | undefined;

  public constructor(private readonly org: OrgState) {
    this.rules = new AppRules(org);
  }

  /** One component saved as createMetadata, updateMetadata or upsertMetadata saves it: its outcome, refused or not. */
  public saveOne(
    op: 'createMetadata' | 'updateMetadata' | 'upsertMetadata',
    type: string,
    body: MetadataBody,
  ): SaveOutcome {
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
        if (this.org.component('ExternalClientApplication', app)) this.rules.createDefaultPolicies(app, oauthSettings);
      }
      return outcomes;
    } finally {
      this.deployedOauthSettings = undefined;
    }
  }

  /** A component as readMetadata returns it, or undefined if the org has none of that name. */
  public read(type: string, fullName: string): MetadataBody | undefined {
    if (SETTINGS_NAME[type]) return this.exists(type, fullName) ? this.readSettings(type) : undefined;
    if (type === 'PermissionSet') {
      const p = this.org.findPermissionSetByName(fullName);
      return p
        ? {
            fullName: p.Name,
            label: p.Label,
            ...(p.Description ? { description: p.Description } : {}),
            ...(this.org.permissionSetContent.get(p.Id) ?? {}),
          }
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

  /** The components of a type, as listMetadata lists them (a permission set has no dates). */
  public list(type: string): Array<{ fullName: string; id: string; created: string; modified: string }> {
    return type === 'PermissionSet'
      ? this.org.permissionSets
          .filter((p) => !p.IsOwnedByProfile)
          .map((p) => ({ fullName: p.Name, id: p.Id, created: '', modified: '' }))
      : this.org
          .componentsOf(type)
          .map((c) => ({ fullName: c.fullName, id: c.id, created: c.createdDate, modified: c.lastModifiedDate }));
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

  // ---- how each kind is saved, and deleted ------------------------------------

  /** Settings exist once per org: they are updated, never created or deleted. */
  /** A settings component: what the org's options say. */
  private readSettings(type: string): MetadataBody {
    if (type === 'OauthOidcSettings') {
      return {
        fullName: SETTINGS_NAME[type],
        blockOAuthUnPwFlow: this.org.options.passwordFlowBlocked,
        blockOAuthUsrAgtFlow: true,
        isPkceRequired: true,
        oAuthCdCrdtFlowEnable: false,
      };
    }
    return {
      fullName: SETTINGS_NAME[type],
      enableClientSecretInRestApiAccess: this.org.options.clientSecretRestAccess,
      enableConsumerSecretApiAccess: this.org.options.consumerSecretApiAccess,
      enablePackageEcaOauthFromDevOrg: false,
    };
  }

  private saveSettings(type: string, fullName: string, body: MetadataBody): void {
    if (fullName.toLowerCase() !== SETTINGS_NAME[type].toLowerCase()) {
      refuse('INVALID_CROSS_REFERENCE_KEY', `${type} has one component, named ${SETTINGS_NAME[type]}`, ['fullName']);
    }
    // A settings save changes only the fields it carries.
    if (typeof body.blockOAuthUnPwFlow === 'boolean') this.org.options.passwordFlowBlocked = body.blockOAuthUnPwFlow;
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
    if (invalid)
      refuse('FIELD_INTEGRITY_EXCEPTION', `${invalid.field}: invalid value ${invalid.value}`, [invalid.field]);
    if (creating) this.rules.checkAppNameFree(type, fullName);
    const previous = this.org.component(type, fullName);
    // An update replaces the component: what the request omits is gone, except what Salesforce keeps itself.
    const stored: MetadataBody = { ...given, fullName: previous?.fullName ?? fullName };
    const { body, accessNames, consumerSecret } =
      type === 'ConnectedApp'
        ? this.rules.prepareConnectedApp(stored, previous, creating)
        : type === 'ExternalClientApplication'
          ? {
              body: this.rules.orgSpecific(
                stored,
                previous,
                'orgScopedExternalApp',
                `${this.org.orgId.slice(0, 15)}:${fullName}`,
              ),
              accessNames: undefined,
            }
          : (ECA_TYPES as readonly string[]).includes(type)
            ? this.rules.prepareEcaComponent(type, fullName, stored, previous, creating)
            : { body: stored, accessNames: undefined };

    // Permission sets named in the component must exist before anything is written.
    // A Connected App retrieved from a real org names its permission sets by label ("Github Actions CI", "NPE
    // Connected App Clients": test/corpus); deploying it back must resolve them. API names are taken too.
    const byLabel = (name: string): PermissionSet | undefined =>
      type === 'ConnectedApp'
        ? this.org.permissionSets.find((p) => p.Label === name && !p.IsOwnedByProfile)
        : undefined;
    const accessSets = (accessNames ?? []).map(
      (name) =>
        this.org.findPermissionSetByName(name) ??
        byLabel(name) ??
        refuse('INVALID_CROSS_REFERENCE_KEY', `no PermissionSet named ${name} found`, ['permissionSetName']),
    );
    const version = this.org.putComponent(type, fullName, body, ID_OBJECT[type] ?? 'MetadataComponent');
    const consumerKey =
      type === 'ConnectedApp'
        ? asBody(body.oauthConfig)?.consumerKey
        : type === 'ExtlClntAppGlobalOauthSettings'
          ? body.consumerKey
          : undefined;
    if (typeof consumerKey === 'string' && !this.org.consumerSecrets.has(consumerKey)) {
      this.org.consumerSecrets.set(consumerKey, consumerSecret ?? newConsumerSecret());
    }
    if (accessNames !== undefined)
      this.replaceAccess(
        type,
        version,
        body,
        accessSets.map((p) => p.Id),
      );
    if (type === 'ExtlClntAppOauthSettings' && creating) {
      const app = String(body.externalClientApplication);
      if (this.deployedOauthSettings) this.deployedOauthSettings.push({ app, oauthSettings: fullName });
      else this.rules.createDefaultPolicies(app, fullName);
    }
  }

  /** The permission sets an app's metadata lists are its SetupEntityAccess rows; a save replaces them. */
  private replaceAccess(type: string, version: ComponentVersion, body: MetadataBody, permissionSetIds: string[]): void {
    const app =
      type === 'ConnectedApp'
        ? { id: version.id, kind: 'connected-app' as const }
        : {
            id: this.org.component('ExternalClientApplication', String(body.externalClientApplication))?.id ?? '',
            kind: 'external-client-app' as const,
          };
    const rows = this.org.setupEntityAccess;
    for (let i = rows.length - 1; i >= 0; i--) {
      if (rows[i].SetupEntityId === app.id && !permissionSetIds.includes(rows[i].ParentId)) rows.splice(i, 1);
    }
    for (const parentId of permissionSetIds) {
      if (!rows.some((r) => r.SetupEntityId === app.id && r.ParentId === parentId)) {
        rows.push({
          Id: this.org.newId('SetupEntityAccess'),
          ParentId: parentId,
          SetupEntityId: app.id,
          SetupEntityType: setupEntityTypeOf(app),
        });
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
}
