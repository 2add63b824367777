import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { deleteComponents, deployComponents } from '../org/deploy.js';
import {
  deleteComponent,
  listComponents,
  readComponent,
  readComponents,
  saveComponents,
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
  type MetadataRecord,
} from './app.js';
import { mergeScopes } from './scopes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

const TYPE = 'ConnectedApp';

const oauthOf = (app: MetadataRecord): MetadataRecord =>
  typeof app.oauthConfig === 'object' && app.oauthConfig !== null ? (app.oauthConfig as MetadataRecord) : {};

const isTrue = (v: unknown): boolean => v === true || v === 'true';

/**
 * The Connected App setup wants: the one read, with the certificate, the required scopes, "admin approved
 * users are pre-authorized" and the permission set added. Callback URLs, other scopes, other profiles
 * and permission sets, policies and every other setting are sent back as they were read, because an
 * update replaces the whole component. The consumer secret is never read back, so never sent.
 */
export const mergeConnectedApp = (current: MetadataRecord | undefined, desired: DesiredApp): MetadataRecord => {
  const base = current
    ? writable(current)
    : { fullName: desired.name, label: desired.label, contactEmail: desired.contactEmail };
  const oauth = writable(oauthOf(base));
  delete oauth.consumerSecret;
  const permissionSets = asList(base.permissionSetName);
  return {
    ...base,
    oauthConfig: {
      ...oauth,
      callbackUrl: asText(oauth.callbackUrl) ?? desired.callbackUrl,
      ...(current === undefined && desired.consumerKey ? { consumerKey: desired.consumerKey } : {}),
      ...((desired.certificatePem ?? oauth.certificate)
        ? { certificate: desired.certificatePem ?? oauth.certificate }
        : {}),
      isAdminApproved: true,
      scopes: mergeScopes(asList(oauth.scopes), desired.scopes),
      ...(desired.clientCredentialsUser
        ? { isClientCredentialEnabled: true, oauthClientCredentialUser: desired.clientCredentialsUser }
        : {}),
    },
    permissionSetName: permissionSets.some((p) => p.toLowerCase() === desired.permissionSet.toLowerCase())
      ? permissionSets
      : [...permissionSets, desired.permissionSet],
  };
};

export const connectedAppSnapshot = (app: MetadataRecord): AppSnapshot => {
  const oauth = oauthOf(app);
  // A Connected App without a policy has Salesforce's defaults: refresh tokens valid until revoked, IP enforced.
  const policy =
    typeof app.oauthPolicy === 'object' && app.oauthPolicy !== null ? (app.oauthPolicy as MetadataRecord) : {};
  return {
    kind: 'connected-app',
    name: String(app.fullName),
    label: asText(app.label) ?? String(app.fullName),
    consumerKey: asText(oauth.consumerKey),
    certificate: asText(oauth.certificate),
    scopes: asList(oauth.scopes),
    adminApproved: isTrue(oauth.isAdminApproved),
    permissionSets: asList(app.permissionSetName),
    policies: {
      infiniteRefreshTokens: String(policy.refreshTokenPolicy ?? 'infinite') === 'infinite',
      ipRelaxed: String(policy.ipRelaxation ?? '').startsWith('BYPASS'),
      clientCredentials: {
        enabled: isTrue(oauth.isClientCredentialEnabled),
        runAs: asText(oauth.oauthClientCredentialUser),
      },
    },
  };
};

/**
 * A Connected App is blocked by a `BlacklistedConsumer` naming its consumer key, what Setup's Block in
 * Connected Apps OAuth Usage makes: "Blocking an app ends all current user sessions and prevents future
 * sessions" (Metadata API Developer Guide, BlacklistedConsumer). Unblocking deletes it.
 */
const BLOCK_TYPE = 'BlacklistedConsumer';

/** The BlacklistedConsumer that blocks this consumer key, if there is one. */
const blockOf = async (conn: Connection, consumerKey: string): Promise<MetadataRecord | undefined> => {
  const names = (await listComponents(conn, [BLOCK_TYPE])).map((c) => c.fullName);
  return (await readComponents(conn, BLOCK_TYPE, names)).find((r) => r.consumerKey === consumerKey);
};

