import type { TokenGrant } from './token.js';
import { parseIdentityUrl } from './token.js';

export type Identity = { userId: string; orgId: string; username: string | undefined; source: 'userinfo' | 'identity-url' };

/**
 * Who the token belongs to. The userinfo endpoint says it all; when the app's scopes do not allow it,
 * the identity URL of the token response still gives the org and user Ids.
 */
export const fetchIdentity = async (grant: TokenGrant): Promise<Identity | undefined> => {
  try {
    const response = await fetch(new URL('/services/oauth2/userinfo', grant.instanceUrl), {
      headers: { authorization: `Bearer ${grant.accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.ok) {
      const info = (await response.json()) as { user_id?: string; organization_id?: string; preferred_username?: string };
      if (info.user_id && info.organization_id) {
        return { userId: info.user_id, orgId: info.organization_id, username: info.preferred_username, source: 'userinfo' };
      }
    }
  } catch {
    // fall through to the identity URL
  }
  const ids = parseIdentityUrl(grant.id);
  return ids ? { ...ids, username: undefined, source: 'identity-url' } : undefined;
};
