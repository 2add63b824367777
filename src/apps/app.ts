import type { Connection } from '@salesforce/core';
import type { RefreshTokenRevocation } from '../oauth/usage.js';
import type { ListedComponent, MetadataRecord, RetrievedComponent } from '../org/metadata.js';

export { sameCertificate } from '../certificate/inspect.js';

export type AppKind = 'connected-app' | 'external-client-app';

export type { MetadataRecord } from '../org/metadata.js';

/** What `setup` wants the app to be; everything else about an existing app is kept as it is. */
export type DesiredApp = {
  name: string;
  label: string;
  contactEmail: string;
  /** The certificate to upload; undefined keeps the one the app has. */
  certificatePem: string | undefined;
  /** Metadata scope enums the app must have (others it has are kept). */
  scopes: string[];
  /** Used when the app is created, or has no callback URL. */
  callbackUrl: string;
  /** The permission set pre-authorized for the app. */
  permissionSet: string;
  /** A consumer key of your choice for a new app; Salesforce makes one otherwise. Fixed once created. */
  consumerKey?: string;
  /** Turns the client credentials flow on, running as this user; undefined leaves the flow as it is. */
  clientCredentialsUser?: string;
};

/** The app as it is in the org, in the terms setup compares. */
export type AppSnapshot = {
  kind: AppKind;
  name: string;
  label: string;
  consumerKey: string | undefined;
  /**
   * The certificate as the org stores and returns it: PEM, or the base64 body alone on one line (what
   * retrieved Connected Apps hold). Read it with `storedCertificate`, compare it with `sameCertificate`.
   */
  certificate: string | undefined;
  scopes: string[];
  adminApproved: boolean;
  /** Permission sets the app's metadata lists as pre-authorized. */
  permissionSets: string[];
  /** The app's OAuth policies, in the kind's own words where they differ, for audit. */
  policies: {
    /** Refresh tokens are valid until revoked. */
    infiniteRefreshTokens: boolean;
    /** "Relax IP restrictions": users may log in from outside their profile's IP ranges. */
    ipRelaxed: boolean;
    clientCredentials: { enabled: boolean; runAs: string | undefined };
  };
};

/** An app's consumer key, and its secret where an API may read it. */
export type AppCredentials = { consumerKey: string | undefined; consumerSecret: string | undefined };

/**
 * Why the consumer secret was not returned where the credentials REST resource was asked: the org setting
 * "Allow access to External Client App consumer secrets via REST API" (ExternalClientAppSettings.
 * enableClientSecretInRestApiAccess) is off, the user lacks "View Client Secret", or the API version is older
 * than the resource (60.0).
 */
export type SecretRefusal = 'setting' | 'permission' | 'api-version';

/** What was asked of a credentials read: the secret too (the client credentials flow), and the app's Id where known. */
export type CredentialsWanted = { secret: boolean; appId?: string };

/** Credentials read, and when the secret was asked for and not returned, which org setting or permission withheld it. */
export type ReadCredentials = AppCredentials & { secretRefused?: SecretRefusal };

/** One difference between the app as it is and as setup wants it. */
export type AppFieldChange = {
  field: 'app' | 'certificate' | 'scopes' | 'permittedUsers' | 'permissionSets' | 'clientCredentials';
  from: string;
  to: string;
};

/**
 * An app as read from the org, bound to what can be done with it: its snapshot (what planning compares)
 * and its update. Read → merge → write: an update replaces a whole component, so every component written
 * is the one read with only setup's fields changed; components with nothing to change are not written.
 */
export type BoundApp = {
  snapshot: AppSnapshot;
  /** The consumer secret, when the read returned it (an External Client App, the org allowing it). Never printed. */
  consumerSecret?: string;
  update(desired: DesiredApp): Promise<void>;
  /** Only the certificate replaced; every other setting written back as it was read. */
  replaceCertificate(certificatePem: string): Promise<void>;
};

/**
 * What block / unblock did: whether the app had to change to be as asked, and, when an External Client App
 * was blocked, what became of its refresh tokens (a blocked Connected App's sessions end with it).
 */
export type EnabledChange = { changed: boolean; enabled: boolean; refreshTokens?: RefreshTokenRevocation };

/** An app an earlier query found: its API name and label, and its record Id where the query returned it. */
export type KnownApp = { name: string; label: string; id?: string };

/** An app as an inventory of the org found it: what it is, and whether logins through it are allowed. */
export type InventoriedApp = { snapshot: AppSnapshot; enabled: boolean };

/** The two app kinds behind one interface: callers never branch on the kind. */
export type AppKindHandler = {
  kind: AppKind;
  /** The metadata types an inventory of the org lists for this kind: its apps, their parts, what blocks them. */
  listTypes: string[];
  /** Of the components listed, those whose fields the inventory reads (none when the org has no app of this kind). */
  toRetrieve(listed: ListedComponent[]): ListedComponent[];
  /** Every app of this kind, from the components retrieved, each with whether it is enabled. */
  fromInventory(conn: Connection, retrieved: RetrievedComponent[]): Promise<InventoriedApp[]>;
  /**
   * The app of this kind with that name, or undefined when there is none. `known`: an earlier query already
   * found the app and its label, so its header need not be read (an External Client App's header holds
   * nothing setup changes).
   */
  read(conn: Connection, name: string, known?: KnownApp): Promise<BoundApp | undefined>;
  create(conn: Connection, desired: DesiredApp): Promise<void>;
  /**
   * The consumer key (read back after a create, or where the app's read did not return it), and the consumer
   * secret when asked, where Salesforce lets an API return it (never printed). `known`: what an earlier read
   * already returned, so only what it lacks is read.
   */
  readCredentials(
    conn: Connection,
    name: string,
    wanted: CredentialsWanted,
    known?: AppCredentials,
  ): Promise<ReadCredentials>;
  /** Where an admin finds the consumer secret in Setup. */
  consumerSecretPath(name: string): string;
  /**
   * Blocks (false) or unblocks (true) every login through the app; undefined when no app of this kind has
   * that name.
   */
  setEnabled(conn: Connection, name: string, enabled: boolean): Promise<EnabledChange | undefined>;
  /** Whether logins through the app are allowed (not blocked). */
  isEnabled(conn: Connection, name: string): Promise<boolean>;
  /** Deletes an app this run created (its components go with it), when a later step is refused. */
  remove(conn: Connection, name: string): Promise<void>;
  /** The sf command that deletes the app by hand. */
  removeCommand(name: string, targetOrg: string): string;
};

/** jsforce gives a repeated element as an array and a single one as a value. */
export const asList = (v: unknown): string[] =>
  v === undefined || v === null || v === '' ? [] : (Array.isArray(v) ? v : [v]).map(String);

export const asText = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Strip what a read returns but a write must not send back. */
export const writable = (record: MetadataRecord): MetadataRecord =>
  Object.fromEntries(Object.entries(record).filter(([k, v]) => !k.startsWith('$') && v !== undefined && v !== null));
