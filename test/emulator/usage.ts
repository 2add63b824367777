/**
 * Connect REST's OAuth usage resources for External Client Apps (API 59.0+): which apps have OAuth usage
 * data, and deleting an app's refresh tokens — what Setup > External Client Apps > OAuth Usage does.
 * Sources and grades: docs/emulator.md, "Blocking an app"; research in docs/research/block.md.
 */
import { json, restError, type Reply, type Request } from './http.js';
import type { OrgState, User } from './org.js';
import { currentApps } from './apps.js';
import type { Sessions } from './oauth.js';

/** `GET /apps/oauth/usage` and `DELETE /apps/oauth/usage/{appId}/tokens` first appeared in API 59.0. */
export const USAGE_MIN_VERSION = 59;

export class OAuthUsageApi {
  public constructor(
    private readonly org: OrgState,
    private readonly sessions: Sessions,
  ) {}

  /** `rest` is the path after `/services/data/vNN.N/apps/oauth/usage`; undefined when it is not one of ours. */
  public handle(req: Request, version: string, rest: string, user: User): Reply {
    if (Number(version) < USAGE_MIN_VERSION)
      return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    // The resources need "View all External Client Apps, view their settings, and edit their policies".
    if (!this.org.isAdmin(user))
      return restError(403, 'INSUFFICIENT_ACCESS', "You don't have permission to view or manage OAuth usage.");
    const refused = this.org.takeRefusal('oauthUsage');
    if (refused) return restError(403, 'INSUFFICIENT_ACCESS', refused);
    const segments = rest.split('/').filter((s) => s.length > 0);
    if (segments.length === 0 && req.method === 'GET') {
      // Only apps "that have OAuth usage data": here, an app through which a token was issued.
      const used = this.sessions.appIdsWithUsage();
      const apps = currentApps(this.org)
        .filter((a) => a.kind === 'external-client-app' && used.has(a.id))
        .map((a) => ({ developerName: a.name, identifier: a.id, label: a.label }));
      return json(200, { apps, currentPageUrl: req.path, nextPageUrl: null });
    }
    if (segments.length === 2 && segments[1] === 'tokens' && req.method === 'DELETE') {
      const app = currentApps(this.org).find((a) => a.kind === 'external-client-app' && a.id === segments[0]);
      if (!app) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
      // The JWT bearer and client credentials flows issue no refresh token, so for them there is nothing to
      // delete; their access tokens (sessions) are kept, as for a disabled app [unconfirmed].
      this.sessions.revokeRefreshTokens(app.id);
      return { status: 204 };
    }
    return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
}
