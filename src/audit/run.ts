import type { KeyObject } from 'node:crypto';
import type { Connection } from '@salesforce/core';
import type { AppKind, BoundApp } from '../apps/app.js';
import { asNotAdmin } from '../apps/save.js';
import { APP_KINDS, findApp } from '../apps/kinds.js';
import { parseScopes } from '../apps/scopes.js';
import { describeCertificate, signatureHashOf, storedCertificate } from '../certificate/inspect.js';
import { keyMatchesCertificate, loadSigningKey } from '../certificate/keys.js';
import { soqlString } from '../access/soql.js';
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

type Found = { name: string; kind: AppKind; app: BoundApp };

/** Every app of either kind a server-to-server login can go through: a certificate uploaded, or client credentials on. */
const serverToServerApps = async (conn: Connection): Promise<Found[]> => {
  const listed = (await conn.metadata.list([
    { type: 'ExternalClientApplication' },
    { type: 'ConnectedApp' },
  ] as never)) as unknown;
  const entries = (Array.isArray(listed) ? listed : listed ? [listed] : []) as Array<{
    type: string;
    fullName: string;
  }>;
  const found: Found[] = [];
  for (const entry of entries.sort((a, b) => a.fullName.localeCompare(b.fullName))) {
    const kind: AppKind = entry.type === 'ConnectedApp' ? 'connected-app' : 'external-client-app';
    // eslint-disable-next-line no-await-in-loop
    const app = await APP_KINDS[kind].read(conn, entry.fullName);
    if (app && (app.snapshot.certificate ?? app.snapshot.policies.clientCredentials.enabled))
      found.push({ name: entry.fullName, kind, app });
  }
  return found;
};

/**
 * Reads the app (or every server-to-server app of the org) and its grants, read-only, and checks them:
 * is it configured for a working, least-privilege server-to-server login, and if not, what exactly to
 * fix? A key given to check is read first, so a bad key file ends the run before any request. A fix names the
 * org as `targetOrg` (what the user typed: an alias stays an alias), the org's username by default.
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
  const apps: Found[] = request.name
    ? [{ name: request.name, ...(await findApp(conn, request.name).catch(asNotAdmin)) }]
    : await serverToServerApps(conn).catch(asNotAdmin);
  // Only a Dev Hub has ScratchOrgInfo; elsewhere the query is refused.
  const devHub = await conn.query('SELECT Id FROM ScratchOrgInfo LIMIT 1').then(
    () => true,
    () => false,
  );
  const account = request.username && apps.length > 0 ? await lookUpAccount(conn, request.username) : undefined;
  const audits: AppAudit[] = [];
  for (const found of apps) {
    // eslint-disable-next-line no-await-in-loop
    const facts = { ...(await readFacts(conn, found, account, key)), devHub };
    // eslint-disable-next-line no-await-in-loop
    const login = request.verify && account && key ? await tryLogin(conn, found.app, account.username, key) : undefined;
    if (login) facts.login = login;
    audits.push({
      name: found.name,
      kind: found.kind,
      ...(facts.certificate ? { certificateExpires: facts.certificate.notAfter } : {}),
      checks: auditChecks(facts, {
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
  conn: Connection,
  app: BoundApp,
  username: string,
  key: KeyObject,
): Promise<AuditFacts['login']> => {
  const { consumerKey, certificate } = app.snapshot;
  if (!consumerKey || !certificate) return undefined;
  const loginUrl = conn.instanceUrl.replace(/\/$/, '');
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

/** The integration user named with --username, looked up once for every app audited. */
type Account = { username: string; found?: { IsActive: boolean } };

const lookUpAccount = async (conn: Connection, username: string): Promise<Account> => {
  const [found] = (
    await conn.query<{ IsActive: boolean }>(`SELECT Id, IsActive FROM User WHERE Username = ${soqlString(username)}`)
  ).records;
  return { username, found };
};

const readFacts = async (
  conn: Connection,
  { name, kind, app }: Found,
  account: Account | undefined,
  key: KeyObject | undefined,
): Promise<Omit<AuditFacts, 'devHub'>> => {
  const { snapshot } = app;
  const names = snapshot.permissionSets.map(soqlString).join(', ');
  const existingPermissionSets =
    snapshot.permissionSets.length > 0
      ? (await conn.query<{ Name: string }>(`SELECT Name FROM PermissionSet WHERE Name IN (${names})`)).records.map(
          (r) => r.Name,
        )
      : [];
  let user: AuditFacts['user'];
  if (account) {
    const { username, found } = account;
    const u = soqlString(username);
    const holds =
      found && snapshot.permissionSets.length > 0
        ? (
            await conn.query<{ PermissionSet: { Name: string } }>(
              `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = ${u} AND PermissionSet.Name IN (${names})`,
            )
          ).records.map((r) => r.PermissionSet.Name)
        : [];
    user = { username, exists: found !== undefined, active: found?.IsActive === true, holds };
  }
  const { clientCredentials } = snapshot.policies;
  let runAs: AuditFacts['runAs'];
  if (clientCredentials.enabled) {
    const [found] = clientCredentials.runAs
      ? (
          await conn.query<{ IsActive: boolean }>(
            `SELECT IsActive FROM User WHERE Username = ${soqlString(clientCredentials.runAs)}`,
          )
        ).records
      : [];
    runAs = { username: clientCredentials.runAs, active: found?.IsActive === true };
  }
  return {
    name,
    kind,
    snapshot,
    ...(runAs ? { runAs } : {}),
    enabled: await APP_KINDS[kind].isEnabled(conn, name),
    loginUrl: conn.instanceUrl.replace(/\/$/, ''),
    certificate: await certificateFacts(snapshot.certificate),
    existingPermissionSets,
    ...(user ? { user } : {}),
    ...(key && snapshot.certificate
      ? { keyMatches: keyMatchesCertificate(key, storedCertificate(snapshot.certificate)) }
      : {}),
  };
};
