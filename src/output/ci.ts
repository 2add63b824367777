import { chmod, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { writeAtomically } from './files.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/** What a pipeline needs to log in as the integration user. */
export type PipelineLogin = {
  username: string;
  /** Undefined while it cannot be known yet (an app not yet read back); NEW_VALUE for an app not yet made. */
  clientId: string | undefined;
  loginUrl: string;
  instanceUrl: string;
  audience: string;
  keyFile: string | undefined;
  apiVersion: string;
};

/** Stands, before the org is written, for a value the org has not assigned yet: it differs from any value a file holds. */
export const NEW_VALUE = '\u0000new';

const quote = (s: string): string => (/^[A-Za-z0-9_./:@+=,-]*$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** The `sf org login jwt` line that logs a pipeline in, flags as that command names them. */
export const loginCommand = (login: PipelineLogin): string =>
  [
    'sf org login jwt',
    `--username ${quote(login.username)}`,
    `--client-id ${quote(login.clientId ?? '<client id>')}`,
    `--jwt-key-file ${quote(login.keyFile ?? '<path to the private key>')}`,
    `--instance-url ${quote(login.loginUrl)}`,
  ].join(' ');

/** A CI file's entries, by variable (dotenv) or property (settings JSON); undefined: not known yet. */
type Fields = Record<string, string | undefined>;

const DOTENV_HEADER = '# Written by sf jwtapp setup. Keep this file out of version control.';

/**
 * The dotenv file's variables. The key's contents go in only when asked (`SF_JWT_KEY`, its line breaks as
 * `\n`); the file is written 0600 either way, since it names an integration's credentials.
 */
const envFileFields = (login: PipelineLogin, privateKeyPem: string | undefined, clientSecret: string | undefined): Fields => ({
  SF_USERNAME: login.username,
  SF_CLIENT_ID: login.clientId,
  SF_LOGIN_URL: login.loginUrl,
  SF_INSTANCE_URL: login.instanceUrl,
  SF_AUDIENCE_URL: login.audience,
  ...(login.keyFile ? { SF_JWT_KEY_FILE: login.keyFile } : {}),
  ...(privateKeyPem ? { SF_JWT_KEY: `"${privateKeyPem.trim().replace(/\r?\n/g, '\\n')}"` } : {}),
  ...(clientSecret ? { SF_CLIENT_SECRET: clientSecret } : {}),
});

const envFileOf = (fields: Fields): string =>
  `${[DOTENV_HEADER, ...Object.entries(fields).map(([name, value]) => `${name}=${value ?? ''}`)].join('\n')}\n`;

export const envFileText = (login: PipelineLogin, privateKeyPem: string | undefined, clientSecret?: string): string =>
  envFileOf(envFileFields(login, privateKeyPem, clientSecret));

/** A dotenv file's variables, or undefined when sf jwtapp did not write it (its first line says who did). */
const parseEnvFile = (text: string): Fields | undefined => {
  const [first, ...rest] = text.split(/\r?\n/);
  if (!first.startsWith('# Written by sf jwtapp')) return undefined;
  return Object.fromEntries(rest.filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
};

const SETTINGS_PROPERTIES = ['Username', 'ClientId', 'PrivateKey', 'InstanceUrl', 'InstanceAPIVersion'];

/**
 * The settings document integration platforms take (seed 004's `salesforce_api_settings`): it carries the
 * private key by design, so it is written 0600.
 */
const settingsFields = (login: PipelineLogin, privateKeyPem: string): Fields => ({
  Username: login.username,
  ClientId: login.clientId,
  PrivateKey: privateKeyPem.trim(),
  InstanceUrl: login.instanceUrl,
  InstanceAPIVersion: `v${login.apiVersion}`,
});

const settingsFileOf = (fields: Fields): string => `${JSON.stringify(fields, undefined, 2)}\n`;

/** A settings document's properties, or undefined when it is not one (another JSON, or not JSON at all). */
const parseSettingsFile = (text: string): Fields | undefined => {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    return entries.every(([name, value]) => SETTINGS_PROPERTIES.includes(name) && typeof value === 'string') ? (parsed as Fields) : undefined;
  } catch {
    return undefined;
  }
};

const writeSecretFile = (path: string, text: string): Promise<void> => writeAtomically(path, text, 0o600);

export type CiFiles = { envFile?: string; settingsFile?: string };

/** The CI files a run was asked for, what may go into them (the key's contents, the consumer secret), and whether an existing one may be replaced. */
export type CiFilesRequest = {
  envFile?: string;
  includeKeyInEnvFile: boolean;
  includeSecretInEnvFile?: boolean;
  settingsFile?: string;
  /** Replace a file that exists with other contents (setup's --replace-ci-files, or --force). */
  force?: boolean;
};

type CiFileKind = 'envFile' | 'settingsFile';

const FORMATS: Record<CiFileKind, { flag: string; parse: (text: string) => Fields | undefined; render: (fields: Fields) => string }> = {
  envFile: { flag: '--dotenv-file', parse: parseEnvFile, render: envFileOf },
  settingsFile: { flag: '--settings-file', parse: parseSettingsFile, render: settingsFileOf },
};

/** A CI file as the run means to write it. */
type CiFile = { kind: CiFileKind; path: string; fields: Fields };

const ciFilesFor = (login: PipelineLogin, material: { privateKeyPem: string | undefined; clientSecret?: string }, request: CiFilesRequest): CiFile[] => {
  const files: CiFile[] = [];
  if (request.envFile) {
    files.push({ kind: 'envFile', path: resolve(request.envFile), fields: envFileFields(login, request.includeKeyInEnvFile ? material.privateKeyPem : undefined, material.clientSecret) });
  }
  if (request.settingsFile) {
    if (!material.privateKeyPem) throw messages.createError('error.SettingsNeedKey', [], [], EXIT_CODES.localInput);
    files.push({ kind: 'settingsFile', path: resolve(request.settingsFile), fields: settingsFields(login, material.privateKeyPem) });
  }
  return files;
};

/** A file's current text; undefined when there is none. A folder in its place cannot be written. */
const currentText = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') return undefined;
    throw messages.createError('error.OutputNotWritable', [path, code], [path], EXIT_CODES.localInput);
  }
};

