import type { RequestLogEntry } from '../emulator/server.js';

/**
 * The Metadata API calls that change the org (Metadata API Developer Guide, "CRUD-Based Calls" and "deploy()");
 * the others the emulator answers (readMetadata, listMetadata, checkDeployStatus) read.
 */
const METADATA_WRITES = new Set([
  'deploy',
  'createMetadata',
  'updateMetadata',
  'upsertMetadata',
  'deleteMetadata',
  'renameMetadata',
]);

/**
 * The one definition of "a write" the tests count: a request that asks the org to change. That is a Metadata API
 * write (deploy, create/update/upsert/delete/renameMetadata), refused or not; or a REST or Tooling API request
 * under `/services/data/` other than a GET: sObject inserts, updates and deletes, `/composite` (its subrequests
 * create records), `/composite/sobjects`, the OAuth usage API's DELETE of an app's refresh tokens. Not
 * `/composite/batch`: its subrequests can only be GETs (the emulator answers any other with 400, unrun:
 * test/emulator/rest.ts). The OAuth endpoints (`/services/oauth2/token`, `userinfo`) log in and read; they
 * change no record.
 */
export const isWrite = (r: RequestLogEntry): boolean => {
  if (r.soapOperation !== null) return METADATA_WRITES.has(r.soapOperation);
  if (r.method === 'GET' || r.method === 'HEAD') return false;
  if (!r.path.startsWith('/services/data/')) return false;
  return !/^\/services\/data\/v\d+\.\d\/composite\/batch$/.test(r.path);
};

/** The writes in a request log, in order: a Metadata API call by its operation (`deploy`), others as `POST /services/data/vXX/…`. */
export const writesIn = (log: RequestLogEntry[]): string[] =>
  log
    .filter(isWrite)
    .map(
      (r) => r.soapOperation ?? `${r.method} ${r.path.replace(/^\/services\/data\/v\d+\.\d\//, '/services/data/vXX/')}`,
    );
