import type { Connection } from '@salesforce/core';
import { backoffDelay, type BackoffPolicy } from '../retry/backoff.js';
import { clock } from '../retry/clock.js';
import { redact, registerSecret } from '../output/redact.js';
import { refuseRedirects } from './redirects.js';

/** One call that was answered by an outage (a 5xx, a dropped connection) and tried again. */
export type RetriedCall = { operation: string; attempts: number; cause: string };

/** What the retries of one run did: every call retried, so --json can list them. */
export class RetryLog {
  public readonly calls: RetriedCall[] = [];

  public record(operation: string, attempts: number, cause: string): void {
    this.calls.push({ operation, attempts, cause });
  }
}

/**
 * Seconds, not the minutes of `--wait`: an outage answer (maintenance 503s, a dropped connection) is
 * usually over within a few seconds, and a pipeline should not hang on one call.
 */
export const OUTAGE_BACKOFF: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 4000 };
export const MAX_ATTEMPTS = 5;

const TRANSIENT_TEXT = [
  /\bERROR_HTTP_5\d\d\b/,
  /\bSERVER_UNAVAILABLE\b/,
  /Service Unavailable/i,
  /fetch failed/,
  /socket hang up/i,
  /other side closed/i,
  /\bECONNRESET\b/,
  /\bECONNREFUSED\b/,
  /\bETIMEDOUT\b/,
  /\bEPIPE\b/,
  /\bUND_ERR_SOCKET\b/,
];

/** Whether the error, or an error in its cause chain, says what `pattern` matches (its name, message and code). */
const anyCauseMatches = (e: unknown, pattern: RegExp): boolean => {
  for (let error = e, depth = 0; error && depth < 5; depth++) {
    const text = error instanceof Error ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? '')}` : String(error);
    if (pattern.test(text)) return true;
    error = error instanceof Error ? error.cause : undefined;
  }
  return false;
};

/**
 * Whether an error is an outage answer rather than Salesforce's verdict: a 5xx status, or a connection that
 * closed before an answer (jsforce surfaces it as `TypeError: fetch failed`, source-deploy-retrieve wraps it
 * in its own error). The cause chain is read too.
 */
export const isTransient = (e: unknown): boolean => TRANSIENT_TEXT.some((pattern) => anyCauseMatches(e, pattern));

/**
 * Whether a create was refused because the record now exists: another run (a second pipeline) made it
 * between this run's read and its write. Not a refusal of what was asked: read again, and it is done.
 */
export const isConflict = (e: unknown): boolean => anyCauseMatches(e, /\bDUPLICATE_(DEVELOPER_NAME|VALUE)\b/);

/** Interrupted rather than refused: an outage, or another run's record. The answer is a fresh read. */
export const needsFreshRead = (e: unknown): boolean => isTransient(e) || isConflict(e);

/**
 * An outage in words: "HTTP 503 …", or "the connection closed before an answer" for what Node's fetch calls a
 * TypeError (a word sf would read as a bug in the plugin and exit 10 for), without an HTML page's markup.
 */
export const describeOutage = (e: unknown): string => {
  const error = e instanceof Error ? e : new Error(String(e));
  const status = /ERROR_HTTP_(\d{3})/.exec(`${error.name} ${error.message}`)?.[1];
  const text = redact(error.message).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (status) return `HTTP ${status}: ${text}`.slice(0, 200);
  if (error.name === 'TypeError' || error.message.includes('fetch failed')) return 'the connection closed before an answer';
  return `${error.name}: ${text}`.slice(0, 200);
};

/**
 * Runs an idempotent call (a read, a status poll) again while the org answers with an outage, with a short
 * jittered backoff; Salesforce's verdicts (4xx, SOAP faults) are returned at once. Never for writes: a write
 * whose answer was lost may have happened, and only a fresh read can tell.
 */
export const retryIdempotent = async <T>(operation: string, call: () => Promise<T>, log?: RetryLog): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      return await call();
    } catch (e) {
      if (!isTransient(e) || attempt >= MAX_ATTEMPTS) throw e;
      log?.record(operation, attempt + 1, describeOutage(e));
      // eslint-disable-next-line no-await-in-loop
      await clock.sleep(backoffDelay(attempt, OUTAGE_BACKOFF));
    }
  }
};

type Method = (...args: never[]) => Promise<unknown>;

/** The Metadata API calls that read or poll: safe to send again. */
const IDEMPOTENT_METADATA = ['read', 'list', 'describe', 'checkDeployStatus', 'checkRetrieveStatus', 'checkStatus'] as const;

/** REST calls that only read although they are POSTs: the Batch resource with GET subrequests. */
const isReadOnlyPost = (request: unknown): boolean => {
  if (typeof request !== 'object' || request === null) return false;
  const { method, url, body } = request as { method?: string; url?: string; body?: unknown };
  if (String(method).toUpperCase() !== 'POST' || !String(url).endsWith('/composite/batch') || typeof body !== 'string') return false;
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

/**
 * The connection, made to ride out an outage: its Metadata API reads and status polls, and its read-only
 * batch requests, are retried (jsforce already retries its GETs). Writes are never retried here. Applied to
 * this connection object only, once.
 */
export const resilientConnection = (conn: Connection, log: RetryLog): Connection => {
  const marked = conn as Connection & { jwtappResilient?: boolean };
  if (marked.jwtappResilient) return conn;
  marked.jwtappResilient = true;
  // The session every call of this connection sends (a header, a SOAP envelope): an echo may quote it.
  registerSecret(conn.accessToken ?? undefined);
  refuseRedirects(conn);
  const metadata = conn.metadata as unknown as Record<string, Method>;
  for (const name of IDEMPOTENT_METADATA) {
    const original = metadata[name]?.bind(conn.metadata);
    if (original) metadata[name] = ((...args: never[]) => retryIdempotent(`metadata.${name}`, () => original(...args), log)) as Method;
  }
  const request = conn.request.bind(conn);
  const retrying = (req: unknown, options?: unknown): Promise<unknown> =>
    isReadOnlyPost(req)
      ? // jsforce rewrites the request it is given (URL, headers): each attempt gets its own copy.
        retryIdempotent('composite/batch', () => request(copyOf(req) as never, options as never), log)
      : request(req as never, options as never);
  Object.defineProperty(conn, 'request', { value: retrying, configurable: true, writable: true });
  return conn;
};
