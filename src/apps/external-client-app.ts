import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { revokeRefreshTokens } from '../oauth/usage.js';
import { redact, registerSecret } from '../output/redact.js';
import { deleteComponents, deployComponents } from '../org/deploy.js';
import {
  listComponents,
  readComponent,
  readComponents,
  type ListedComponent,
  type RetrievedComponent,
} from '../org/metadata.js';
import {
  asList,
  asText,
  writable,
  type AppKindHandler,
  type AppSnapshot,
  type DesiredApp,
  type EnabledChange,
  type InventoriedApp,
  type KnownApp,
  type MetadataRecord,
} from './app.js';
import { readRestCredentials } from './credentials.js';
import { mergeScopes } from './scopes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/**
 * An External Client App is a header and components that name it in `externalClientApplication`. A new app
 * is one deploy of all five, as real projects deploy them, under the names Setup gives them
 * (`<App>_oauthPlcy`, `<App>_plcy`): Salesforce keeps policies a deploy carries and generates its own
 * (`<OAuth settings>_defaultPolicy`) only for a deploy without them. An existing app's components are found by
 * their link, whatever their names (sfdx-hardis#1934: "Satellite member names do NOT follow a fixed pattern").
 */
export const ECA_PARTS = {
  header: { type: 'ExternalClientApplication', suffix: '' },
  oauth: { type: 'ExtlClntAppOauthSettings', suffix: '_oauth' },
  global: { type: 'ExtlClntAppGlobalOauthSettings', suffix: '_glbloauth' },
  oauthPolicies: { type: 'ExtlClntAppOauthConfigurablePolicies', suffix: '_oauthPlcy' },
  appPolicies: { type: 'ExtlClntAppConfigurablePolicies', suffix: '_plcy' },
} as const;

type Part = keyof typeof ECA_PARTS;
export type ExternalClientApp = Record<Part, MetadataRecord | undefined> & { header: MetadataRecord };

const partName = (app: string, part: Part): string => `${app}${ECA_PARTS[part].suffix}`;

const splitList = (v: unknown): string[] =>
  asList(v)
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** A new component: linked to the app, labelled by its own name as Setup and retrieved files label them. */
const newPart = (desired: DesiredApp, part: Part): MetadataRecord => ({
  fullName: partName(desired.name, part),
  externalClientApplication: desired.name,
  label: partName(desired.name, part),
});

/**
 * Each component setup wants, merged into the one read (an update replaces a component): only the
 * certificate, the required scopes, the admin-approved policy and the permission set change.
 */
export const mergeExternalClientApp = (
  current: ExternalClientApp | undefined,
  desired: DesiredApp,
): ExternalClientApp => {
  const header = current?.header
    ? writable(current.header)
    : { fullName: desired.name, label: desired.label, contactEmail: desired.contactEmail, distributionState: 'Local' };
  const oauth = current?.oauth ? writable(current.oauth) : newPart(desired, 'oauth');
  const global = current?.global
    ? writable(current.global)
    : {
        ...newPart(desired, 'global'),
        callbackUrl: desired.callbackUrl,
        ...(desired.consumerKey ? { consumerKey: desired.consumerKey } : {}),
      };
  delete global.consumerSecret;
  const policies = current?.oauthPolicies ? writable(current.oauthPolicies) : newPart(desired, 'oauthPolicies');
  // Setup never changes an existing app's policies component (block and unblock do); a new app gets it enabled.
  const appPolicies = current
    ? current.appPolicies
    : { ...newPart(desired, 'appPolicies'), isEnabled: true, isOauthPluginEnabled: true };
  const permissionSets = splitList(policies.commaSeparatedPermissionSet);
  return {
    header,
    // Written as retrieved files show them (`Api, Web, RefreshToken`), as sfdx-hardis writes them.
    oauth: {
      ...oauth,
      commaSeparatedOauthScopes: mergeScopes(splitList(oauth.commaSeparatedOauthScopes), desired.scopes).join(', '),
    },
    global: {
      ...global,
      callbackUrl: asText(global.callbackUrl) ?? desired.callbackUrl,
      ...((desired.certificatePem ?? global.certificate)
        ? { certificate: desired.certificatePem ?? global.certificate }
        : {}),
      // The flow is on only where both halves say so: the global settings enable it, the policies name its user.
      ...(desired.clientCredentialsUser ? { isClientCredentialsFlowEnabled: true } : {}),
    },
    oauthPolicies: {
      ...policies,
      ...(desired.clientCredentialsUser
        ? { isClientCredentialsFlowEnabled: true, clientCredentialsFlowUser: desired.clientCredentialsUser }
        : {}),
      permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      commaSeparatedPermissionSet: (permissionSets.some((p) => p.toLowerCase() === desired.permissionSet.toLowerCase())
        ? permissionSets
        : [...permissionSets, desired.permissionSet]
      ).join(','),
    },
    appPolicies,
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
      enabled:
        String(app.global?.isClientCredentialsFlowEnabled) === 'true' &&
        String(app.oauthPolicies?.isClientCredentialsFlowEnabled) === 'true',
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
      .sort(([x], [y]) => x.localeCompare(y)),
  );

/** What setup reads and may write of an existing app; its policies component is block / unblock's. */
const COMPONENT_PARTS = ['oauth', 'global', 'oauthPolicies'] as const;
type ComponentPart = (typeof COMPONENT_PARTS)[number];

const linkedTo = (name: string, record: MetadataRecord | undefined): MetadataRecord | undefined =>
  record && String(record.externalClientApplication).toLowerCase() === name.toLowerCase() ? record : undefined;

/**
 * The app's component of each type, found by its link: the types listed (one call for up to three, the
 * Metadata API's limit), then the listed names read, ten a call, until the one whose
 * `externalClientApplication` names the app is found. Names that start with the app's name are read first:
 * Setup, sfdx-hardis and this plugin all name components so, though nothing requires it.
 */
const findLinkedComponents = async (
  conn: Connection,
  name: string,
  types: string[],
): Promise<Map<string, MetadataRecord>> => {
  const listed = await listComponents(conn, types);
  const found = await Promise.all(
    types.map(async (type): Promise<[string, MetadataRecord | undefined]> => {
      const names = listed.filter((p) => p.type === type).map((p) => p.fullName);
      const likely = (n: string): boolean => n.toLowerCase().startsWith(name.toLowerCase());
      // The likely names first, in one read of up to ten; the rest only when none of those is the app's.
      const first = names.filter(likely).slice(0, 10);
      const rest = names.filter((n) => !first.includes(n));
      const record =
        (await readComponents(conn, type, first)).find((r) => linkedTo(name, r)) ??
        (await readComponents(conn, type, rest)).find((r) => linkedTo(name, r));
      return [type, record];
    }),
  );
  return new Map(found.filter((f): f is [string, MetadataRecord] => f[1] !== undefined));
};

/** The app's header (unless an earlier query found it) and the components setup compares and writes. */
const readParts = async (conn: Connection, name: string, known?: KnownApp): Promise<ExternalClientApp | undefined> => {
  const [header, found] = await Promise.all([
    known ? { fullName: known.name, label: known.label } : readComponent(conn, ECA_PARTS.header.type, name),
    findLinkedComponents(
      conn,
      name,
      COMPONENT_PARTS.map((part) => ECA_PARTS[part].type),
    ),
  ]);
  if (!header) return undefined;
  const part = (p: ComponentPart): MetadataRecord | undefined => found.get(ECA_PARTS[p].type);
  return {
    header,
    oauth: part('oauth'),
    global: part('global'),
    oauthPolicies: part('oauthPolicies'),
    appPolicies: undefined,
  };
};

/**
 * One deploy of every new or changed component: all or nothing, so a refused part leaves no half-made app
 * behind. The header goes along only when it is new (the components name it).
 */
const writeApp = async (
  conn: Connection,
  current: ExternalClientApp | undefined,
  desired: DesiredApp,
): Promise<void> => {
  const merged = mergeExternalClientApp(current, desired);
  const changed = (Object.keys(ECA_PARTS) as Part[]).flatMap((part) => {
    const record = merged[part];
    return record && !sameRecord(current?.[part], record)
      ? [{ type: ECA_PARTS[part].type, fullName: String(record.fullName), record }]
      : [];
  });
  await deployComponents(conn, changed);
};

/**
 * The app's policies component (`ExtlClntAppConfigurablePolicies`: `<App>_plcy` from Setup and this plugin,
 * `<App>_defaultPolicy` where Salesforce generated it) holds whether the app is enabled: Setup's Block /
 * Unblock. Found by its link; read → merge → deploy; created when the app has none.
 */
const appPolicies = async (conn: Connection, name: string): Promise<MetadataRecord | undefined> =>
  (await findLinkedComponents(conn, name, [ECA_PARTS.appPolicies.type])).get(ECA_PARTS.appPolicies.type);

const enabledIn = (policies: MetadataRecord | undefined): boolean =>
  policies === undefined || String(policies.isEnabled) !== 'false';

const setEnabled = async (conn: Connection, name: string, enabled: boolean): Promise<EnabledChange | undefined> => {
  const header = await readComponent(conn, ECA_PARTS.header.type, name);
  if (!header) return undefined;
  const current = await appPolicies(conn, name);
  const wasEnabled = enabledIn(current);
  if (wasEnabled === enabled) return { changed: false, enabled };
  const fullName = partName(name, 'appPolicies');
  const record = current
    ? { ...writable(current), isEnabled: enabled }
    : { fullName, externalClientApplication: name, isEnabled: enabled, isOauthPluginEnabled: true, label: fullName };
  await deployComponents(conn, [{ type: ECA_PARTS.appPolicies.type, fullName: String(record.fullName), record }]);
  if (enabled) return { changed: true, enabled };
  // Disabling is not documented to end what was issued: delete the refresh tokens too, as an incident needs.
  const refreshTokens = await revokeRefreshTokens(conn, name).catch(async (e: unknown) => {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.RefreshTokensNotRevoked', [
        name,
        redact(e instanceof Error ? e.message : String(e)),
      ]),
    );
    return 'unavailable' as const;
  });
  return { changed: true, enabled, refreshTokens };
};

