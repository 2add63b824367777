import type { KeyObject } from 'node:crypto';
import type { Connection } from '@salesforce/core';
import type { AppKind, AppSnapshot } from '../apps/app.js';
import { asNotAdmin } from '../apps/not-admin.js';
import { APP_KINDS, findApp, inventoryApps } from '../apps/kinds.js';
import { parseScopes } from '../apps/scopes.js';
import { describeCertificate, signatureHashOf, storedCertificate } from '../certificate/inspect.js';
import { keyMatchesCertificate, loadSigningKey } from '../certificate/keys.js';
import { batchQuery, queryRefused, soqlString } from '../org/query.js';
import { namesApp, oauthLoginsQuery, passwordFlowUses } from '../password-flow/usage.js';
import { daysToRetirement, LOGIN_WINDOW_DAYS, RETIREMENT_DATE } from '../password-flow/retirement.js';
import { clock } from '../retry/clock.js';
import { checkLoginWithKey } from '../oauth/verify.js';
import { auditChecks, summarise, type AuditCheck, type AuditFacts } from './checks.js';

export type AppAudit = {
  /** The org, in a fleet audit. */
  org?: string;
  name: string;
  kind: AppKind;
  certificateExpires?: string;
  checks: AuditCheck[];
};

/** What `sf jwtapp audit` found: its --json result, and the table it renders. */
export type AuditResult = {
  apps: AppAudit[];
  summary: { pass: number; warn: number; fail: number };
  /** The orgs of a fleet audit that could not be audited, and why. */
  errors?: Array<{ org: string; name: string; message: string }>;
};

export type AuditRequest = {
  /** One app; without it every app of the org that can make a server-to-server login (a certificate uploaded). */
  name?: string;
  username?: string;
  keyFile?: string;
  keyVariable?: string;
  requiredScopes: string;
  warnDays: number;
  /** Also log in as the integration user with the key, at the org's My Domain, once per app with a certificate. */
  verify?: boolean;
  /** How many days of Login History the password-flow check reads (default LOGIN_WINDOW_DAYS.default). */
  days?: number;
};

const certificateFacts = async (pem: string | undefined): Promise<AuditFacts['certificate']> => {
  if (!pem) return undefined;
  try {
    const info = describeCertificate(pem);
    return { notAfter: info.notAfter, keySize: info.keySize, signatureHash: await signatureHashOf(pem) };
  } catch {
    return undefined;
  }
};

type Found = { kind: AppKind; snapshot: AppSnapshot; enabled: boolean };

/**
 * Of the org's apps, those a server-to-server login can go through (a certificate uploaded, or client credentials
 * on), and those Login History shows a username-password login through in the window: those are what the
 * retirement of that flow breaks.
 */
const auditedApps = (apps: Found[], passwordFlowApps: string[]): Found[] =>
  apps.filter(
    ({ snapshot }) =>
      (snapshot.certificate ?? snapshot.policies.clientCredentials.enabled) ||
      passwordFlowApps.some((a) => namesApp(a, snapshot)),
  );

/** The app named with --name, of either kind: as findApp finds it, with whether it is enabled. */
const namedApp = async (conn: Connection, name: string): Promise<Found> => {
  const { kind, app } = await findApp(conn, name);
  return { kind, snapshot: app.snapshot, enabled: await APP_KINDS[kind].isEnabled(conn, name) };
};

/**
 * What the grants of every app audited need from the org's records, in one REST batch whatever the number of
 * apps: which of their permission sets exist, the integration user and which of them it holds, the client
 * credentials run-as users, and whether the org is a Dev Hub (only a Dev Hub has ScratchOrgInfo; elsewhere
 * that query is refused, which is the answer).
 */
type OrgRecords = {
  devHub: boolean;
  permissionSets: string[];
  account?: { username: string; found?: { IsActive: boolean }; holds: string[] };
  runAs: Map<string, boolean>;
};

