import type { Connection } from '@salesforce/core';

/** What became of an External Client App's refresh tokens when it was blocked. */
export type RefreshTokenRevocation =
  /** Deleted through the OAuth usage API. */
  | 'revoked'
  /** The OAuth usage API does not list the app: it has no OAuth usage data, so no token to delete. */
  | 'not-listed'
  /** The API could not be used (an API version before 59.0, or a permission missing): revoke them in Setup. */
  | 'unavailable';

type UsageList = { apps?: Array<{ developerName?: string; identifier?: string }> };

/**
 * Deletes every refresh token issued through the External Client App, as Setup > External Client Apps >
 * OAuth Usage does: the Connect REST `GET /apps/oauth/usage` finds its identifier (as sfdx-hardis does),
 * `DELETE /apps/oauth/usage/{identifier}/tokens` deletes them (API 59.0+). Access tokens issued without a
 * refresh token (JWT bearer, client credentials) are sessions this does not end; they expire with the
 * session timeout. Throws what Salesforce answered when the API cannot be used.
 */
export const revokeRefreshTokens = async (conn: Connection, name: string): Promise<RefreshTokenRevocation> => {
  const base = `/services/data/v${conn.getApiVersion()}/apps/oauth/usage`;
  const listed = await conn.request<UsageList>({ method: 'GET', url: base });
  const app = (listed.apps ?? []).find((a) => a.developerName?.toLowerCase() === name.toLowerCase());
  if (!app?.identifier) return 'not-listed';
  await conn.request({ method: 'DELETE', url: `${base}/${encodeURIComponent(app.identifier)}/tokens` });
  return 'revoked';
};
