import { Messages, type Connection } from '@salesforce/core';
import type { AppKind } from '../apps/app.js';
import { inventoryApps } from '../apps/kinds.js';
import { asNotAdmin } from '../apps/not-admin.js';
import { EXIT_CODES } from '../exit-codes.js';
import { pluralKey } from '../output/plural.js';
import { passwordFlowAllowed, setPasswordFlowAllowed } from './setting.js';
import { namesApp, readPasswordFlowUses, type PasswordFlowUse } from './usage.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'password-flow');

/** One app and user found, with the app they go through, the command that moves them and what their owner changes. */
export type PasswordFlowMove = PasswordFlowUse & {
  /** The app of the org Login History's name stands for (its label or API name); absent when none has that name. */
  app?: { kind: AppKind; name: string; consumerKey?: string };
  /** The command that moves the pair to the JWT bearer flow, runnable as printed; prose where the app is unknown. */
  fix: string;
  /** What the integration's owner changes on their side: the new login's parameters, no secret among them. */
  ownerChanges: string[];
};

/** What `sf jwtapp password-flow report` says of one org. */
export type PasswordFlowReport = {
  /** "Allow OAuth Username-Password Flows" is on. */
  allowed: boolean;
  /** Sorted by the latest attempt, newest first. */
  uses: PasswordFlowMove[];
};

/** The username-password logins of the window and the org's setting, read at once. */
const readUsesAndSetting = (conn: Connection, days: number): Promise<[PasswordFlowUse[], boolean]> =>
  Promise.all([readPasswordFlowUses(conn, days), passwordFlowAllowed(conn).catch(asNotAdmin)]);

/**
 * The JWT bearer flow on the app the integration already uses (a Connected App keeps its consumer key, so the
 * client id does not change): setup adds the certificate, "admin approved users are pre-authorized" and a
 * permission set assigned to the user, keeps every other setting, and verifies the login with its bounded wait.
 * The JWT bearer flow, not client credentials, because it logs in as the user the integration logged in as
 * (client credentials runs as one user only; KA 000886201 sends integrations of several users to JWT).
 */
const moveOf = (
  use: PasswordFlowUse,
  app: PasswordFlowMove['app'],
  targetOrg: string,
  myDomain: string,
): PasswordFlowMove => {
  if (!app)
    return {
      ...use,
      fix: messages.getMessage('fix.unknownApp', [use.application, targetOrg, use.username]),
      ownerChanges: [],
    };
  const fix = `sf jwtapp setup --target-org ${targetOrg} --name ${app.name} --app-type ${app.kind} --username ${use.username}`;
  return {
    ...use,
    app,
    fix,
    ownerChanges: [
      messages.getMessage('ownerChanges.tokenUrl', [myDomain]),
      messages.getMessage('ownerChanges.grantType'),
      messages.getMessage('ownerChanges.clientId', [app.consumerKey ?? messages.getMessage('placeholder.consumerKey')]),
      messages.getMessage('ownerChanges.subject', [use.username]),
      messages.getMessage('ownerChanges.signing'),
    ],
  };
};

/**
 * Which apps and users logged in with the username-password flow in the last `days` days, how often and when
 * last, whether the org still allows the flow, and the command that moves each.
 * Read only: Login History in one batch (and its pages), the setting, and — only when there are such logins —
 * the usernames and the org's apps. The retirement's date and days left are the same for every org: the caller's.
 */
export const reportPasswordFlow = async (
  conn: Connection,
  request: { days: number; targetOrg: string },
): Promise<PasswordFlowReport> => {
  const [uses, allowed] = await readUsesAndSetting(conn, request.days);
  const apps = uses.length > 0 ? await inventoryApps(conn).catch(asNotAdmin) : [];
  const myDomain = conn.instanceUrl.replace(/\/$/, '');
  return {
    allowed,
    uses: uses.map((use) => {
      const found = apps.find(({ snapshot }) => namesApp(use.application, snapshot));
      const app = found
        ? {
            kind: found.kind,
            name: found.snapshot.name,
            ...(found.snapshot.consumerKey ? { consumerKey: found.snapshot.consumerKey } : {}),
          }
        : undefined;
      return moveOf(use, app, request.targetOrg, myDomain);
    }),
  };
};

/** What `sf jwtapp password-flow block` / `allow` did. */
export type PasswordFlowSettingResult = {
  allowed: boolean;
  changed: boolean;
  dryRun: boolean;
  windowDays?: number;
};

/**
 * Turns "Allow OAuth Username-Password Flows" off, only once no username-password login has been seen in the
 * window: while one has, it refuses, naming each app and user, and writes nothing. An org that already blocks the
 * flow is left as it is. `dryRun`: says what it would do, writes nothing.
 */
export const blockPasswordFlow = async (
  conn: Connection,
  request: { days: number; targetOrg: string; dryRun: boolean },
): Promise<PasswordFlowSettingResult> => {
  // Only who and whether: the apps behind the uses (and their fixes) are the report's business, not the refusal's.
  const [uses, allowed] = await readUsesAndSetting(conn, request.days);
  const used = uses.filter((u) => u.succeeded > 0);
  if (used.length > 0) {
    const named = used.map((u) =>
      messages.getMessage(
        pluralKey('use', u.succeeded),
        u.succeeded === 1
          ? [u.application, u.username, u.lastAttempt]
          : [u.application, u.username, u.succeeded, u.lastAttempt],
      ),
    );
    throw messages
      .createError(
        'error.StillUsed',
        [
          messages.getMessage(pluralKey('stillUsed', used.length), used.length === 1 ? [] : [used.length]),
          request.days,
          named.join('; '),
        ],
        [request.targetOrg, String(request.days)],
        EXIT_CODES.orgRefused,
      )
      .setData({ uses: used });
  }
  if (!allowed) return { allowed: false, changed: false, dryRun: request.dryRun, windowDays: request.days };
  if (!request.dryRun) await setPasswordFlowAllowed(conn, false).catch(asNotAdmin);
  return { allowed: request.dryRun, changed: !request.dryRun, dryRun: request.dryRun, windowDays: request.days };
};

/** Turns "Allow OAuth Username-Password Flows" back on (until the retirement, when Salesforce ends the flow itself). */
export const allowPasswordFlow = async (conn: Connection, dryRun: boolean): Promise<PasswordFlowSettingResult> => {
  if (await passwordFlowAllowed(conn).catch(asNotAdmin)) return { allowed: true, changed: false, dryRun };
  if (!dryRun) await setPasswordFlowAllowed(conn, true).catch(asNotAdmin);
  return { allowed: !dryRun, changed: !dryRun, dryRun };
};
