import { Messages } from '@salesforce/core';
import type { Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { listComponents, retrieveComponents } from '../org/metadata.js';
import type { AppKind, AppKindHandler, BoundApp, InventoriedApp } from './app.js';
import { connectedApps } from './connected-app.js';
import { externalClientApps } from './external-client-app.js';
import { asNotAdmin } from './not-admin.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/** Both app kinds, each carrying its own branching: callers pick one by kind and never cast. */
export const APP_KINDS: Record<AppKind, AppKindHandler> = {
  'connected-app': connectedApps,
  'external-client-app': externalClientApps,
};

/** The app of that name, of either kind (an External Client App first, as setup prefers them). */
export const findApp = async (conn: Connection, name: string): Promise<{ kind: AppKind; app: BoundApp }> => {
  for (const kind of ['external-client-app', 'connected-app'] as const) {
    // eslint-disable-next-line no-await-in-loop
    const app = await APP_KINDS[kind].read(conn, name).catch(asNotAdmin);
    if (app) return { kind, app };
  }
  throw messages.createError('error.UnknownApp', [name], [], EXIT_CODES.orgRefused);
};

/**
 * Every app of both kinds in the org, with whether each is enabled: one list of every type the kinds name (three
 * types a call, the calls at once), then one retrieve of every component they read, however many apps. Sorted
 * by name.
 */
export const inventoryApps = async (conn: Connection): Promise<Array<InventoriedApp & { kind: AppKind }>> => {
  const kinds = Object.values(APP_KINDS);
  const listed = await listComponents(
    conn,
    kinds.flatMap((k) => k.listTypes),
  );
  const retrieved = await retrieveComponents(
    conn,
    kinds.flatMap((k) => k.toRetrieve(listed)),
  );
  const found = await Promise.all(
    kinds.map(async (k) => (await k.fromInventory(conn, retrieved)).map((app) => ({ kind: k.kind, ...app }))),
  );
  return found.flat().sort((a, b) => a.snapshot.name.localeCompare(b.snapshot.name));
};
