import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { resilientConnection } from '../connection/resilient.js';
import { RetryLog } from '../retry/outage.js';
import type { AppKind, EnabledChange } from './app.js';
import { APP_KINDS } from './kinds.js';
import { asNotAdmin } from './not-admin.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/** What `sf jwtapp block` / `unblock` did. */
export type BlockResult = { app: { kind: AppKind; name: string } } & EnabledChange;

/**
 * Stops (`enabled: false`) or allows again every login through the app of that name, whatever its kind
 * (aprity's Block / Unblock, docs/research/vendor-guides.md). Nothing is written when the app is already as asked.
 */
export const setAppEnabled = async (org: Connection, name: string, enabled: boolean): Promise<BlockResult> => {
  // Reads ride out an outage; the write is one deploy, whose result a re-run reads before writing again.
  const conn = resilientConnection(org, new RetryLog());
  for (const kind of ['external-client-app', 'connected-app'] as const) {
    // eslint-disable-next-line no-await-in-loop
    const change = await APP_KINDS[kind].setEnabled(conn, name, enabled).catch(asNotAdmin);
    if (change) return { app: { kind, name }, ...change };
  }
  throw messages.createError('error.UnknownApp', [name], [], EXIT_CODES.orgRefused);
};
