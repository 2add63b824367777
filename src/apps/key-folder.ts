import type { Connection } from '@salesforce/core';
import type { KeyFolder } from '../certificate/folder.js';
import { hasInterruptedSwitch, repairInterruptedSwitch } from '../certificate/switch.js';
import type { AppKind, BoundApp } from './app.js';
import { findApp } from './kinds.js';

type FoundApp = { kind: AppKind; app: BoundApp };

/** The app as it is now; undefined only when the org has no app of that name. An outage or a refusal is thrown. */
const appNow = (conn: Connection, name: string): Promise<FoundApp | undefined> =>
  findApp(conn, name).catch((e: unknown) => {
    if (e instanceof Error && e.name === 'UnknownAppError') return undefined;
    throw e;
  });

/**
 * A switch an earlier run left half done, repaired from the app as it is read now (see
 * repairInterruptedSwitch); the app read, when there was a journal to repair from. A read that fails leaves
 * the journal for the next run: "no app" is said only by the org.
 */
export const repairKeyFolder = async (
  conn: Connection,
  name: string,
  folder: KeyFolder,
): Promise<FoundApp | undefined> => {
  if (!(await hasInterruptedSwitch(folder))) return undefined;
  const found = await appNow(conn, name);
  await repairInterruptedSwitch(folder, found?.app.snapshot.certificate);
  return found;
};

/**
 * After a write that failed (uploaded or not, nobody can tell): the folder takes the pair the app holds, read
 * afresh. Best effort: if the app cannot be read, or holds neither pair, the journal stays for the next run.
 */
export const settleKeyFolder = async (conn: Connection, name: string, folder: KeyFolder): Promise<void> => {
  const fresh = await appNow(conn, name).catch(() => undefined);
  if (fresh) await repairInterruptedSwitch(folder, fresh.app.snapshot.certificate).catch(() => undefined);
};
