import { createSign } from 'node:crypto';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * An RS256 JWT signed here with node:crypto, not with the plugin's code: the emulator's tests must not
 * lean on the code the emulator is there to test.
 */
export const signJwt = (
  claims: Record<string, unknown>,
  privateKeyPem: string,
  header: Record<string, unknown> = { alg: 'RS256' },
): string => {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${part(header)}.${part(claims)}`;
  return `${signingInput}.${createSign('RSA-SHA256').update(signingInput).sign(privateKeyPem).toString('base64url')}`;
};

export type TokenAnswer = { status: number; body: Record<string, string> };

/** POST /services/oauth2/token with a form body, as any OAuth client sends it. */
export const postToken = async (
  baseUrl: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<TokenAnswer> => {
  const response = await fetch(`${baseUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams(form),
    headers,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

/** The JWT bearer flow: the claims signed with the key, sent as the assertion. */
export const jwtLogin = (
  baseUrl: string,
  claims: Record<string, unknown>,
  privateKeyPem: string,
): Promise<TokenAnswer> =>
  postToken(baseUrl, { grant_type: JWT_BEARER_GRANT, assertion: signJwt(claims, privateKeyPem) });

export type ClientError = Error & { errorCode?: string; data?: unknown };

/** The error a call is refused with; fails the test if the call succeeds. */
export const refusal = <T>(call: PromiseLike<T>): Promise<ClientError> =>
  Promise.resolve(call).then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (e: ClientError) => e,
  );
