import type { Connection } from '@salesforce/core';

/**
 * The one way records are inserted and deleted through REST (sObject rows; the Composite resource's
 * all-or-nothing pairs are access/grants.ts's). jsforce answers a refused insert either by throwing an
 * error carrying Salesforce's `errorCode` (the HTTP 400 the REST API sends) or with `success: false` and
 * `errors`: both become one RecordRefusal, which each area turns into its own named error. Anything else
 * (an outage) passes through as it came, for the caller's retries.
 */
export class RecordRefusal extends Error {
  public constructor(
    public readonly object: string,
    public readonly errorCode: string,
    message: string,
  ) {
    super(`${errorCode}: ${message}`);
    this.name = 'RecordRefusal';
  }
}

type SaveResult = {
  id?: string;
  success: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }>;
};

/** Inserts one record and returns its Id; a refusal is a RecordRefusal. */
export const insertRecord = async (
  conn: Connection,
  object: string,
  record: Record<string, string>,
): Promise<string> => {
  let saved: SaveResult;
  try {
    saved = (await conn.sobject(object).create(record)) as SaveResult;
  } catch (e) {
    if (e instanceof Error && 'errorCode' in e) throw new RecordRefusal(object, String(e.errorCode), e.message);
    throw e;
  }
  if (saved.success && saved.id) return saved.id;
  const [first] = saved.errors ?? [];
  throw new RecordRefusal(object, first?.statusCode ?? first?.errorCode ?? 'ERROR', first?.message ?? 'refused');
};

/** Deletes one record by its Id. */
export const deleteRecord = async (conn: Connection, object: string, id: string): Promise<void> => {
  await conn.sobject(object).destroy(id);
};