/**
 * The app's snapshot from the parts read, its consumer secret (if the read returned it) registered for redaction.
 * An org protecting its metadata secrets may not return the key with the settings: the credentials resource does.
 */
const snapshotOf = async (
  conn: Connection,
  name: string,
  parts: ExternalClientApp,
  appId?: string,
): Promise<AppSnapshot> => {
  registerSecret(asText(parts.global?.consumerSecret));
  const snapshot = externalClientAppSnapshot(parts);
  if (parts.global && !snapshot.consumerKey)
    snapshot.consumerKey = (await readRestCredentials(conn, name, { secret: false, appId })).consumerKey;
  return snapshot;
};

/** The types of the components an inventory reads of every app: the three setup reads, and the app's policies. */
const INVENTORY_PARTS = [...COMPONENT_PARTS, 'appPolicies'] as const;

const INVENTORY_TYPES: string[] = INVENTORY_PARTS.map((part) => ECA_PARTS[part].type);

/** What an inventory reads of the External Client Apps: every component of theirs the org lists. */
const toRetrieve = (listed: ListedComponent[]): ListedComponent[] =>
  listed.filter((c) => INVENTORY_TYPES.includes(c.type));

/**
 * Every External Client App, named by the links of its components (each names its app in
 * `externalClientApplication`, whatever its own name), enabled unless its policies say otherwise: the headers
 * need not be listed, as an app without components has no OAuth to audit.
 */
