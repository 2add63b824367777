import { AuthInfo, ConfigAggregator, Messages, Org, OrgConfigProperties, type Connection } from '@salesforce/core';
import { namedError } from '../connection/named-errors.js';
import { resilientConnection } from '../connection/resilient.js';
import { RetryLog } from '../retry/outage.js';
import { EXIT_CODES } from '../exit-codes.js';
import { redactError } from '../output/redact.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'org');

/** Which orgs a fleet command reads: those named with --target-org, every authorized org (--all-orgs), or the default. */
export type OrgSelection = { named?: string[]; allOrgs: boolean };

/**
 * One org of a fleet, as the user named it (`org`, an alias or a username) with the username it stands for: what
 * was read of it, or why it could not be read (an ERROR row, never the end of the run).
 */
export type OrgOutcome<T> = { org: string; username?: string; result?: T; error?: Error };

/** How many orgs are read at once: enough to overlap their round trips, few enough for any machine. */
export const FLEET_CONCURRENCY = 5;

/** The orgs named, every org of the sf auth store, or the default target org. */
export const selectOrgs = async ({ named, allOrgs }: OrgSelection): Promise<string[]> => {
  if (allOrgs) return (await AuthInfo.listAllAuthorizations()).map((a) => a.aliases?.[0] ?? a.username);
  if (named && named.length > 0) return named;
  const configured = (await ConfigAggregator.create()).getPropertyValue<string>(OrgConfigProperties.TARGET_ORG);
  if (!configured) throw messages.createError('error.NoTargetOrg', [], [], EXIT_CODES.localInput);
  return [configured];
};

/**
 * Runs `read` on each org with a connection that rides out an outage, at most FLEET_CONCURRENCY at a time, the
 * outcomes in the order given. An org's failure is its outcome's `error`, redacted as a command's error is.
 */
export const forEachOrg = async <T>(
  orgs: string[],
  apiVersion: string | undefined,
  read: (conn: Connection, org: string) => Promise<T>,
): Promise<Array<OrgOutcome<T>>> => {
  const outcomes: Array<OrgOutcome<T>> = [];
  let next = 0;
  const one = async (org: string): Promise<OrgOutcome<T>> => {
    try {
      const conn = resilientConnection(
        (await Org.create({ aliasOrUsername: org })).getConnection(apiVersion),
        new RetryLog(),
      );
      const username = conn.getUsername();
      return { org, ...(username ? { username } : {}), result: await read(conn, org) };
    } catch (e) {
      // Named as a command's own error is (an outage, an expired session), redacted as it is.
      return { org, error: redactError(namedError(e instanceof Error ? e : new Error(String(e)), org)) };
    }
  };
  const worker = async (): Promise<void> => {
    while (next < orgs.length) {
      const i = next++;
      // eslint-disable-next-line no-await-in-loop
      outcomes[i] = await one(orgs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FLEET_CONCURRENCY, orgs.length) }, worker));
  return outcomes;
};
