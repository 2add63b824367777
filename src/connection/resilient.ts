import type { Connection } from '@salesforce/core';
import { registerSecret } from '../output/redact.js';
import { retryIdempotent, type RetryLog } from '../retry/outage.js';
import { refuseRedirects } from './redirects.js';

type Method = (...args: never[]) => Promise<unknown>;

/** The Metadata API calls that read or poll: safe to send again. */
const IDEMPOTENT_METADATA: ReadonlySet<PropertyKey> = new Set([
  'read',
  'list',
  // Read-only: a retried retrieve only queues another job, and its id is the one polled.
  'retrieve',
  'describe',
  'checkDeployStatus',
  'checkRetrieveStatus',
  'checkStatus',
]);

/** REST calls that only read although they are POSTs: the Batch resource with GET subrequests. */
const isReadOnlyPost = (request: unknown): boolean => {
  if (typeof request !== 'object' || request === null) return false;
  const { method, url, body } = request as { method?: string; url?: string; body?: unknown };
  if (String(method).toUpperCase() !== 'POST' || !String(url).endsWith('/composite/batch') || typeof body !== 'string')
    return false;
  try {
    const parsed = JSON.parse(body) as { batchRequests?: Array<{ method?: string }> };
    return (parsed.batchRequests ?? []).every((r) => String(r.method ?? 'GET').toUpperCase() === 'GET');
  } catch {
    return false;
  }
};

const copyOf = (req: unknown): unknown => {
  const r = req as { headers?: Record<string, string> };
  return { ...r, ...(r.headers ? { headers: { ...r.headers } } : {}) };
};

/** A resilient connection's own connection and logs, so a second wrapper wraps the connection, not the wrapper. */
const WRAPPED = new WeakMap<object, { conn: Connection; logs: RetryLog[] }>();
/** Connections whose transport already refuses redirects (see refuseRedirects): it is done once per transport. */
const REFUSING = new WeakSet<Connection>();

/**
 * The connection, made to ride out an outage: a new connection object whose Metadata API reads and status
 * polls, and whose read-only batch requests, are retried (jsforce already retries its GETs), every retry
 * recorded in `log`. Writes are never retried here. The caller's connection is left as it was; everything
 * else (the session, its refresh, the API version) is that connection's, read and written through. Wrapping
 * a resilient connection again records each retry in both logs (a run's, and a library call's own), and
 * never retries a retry.
 */
export const resilientConnection = (conn: Connection, log: RetryLog): Connection => {
  const inner = WRAPPED.get(conn);
  const base = inner?.conn ?? conn;
  const logs = inner ? (inner.logs.includes(log) ? inner.logs : [...inner.logs, log]) : [log];
  // The session every call of this connection sends (a header, a SOAP envelope): an echo may quote it.
  registerSecret(base.accessToken ?? undefined);
  if (!REFUSING.has(base)) {
    refuseRedirects(base);
    REFUSING.add(base);
  }

  const baseRequest = base.request.bind(base);
  const request = (req: unknown, options?: unknown): Promise<unknown> =>
    isReadOnlyPost(req)
      ? // jsforce rewrites the request it is given (URL, headers): each attempt gets its own copy.
        retryIdempotent('composite/batch', () => baseRequest(copyOf(req) as never, options as never), ...logs)
      : baseRequest(req as never, options as never);

  const metadata = new Proxy(base.metadata, {
    get: (target, name, receiver): unknown => {
      const value: unknown = Reflect.get(target, name, receiver);
      if (!IDEMPOTENT_METADATA.has(name) || typeof value !== 'function') return value;
      const original = (value as Method).bind(target);
      return (...args: never[]) => retryIdempotent(`metadata.${String(name)}`, () => original(...args), ...logs);
    },
  });

  const wrapped = new Proxy(base, {
    get: (target, name, receiver): unknown => {
      if (name === 'request') return request;
      if (name === 'metadata') return metadata;
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  WRAPPED.set(wrapped, { conn: base, logs });
  return wrapped;
};
