import { createSign, type KeyObject } from 'node:crypto';
import { registerSecret } from '../output/redact.js';

/** Salesforce accepts JWTs that expire within 3 minutes; a shorter lifetime leaves room for clock skew. */
export const JWT_LIFETIME_SECONDS = 180;

export type JwtClaims = { iss: string; sub: string; aud: string; exp: number };

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export const jwtClaims = (clientId: string, username: string, audience: string, nowMs: number): JwtClaims => ({
  iss: clientId,
  sub: username,
  aud: audience,
  exp: Math.floor(nowMs / 1000) + JWT_LIFETIME_SECONDS,
});

/** An RS256-signed JWT bearer assertion. Small enough to write here than to add a JWT library for. */
export const signAssertion = (claims: JwtClaims, key: KeyObject): string => {
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key).toString('base64url');
  const assertion = `${signingInput}.${signature}`;
  // The whole assertion, and its signature alone: a quoted echo cut short may hold only part of it.
  registerSecret(assertion);
  registerSecret(signature);
  return assertion;
};
