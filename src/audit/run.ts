import { X509Certificate, type KeyObject } from 'node:crypto';
import type { Connection } from '@salesforce/core';
import type { AppKind } from '../apps/app.js';
import { APP_KINDS, findApp } from '../apps/kinds.js';
import { parseScopes } from '../apps/scopes.js';
import { describeCertificate } from '../certificate/inspect.js';
import { keyMatchesCertificate, loadSigningKey } from '../certificate/keys.js';
import { soqlString } from '../access/soql.js';
import { clock } from '../oauth/clock.js';
import { auditChecks, summarise, type AuditCheck, type AuditFacts } from './checks.js';

export type AppAudit = { name: string; kind: AppKind; checks: AuditCheck[] };

/** What `sf jwtapp audit` found: its --json result, and the table it renders. */
export type AuditResult = { apps: AppAudit[]; summary: { pass: number; warn: number; fail: number } };

export type AuditRequest = {
  name: string;
  username?: string;
  keyFile?: string;
  keyVariable?: string;
  requiredScopes: string;
  warnDays: number;
};

/** The hash a certificate is signed with (`SHA-256`), read with a maintained X.509 library; node:crypto does not say. */
const signatureHashOf = async (pem: string): Promise<string | undefined> => {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const algorithm = new x509.X509Certificate(pem).signatureAlgorithm as { hash?: { name?: string } };
  return algorithm.hash?.name;
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

/**
 * Reads one app and its grants, read-only, and checks them: is this app configured for a working,
 * least-privilege server-to-server login, and if not, what exactly to fix? A key given to check is read
 * first, so a bad key file ends the run before any request.
 */
export const runAudit = async (conn: Connection, request: AuditRequest): Promise<AuditResult> => {
  const requiredScopes = parseScopes(request.requiredScopes);
  const key: KeyObject | undefined =
    request.keyFile ?? request.keyVariable
      ? await loadSigningKey({ keyFile: request.keyFile, keyVariable: request.keyVariable, now: new Date(clock.now()) })
      : undefined;
  const { kind, app } = await findApp(conn, request.name);
  const { snapshot } = app;
  const names = snapshot.permissionSets.map(soqlString).join(', ');
  const existingPermissionSets =
    snapshot.permissionSets.length > 0
      ? (await conn.query<{ Name: string }>(`SELECT Name FROM PermissionSet WHERE Name IN (${names})`)).records.map((r) => r.Name)
      : [];
  let user: AuditFacts['user'];
  if (request.username) {
    const u = soqlString(request.username);
    const [found] = (await conn.query<{ Id: string; IsActive: boolean }>(`SELECT Id, IsActive FROM User WHERE Username = ${u}`)).records;
    const holds =
      found && snapshot.permissionSets.length > 0
        ? (
            await conn.query<{ PermissionSet: { Name: string } }>(
              `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = ${u} AND PermissionSet.Name IN (${names})`
            )
          ).records.map((r) => r.PermissionSet.Name)
        : [];
    user = { username: request.username, exists: found !== undefined, active: found?.IsActive === true, holds };
  }
  const facts: AuditFacts = {
    name: request.name,
    kind,
    snapshot,
    enabled: await APP_KINDS[kind].isEnabled(conn, request.name),
    loginUrl: conn.instanceUrl.replace(/\/$/, ''),
    certificate: await certificateFacts(snapshot.certificatePem),
    existingPermissionSets,
    ...(user ? { user } : {}),
    ...(key && snapshot.certificatePem ? { keyMatches: keyMatchesCertificate(key, new X509Certificate(snapshot.certificatePem)) } : {}),
  };
  const checks = auditChecks(facts, {
    requiredScopes,
    warnDays: request.warnDays,
    now: new Date(clock.now()),
    targetOrg: String(conn.getUsername()),
  });
  return { apps: [{ name: request.name, kind, checks }], summary: summarise(checks) };
};
