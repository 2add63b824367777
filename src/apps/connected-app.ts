import type { Connection } from '@salesforce/core';
import { asList, asText, writable, type AppKindHandler, type AppSnapshot, type DesiredApp, type MetadataRecord } from './app.js';
import { readComponent, saveComponents } from './save.js';
import { mergeScopes } from './scopes.js';

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
  const base = current ? writable(current) : { fullName: desired.name, label: desired.label, contactEmail: desired.contactEmail };
  const oauth = writable(oauthOf(base));
  delete oauth.consumerSecret;
  const permissionSets = asList(base.permissionSetName);
  return {
    ...base,
    oauthConfig: {
      ...oauth,
      callbackUrl: asText(oauth.callbackUrl) ?? desired.callbackUrl,
      ...(current === undefined && desired.consumerKey ? { consumerKey: desired.consumerKey } : {}),
      certificate: desired.certificatePem ?? oauth.certificate,
      isAdminApproved: true,
      scopes: mergeScopes(asList(oauth.scopes), desired.scopes),
    },
    permissionSetName: permissionSets.some((p) => p.toLowerCase() === desired.permissionSet.toLowerCase())
      ? permissionSets
      : [...permissionSets, desired.permissionSet],
  };
};

export const connectedAppSnapshot = (app: MetadataRecord): AppSnapshot => {
  const oauth = oauthOf(app);
  return {
    kind: 'connected-app',
    name: String(app.fullName),
    label: asText(app.label) ?? String(app.fullName),
    consumerKey: asText(oauth.consumerKey),
    certificatePem: asText(oauth.certificate),
    scopes: asList(oauth.scopes),
    adminApproved: isTrue(oauth.isAdminApproved),
    permissionSets: asList(app.permissionSetName),
  };
};

export const connectedApps: AppKindHandler = {
  kind: 'connected-app',
  async read(conn: Connection, name: string) {
    const record = await readComponent(conn, TYPE, name);
    if (!record) return undefined;
    return {
      snapshot: connectedAppSnapshot(record),
      update: (desired) => saveComponents(conn, 'update', TYPE, [mergeConnectedApp(record, desired)]),
    };
  },
  create: (conn, desired) => saveComponents(conn, 'create', TYPE, [mergeConnectedApp(undefined, desired)]),
  async remove(conn, name) {
    await conn.metadata.delete(TYPE, name);
  },
  removeCommand: (name, targetOrg) => `sf project delete source --metadata ConnectedApp:${name} --target-org ${targetOrg}`,
  async readConsumerKey(conn, name) {
    const app = await readComponent(conn, TYPE, name);
    return app ? connectedAppSnapshot(app).consumerKey : undefined;
  },
};