const requested = (request: CiFilesRequest): Array<{ kind: CiFileKind; path: string }> =>
  (['envFile', 'settingsFile'] as const).flatMap((kind) => (request[kind] ? [{ kind, path: resolve(request[kind]) }] : []));

/**
 * Before any request: a CI file that already exists must be one sf jwtapp wrote (a dotenv file it headed,
 * a settings document of its properties), or the run would replace what someone else put there.
 * `--replace-ci-files` allows it; `cert rotate` always asks for another file.
 */
export const assertCiFilesOurs = async (request: CiFilesRequest, canForce: boolean): Promise<void> => {
  if (request.force) return;
  for (const { kind, path } of requested(request)) {
    // eslint-disable-next-line no-await-in-loop
    const text = await currentText(path);
    if (text !== undefined && FORMATS[kind].parse(text) === undefined) {
      const error = messages.createError('error.CiFileNotOurs', [path], [], EXIT_CODES.localInput);
      error.actions = [messages.getMessage(canForce ? 'action.forceOrAnother' : 'action.another', [FORMATS[kind].flag, path])];
      throw error;
    }
  }
};

/** Entries naming a user: Salesforce matches usernames in any case, so a file differing only in case agrees. */
const USERNAME_FIELDS = new Set(['SF_USERNAME', 'Username']);
const sameValue = (name: string, a: string | undefined, b: string | undefined): boolean =>
  a === b || (USERNAME_FIELDS.has(name) && a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase());

/** The entries an existing file holds with other values than the run's (entries not known yet are skipped). */
const differing = (existing: Fields, wanted: Fields): string[] =>
  [...new Set([...Object.keys(existing), ...Object.keys(wanted)])].filter(
    (name) => !(name in wanted && wanted[name] === undefined) && !sameValue(name, existing[name], wanted[name])
  );

/** The file says what the run would write but for a username's case (an earlier version wrote it as typed). */
const onlyCaseDiffers = (existing: Fields, wanted: Fields): boolean =>
  [...new Set([...Object.keys(existing), ...Object.keys(wanted)])].every((name) => sameValue(name, existing[name], wanted[name]));

/**
 * Once the org is read and before it is written: an existing CI file whose entries the run would change
 * (another app's client id, another user, the key now included, ...) is refused unless asked, so the run
 * stops before it changes the org rather than after. Only entry names are reported, never values.
 */
export const assertCiFilesAgree = async (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest
): Promise<void> => {
  if (request.force) return;
  for (const file of ciFilesFor(login, material, request)) {
    // eslint-disable-next-line no-await-in-loop
    const text = await currentText(file.path);
    const existing = text === undefined ? undefined : FORMATS[file.kind].parse(text);
    const changes = existing ? differing(existing, file.fields) : [];
    if (changes.length > 0) throw differsError(file, changes);
  }
};

const differsError = (file: CiFile, changes: string[]): Error =>
  messages.createError('error.CiFileDiffers', [file.path, changes.join(', ')], [FORMATS[file.kind].flag], EXIT_CODES.localInput);

/**
 * Writes the files a pipeline asked for (--dotenv-file, --settings-file), 0600 and atomically. A file that
 * already says the same is left untouched; one that says something else is replaced only when asked, or
 * after `keep` made a dated copy of it (cert rotate, whose purpose is to change the key they carry).
 */
export const writeCiFiles = async (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest,
  keep?: (path: string) => Promise<void>
): Promise<CiFiles> => {
  const written: CiFiles = {};
  for (const file of ciFilesFor(login, material, request)) {
    const text = FORMATS[file.kind].render(file.fields);
    // eslint-disable-next-line no-await-in-loop
    const current = await currentText(file.path);
    if (current !== undefined && current !== text) {
      const existing = FORMATS[file.kind].parse(current);
      if (keep && existing) {
        // eslint-disable-next-line no-await-in-loop
        await keep(file.path);
      } else if (!request.force && !(existing && onlyCaseDiffers(existing, file.fields))) {
        throw differsError(file, existing ? differing(existing, file.fields) : ['(not written by sf jwtapp)']);
      }
    }
    // eslint-disable-next-line no-await-in-loop
    if (current !== text) await writeSecretFile(file.path, text);
    // eslint-disable-next-line no-await-in-loop
    else if (((await stat(file.path)).mode & 0o077) !== 0) await chmod(file.path, 0o600);
    written[file.kind] = file.path;
  }
  return written;
};
