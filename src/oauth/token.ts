import { sfFetch } from '../connection/http.js';
import { redact, registerSecret } from '../output/redact.js';

/** What the token endpoint answered, kept whole: the OAuth error code and text, and the server's clock. */
export type TokenGrant = {
  accessToken: string;
  instanceUrl: string;
  /** The identity URL, `…/id/<orgId>/<userId>`. */
  id: string;
  scopes: string[];
  tokenType: string;
};

export type TokenOutcome =
  | { kind: 'granted'; grant: TokenGrant; serverDate: Date | undefined }
  | { kind: 'refused'; status: number; error: string; description: string; serverDate: Date | undefined }
  | { kind: 'http-error'; status: number; body: string; serverDate: Date | undefined }
  | { kind: 'unreachable'; message: string }
  /** A 3xx: the token endpoint never redirects, so this is a moved domain or something in Salesforce's place. */
  | { kind: 'redirected'; status: number; location: string };

export const TOKEN_PATH = '/services/oauth2/token';
const REQUEST_TIMEOUT_MS = 30_000;

/** An Experience Cloud site's login URL has a path (`…/partners`); the token endpoint sits below it. */
export const tokenUrl = (loginUrl: string): string => `${loginUrl.replace(/\/+$/, '')}${TOKEN_PATH}`;

const parseDate = (header: string | null): Date | undefined => {
  const ms = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms);
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One POST to the token endpoint, through sf's proxy if one is set. Plain fetch rather than jsforce's
 * OAuth2: diagnosis needs the raw `error` code (jsforce keeps only the description), the HTTP status and
 * the `Date` header.
 */
export const requestToken = async (loginUrl: string, form: Record<string, string>): Promise<TokenOutcome> => {
  let response: Response;
  try {
    response = await sfFetch(tokenUrl(loginUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      // Followed, a POST would come back a GET without its form: the redirect itself is the answer.
      redirect: 'manual',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unreachable', message: cause?.code ?? cause?.message ?? (e as Error).message };
  }
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    return { kind: 'redirected', status: response.status, location: new URL(location, tokenUrl(loginUrl)).href };
  }
  const serverDate = parseDate(response.headers.get('date'));
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  if (response.ok && isRecord(body) && typeof body.access_token === 'string') {
    registerSecret(body.access_token);
    if (typeof body.refresh_token === 'string') registerSecret(body.refresh_token);
    return {
      kind: 'granted',
      serverDate,
      grant: {
        accessToken: body.access_token,
        instanceUrl: String(body.instance_url ?? ''),
        id: String(body.id ?? ''),
        scopes: typeof body.scope === 'string' ? body.scope.split(' ').filter((s) => s.length > 0) : [],
        tokenType: String(body.token_type ?? 'Bearer'),
      },
    };
  }
  if (isRecord(body) && typeof body.error === 'string') {
    return {
      kind: 'refused',
      status: response.status,
      error: redact(body.error),
      // What a gateway that echoes the request puts here is what was sent: the secret, the assertion.
      description: typeof body.error_description === 'string' ? redact(body.error_description) : '',
      serverDate,
    };
  }
  return { kind: 'http-error', status: response.status, body: redact(text).slice(0, 500), serverDate };
};

/** `https://…/id/00D…/005…` → the org and user Ids. */
export const parseIdentityUrl = (id: string): { orgId: string; userId: string } | undefined => {
  const m = /\/id\/([a-zA-Z0-9]{15,18})\/([a-zA-Z0-9]{15,18})\/?$/.exec(id);
  return m ? { orgId: m[1], userId: m[2] } : undefined;
};