const readOrgRecords = async (conn: Connection, apps: Found[], username: string | undefined): Promise<OrgRecords> => {
  const sets = [...new Set(apps.flatMap((a) => a.snapshot.permissionSets))];
  const runAsUsers = [...new Set(apps.flatMap((a) => a.snapshot.policies.clientCredentials.runAs ?? []))];
  const inList = (values: string[]): string => values.map(soqlString).join(', ');
  const queries = {
    devHub: 'SELECT Id FROM ScratchOrgInfo LIMIT 1',
    ...(sets.length > 0 ? { permissionSets: `SELECT Name FROM PermissionSet WHERE Name IN (${inList(sets)})` } : {}),
    ...(username ? { user: `SELECT Id, IsActive FROM User WHERE Username = ${soqlString(username)}` } : {}),
    ...(username && sets.length > 0
      ? {
          holds: `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = ${soqlString(username)} AND PermissionSet.Name IN (${inList(sets)})`,
        }
      : {}),
    ...(runAsUsers.length > 0
      ? { runAs: `SELECT Username, IsActive FROM User WHERE Username IN (${inList(runAsUsers)})` }
      : {}),
  };
  const keys = Object.keys(queries) as Array<keyof typeof queries>;
  const answers = await batchQuery(
    conn,
    keys.map((k) => String(queries[k])),
  );
  const records = <T>(key: keyof typeof queries): T[] => {
    const i = keys.indexOf(key);
    if (i === -1) return [];
    const answer = answers[i];
    if (answer.ok) return answer.records as T[];
    if (key === 'devHub') return [];
    throw queryRefused(String(queries[key]), answer);
  };
  const devHubAnswer = answers[keys.indexOf('devHub')];
  const [found] = records<{ IsActive: boolean }>('user');
  return {
    devHub: devHubAnswer.ok,
    permissionSets: records<{ Name: string }>('permissionSets').map((r) => r.Name),
    ...(username
      ? {
          account: {
            username,
            found,
            holds: found ? records<{ PermissionSet: { Name: string } }>('holds').map((r) => r.PermissionSet.Name) : [],
          },
        }
      : {}),
    runAs: new Map(
      records<{ Username: string; IsActive: boolean }>('runAs').map((r) => [r.Username.toLowerCase(), r.IsActive]),
    ),
  };
};

/**
 * Reads the app (or every server-to-server app of the org) and its grants, read-only, and checks them:
 * is it configured for a working, least-privilege server-to-server login, and if not, what exactly to
 * fix? The apps are read in as few Metadata API calls as it allows and their grants in one REST batch, so an
 * org of many apps costs about as much as one. A key given to check is read first, so a bad key file ends the
 * run before any request. A fix names the org as `targetOrg` (what the user typed: an alias stays an alias),
 * the org's username by default.
 */
