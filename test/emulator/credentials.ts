/**
 * Connect REST's OAuth credentials resources for External Client Apps (API 60.0+): an app's consumers, and a
 * consumer's key, secret or both — how an API reads them where the Metadata API does not return them.
 * Shapes as sfdx-hardis reads them on real orgs (`{ consumers: [{ id, key, name }] }`, `{ key, secret }`);
 * sources and grades in docs/emulator.md, "Reading credentials".
 */
import { json, restError, type Reply, type Request } from './http.js';
import { newConsumerKey, newConsumerSecret, STAGED_CREDENTIAL_DAYS, type OrgState, type User } from './org.js';
import { currentApps, type OAuthApp } from './apps.js';

/** `GET /apps/oauth/credentials/{appId}[/{consumerId}]`: "Available version 60.0". */
export const CREDENTIALS_MIN_VERSION = 60;

const PARTS = ['key', 'secret', 'keyandsecret'] as const;

/** The consumer Id of an app: one consumer per app, its Id derived from the app's [unconfirmed: the prefix]. */
const consumerIdOf = (appId: string): string => `0Cx${appId.slice(3)}`;

export class OAuthCredentialsApi {
  public constructor(private readonly org: OrgState) {}

  /** `rest` is the path after `/services/data/vNN.N/apps/oauth/credentials`. */
  public handle(req: Request, version: string, rest: string, user: User): Reply {
    const staged = /^\/([^/]+)\/([^/]+)\/staged(?:\/([^/]+))?\/?$/.exec(rest);
    if (staged)
      return this.staged(req, version, user, { appId: staged[1], consumerId: staged[2], stagedId: staged[3] });
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
      const refused = this.secretRefusal();
      if (refused) return refused;
    }
    const secret = this.org.consumerSecrets.get(app.consumerKey);
    return json(200, {
      id: consumer,
      ...(part === 'secret' ? {} : { key: app.consumerKey }),
      ...(part === 'key' ? {} : { secret }),
    });
  }

  /**
   * The secret needs the org setting (ExternalClientAppSettings.enableClientSecretInRestApiAccess, API 62.0) and the
   * user's "View Client Secret" permission. The answers' texts are [unconfirmed]; sfdx-hardis recognises a refusal
   * by "not currently enabled" / "not enabled for this user".
   */
  private secretRefusal(): Reply | undefined {
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
    return undefined;
  }

  /**
   * `…/{appId}/{consumerId}/staged[/{stagedId}]` (API 65.0+, "Stage, Rotate, and Delete OAuth Credentials for an
   * External Client App"): GET the staged credential (404 when there is none, as sfdx-hardis reads it), POST a new
   * key and secret (one staged credential per consumer), PATCH `{"command": "rotate"}` to make it the primary pair
   * (the former primary takes the staged slot, `rotated`, valid up to 30 days), DELETE to revoke it. Shapes as
   * Infisical's types read them (`{stagedCredentials: [{id, key, secret, state, url}], url}`). docs/emulator.md,
   * "Staged credentials".
   */
  private staged(
    req: Request,
    version: string,
    user: User,
    ids: { appId: string; consumerId: string; stagedId: string | undefined },
  ): Reply {
    const notFound = restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (Number(version) < STAGED_MIN_VERSION) return notFound;
    if (!this.org.isAdmin(user))
      return restError(
        403,
        'INSUFFICIENT_ACCESS',
        "You don't have permission to manage External Client App credentials.",
      );
    const app = this.consumerOf(ids.appId, ids.consumerId);
    if (!app) return notFound;
    const refused = this.secretRefusal();
    if (refused) return refused;
    const base = `/services/data/v${version}/apps/oauth/credentials/${app.id}/${consumerIdOf(app.id)}/staged`;
    const slot = this.liveSlot(app.id);
    if (ids.stagedId === undefined) {
      if (req.method === 'GET') return slot ? stagedAnswer(200, base, slot) : notFound;
      if (req.method !== 'POST') return notFound;
      if (slot)
        return restError(400, 'INVALID_INPUT', 'This consumer already has staged credentials. Delete them first.');
      return stagedAnswer(201, base, this.stage(app.id));
    }
    if (!slot?.id.startsWith(ids.stagedId)) return notFound;
    if (req.method === 'DELETE') {
      // Revoked at once, as sfdx-hardis's --revoke-previous counts on [unconfirmed: no propagation].
      const lagging = this.org.now() - this.org.options.propagationMs;
      for (const c of this.org.extraCredentials) if (c.appId === app.id && c.key === slot.key) c.to = lagging;
      this.org.stagedCredentials.delete(app.id);
      return { status: 204 };
    }
    if (req.method !== 'PATCH') return notFound;
    const body = JSON.parse(req.body || '{}') as { command?: unknown };
    if (body.command !== 'rotate')
      return restError(400, 'INVALID_INPUT', `Invalid command: ${String(body.command)}. Valid values are rotate.`);
    if (slot.state !== 'active')
      return restError(400, 'INVALID_INPUT', 'Only active staged credentials can be rotated.');
    return this.rotate(app.id, app.name, slot) ?? stagedAnswer(200, base, this.org.stagedCredentials.get(app.id));
  }

  /** The External Client App whose consumer the Ids name (each in its 15- or 18-character form). */
  private consumerOf(appId: string, consumerId: string): OAuthApp | undefined {
    const app = currentApps(this.org).find(
      (a) => a.kind === 'external-client-app' && a.id.startsWith(appId) && appId.length >= 15,
    );
    return app?.consumerKey && consumerIdOf(app.id).startsWith(consumerId) && consumerId.length >= 15 ? app : undefined;
  }

  /** "Staged credentials are valid for 30 days unless they're deleted before then": then the slot is empty again. */
  private liveSlot(appId: string): StagedSlot | undefined {
    const held = this.org.stagedCredentials.get(appId);
    if (held && this.org.now() - held.since >= STAGED_LIFETIME_MS) this.org.stagedCredentials.delete(appId);
    return this.org.stagedCredentials.get(appId);
  }

  /** A new key and secret, staged: valid beside the primary pair once propagated, for 30 days. */
  private stage(appId: string): StagedSlot {
    const now = this.org.now();
    const created: StagedSlot = {
      id: this.org.newId('MetadataComponent').replace(/^.../, '0Cs'),
      key: newConsumerKey(),
      secret: newConsumerSecret(),
      state: 'active',
      since: now,
    };
    this.org.stagedCredentials.set(appId, created);
    this.org.extraCredentials.push({
      appId,
      key: created.key,
      secret: created.secret,
      from: now,
      to: Infinity,
      expires: now + STAGED_LIFETIME_MS,
    });
    return created;
  }

  /** The staged pair becomes the primary one; the former primary takes the slot, rotated, for up to 30 days. */
  private rotate(appId: string, appName: string, slot: StagedSlot): Reply | undefined {
    const now = this.org.now();
    const global = this.org
      .componentsOf('ExtlClntAppGlobalOauthSettings')
      .find((c) => String(c.body?.externalClientApplication).toLowerCase() === appName.toLowerCase());
    const oldKey = typeof global?.body?.consumerKey === 'string' ? global.body.consumerKey : undefined;
    if (!global?.body || !oldKey) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const oldSecret = this.org.consumerSecrets.get(oldKey) ?? '';
    this.org.putComponent(
      'ExtlClntAppGlobalOauthSettings',
      global.fullName,
      { ...global.body, consumerKey: slot.key },
      'MetadataComponent',
    );
    this.org.consumerSecrets.set(slot.key, slot.secret);
    // The token endpoint, which sees the change late, takes the staged pair until it sees it as the primary one,
    // and the former primary from then on: no moment where neither works.
    for (const c of this.org.extraCredentials) if (c.appId === appId && c.key === slot.key) c.to = now;
    this.org.extraCredentials.push({
      appId,
      key: oldKey,
      secret: oldSecret,
      from: now,
      to: Infinity,
      expires: now + STAGED_LIFETIME_MS,
    });
    this.org.stagedCredentials.set(appId, {
      id: slot.id,
      key: oldKey,
      secret: oldSecret,
      state: 'rotated',
      since: now,
    });
    return undefined;
  }
}

type StagedSlot = { id: string; key: string; secret: string; state: 'active' | 'rotated'; since: number };

/** The staged slot as the resources answer it: the pair, its state, its URL. */
const stagedAnswer = (status: number, base: string, slot: StagedSlot | undefined): Reply =>
  json(status, {
    stagedCredentials: slot
      ? [{ id: slot.id, key: slot.key, secret: slot.secret, state: slot.state, url: `${base}/${slot.id}` }]
      : [],
    url: base,
  });

/** The staged credentials resources: "Available version 65.0". */
export const STAGED_MIN_VERSION = 65;
const STAGED_LIFETIME_MS = STAGED_CREDENTIAL_DAYS * 86_400_000;
