import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler answers; the server writes it and logs its status. */
export type Reply = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
};

export type Request = {
  method: string;
  /** The path with doubled slashes collapsed, as Salesforce's front door does. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The caller's IP address, for login IP range checks. */
  remoteAddress: string;
};

export const json = (status: number, value: unknown): Reply => ({
  status,
  headers: { 'content-type': 'application/json;charset=UTF-8' },
  body: JSON.stringify(value),
});

export const xml = (status: number, body: string): Reply => ({
  status,
  headers: { 'content-type': 'text/xml;charset=UTF-8' },
  body,
});

/** The REST API's error body: an array of `{message, errorCode}` (plus `fields` on DML errors). */
export const restError = (status: number, errorCode: string, message: string, fields?: string[]): Reply =>
  json(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);

export const readRequest = async (req: IncomingMessage): Promise<Request> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // Not `new URL(req.url, base)`: a path starting with `//` would be read as a host name.
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: decodeURIComponent(pathname).replace(/\/{2,}/g, '/'),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
    remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
  };
};

export const writeReply = (res: ServerResponse, reply: Reply, date: Date): void => {
  // Salesforce sends a Date header; clients use it to detect clock skew.
  res.writeHead(reply.status, { date: date.toUTCString(), ...reply.headers });
  res.end(reply.body ?? '');
};

/** The bearer token of a REST call (`Authorization: Bearer …`, or the older `OAuth …`). */
export const bearerToken = (req: Request): string | undefined => {
  const header = req.headers.authorization;
  const match = header ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header) : null;
  return match?.[1]?.trim();
};

/** A form-encoded body, or the query string of a request with none. */
export const formParams = (req: Request): URLSearchParams =>
  req.body.length > 0 ? new URLSearchParams(req.body) : req.query;
