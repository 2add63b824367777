/**
 * The plugin's own HTTP requests (the token endpoint, the identity read) take the route sf's do. Behind a
 * corporate proxy sf reaches Salesforce through HTTPS_PROXY / HTTP_PROXY (both among @salesforce/core's
 * documented environment variables); a plain `fetch` ignores them, so `sf org login jwt` would log in where
 * `sf jwtapp verify` found the org unreachable.
 */

import type { Dispatcher } from 'undici';

/**
 * The proxy jsforce sends every sf request through: the first of these variables that is set, in this order
 * (`@jsforce/jsforce-node` lib/transport.js), used if not empty. Like jsforce, NO_PROXY is not read: the
 * route is the one sf's own requests took.
 */
export const proxyFromEnv = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const proxy = env.https_proxy ?? env.http_proxy ?? env.HTTPS_PROXY ?? env.HTTP_PROXY;
  return proxy === '' ? undefined : proxy;
};

type Undici = typeof import('undici');
const agents = new Map<string, Dispatcher>();

/** undici's ProxyAgent, as jsforce builds it (HTTP/1.1 through the tunnel); one per proxy for the process. */
const proxyAgent = (undici: Undici, uri: string): Dispatcher => {
  const agent = agents.get(uri) ?? new undici.ProxyAgent({ uri, requestTls: { allowH2: false } });
  agents.set(uri, agent);
  return agent;
};

/**
 * `fetch`, through the proxy sf uses when one is set. Without one it is Node's own fetch: undici is loaded
 * only behind a proxy, so start-up does not pay for it.
 */
export const sfFetch = async (url: string | URL, init: RequestInit): Promise<Response> => {
  const proxy = proxyFromEnv();
  if (!proxy) return fetch(url, init);
  const undici = await import('undici');
  const response = await undici.fetch(url, {
    ...(init as Parameters<Undici['fetch']>[1]),
    dispatcher: proxyAgent(undici, proxy),
  });
  return response as unknown as Response;
};
