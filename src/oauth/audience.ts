export const PRODUCTION_LOGIN_URL = 'https://login.salesforce.com';
export const SANDBOX_LOGIN_URL = 'https://test.salesforce.com';

export type OrgKind = 'production' | 'sandbox';

/**
 * The org kind a login URL points at. Sandboxes and scratch orgs log in at test.salesforce.com or at a My
 * Domain under `sandbox.my.salesforce.com` / `scratch.my.salesforce.com` (older sandbox My Domains have a
 * `--` in the host); everything else is production.
 */
export const orgKindOfUrl = (loginUrl: string): OrgKind | undefined => {
  const host = new URL(loginUrl).hostname.toLowerCase();
  if (host === 'test.salesforce.com' || /\.(sandbox|scratch)\.my\.salesforce\.com$/.test(host) || host.includes('--')) {
    return 'sandbox';
  }
  if (host === 'login.salesforce.com' || host.endsWith('.my.salesforce.com')) return 'production';
  return undefined;
};

/**
 * The JWT `aud` that works for a login URL: test.salesforce.com for sandboxes, login.salesforce.com for
 * production, and the URL itself for anything that is not a Salesforce host (an Experience Cloud site,
 * or a test server), as Salesforce's "OAuth 2.0 JWT Bearer Flow" help describes.
 */
export const defaultAudience = (loginUrl: string): string => {
  switch (orgKindOfUrl(loginUrl)) {
    case 'sandbox':
      return SANDBOX_LOGIN_URL;
    case 'production':
      return PRODUCTION_LOGIN_URL;
    default:
      return loginUrl.replace(/\/+$/, '');
  }
};
