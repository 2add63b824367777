/**
 * An External Client App's OAuth credentials through Connect REST's staged credentials resources (API 65.0+,
 * Help: "Stage, Rotate, and Delete OAuth Credentials for an External Client App"): a second key and secret staged
 * beside the primary pair, made the primary one (the former primary then sits in the staged slot, `rotated`, valid
 * up to 30 days), or deleted. The shapes are read as sfdx-hardis and Infisical read them on real orgs
 * (docs/research/pipeline-life.md §5): the payload as the credential itself, an array, or under `stagedCredentials`;
 * `key ?? consumerKey`, `secret ?? consumerSecret`, `id ?? stagedCredentialId ?? the URL's last segment`.
 */
import type { Connection } from '@salesforce/core';
import { registerSecret } from '../output/redact.js';
import { restConsumer } from './credentials.js';

export const STAGED_MIN_VERSION = 65;

/** One consumer of an app: where its staged credentials live. */
export type Consumer = { appId: string; consumerId: string; key: string | undefined; base: string };

export type StagedCredential = { id: string; key: string; secret: string | undefined; state: string | undefined };

type RawStaged = {
  id?: string;
  stagedCredentialId?: string;
  key?: string;
  consumerKey?: string;
  secret?: string;
  consumerSecret?: string;
  state?: string;
  url?: string;
};

const asStaged = (raw: RawStaged | undefined): StagedCredential | undefined => {
  const id = raw?.id ?? raw?.stagedCredentialId ?? raw?.url?.split('/').filter(Boolean).at(-1);
  const key = raw?.key ?? raw?.consumerKey;
  if (!id || !key) return undefined;
  const secret = raw?.secret ?? raw?.consumerSecret;
  registerSecret(secret);
  return { id, key, secret, state: raw?.state };
};

/** The first staged credential of an answer, whichever form it takes. */
const firstStaged = (body: unknown): StagedCredential | undefined => {
  if (Array.isArray(body)) return asStaged(body[0] as RawStaged);
  const wrapped = (body as { stagedCredentials?: RawStaged[] } | undefined)?.stagedCredentials;
  return Array.isArray(wrapped) ? asStaged(wrapped[0]) : asStaged(body as RawStaged);
};

/** The app's (first) consumer and its staged credentials' URL; undefined when it has none (or no such app). */
export const consumerOf = async (conn: Connection, name: string): Promise<Consumer | undefined> => {
  const consumer = await restConsumer(conn, name);
  return consumer?.id
    ? { appId: consumer.appId, consumerId: consumer.id, key: consumer.key, base: `${consumer.url}/staged` }
    : undefined;
};

/** The staged slot's credential: a pending one (`active`), the pair the last rotation replaced (`rotated`), or none. */
export const readStaged = async (conn: Connection, consumer: Consumer): Promise<StagedCredential | undefined> => {
  try {
    return firstStaged(await conn.request({ method: 'GET', url: consumer.base }));
  } catch (e) {
    // "A 404 means none" (sfdx-hardis).
    if ((e as { errorCode?: string }).errorCode === 'NOT_FOUND') return undefined;
    throw e;
  }
};

/**
 * A new key and secret, staged. The body is an empty JSON object: "without a body Salesforce hangs and the socket
 * resets (ECONNRESET)" (sfdx-hardis).
 */
export const stage = async (conn: Connection, consumer: Consumer): Promise<StagedCredential | undefined> =>
  firstStaged(await conn.request({ method: 'POST', url: consumer.base, body: '{}' }));

/** The staged pair becomes the primary one. */
export const promote = async (conn: Connection, consumer: Consumer, staged: StagedCredential): Promise<void> => {
  await conn.request({
    method: 'PATCH',
    url: `${consumer.base}/${encodeURIComponent(staged.id)}`,
    body: JSON.stringify({ command: 'rotate' }),
  });
};

/** The staged pair revoked: a pending one discarded, or the pair a rotation replaced revoked at once. */
export const revoke = async (conn: Connection, consumer: Consumer, staged: StagedCredential): Promise<void> => {
  await conn.request({ method: 'DELETE', url: `${consumer.base}/${encodeURIComponent(staged.id)}` });
};