const fromInventory = (conn: Connection, retrieved: RetrievedComponent[]): Promise<InventoriedApp[]> => {
  const partOf = (name: string, part: (typeof INVENTORY_PARTS)[number]): MetadataRecord | undefined =>
    retrieved.find((c) => c.type === ECA_PARTS[part].type && linkedTo(name, c.record))?.record;
  const names = new Map<string, string>();
  for (const c of retrieved) {
    const link = asText(c.record.externalClientApplication);
    if (INVENTORY_TYPES.includes(c.type) && link && !names.has(link.toLowerCase())) names.set(link.toLowerCase(), link);
  }
  return Promise.all(
    [...names.values()].map(async (name) => {
      const parts: ExternalClientApp = {
        header: { fullName: name },
        oauth: partOf(name, 'oauth'),
        global: partOf(name, 'global'),
        oauthPolicies: partOf(name, 'oauthPolicies'),
        appPolicies: partOf(name, 'appPolicies'),
      };
      return { snapshot: await snapshotOf(conn, name, parts), enabled: enabledIn(parts.appPolicies) };
    }),
  );
};

export const externalClientApps: AppKindHandler = {
  kind: 'external-client-app',
  listTypes: INVENTORY_TYPES,
  toRetrieve,
  fromInventory,
  async read(conn, name, known) {
    const parts = await readParts(conn, name, known);
    if (!parts) return undefined;
    const consumerSecret = asText(parts.global?.consumerSecret);
    const snapshot = await snapshotOf(conn, name, parts, known?.id);
    return {
      snapshot,
      ...(consumerSecret ? { consumerSecret } : {}),
      update: (desired) => writeApp(conn, parts, desired),
      replaceCertificate: async (certificatePem): Promise<void> => {
        if (!parts.global) throw messages.createError('error.NoGlobalOauthSettings', [name], [], EXIT_CODES.orgRefused);
        const global = writable(parts.global);
        delete global.consumerSecret;
        await deployComponents(conn, [
          {
            type: ECA_PARTS.global.type,
            fullName: String(global.fullName),
            record: { ...global, certificate: certificatePem },
          },
        ]);
      },
    };
  },
  create: (conn, desired) => writeApp(conn, undefined, desired),
  setEnabled,
  isEnabled: async (conn, name) => enabledIn(await appPolicies(conn, name)),
  remove: (conn, name) => deleteComponents(conn, [{ type: ECA_PARTS.header.type, fullName: name }]),
  removeCommand: (name, targetOrg) =>
    `sf project delete source --metadata ExternalClientApplication:${name} --target-org ${targetOrg}`,
  async readCredentials(conn, name, wanted, known) {
    // The Metadata API returns the secret only while the org allows it ("Allow Access to OAuth Consumer Secrets
    // via Metadata API", deprecated), and an org protecting its metadata secrets may withhold the key too: what
    // it did not return is read through Connect REST's credentials resource.
    const global = known ? undefined : await readComponent(conn, ECA_PARTS.global.type, partName(name, 'global'));
    const fromMetadata = known ?? {
      consumerKey: asText(global?.consumerKey),
      consumerSecret: asText(global?.consumerSecret),
    };
    registerSecret(fromMetadata.consumerSecret);
    if (fromMetadata.consumerKey && (fromMetadata.consumerSecret !== undefined || !wanted.secret)) return fromMetadata;
    const rest = await readRestCredentials(conn, name, {
      ...wanted,
      secret: wanted.secret && !fromMetadata.consumerSecret,
    });
    return {
      consumerKey: fromMetadata.consumerKey ?? rest.consumerKey,
      consumerSecret: fromMetadata.consumerSecret ?? rest.consumerSecret,
      ...(rest.secretRefused ? { secretRefused: rest.secretRefused } : {}),
    };
  },
  consumerSecretPath: (name) => messages.getMessage('consumerSecretPath.eca', [name]),
};
