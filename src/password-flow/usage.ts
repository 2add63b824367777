import type { Connection } from '@salesforce/core';
import { allRecords, batchQuery, queryRefused, soqlString, type BatchAnswer } from '../org/query.js';

/**
 * Whether Login History's `Application` names this app: its label (what Setup shows, and what the emulator
 * records [unconfirmed]) or its API name, in any case.
 */
export const namesApp = (application: string, app: { label: string; name: string }): boolean =>
  [app.label, app.name].some((n) => n.toLowerCase() === application.toLowerCase());

/** One app and user that logged in (or tried to) with the username-password flow in the window. */
export type PasswordFlowUse = {
  /** The app as Login History names it (its `Application`). */
  application: string;
  userId: string;
  username: string;
  /** Every attempt in the window, and how many Salesforce accepted. */
  attempts: number;
  succeeded: number;
  /** The latest attempt: when, and what Login History says of it ("Success", "Username-Password Flow Disabled"). */
  lastAttempt: string;
  lastStatus: string;
};

type LoginRow = {
  UserId: string;
  LoginTime: string;
  LoginSubType?: string | null;
  Status?: string | null;
  Application?: string | null;
};

/**
 * The OAuth logins of the window, newest first. LoginType "Remote Access 2.0" is every OAuth 2.0 flow's, and only
 * LoginTime, LoginType and a few other fields may be filtered on (object reference, LoginHistory: "You can only
 * filter on the following fields"); the flow itself (LoginSubType) is told apart here, on the rows.
 */
export const oauthLoginsQuery = (days: number): string =>
  'SELECT UserId, LoginTime, LoginSubType, Status, Application FROM LoginHistory ' +
  `WHERE LoginTime = LAST_N_DAYS:${days} AND LoginType = 'Remote Access 2.0' ORDER BY LoginTime DESC`;

/** "OauthUsernamePassword" as the API name, "OAuth Username-Password" as the label: either form a query may return. */
const PASSWORD_SUB_TYPE = 'oauthusernamepassword';
/** What Login History says of an attempt the org's setting blocked, whatever its sub type [reported]. */
export const FLOW_DISABLED_STATUS = 'Username-Password Flow Disabled';

const isPasswordFlow = (row: LoginRow): boolean =>
  (row.LoginSubType ?? '').toLowerCase().replace(/[^a-z]/g, '') === PASSWORD_SUB_TYPE ||
  (row.Status ?? '').toLowerCase() === FLOW_DISABLED_STATUS.toLowerCase();

/**
 * The app and user pairs of the username-password logins among these rows (every page of the query, newest
 * first), with their usernames (one more query, only when there are such logins), sorted by the latest attempt.
 */
export const passwordFlowUses = async (
  conn: Connection,
  first: BatchAnswer,
  query: string,
): Promise<PasswordFlowUse[]> => {
  if (!first.ok) throw queryRefused(query, first);
  const rows = (await allRecords<LoginRow>(conn, first)).filter(isPasswordFlow);
  const uses = new Map<string, Omit<PasswordFlowUse, 'username'>>();
  for (const row of rows) {
    const application = row.Application ?? '';
    const key = `${application.toLowerCase()}\u0000${row.UserId}`;
    const use = uses.get(key);
    const succeeded = (row.Status ?? '').toLowerCase() === 'success' ? 1 : 0;
    if (use) {
      use.attempts += 1;
      use.succeeded += succeeded;
      if (row.LoginTime > use.lastAttempt)
        Object.assign(use, { lastAttempt: row.LoginTime, lastStatus: row.Status ?? '' });
    } else {
      uses.set(key, {
        application,
        userId: row.UserId,
        attempts: 1,
        succeeded,
        lastAttempt: row.LoginTime,
        lastStatus: row.Status ?? '',
      });
    }
  }
  if (uses.size === 0) return [];
  const ids = [...new Set([...uses.values()].map((u) => u.userId))];
  const usersQuery = `SELECT Id, Username FROM User WHERE Id IN (${ids.map(soqlString).join(', ')})`;
  const [answer] = await batchQuery(conn, [usersQuery]);
  if (!answer.ok) throw queryRefused(usersQuery, answer);
  const usernames = new Map((answer.records as Array<{ Id: string; Username: string }>).map((u) => [u.Id, u.Username]));
  return [...uses.values()]
    .map((use) => ({ ...use, username: usernames.get(use.userId) ?? use.userId }))
    .sort((a, b) => b.lastAttempt.localeCompare(a.lastAttempt));
};

/** The username-password logins of the last `days` days: one query (and its pages), and one for the usernames. */
export const readPasswordFlowUses = async (conn: Connection, days: number): Promise<PasswordFlowUse[]> => {
  const query = oauthLoginsQuery(days);
  const [first] = await batchQuery(conn, [query]);
  return passwordFlowUses(conn, first, query);
};
