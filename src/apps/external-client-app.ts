import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { revokeRefreshTokens } from '../oauth/usage.js';
import { asList, asText, writable, type AppKindHandler, type AppSnapshot, type DesiredApp, type EnabledChange, type KnownApp, type MetadataRecord } from './app.js';
import { deleteComponents, deployComponents, refusedOnly } from './deploy.js';
import { readComponent, readComponents } from './save.js';
import { mergeScopes } from './scopes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/**
 * An External Client App is a header and components that name it in `externalClientApplication`. New apps
 * get `<App>_oauth` and `<App>_glbloauth`; their OAuth policies are the ones Salesforce generates when the
 * OAuth settings are saved, named `<OAuth settings>_defaultPolicy` (Salesforce Help "Configure OAuth
 * Policies"; the names in public runbooks, sfdx-hardis and CumulusCI), which setup's deploy updates rather
 * than adding a second set. Apps made elsewhere keep their own names: components are found by their link.
 */
export const ECA_PARTS = {
  header: { type: 'ExternalClientApplication', suffix: '' },
  oauth: { type: 'ExtlClntAppOauthSettings', suffix: '_oauth' },
  global: { type: 'ExtlClntAppGlobalOauthSettings', suffix: '_glbloauth' },
  oauthPolicies: { type: 'ExtlClntAppOauthConfigurablePolicies', suffix: '_oauth_defaultPolicy' },
} as const;

type Part = keyof typeof ECA_PARTS;
export type ExternalClientApp = Record<Part, MetadataRecord | undefined> & { header: MetadataRecord };

const partName = (app: string, part: Part): string => `${app}${ECA_PARTS[part].suffix}`;

/** Salesforce names the generated OAuth policies after the OAuth settings component. */
const defaultPolicyName = (oauthSettingsName: string): string => `${oauthSettingsName}_defaultPolicy`;

const splitList = (v: unknown): string[] =>
  asList(v)
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const link = (desired: DesiredApp): MetadataRecord => ({ externalClientApplication: desired.name, label: desired.label });

/**
 * Each component setup wants, merged into the one read (an update replaces a component): only the
 * certificate, the required scopes, the admin-approved policy and the permission set change.
 */
export const mergeExternalClientApp = (current: ExternalClientApp | undefined, desired: DesiredApp): ExternalClientApp => {
  const header = current?.header
    ? writable(current.header)
    : { fullName: desired.name, label: desired.label, contactEmail: desired.contactEmail, distributionState: 'Local' };
  const oauth = current?.oauth ? writable(current.oauth) : { fullName: partName(desired.name, 'oauth'), ...link(desired) };
  const global = current?.global
    ? writable(current.global)
    : {
        fullName: partName(desired.name, 'global'),
        ...link(desired),
        callbackUrl: desired.callbackUrl,
        ...(desired.consumerKey ? { consumerKey: desired.consumerKey } : {}),
      };
  delete global.consumerSecret;
  const policies = current?.oauthPolicies
    ? writable(current.oauthPolicies)
    : { fullName: defaultPolicyName(String(oauth.fullName)), ...link(desired) };
  const permissionSets = splitList(policies.commaSeparatedPermissionSet);
  return {
    header,
    // Written as retrieved files show them (`Api, Web, RefreshToken`), as sfdx-hardis writes them.
    oauth: { ...oauth, commaSeparatedOauthScopes: mergeScopes(splitList(oauth.commaSeparatedOauthScopes), desired.scopes).join(', ') },
    global: {
      ...global,
      callbackUrl: asText(global.callbackUrl) ?? desired.callbackUrl,
      ...(desired.certificatePem ?? global.certificate ? { certificate: desired.certificatePem ?? global.certificate } : {}),
      // The flow is on only where both halves say so: the global settings enable it, the policies name its user.
      ...(desired.clientCredentialsUser ? { isClientCredentialsFlowEnabled: true } : {}),
    },
    oauthPolicies: {
      ...policies,
      ...(desired.clientCredentialsUser ? { isClientCredentialsFlowEnabled: true, clientCredentialsFlowUser: desired.clientCredentialsUser } : {}),
      permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      commaSeparatedPermissionSet: (permissionSets.some((p) => p.toLowerCase() === desired.permissionSet.toLowerCase())
        ? permissionSets
        : [...permissionSets, desired.permissionSet]
      ).join(','),
    },
  };
};

export const externalClientAppSnapshot = (app: ExternalClientApp): AppSnapshot => ({
  kind: 'external-client-app',
  name: String(app.header.fullName),
  label: asText(app.header.label) ?? String(app.header.fullName),
  consumerKey: asText(app.global?.consumerKey),
  certificate: asText(app.global?.certificate),
  scopes: splitList(app.oauth?.commaSeparatedOauthScopes),
  adminApproved: app.oauthPolicies?.permittedUsersPolicyType === 'AdminApprovedPreAuthorized',
  permissionSets: splitList(app.oauthPolicies?.commaSeparatedPermissionSet),
  policies: {
    infiniteRefreshTokens: app.oauthPolicies?.refreshTokenPolicyType === 'Infinite',
    ipRelaxed: String(app.oauthPolicies?.ipRelaxationPolicyType ?? '').startsWith('Bypass'),
    // Both halves must allow it: the global settings enable the flow, the policies name its user.
    clientCredentials: {
      enabled: String(app.global?.isClientCredentialsFlowEnabled) === 'true' && String(app.oauthPolicies?.isClientCredentialsFlowEnabled) === 'true',
      runAs: asText(app.oauthPolicies?.clientCredentialsFlowUser),
    },
  },
});

/** Compares what would be sent with what was read, so an unchanged component is not written. */
const sameRecord = (a: MetadataRecord | undefined, b: MetadataRecord): boolean =>
  a !== undefined && JSON.stringify(normalise(writable(a))) === JSON.stringify(normalise(b));

const normalise = (r: MetadataRecord): MetadataRecord =>
  Object.fromEntries(
    Object.entries(r)
      .map(([k, v]): [string, unknown] => [k, typeof v === 'boolean' ? String(v) : v])
      .sort(([x], [y]) => x.localeCompare(y))
  );

const COMPONENT_PARTS = ['oauth', 'global', 'oauthPolicies'] as const;
type ComponentPart = (typeof COMPONENT_PARTS)[number];

const linkedTo = (name: string, record: MetadataRecord | undefined): MetadataRecord | undefined =>
  record && String(record.externalClientApplication).toLowerCase() === name.toLowerCase() ? record : undefined;

/**
 * Components are found by their conventional names first (one read each). Only when one is missing is
 * the org listed for components of that type, and those read (ten names a call) to find the one whose
 * `externalClientApplication` names the app: an app made by other tools keeps its own component names.
 */
const readParts = async (conn: Connection, name: string, known?: KnownApp): Promise<ExternalClientApp | undefined> => {
  const header = known ? { fullName: known.name, label: known.label } : await readComponent(conn, ECA_PARTS.header.type, name);
  if (!header) return undefined;
  const conventional = await Promise.all(
    COMPONENT_PARTS.map(async (part) => linkedTo(name, await readComponent(conn, ECA_PARTS[part].type, partName(name, part))))
  );
  const found: Partial<Record<ComponentPart, MetadataRecord>> = {};
  COMPONENT_PARTS.forEach((part, i) => {
    if (conventional[i]) found[part] = conventional[i];
  });
  const missing = COMPONENT_PARTS.filter((part) => !found[part]);
  if (missing.length > 0) Object.assign(found, await findLinkedParts(conn, name, missing));
  return { header, oauth: found.oauth, global: found.global, oauthPolicies: found.oauthPolicies };
};

const findLinkedParts = async (
  conn: Connection,
  name: string,
  parts: ComponentPart[]
): Promise<Partial<Record<ComponentPart, MetadataRecord>>> => {
  const found = await findLinkedComponents(conn, name, parts.map((part) => ECA_PARTS[part].type));
  return Object.fromEntries(parts.map((part) => [part, found.get(ECA_PARTS[part].type)]));
};

/** The app's component of each type, found by listing the type (one call for up to three) and reading ten names a call. */
const findLinkedComponents = async (conn: Connection, name: string, types: string[]): Promise<Map<string, MetadataRecord>> => {
  const listed = (await conn.metadata.list(types.map((type) => ({ type })))) as unknown;
  const properties = (Array.isArray(listed) ? listed : listed ? [listed] : []) as Array<{ type: string; fullName: string }>;
  const result = new Map<string, MetadataRecord>();
  for (const type of types) {
    const names = properties.filter((p) => p.type === type).map((p) => p.fullName);
    for (let i = 0; i < names.length && !result.has(type); i += 10) {
      // eslint-disable-next-line no-await-in-loop
      const record = (await readComponents(conn, type, names.slice(i, i + 10))).find((r) => linkedTo(name, r));
      if (record) result.set(type, record);
    }
  }
  return result;
};

/**
 * One deploy of every new or changed component: all or nothing, so a refused part leaves no half-made
 * app behind. The header goes along only when it is new (the components name it).
 *
 * A new app's OAuth policies are the ones Salesforce generates with its OAuth settings, deployed under the
 * name public reports give them. That naming rule is not documented: if Salesforce refuses them as a
 * second set, the app is deployed without them, and the policies Salesforce made are found by their
 * link and updated in a second deploy.
 */
const writeApp = async (conn: Connection, current: ExternalClientApp | undefined, desired: DesiredApp): Promise<void> => {
  const merged = mergeExternalClientApp(current, desired);
  const changed = (['header', 'oauth', 'global', 'oauthPolicies'] as const).flatMap((part) => {
    const record = merged[part];
    return record && !sameRecord(current?.[part], record) ? [{ part, type: ECA_PARTS[part].type, fullName: String(record.fullName), record }] : [];
  });
  try {
    await deployComponents(conn, changed);
  } catch (e) {
    if (current?.oauthPolicies !== undefined || !refusedOnly(e, [ECA_PARTS.oauthPolicies.type])) throw e;
    await deployComponents(conn, changed.filter((c) => c.part !== 'oauthPolicies'));
    try {
      const generated = (await findLinkedParts(conn, desired.name, ['oauthPolicies'])).oauthPolicies;
      if (!generated) throw e;
      const policies = mergeExternalClientApp({ ...merged, oauthPolicies: generated }, desired).oauthPolicies as MetadataRecord;
      await deployComponents(conn, [{ type: ECA_PARTS.oauthPolicies.type, fullName: String(generated.fullName), record: policies }]);
    } catch (policyError) {
      // The app was made a step ago and is not usable without its policies: take it back.
      if (!current) await deleteComponents(conn, [{ type: ECA_PARTS.header.type, fullName: desired.name }]);
      throw policyError;
    }
  }
};

/**
 * The app's policies component (`ExtlClntAppConfigurablePolicies`, which Salesforce generates as
 * `<App>_defaultPolicy`) holds whether the app is enabled: Setup's Block / Unblock. Read → merge → deploy;
 * created when the app has none.
 */
const APP_POLICIES = { type: 'ExtlClntAppConfigurablePolicies', suffix: '_defaultPolicy' } as const;

/** The app policies component, by its generated name or its link; undefined when the app has none. */
const appPolicies = async (conn: Connection, name: string): Promise<MetadataRecord | undefined> =>
  linkedTo(name, await readComponent(conn, APP_POLICIES.type, `${name}${APP_POLICIES.suffix}`)) ??
  (await findLinkedComponents(conn, name, [APP_POLICIES.type])).get(APP_POLICIES.type);

const enabledIn = (policies: MetadataRecord | undefined): boolean => policies === undefined || String(policies.isEnabled) !== 'false';

const setEnabled = async (conn: Connection, name: string, enabled: boolean): Promise<EnabledChange | undefined> => {
  const header = await readComponent(conn, ECA_PARTS.header.type, name);
  if (!header) return undefined;
  const current = await appPolicies(conn, name);
  const wasEnabled = enabledIn(current);
  if (wasEnabled === enabled) return { changed: false, enabled };
  const record = current
    ? { ...writable(current), isEnabled: enabled }
    : { fullName: `${name}${APP_POLICIES.suffix}`, externalClientApplication: name, label: `${name}${APP_POLICIES.suffix}`, isEnabled: enabled, isOauthPluginEnabled: true };
  await deployComponents(conn, [{ type: APP_POLICIES.type, fullName: String(record.fullName), record }]);
  if (enabled) return { changed: true, enabled };
  // Disabling is not documented to end what was issued: delete the refresh tokens too, as an incident needs.
  const refreshTokens = await revokeRefreshTokens(conn, name).catch(async (e: unknown) => {
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.RefreshTokensNotRevoked', [name, e instanceof Error ? e.message : String(e)]));
    return 'unavailable' as const;
  });
  return { changed: true, enabled, refreshTokens };
};

export const externalClientApps: AppKindHandler = {
  kind: 'external-client-app',
  async read(conn, name, known) {
    const parts = await readParts(conn, name, known);
    if (!parts) return undefined;
    const consumerSecret = asText(parts.global?.consumerSecret);
    return {
      snapshot: externalClientAppSnapshot(parts),
      ...(consumerSecret ? { consumerSecret } : {}),
      update: (desired) => writeApp(conn, parts, desired),
      replaceCertificate: async (certificatePem): Promise<void> => {
        if (!parts.global) throw messages.createError('error.NoGlobalOauthSettings', [name], [], EXIT_CODES.orgRefused);
        const global = writable(parts.global);
        delete global.consumerSecret;
        await deployComponents(conn, [{ type: ECA_PARTS.global.type, fullName: String(global.fullName), record: { ...global, certificate: certificatePem } }]);
      },
    };
  },
  create: (conn, desired) => writeApp(conn, undefined, desired),
  setEnabled,
  isEnabled: async (conn, name) => enabledIn(await appPolicies(conn, name)),
  remove: (conn, name) => deleteComponents(conn, [{ type: ECA_PARTS.header.type, fullName: name }]),
  removeCommand: (name, targetOrg) => `sf project delete source --metadata ExternalClientApplication:${name} --target-org ${targetOrg}`,
  async readCredentials(conn, name) {
    // The secret is returned only while the org allows it ("Allow Access to OAuth Consumer Secrets via Metadata API").
    const global = await readComponent(conn, ECA_PARTS.global.type, partName(name, 'global'));
    return { consumerKey: asText(global?.consumerKey), consumerSecret: asText(global?.consumerSecret) };
  },
  consumerSecretPath: (name) => messages.getMessage('consumerSecretPath.eca', [name]),
};
