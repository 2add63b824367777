import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'errors');

type HttpRequest = { url?: string; method?: string };
type Transport = { httpRequest(req: HttpRequest, options?: Record<string, unknown>): unknown };

/** Where an answer points, shown without its query (a sign-in page's `startURL` may carry anything). */
export const shownUrl = (url: URL): string => `${url.origin}${url.pathname}`;

/**
 * Where a redirect points, and whether it is a moved domain. Salesforce's APIs answer a call where it was
 * sent (a refused session is a 401 or a SOAP fault, never a sign-in page), with one exception: an org whose
 * domain moved (a My Domain rename, the enhanced domains migration, a `*.lightning.force.com` URL) redirects
 * to the same path on its new host. A redirect elsewhere is a proxy or single sign-on gateway between this
 * machine and Salesforce.
 */
export const redirectTarget = (from: string, location: string): { target: URL; moved: boolean } => {
  const source = new URL(from);
  const target = new URL(location, source);
  return { target, moved: target.origin !== source.origin && target.pathname === source.pathname };
};

/** The error for an API call answered with a redirect (see redirectTarget). */
export const redirectError = (from: string, location: string): Error => {
  const { target, moved } = redirectTarget(from, location);
  return moved
    ? messages.createError(
        'error.DomainMoved',
        [new URL(from).origin, target.origin],
        [target.origin],
        EXIT_CODES.orgRefused,
      )
    : messages.createError(
        'error.RedirectedAway',
        [shownUrl(new URL(from)), shownUrl(target)],
        [target.host],
        EXIT_CODES.orgRefused,
      );
};

/**
 * Makes the connection refuse redirects at once, named, instead of following them as jsforce does: jsforce
 * turns every redirected request into a GET without its body (a Metadata API call becomes a request that
 * cannot succeed), and a sign-in page on an unreachable host costs its five retries per call before
 * anything is said.
 */
export const refuseRedirects = (conn: Connection): void => {
  // jsforce's per-connection transport: the one place every REST and SOAP call of this connection passes.
  // eslint-disable-next-line no-underscore-dangle
  const transport = (conn as unknown as { _transport?: Transport })._transport;
  if (!transport) return;
  const httpRequest = transport.httpRequest.bind(transport);
  transport.httpRequest = (req: HttpRequest, options?: Record<string, unknown>): unknown =>
    httpRequest(req, {
      ...options,
      followRedirect: (location: string) => {
        throw redirectError(String(req.url), location);
      },
    });
};
