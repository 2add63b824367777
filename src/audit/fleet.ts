import { AuthInfo, ConfigAggregator, Messages, Org, OrgConfigProperties } from '@salesforce/core';
import { resilientConnection } from '../connection/resilient.js';
import { RetryLog } from '../retry/outage.js';
import { EXIT_CODES } from '../exit-codes.js';
import { redactError } from '../output/redact.js';
import { summarise } from './checks.js';
import type { AuditedOrg } from './render.js';
import { runAudit, type AuditRequest, type AuditResult } from './run.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'audit');

/**
 * One org of a fleet audit, as the user named it (`org`, an alias or a username) with the username it stands
 * for: its result, or why it could not be audited (an ERROR block, never the end of the run).
 */
export type OrgAudit = { org: string; username?: string; result?: AuditResult; error?: Error };

/** How many orgs are audited at once: enough to overlap their round trips, few enough for any machine. */
export const FLEET_CONCURRENCY = 5;

/** The orgs to audit: the ones named, every org of the sf auth store, or the default target org. */
export const orgsToAudit = async (named: string[] | undefined, allOrgs: boolean): Promise<string[]> => {
  if (allOrgs) return (await AuthInfo.listAllAuthorizations()).map((a) => a.aliases?.[0] ?? a.username);
  if (named && named.length > 0) return named;
  const configured = (await ConfigAggregator.create()).getPropertyValue<string>(OrgConfigProperties.TARGET_ORG);
  if (!configured) throw messages.createError('error.NoTargetOrg', [], [], EXIT_CODES.localInput);
  return [configured];
};

const auditOrg = async (org: string, request: AuditRequest, apiVersion: string | undefined): Promise<OrgAudit> => {
  try {
    const conn = resilientConnection(
      (await Org.create({ aliasOrUsername: org })).getConnection(apiVersion),
      new RetryLog(),
    );
    const username = conn.getUsername();
    return { org, ...(username ? { username } : {}), result: await runAudit(conn, request, org) };
  } catch (e) {
    // An ERROR row in the result, not the command's error: redacted here, as the command's catch does.
    return { org, error: redactError(e instanceof Error ? e : new Error(String(e))) };
  }
};

/** Audits the orgs concurrently, at most FLEET_CONCURRENCY at a time, in the order given. */
const auditEach = async (orgs: string[], request: AuditRequest, apiVersion?: string): Promise<OrgAudit[]> => {
  const results: OrgAudit[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < orgs.length) {
      const i = next++;
      // eslint-disable-next-line no-await-in-loop
      results[i] = await auditOrg(orgs[i], request, apiVersion);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FLEET_CONCURRENCY, orgs.length) }, worker));
  return results;
};

/** Which orgs to audit: those named with --target-org, every authorized org (--all-orgs), or the default. */
export type OrgSelection = { named?: string[]; allOrgs: boolean };

/**
 * `sf jwtapp audit`: one org, or a fleet. One org's failure is the run's error (`error`), as any command's; a
 * fleet's are rows of `result.errors` and the run goes on. A fleet's apps carry their org.
 */
export const auditOrgs = async (
  selection: OrgSelection,
  request: AuditRequest,
  apiVersion?: string,
): Promise<{ result: AuditResult; orgs: AuditedOrg[]; fleet: boolean; error?: Error }> => {
  const orgs = await orgsToAudit(selection.named, selection.allOrgs);
  const audits = await auditEach(orgs, request, apiVersion);
  const fleet = orgs.length > 1 || selection.allOrgs;
  const apps = audits.flatMap((a) => (a.result?.apps ?? []).map((app) => (fleet ? { org: a.org, ...app } : app)));
  const errors = audits.flatMap((a) => (a.error ? [{ org: a.org, name: a.error.name, message: a.error.message }] : []));
  return {
    result: { apps, summary: summarise(apps.flatMap((a) => a.checks)), ...(fleet ? { errors } : {}) },
    orgs: audits.map(({ org, username }) => ({ org, ...(username ? { username } : {}) })),
    fleet,
    ...(!fleet && audits[0].error ? { error: audits[0].error } : {}),
  };
};
