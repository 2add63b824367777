import { Messages, type SfError } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { redact } from '../output/redact.js';
import type { BackoffPolicy } from './backoff.js';
import { retryOnError, type RetryPolicy } from './retry.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'retry');

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
/** How many times a run re-reads the org and goes on after an outage before it stops. */
export const MAX_ROUNDS = 4;

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
    const text =
      error instanceof Error
        ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? '')}`
        : String(error);
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
  const text = redact(error.message)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (status) return `HTTP ${status}: ${text}`.slice(0, 200);
  if (error.name === 'TypeError' || error.message.includes('fetch failed'))
    return 'the connection closed before an answer';
  return `${error.name}: ${text}`.slice(0, 200);
};

/** One call that only reads (a read, a status poll): sent again while the org answers with an outage. */
const IDEMPOTENT_CALL: RetryPolicy = { attempts: MAX_ATTEMPTS, backoff: OUTAGE_BACKOFF };
/** A run's whole read, or its apply after a fresh read: tried again while an outage outlasts the per-call retries. */
const RUN_ROUNDS: RetryPolicy = { attempts: MAX_ROUNDS, backoff: OUTAGE_BACKOFF };

/**
 * Runs an idempotent call (a read, a status poll) again while the org answers with an outage, with a short
 * jittered backoff; Salesforce's verdicts (4xx, SOAP faults) are returned at once. Every retry is recorded in
 * each log given. Never for writes: a write whose answer was lost may have happened, and only a fresh read can tell.
 */
export const retryIdempotent = <T>(operation: string, call: () => Promise<T>, ...logs: RetryLog[]): Promise<T> =>
  retryOnError(call, {
    policy: IDEMPOTENT_CALL,
    retryable: isTransient,
    onRetry: (e, next) => logs.forEach((log) => log.record(operation, next.attempt + 1, describeOutage(e))),
  });

/** The run stops on an outage that outlasted its retries: what it did, and that a re-run goes on from there. */
export const orgUnavailable = (e: unknown, log: RetryLog, created: string[]): SfError =>
  messages
    // Not chained to the transport error as its cause: sf would exit 10 for a TypeError cause, and the
    // message already names it.
    .createError(
      'error.OrgUnavailable',
      [log.calls.length, describeOutage(e), created.length > 0 ? created.join('; ') : 'nothing'],
      [],
      EXIT_CODES.stillFailing,
    )
    .setData({ retries: log.calls, leftInOrg: created });

/**
 * A step of a run (its read, its apply, an upload) that an outage interrupted: tried again, round by round,
 * after a fresh look at the org (the step's own business: `round` > 1 says it is a retry). After MAX_ROUNDS the
 * run stops with OrgUnavailableError, naming what it created.
 */
export const inRounds = <T>(
  step: (round: number) => Promise<T>,
  options: {
    log: RetryLog;
    /** The retry's line in the log. */
    operation: (e: unknown) => string;
    retryable?: (e: unknown) => boolean;
    /** What this run created, across its rounds: named when the run stops. */
    created?: string[];
    /** What is thrown when the rounds are spent; OrgUnavailableError by default. */
    giveUp?: (e: unknown) => unknown;
  },
): Promise<T> =>
  retryOnError(step, {
    policy: RUN_ROUNDS,
    retryable: options.retryable ?? isTransient,
    onRetry: (e, next) => options.log.record(options.operation(e), next.attempt + 1, describeOutage(e)),
    giveUp: options.giveUp ?? ((e): unknown => orgUnavailable(e, options.log, options.created ?? [])),
  });
