import type { Connection } from '@salesforce/core';
import { soqlString } from '../org/query.js';
import { registerSecret } from '../output/redact.js';
import type { CredentialsWanted, ReadCredentials, SecretRefusal } from './app.js';

/** `GET /apps/oauth/credentials/…` first appeared in API 60.0. */
const CREDENTIALS_MIN_VERSION = 60;

type Consumers = { consumers?: Array<{ id?: string; key?: string }> };
type Credential = { key?: string; secret?: string };

const refusalOf = (e: unknown): SecretRefusal | undefined => {
  const { errorCode, message } = (e ?? {}) as { errorCode?: string; message?: string };
  const text = `${errorCode ?? ''} ${message ?? ''}`;
  // sfdx-hardis recognises the refusals on real orgs by these words; the codes are the REST API's own.
  if (/FUNCTIONALITY_NOT_ENABLED|not currently enabled|feature is not enabled/i.test(text)) return 'setting';
  if (/INSUFFICIENT_ACCESS|not enabled for this user|permission/i.test(text)) return 'permission';
  return undefined;
};

/** An app's (first) OAuth consumer as the credentials resource lists it, and the consumer's own URL. */
export type RestConsumer = { appId: string; id: string | undefined; key: string | undefined; url: string };

/**
 * The app's first OAuth consumer (`GET /apps/oauth/credentials/{appId}`), the app's Id taken from the caller when an
 * earlier query found it, else from one query; undefined when the org has no External Client App of that name.
 */
export const restConsumer = async (
  conn: Connection,
  name: string,
  knownAppId?: string,
): Promise<RestConsumer | undefined> => {
  const appId =
    knownAppId ??
    (
      await conn.query<{ Id: string }>(
        `SELECT Id FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(name)}`,
      )
    ).records[0]?.Id;
  if (!appId) return undefined;
  const base = `/services/data/v${conn.getApiVersion()}/apps/oauth/credentials/${encodeURIComponent(appId)}`;
  const consumer = (await conn.request<Consumers>({ method: 'GET', url: base })).consumers?.[0];
  return {
    appId,
    id: consumer?.id,
    key: consumer?.key,
    url: `${base}/${encodeURIComponent(consumer?.id ?? '')}`,
  };
};

/**
 * An External Client App's consumer key, and its secret when asked, through Connect REST's credentials
 * resource (`GET /apps/oauth/credentials/{appId}`, then `…/{consumerId}?part=keyandsecret`), as sfdx-hardis
 * reads them: the path that works where the Metadata API withholds them (Metadata Secrets Protection). The
 * app's Id comes from the caller when an earlier query found it, else from one query. A refused secret is
 * said, not thrown: the client credentials check then says what the admin can change.
 */
export const readRestCredentials = async (
  conn: Connection,
  name: string,
  wanted: CredentialsWanted,
): Promise<ReadCredentials> => {
  const version = conn.getApiVersion();
  if (Number(version) < CREDENTIALS_MIN_VERSION)
    return {
      consumerKey: undefined,
      consumerSecret: undefined,
      ...(wanted.secret ? { secretRefused: 'api-version' as const } : {}),
    };
  const consumer = await restConsumer(conn, name, wanted.appId);
  if (!consumer?.id || !wanted.secret) return { consumerKey: consumer?.key, consumerSecret: undefined };
  try {
    const both = await conn.request<Credential>({ method: 'GET', url: `${consumer.url}?part=keyandsecret` });
    registerSecret(both.secret);
    return { consumerKey: both.key ?? consumer.key, consumerSecret: both.secret };
  } catch (e) {
    const secretRefused = refusalOf(e);
    if (!secretRefused) throw e;
    return { consumerKey: consumer.key, consumerSecret: undefined, secretRefused };
  }
};