const setEnabled = async (conn: Connection, name: string, enabled: boolean): Promise<EnabledChange | undefined> => {
  const app = await readComponent(conn, TYPE, name);
  if (!app) return undefined;
  const { consumerKey, label } = connectedAppSnapshot(app);
  if (!consumerKey) throw messages.createError('error.NoConsumerKey', [name], [], EXIT_CODES.orgRefused);
  const block = await blockOf(conn, consumerKey);
  if ((block === undefined) === enabled) return { changed: false, enabled };
  if (block) {
    await deleteComponents(conn, [{ type: BLOCK_TYPE, fullName: String(block.fullName) }]);
  } else {
    const record = { blockedByApiWhitelisting: false, consumerKey, consumerName: label, masterLabel: label };
    await deployComponents(conn, [{ type: BLOCK_TYPE, fullName: `${name}_Blocked`, record }]);
  }
  return { changed: true, enabled };
};

/** What an inventory reads of the Connected Apps listed: each app, and every block (only where there are apps). */
const toRetrieve = (listed: ListedComponent[]): ListedComponent[] =>
  listed.some((c) => c.type === TYPE) ? listed.filter((c) => c.type === TYPE || c.type === BLOCK_TYPE) : [];

/** Every Connected App retrieved, enabled unless a BlacklistedConsumer names its consumer key. */
const fromInventory = (_conn: Connection, retrieved: RetrievedComponent[]): Promise<InventoriedApp[]> => {
  const blocked = new Set(retrieved.filter((c) => c.type === BLOCK_TYPE).map((b) => String(b.record.consumerKey)));
  return Promise.resolve(
    retrieved
      .filter((c) => c.type === TYPE)
      .map(({ record }) => {
        const snapshot = connectedAppSnapshot(record);
        return { snapshot, enabled: snapshot.consumerKey === undefined || !blocked.has(snapshot.consumerKey) };
      }),
  );
};

export const connectedApps: AppKindHandler = {
  kind: 'connected-app',
  listTypes: [TYPE, BLOCK_TYPE],
  toRetrieve,
  fromInventory,
  async read(conn: Connection, name: string) {
    const record = await readComponent(conn, TYPE, name);
    if (!record) return undefined;
    return {
      snapshot: connectedAppSnapshot(record),
      update: (desired) => saveComponents(conn, 'update', TYPE, [mergeConnectedApp(record, desired)]),
      replaceCertificate: (certificatePem): Promise<void> => {
        const base = writable(record);
        const oauth = writable(oauthOf(base));
        delete oauth.consumerSecret;
        return saveComponents(conn, 'update', TYPE, [
          { ...base, oauthConfig: { ...oauth, certificate: certificatePem } },
        ]);
      },
    };
  },
  create: (conn, desired) => saveComponents(conn, 'create', TYPE, [mergeConnectedApp(undefined, desired)]),
  setEnabled,
  async isEnabled(conn, name) {
    const app = await readComponent(conn, TYPE, name);
    const consumerKey = app ? connectedAppSnapshot(app).consumerKey : undefined;
    return consumerKey === undefined || (await blockOf(conn, consumerKey)) === undefined;
  },
  remove: (conn, name) => deleteComponent(conn, TYPE, name),
  removeCommand: (name, targetOrg) =>
    `sf project delete source --metadata ConnectedApp:${name} --target-org ${targetOrg}`,
  async readCredentials(conn, name, _wanted, known) {
    if (known?.consumerKey) return known;
    const app = await readComponent(conn, TYPE, name);
    // The Metadata API never returns a Connected App's consumer secret (ConnectedAppOauthConfig.consumerSecret).
    return { consumerKey: app ? connectedAppSnapshot(app).consumerKey : undefined, consumerSecret: undefined };
  },
  consumerSecretPath: (name) => messages.getMessage('consumerSecretPath.connectedApp', [name]),
};
