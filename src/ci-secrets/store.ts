import { Messages } from '@salesforce/core';
import { sfFetch } from '../connection/http.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { CiSecret } from './names.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
export const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'ci-secrets');

/** A CI's secret store: checked before anything is written to the org, written once the login works. */
export type SecretStore = {
  /** How messages and results name it: `GitHub acme/app (environment uat)`, `GitLab group/app`. */
  label: string;
  /** It takes the plugin's own names (`SF_CLIENT_ID`), whatever naming and suffix the run asked of the others. */
  fixedNames?: boolean;
  /** The token reaches the repository or project and may write its secrets; nothing is written. */
  check(): Promise<void>;
  /** Creates or replaces each secret. */
  write(secrets: CiSecret[]): Promise<void>;
};

/** What a run wrote to a store: names, never values. */
export type WrittenSecrets = { store: string; names: string[] };

/** The token a store's API takes, from the first of the variables that is set; none set is refused before anything. */
export const tokenFrom = (variables: string[], store: string): string => {
  const found = variables.map((v) => process.env[v]?.trim()).find((v) => v);
  if (!found)
    throw messages.createError('error.CiTokenMissing', [store, variables.join(' or ')], [], EXIT_CODES.localInput);
  return found;
};

/** An API base from its variable (what the CI's own jobs see), else the public service's. */
export const apiBase = (variable: string, fallback: string): string =>
  (process.env[variable]?.trim() ?? '').replace(/\/+$/, '') || fallback;

/** One JSON request to a store's API; an answer the run cannot go on from is a named error. */
export const storeRequest = async (
  store: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown },
  tokenHelp: string,
): Promise<{ status: number; body: unknown }> => {
  let response: Response;
  try {
    response = await sfFetch(url, {
      method: init.method,
      headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (e) {
    throw messages.createError(
      'error.CiStoreUnreachable',
      [store, new URL(url).origin, (e as Error).cause ? String((e as Error).cause) : (e as Error).message],
      [],
      EXIT_CODES.orgRefused,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: kept as text for the message.
  }
  if (response.status === 401 || response.status === 403)
    throw messages.createError(
      'error.CiTokenRefused',
      [store, response.status, answerText(body)],
      [tokenHelp],
      EXIT_CODES.orgRefused,
    );
  return { status: response.status, body };
};

/** What a store said, short: its `message`, else the text. */
export const answerText = (body: unknown): string => {
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
  const text = typeof message === 'string' ? message : JSON.stringify(message ?? '');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** A store's answer the run did not expect. */
export const refused = (store: string, what: string, status: number, body: unknown): Error =>
  messages.createError('error.CiStoreRefused', [store, what, status, answerText(body)], [], EXIT_CODES.orgRefused);

/** A store refused a write after others took it: the error says which hold the new values, and `written` lists them. */
export type PartlyWritten = Error & { written?: WrittenSecrets[] };

/** Writes each store its secrets, in turn; the names written, by store. */
export const writeSecrets = async (
  stores: SecretStore[],
  secretsOf: (store: SecretStore) => CiSecret[],
): Promise<WrittenSecrets[]> => {
  const written: WrittenSecrets[] = [];
  for (const store of stores) {
    const secrets = secretsOf(store);
    try {
      // eslint-disable-next-line no-await-in-loop
      await store.write(secrets);
    } catch (e) {
      if (written.length > 0 && e instanceof Error) {
        const partly = e as PartlyWritten & { actions?: string[] };
        partly.written = written;
        partly.actions = [
          messages.getMessage('partlyWritten', [written.map((w) => w.store).join(', '), store.label]),
          ...(partly.actions ?? []),
        ];
      }
      throw e;
    }
    written.push({ store: store.label, names: secrets.map((s) => s.name) });
  }
  return written;
};
