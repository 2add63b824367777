import { AuthInfo, Connection, StateAggregator } from '@salesforce/core';
import { COMPLEX_TYPES } from '../emulator/metadata-types.js';
import { generateKeyAndCertificate, type KeyAndCertificate } from '../../src/certificate/generate.js';
import type { RunningEmulator } from './emulator.js';

/**
 * Stores the emulator's admin in the sf auth store (this test run's throw-away HOME) under an alias, as
 * `sf org login access-token --alias` would, so commands can take `--target-org <alias>`.
 */
export const storeAdminLogin = (emu: RunningEmulator, alias: string): Promise<void> =>
  storeLogin(emu, emu.ready.admin.accessToken, alias);

export const storeLogin = async (emu: RunningEmulator, accessToken: string, alias: string): Promise<void> => {
  const login = (): Promise<AuthInfo> =>
    AuthInfo.create({ accessTokenOptions: { accessToken, instanceUrl: emu.url, loginUrl: emu.url } });
  // A login stored again for the same user (a refreshed sandbox's admin) replaces the file, not merges into it.
  // @salesforce/core merges a write with the file, the newer of each field winning: the file's by its mtime (the
  // wall clock), ours by the process's monotonic clock since start. In a test process that has run for minutes,
  // the wall clock may have moved ahead of the other, and the old session in the file then wins. (sf runs each
  // command in a new process, where the two clocks agree.)
  const username = (await login()).getUsername();
  if (username) await (await StateAggregator.getInstance()).orgs.remove(username);
  const authInfo = await login();
  await authInfo.save();
  await authInfo.handleAliasAndDefaultSettings({ alias, setDefault: false, setDefaultDevHub: false });
};

/** A @salesforce/core Connection for the emulator's admin, as `sf org login access-token` would make. */
export const adminConnection = async (emu: RunningEmulator): Promise<Connection> =>
  connectionFor(emu, emu.ready.admin.accessToken);

export const connectionFor = async (emu: RunningEmulator, accessToken: string): Promise<Connection> => {
  const authInfo = await AuthInfo.create({
    accessTokenOptions: { accessToken, instanceUrl: emu.url, loginUrl: emu.url },
  });
  return Connection.create({ authInfo, connectionOptions: { version: emu.ready.apiVersion } });
};

/**
 * Creates an active user of the named profile over REST, as an admin would in Setup, with the fields the
 * emulator (and Salesforce) require; its email is its username. Returns the new user's Id.
 */
export const createUser = async (
  conn: Connection,
  user: { username: string; profile: string; lastName: string; alias: string },
): Promise<string> => {
  const profile = await conn.singleRecordQuery<{ Id: string }>(`SELECT Id FROM Profile WHERE Name = '${user.profile}'`);
  const created = (await conn.sobject('User').create({
    Username: user.username,
    LastName: user.lastName,
    Email: user.username,
    Alias: user.alias,
    ProfileId: profile.Id,
    TimeZoneSidKey: 'Europe/London',
    LocaleSidKey: 'en_US',
    LanguageLocaleKey: 'en_US',
    EmailEncodingKey: 'UTF-8',
  })) as { id: string };
  return created.id;
};

let cachedKey: Promise<KeyAndCertificate> | undefined;
/** One key and certificate per test run: RSA key generation is the slow part of most tests. */
export const testKey = (): Promise<KeyAndCertificate> =>
  (cachedKey ??= generateKeyAndCertificate(2048, { subject: 'CN=jwtapp-test', days: 30 }));

/** A PEM certificate as Salesforce keeps it in a Connected App: its base64 body alone, on one line. */
export const certificateBodyOf = (pem: string): string =>
  pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

export const otherKey = (): Promise<KeyAndCertificate> =>
  generateKeyAndCertificate(2048, { subject: 'CN=jwtapp-other', days: 30 });

export type JwtAppFixture = { name: string; consumerKey: string; permissionSet: string };

/**
 * Sets up, through the Metadata and REST APIs, what an admin does by hand in the seeds: an External Client
 * App with the certificate, admin-approved, a permission set granting it, assigned to the user.
 */
