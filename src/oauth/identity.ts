import { sfFetch } from '../connection/http.js';
import { parseIdentityUrl, type TokenGrant } from './token.js';

export type Identity = {
  userId: string;
  orgId: string;
  username: string | undefined;
  /** The API refused the token (API_DISABLED_FOR_ORG): the user lacks "API Enabled". */
  apiDisabled?: boolean;
};

/** The version of the one REST call that proves the token works on the API; any version an org serves does. */
const IDENTITY_API_VERSION = '62.0';

const get = (url: URL, grant: TokenGrant): Promise<Response> =>
  sfFetch(url, {
    headers: { authorization: `Bearer ${grant.accessToken}`, accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });

/** The Ids the token's identity URL gives, without a request. */
export const identityFromToken = (grant: TokenGrant): Identity | undefined => {
  const ids = parseIdentityUrl(grant.id);
  return ids ? { ...ids, username: undefined } : undefined;
};

/**
 * Who the token belongs to, and whether the API takes it. With the `api` scope, one REST call reads the
 * user's record, as `sf org login web` does after its token: it names the user and proves the API accepts
 * the token (a user without "API Enabled" gets a token, then API_DISABLED_FOR_ORG on every call). Without
 * it, the userinfo endpoint says who; and failing both, the token's identity URL still gives the Ids.
 */
export const fetchIdentity = async (grant: TokenGrant): Promise<Identity | undefined> => {
  const ids = parseIdentityUrl(grant.id);
  if (ids && (grant.scopes.includes('api') || grant.scopes.includes('full'))) {
    try {
      const response = await get(
        new URL(
          `/services/data/v${IDENTITY_API_VERSION}/sobjects/User/${ids.userId}?fields=Username`,
          grant.instanceUrl,
        ),
        grant,
      );
      const body = (await response.json().catch(() => undefined)) as
        { Username?: string } | Array<{ errorCode?: string }> | undefined;
      if (response.ok && body && !Array.isArray(body)) return { ...ids, username: body.Username };
      if (Array.isArray(body) && body.some((e) => e.errorCode === 'API_DISABLED_FOR_ORG'))
        return { ...ids, username: undefined, apiDisabled: true };
    } catch {
      // fall through to userinfo
    }
  }
  try {
    const response = await get(new URL('/services/oauth2/userinfo', grant.instanceUrl), grant);
    if (response.ok) {
      const info = (await response.json()) as {
        user_id?: string;
        organization_id?: string;
        preferred_username?: string;
      };
      if (info.user_id && info.organization_id) {
        return { userId: info.user_id, orgId: info.organization_id, username: info.preferred_username };
      }
    }
  } catch {
    // fall through to the identity URL
  }
  return identityFromToken(grant);
};
