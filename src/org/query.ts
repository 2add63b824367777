import { Messages, type Connection, type SfError } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { redact } from '../output/redact.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'errors');

/** A SOQL string literal: backslashes and quotes escaped, so a username can never change the query. */
export const soqlString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** One query's answer in a batch: its records, or what the org said when it refused it. */
export type BatchAnswer<T = unknown> =
  { ok: true; records: T[]; nextRecordsUrl?: string } | { ok: false; statusCode: number; body: unknown };

type BatchResponse = { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> };
type QueryPage = { records: unknown[]; done?: boolean; nextRecordsUrl?: string };

/**
 * Runs up to 25 queries in one round trip with the REST Batch resource (`/composite/batch`), where one
 * query each would cost one round trip each; each answers on its own (haltOnError off).
 */
export const batchQuery = async (conn: Connection, queries: string[]): Promise<BatchAnswer[]> => {
  const version = conn.getApiVersion();
  const response = await conn.request<BatchResponse>({
    method: 'POST',
    url: `/services/data/v${version}/composite/batch`,
    body: JSON.stringify({
      haltOnError: false,
      batchRequests: queries.map((q) => ({ method: 'GET', url: `v${version}/query?q=${encodeURIComponent(q)}` })),
    }),
    headers: { 'content-type': 'application/json' },
  });
  if (!Array.isArray((response as Partial<BatchResponse> | undefined)?.results)) {
    throw messages.createError(
      'error.UnexpectedAnswer',
      ['composite/batch', JSON.stringify(response).slice(0, 120)],
      [],
      EXIT_CODES.orgRefused,
    );
  }
  return response.results.map((r) =>
    r.statusCode >= 400
      ? { ok: false, statusCode: r.statusCode, body: r.result }
      : {
          ok: true,
          records: (r.result as QueryPage).records,
          ...((r.result as QueryPage).nextRecordsUrl ? { nextRecordsUrl: (r.result as QueryPage).nextRecordsUrl } : {}),
        },
  );
};

/**
 * Every record of a query whose first page a batch answered: the pages after it read one request each through
 * `nextRecordsUrl` (a query answers up to 2,000 records a page), at most `maxRecords` in all.
 */
export const allRecords = async <T>(
  conn: Connection,
  first: { records: unknown[]; nextRecordsUrl?: string },
  maxRecords = 50_000,
): Promise<T[]> => {
  const records = [...first.records];
  let next = first.nextRecordsUrl;
  while (next && records.length < maxRecords) {
    // eslint-disable-next-line no-await-in-loop
    const page = await conn.request<QueryPage>({ method: 'GET', url: next });
    records.push(...page.records);
    next = page.nextRecordsUrl;
  }
  return records as T[];
};

/** A query of a batch the org refused, as the named error that quotes it and what the org said (redacted). */
export const queryRefused = (query: string, answer: { statusCode: number; body: unknown }): SfError =>
  messages.createError(
    'error.QueryFailed',
    [query, answer.statusCode, redact(JSON.stringify(answer.body))],
    [],
    EXIT_CODES.orgRefused,
  );
