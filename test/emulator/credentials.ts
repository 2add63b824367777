/**
 * Connect REST's OAuth credentials resources for External Client Apps (API 60.0+): an app's consumers, and a
 * consumer's key, secret or both — how an API reads them where the Metadata API does not return them.
 * Shapes as sfdx-hardis reads them on real orgs (`{ consumers: [{ id, key, name }] }`, `{ key, secret }`);
 * sources and grades in docs/emulator.md, "Reading credentials".
 */
import { json, restError, type Reply, type Request } from './http.js';
import type { OrgState, User } from './org.js';
import { currentApps } from './apps.js';

/** `GET /apps/oauth/credentials/{appId}[/{consumerId}]`: "Available version 60.0". */
export const CREDENTIALS_MIN_VERSION = 60;

const PARTS = ['key', 'secret', 'keyandsecret'] as const;

/** The consumer Id of an app: one consumer per app, its Id derived from the app's [unconfirmed: the prefix]. */
const consumerIdOf = (appId: string): string => `0Cx${appId.slice(3)}`;

export class OAuthCredentialsApi {
  public constructor(private readonly org: OrgState) {}

  /** `rest` is the path after `/services/data/vNN.N/apps/oauth/credentials`. */
  public handle(req: Request, version: string, rest: string, user: User): Reply {
    if (Number(version) < CREDENTIALS_MIN_VERSION || req.method !== 'GET')
      return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!this.org.isAdmin(user))
      return restError(
        403,
        'INSUFFICIENT_ACCESS',
        "You don't have permission to view External Client App credentials.",
      );
    const [appId, consumerId, ...more] = rest.split('/').filter((s) => s.length > 0);
    // The app Id in its 15- or 18-character form (both reach real orgs: sfdx-hardis takes the usage API's identifier).
    const app = currentApps(this.org).find(
      (a) => a.kind === 'external-client-app' && appId !== undefined && a.id.startsWith(appId) && appId.length >= 15,
    );
    if (!app?.consumerKey || more.length > 0)
      return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const consumer = consumerIdOf(app.id);
    const base = `/services/data/v${version}/apps/oauth/credentials/${app.id}`;
    if (consumerId === undefined) {
      return json(200, {
        consumers: [{ id: consumer, key: app.consumerKey, name: app.label, url: `${base}/${consumer}` }],
      });
    }
    if (!consumer.startsWith(consumerId) || consumerId.length < 15)
      return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const part = req.query.get('part') ?? 'key';
    if (!(PARTS as readonly string[]).includes(part))
      return restError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Invalid value for part: ${part}. Valid values are key, secret and keyandsecret.`,
      );
    if (part !== 'key') {
      // The secret needs the org setting (ExternalClientAppSettings.enableClientSecretInRestApiAccess, API 62.0)
      // and the user's "View Client Secret" permission. The answers' texts are [unconfirmed]; sfdx-hardis
      // recognises a refusal by "not currently enabled" / "not enabled for this user".
      if (!this.org.options.clientSecretRestAccess) {
        return restError(
          403,
          'FUNCTIONALITY_NOT_ENABLED',
          'Access to consumer secrets through the REST API is not currently enabled for this org.',
        );
      }
      if (!this.org.options.adminViewsClientSecret) {
        return restError(
          403,
          'INSUFFICIENT_ACCESS',
          'Access to consumer secrets is not enabled for this user: the View Client Secret permission is required.',
        );
      }
    }
    const secret = this.org.consumerSecrets.get(app.consumerKey);
    return json(200, {
      id: consumer,
      ...(part === 'secret' ? {} : { key: app.consumerKey }),
      ...(part === 'key' ? {} : { secret }),
    });
  }
}