export const runAudit = async (
  conn: Connection,
  request: AuditRequest,
  targetOrg = String(conn.getUsername()),
): Promise<AuditResult> => {
  const requiredScopes = parseScopes(request.requiredScopes);
  const key: KeyObject | undefined =
    (request.keyFile ?? request.keyVariable)
      ? await loadSigningKey({ keyFile: request.keyFile, keyVariable: request.keyVariable, now: new Date(clock.now()) })
      : undefined;
  const days = request.days ?? LOGIN_WINDOW_DAYS.default;
  const logins = oauthLoginsQuery(days);
  // Login History and the apps at once: neither needs the other.
  const [[loginPage], inOrg] = await Promise.all([
    batchQuery(conn, [logins]),
    (request.name ? namedApp(conn, request.name).then((a) => [a]) : inventoryApps(conn)).catch(asNotAdmin),
  ]);
  const uses = await passwordFlowUses(conn, loginPage, logins);
  const apps = request.name
    ? inOrg
    : auditedApps(
        inOrg,
        uses.map((u) => u.application),
      );
  if (apps.length === 0) return { apps: [], summary: summarise([]) };
  const org = await readOrgRecords(conn, apps, request.username);
  const daysLeft = daysToRetirement(clock.now());
  const passwordFlowOf = (found: Found): AuditFacts['passwordFlow'] => ({
    windowDays: days,
    daysLeft,
    retirementDate: RETIREMENT_DATE,
    uses: uses.filter((u) => namesApp(u.application, found.snapshot)),
  });
  const loginUrl = conn.instanceUrl.replace(/\/$/, '');
  const facts = await Promise.all(
    apps.map(async (found) => ({
      ...(await appFacts(found, org, key, loginUrl)),
      passwordFlow: passwordFlowOf(found),
    })),
  );
  const audits: AppAudit[] = [];
  for (const [i, found] of apps.entries()) {
    // One login per app, one after the other: a pipeline's login, not a load test.
    const login =
      request.verify && org.account && key
        ? // eslint-disable-next-line no-await-in-loop
          await tryLogin(found.snapshot, org.account.username, key, loginUrl)
        : undefined;
    if (login) facts[i].login = login;
    audits.push({
      name: found.snapshot.name,
      kind: found.kind,
      ...(facts[i].certificate ? { certificateExpires: facts[i].certificate.notAfter } : {}),
      checks: auditChecks(facts[i], {
        requiredScopes,
        warnDays: request.warnDays,
        now: new Date(clock.now()),
        targetOrg,
        username: request.username,
      }),
    });
  }
  return { apps: audits, summary: summarise(audits.flatMap((a) => a.checks)) };
};

/**
 * --verify: the login a pipeline makes, once, at the org's My Domain (where either app kind answers), with no
 * wait: an audit reports how things stand now. Salesforce's answer is diagnosed as verify diagnoses it.
 */
const tryLogin = async (
  snapshot: AppSnapshot,
  username: string,
  key: KeyObject,
  loginUrl: string,
): Promise<AuditFacts['login']> => {
  const { consumerKey, certificate } = snapshot;
  if (!consumerKey || !certificate) return undefined;
  const { report } = await checkLoginWithKey({ username, clientId: consumerKey, loginUrl, key, waitMs: 0 });
  return {
    success: report.success,
    username,
    loginUrl,
    elapsedMs: report.elapsedMs,
    ...(!report.success
      ? {
          error: {
            name: report.error.name,
            cause: report.error.cause,
            actions: report.error.actions,
            persistence: report.error.persistence,
          },
        }
      : {}),
  };
};

/** One app's facts, from its snapshot and the org's records read for every app at once. */
const appFacts = async (
  { kind, snapshot, enabled }: Found,
  org: OrgRecords,
  key: KeyObject | undefined,
  loginUrl: string,
): Promise<AuditFacts> => {
  const inSnapshot = (names: string[]): string[] =>
    names.filter((n) => snapshot.permissionSets.some((p) => p.toLowerCase() === n.toLowerCase()));
  const { clientCredentials } = snapshot.policies;
  const { account } = org;
  return {
    name: snapshot.name,
    kind,
    snapshot,
    enabled,
    devHub: org.devHub,
    loginUrl,
    certificate: await certificateFacts(snapshot.certificate),
    existingPermissionSets: inSnapshot(org.permissionSets),
    ...(account
      ? {
          user: {
            username: account.username,
            exists: account.found !== undefined,
            active: account.found?.IsActive === true,
            holds: inSnapshot(account.holds),
          },
        }
      : {}),
    ...(clientCredentials.enabled
      ? {
          runAs: {
            username: clientCredentials.runAs,
            active: clientCredentials.runAs ? org.runAs.get(clientCredentials.runAs.toLowerCase()) === true : false,
          },
        }
      : {}),
    ...(key && snapshot.certificate
      ? { keyMatches: keyMatchesCertificate(key, storedCertificate(snapshot.certificate)) }
      : {}),
  };
};