export const configureJwtApp = async (
  conn: Connection,
  options: {
    name: string;
    certificatePem: string;
    username?: string;
    scopes?: string;
    assign?: boolean;
    permittedUsers?: 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';
    enabled?: boolean;
    /** Turns the client credentials flow on, running as this user. */
    clientCredentialsUser?: string;
    ipRelaxation?: 'Enforce' | 'Bypass';
  },
): Promise<JwtAppFixture> => {
  const { name } = options;
  const permissionSet = `${name}_Access`;
  await check(metadataOf(conn).create('PermissionSet', { fullName: permissionSet, label: `${name} access` }));
  await check(
    metadataOf(conn).create('ExternalClientApplication', {
      fullName: name,
      label: name,
      contactEmail: 'admin@example.com',
      distributionState: 'Local',
    }),
  );
  await check(
    metadataOf(conn).create('ExtlClntAppOauthSettings', {
      fullName: `${name}_oauth`,
      externalClientApplication: name,
      label: name,
      commaSeparatedOauthScopes: options.scopes ?? 'Api,RefreshToken',
    }),
  );
  await check(
    metadataOf(conn).create('ExtlClntAppGlobalOauthSettings', {
      fullName: `${name}_glbloauth`,
      externalClientApplication: name,
      label: name,
      callbackUrl: 'http://localhost:1717/OauthRedirect',
      certificate: options.certificatePem,
      ...(options.clientCredentialsUser ? { isClientCredentialsFlowEnabled: true } : {}),
    }),
  );
  // Salesforce made the app's policies when its OAuth settings were saved: update them, as Setup does.
  await check(
    metadataOf(conn).update('ExtlClntAppOauthConfigurablePolicies', {
      fullName: `${name}_oauth_defaultPolicy`,
      externalClientApplication: name,
      label: name,
      permittedUsersPolicyType: options.permittedUsers ?? 'AdminApprovedPreAuthorized',
      commaSeparatedPermissionSet: permissionSet,
      ...(options.ipRelaxation ? { ipRelaxationPolicyType: options.ipRelaxation } : {}),
      ...(options.clientCredentialsUser
        ? { isClientCredentialsFlowEnabled: true, clientCredentialsFlowUser: options.clientCredentialsUser }
        : {}),
    }),
  );
  if (options.enabled !== undefined) {
    await check(
      metadataOf(conn).update('ExtlClntAppConfigurablePolicies', {
        fullName: `${name}_defaultPolicy`,
        externalClientApplication: name,
        label: name,
        isEnabled: options.enabled,
        isOauthPluginEnabled: true,
      }),
    );
  }
  const global = (await metadataOf(conn).read('ExtlClntAppGlobalOauthSettings', `${name}_glbloauth`)) as unknown as {
    consumerKey: string;
  };
  if (options.assign !== false && options.username) {
    await assign(conn, options.username, permissionSet);
  }
  return { name, consumerKey: global.consumerKey, permissionSet };
};

export const assign = async (conn: Connection, username: string, permissionSet: string): Promise<void> => {
  const user = await conn.singleRecordQuery<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${username}'`);
  const ps = await conn.singleRecordQuery<{ Id: string }>(
    `SELECT Id FROM PermissionSet WHERE Name = '${permissionSet}'`,
  );
  await conn.sobject('PermissionSetAssignment').create({ AssigneeId: user.Id, PermissionSetId: ps.Id });
};

type SaveResult = { success: boolean; fullName: string; errors?: unknown };

type Save = (type: string, metadata: object | object[]) => Promise<SaveResult | SaveResult[]>;

/**
 * A body with its fields in the order of the type's WSDL sequence, nested ones too, by the emulator's schema
 * (not the plugin's copy of it): how every tool that works on real orgs sends them.
 */
export const inSchemaOrder = (type: string, body: Record<string, unknown>): Record<string, unknown> => {
  const fields = COMPLEX_TYPES[type]?.fields;
  if (!fields) return body;
  const names = Object.keys(fields);
  const rank = (k: string): number => (names.includes(k) ? names.indexOf(k) : names.length);
  return Object.fromEntries(
    Object.entries(body)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, v]) => {
        const field = fields[k];
        const inner = typeof field === 'object' && 'list' in field ? field.list : field;
        if (typeof inner !== 'object' || !('complex' in inner)) return [k, v];
        const order = (x: unknown): unknown =>
          typeof x === 'object' && x !== null && !Array.isArray(x)
            ? inSchemaOrder(inner.complex, x as Record<string, unknown>)
            : x;
        return [k, Array.isArray(v) ? v.map(order) : order(v)];
      }),
  );
};

/**
 * The Metadata API as an admin's tool calls it: jsforce (which types metadata type names as the union it knows;
 * the ECA types are newer than its list), each body's fields in the WSDL's order, as Salesforce requires.
 */
export const metadataOf = (
  conn: Connection,
): {
  create: Save;
  update: Save;
  upsert: Save;
  read(type: string, fullName: string): Promise<Record<string, unknown>>;
} => {
  const api = conn.metadata as unknown as {
    create: Save;
    update: Save;
    upsert: Save;
    read(type: string, fullName: string): Promise<Record<string, unknown>>;
  };
  const ordered = (type: string, metadata: object | object[]): object | object[] =>
    Array.isArray(metadata)
      ? metadata.map((m) => inSchemaOrder(type, m as Record<string, unknown>))
      : inSchemaOrder(type, metadata as Record<string, unknown>);
  return {
    create: (type, metadata) => api.create(type, ordered(type, metadata)),
    update: (type, metadata) => api.update(type, ordered(type, metadata)),
    upsert: (type, metadata) => api.upsert(type, ordered(type, metadata)),
    read: (type, fullName) => api.read(type, fullName),
  };
};
const check = async (result: Promise<SaveResult | SaveResult[]>): Promise<void> => {
  const r = await result;
  for (const one of Array.isArray(r) ? r : [r]) {
    if (!one.success) throw new Error(`metadata save of ${one.fullName} failed: ${JSON.stringify(one.errors)}`);
  }
};
