import { forEachOrg, selectOrgs, type OrgSelection } from '../org/fleet.js';
import { summarise } from './checks.js';
import type { AuditedOrg } from './render.js';
import { runAudit, type AuditRequest, type AuditResult } from './run.js';

/**
 * `sf jwtapp audit`: one org, or a fleet. One org's failure is the run's error (`error`), as any command's; a
 * fleet's are rows of `result.errors` and the run goes on. A fleet's apps carry their org.
 */
export const auditOrgs = async (
  selection: OrgSelection,
  request: AuditRequest,
  apiVersion?: string,
): Promise<{ result: AuditResult; orgs: AuditedOrg[]; fleet: boolean; error?: Error }> => {
  const orgs = await selectOrgs(selection);
  const audits = await forEachOrg(orgs, apiVersion, (conn, org) => runAudit(conn, request, org));
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
