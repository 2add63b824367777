import { accessTokenRegex, jwtTokenRegex, Lifecycle, sfdxAuthUrlRegex } from '@salesforce/core';

/**
 * The run's secrets, and the one filter every error, warning and log line that may quote a server's answer
 * passes through. A gateway or proxy that echoes the request it was sent puts back what the client sent —
 * the consumer secret, the signed assertion, the session id — into the body an error would quote.
 *
 * Two layers: the values this run holds (registered as soon as they exist: the consumer secret read from
 * a variable or the org, each key read or made, each assertion signed, each token granted, each session
 * the connection uses), replaced wherever they appear, also URL- or JSON-encoded; and the shapes of secrets
 * the run may not hold (a form's `client_secret=`, a JSON `"access_token"`, `Bearer …`, a SOAP
 * `<sessionId>`, a PEM private key), as @salesforce/core's logger filters do for sf's log — its patterns
 * for access tokens, JWTs and auth URLs are reused here.
 */
export const REDACTED = '[redacted]';

/**
 * One set per process, kept on the global object as @salesforce/core keeps its Lifecycle: a module loaded
 * twice (a test runner's loaders, a plugin linked and installed) still shares what the run holds.
 */
const HELD = Symbol.for('@jwtapp/plugin-jwtapp/secrets');
const globals = globalThis as typeof globalThis & { [HELD]?: Set<string> };
const held = (globals[HELD] ??= new Set<string>());

/** Shorter values would redact ordinary words; every secret this run holds is far longer. */
const MIN_LENGTH = 12;

/** A secret exists: from now on no error, warning or log line shows it. */
export const registerSecret = (value: string | undefined): void => {
  const secret = value?.trim();
  if (!secret || secret.length < MIN_LENGTH) return;
  held.add(secret);
  // As a form or a query string carries it, and as a JSON string does.
  held.add(encodeURIComponent(secret));
  held.add(JSON.stringify(secret).slice(1, -1));
  // A private key: each line of its body, so that part of one is hidden too.
  if (secret.includes('PRIVATE KEY-----')) {
    for (const line of secret.split(/\r?\n/))
      if (line.length >= MIN_LENGTH && !line.startsWith('-----')) held.add(line.trim());
  }
};

const SECRET_NAMES = 'client_secret|assertion|access_token|refresh_token|id_token|password|sessionId|sid|token';

/** What a secret looks like where the run may not hold it: replaced whoever sent it. */
const SHAPES: Array<[RegExp, string]> = [
  [
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    `-----BEGIN $1PRIVATE KEY----- ${REDACTED}`,
  ],
  // A form or query string: `client_secret=…&`.
  // (`code=` too, an authorization code; not a JSON `"code"`, which is an error's code.)
  [new RegExp(`\\b(${SECRET_NAMES}|code)=[^&\\s"'<>\\\\]+`, 'g'), `$1=${REDACTED}`],
  // A JSON member, also inside a JSON string (`\"access_token\":\"…\"`).
  [
    new RegExp(`(\\\\?"(?:${SECRET_NAMES}|clientSecret|consumerSecret)\\\\?"\\s*:\\s*\\\\?")[^"\\\\]*`, 'gi'),
    `$1${REDACTED}`,
  ],
  // An Authorization header, or a bearer token quoted anywhere.
  [/\b(authorization\s*:\s*)[^\r\n"'<>\\]+/gi, `$1${REDACTED}`],
  [/\bBearer\s+[\w.!~+/=-]{16,}/g, `Bearer ${REDACTED}`],
  // The SOAP header's session id (`<sessionId>`, `<sf:sessionId>`).
  [/(<(?:\w+:)?sessionId>)[^<]*/g, `$1${REDACTED}`],
  // @salesforce/core's patterns (its logger's filters): an access token (to its end, `-` included), a JWT, an auth URL.
  [new RegExp(`${accessTokenRegex.source}[\\w.-]*`, 'g'), REDACTED],
  [new RegExp(jwtTokenRegex.source, 'g'), REDACTED],
  [new RegExp(sfdxAuthUrlRegex.source, 'g'), REDACTED],
];

/** The text with every secret the run holds, and everything shaped like one, replaced. */
export const redact = (text: string): string => {
  let out = text;
  // Longest first: a value that contains another is replaced whole.
  for (const secret of [...held].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(secret, REDACTED);
  }
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
};

/**
 * Any value, its strings redacted, as `--json` will serialize it: what an error carries in `data`, `result`
 * or `actions`. Walked rather than redacted as one JSON text, so that no replacement can break the JSON.
 */
export const redactValue = <T>(value: T, seen = new WeakSet<object>()): T => {
  if (typeof value === 'string') return redact(value) as T;
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v: unknown) => redactValue(v, seen)) as T;
  if (value instanceof Error) return redactError(value) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, seen)])) as T;
};

const FIELDS = ['data', 'result', 'actions'] as const;

/**
 * The error, redacted where a user, `--json` or sf's log reads it: its message, stack, actions, data and
 * result, and its causes. Changed in place (its class and exit code stay), and returned.
 */
export const redactError = <E extends Error>(error: E, depth = 0): E => {
  const record = error as unknown as Record<string, unknown>;
  const fields: Record<string, unknown> = { message: redact(error.message) };
  if (error.stack) fields.stack = redact(error.stack);
  for (const field of FIELDS) if (record[field] !== undefined) fields[field] = redactValue(record[field]);
  if (error.cause instanceof Error && depth < 5) redactError(error.cause, depth + 1);
  else if (error.cause !== undefined) fields.cause = redactValue(error.cause);
  return Object.assign(error, fields);
};

type GuardedLifecycle = Lifecycle & { jwtappRedacted?: boolean };

/**
 * Every warning of the run, whoever emits it (this plugin, @salesforce/core, source-deploy-retrieve), goes
 * through `redact` before sf prints it, adds it to `--json` or logs it: the one Lifecycle of the process
 * is wrapped once. Called when this module loads, which every command does through its error handling.
 */
export const guardWarnings = (): void => {
  const lifecycle = Lifecycle.getInstance() as GuardedLifecycle;
  if (lifecycle.jwtappRedacted) return;
  const emitWarning = lifecycle.emitWarning.bind(lifecycle);
  Object.assign(lifecycle, {
    jwtappRedacted: true,
    emitWarning: (warning: string): Promise<void> => emitWarning(redact(warning)),
  });
};

guardWarnings();
