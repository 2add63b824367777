import { chmod, readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { Messages } from '@salesforce/core';
import { keyPairPaths } from '../certificate/files.js';
import { EXIT_CODES } from '../exit-codes.js';
import { realTarget, writeThroughLinks } from './files.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/** What a pipeline needs to log in as the integration user. */
export type PipelineLogin = {
  username: string;
  /** Undefined while it cannot be known yet (an app not yet read back); NEW_VALUE for an app not yet made. */
  clientId: string | undefined;
  loginUrl: string;
  /**
   * The org's instance, as a verified login reported it (the token response's `instance_url`); undefined
   * without one: a file keeps the instance it holds, a new one gets the login URL.
   */
  instanceUrl: string | undefined;
  audience: string;
  keyFile: string | undefined;
  apiVersion: string;
  /** A Dev Hub logged in through an External Client App: the app scratch-org signup uses instead (SF_SCRATCH_SIGNUP_*). */
  scratchSignup?: { connectedApp: string; callbackUrl: string };
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
 * The dotenv file's variables. The key's contents go in only when asked (`SF_JWT_KEY`); the file is written
 * 0600 either way, since it names an integration's credentials.
 */
const envFileFields = (
  login: PipelineLogin,
  privateKeyPem: string | undefined,
  clientSecret: string | undefined,
): Fields => ({
  SF_USERNAME: login.username,
  SF_CLIENT_ID: login.clientId,
  SF_LOGIN_URL: login.loginUrl,
  SF_INSTANCE_URL: login.instanceUrl,
  SF_AUDIENCE_URL: login.audience,
  ...(login.keyFile ? { SF_JWT_KEY_FILE: resolve(login.keyFile) } : {}),
  ...(privateKeyPem ? { SF_JWT_KEY: privateKeyPem.trim().replace(/\r\n/g, '\n') } : {}),
  ...(clientSecret ? { SF_CLIENT_SECRET: clientSecret } : {}),
  ...(login.scratchSignup
    ? {
        SF_SCRATCH_SIGNUP_CONNECTED_APP: login.scratchSignup.connectedApp,
        SF_SCRATCH_SIGNUP_CALLBACK_URL: login.scratchSignup.callbackUrl,
      }
    : {}),
});

/*
 * One dotenv file, four readers: the `dotenv` package, bash's `set -a; source`, docker's `--env-file` and
 * GitHub's `gh secret set -f` (joho/godotenv). A value is written so that each reads it back as it is:
 * - bare (`NAME=value`) when it holds only letters, digits and `_ . / : @ + , = % -` (and does not end in
 *   `---`, which godotenv drops before a line break): all four read it exactly;
 * - in single quotes otherwise (a space, `#`, `"`, `$`, ...): bash, dotenv and godotenv read it exactly;
 *   docker's `--env-file` takes every value literally, so it keeps the quotes;
 * - in double quotes when it holds a `'` (and no `"`, `$`, backtick or backslash, which bash or godotenv
 *   would read as more than themselves): the same three read it exactly, docker keeps the quotes.
 * Nothing is ever escaped inside quotes, so no reader can unescape it differently. A value no form carries
 * for all three (a line break; a `'` with one of those characters; a trailing backslash, which godotenv
 * takes as escaping the closing quote) is refused before anything is written.
 * The private key (`SF_JWT_KEY`) cannot be one line: it is written as one, in double quotes with its line
 * breaks as `\n`, which dotenv and godotenv turn back into the PEM exactly; bash keeps the `\n`, which
 * `--jwt-key-env` reads as line breaks; docker cannot carry it.
 */
const BARE = /^[\p{L}\p{N}\p{M}_./:@+,=%-]*$/u;

/** Why a value cannot be written so every reader gets it back; undefined when it can. */
const unwritable = (name: string, value: string): string | undefined => {
  if (name === 'SF_JWT_KEY') return /["$`\\]/.test(value) ? 'value.keyCharacters' : undefined;
  if (/[\r\n\0]/.test(value)) return 'value.lineBreak';
  if (value.includes("'") && /["$`\\]/.test(value)) return 'value.quotes';
  if (!value.includes("'") && value.endsWith('\\')) return 'value.trailingBackslash';
  return undefined;
};

const dotenvValue = (name: string, value: string): string => {
  if (name === 'SF_JWT_KEY') return `"${value.replace(/\r?\n/g, '\\n')}"`;
  if (BARE.test(value) && !value.endsWith('---')) return value;
  return value.includes("'") ? `"${value}"` : `'${value}'`;
};

/** The value a line of this file holds, as written by dotenvValue (and, unquoted, by earlier versions). */
const dotenvValueOf = (written: string): string => {
  const quoted = /^(["'])([^]*)\1$/.exec(written);
  if (!quoted) return written;
  return quoted[1] === '"' ? quoted[2].replace(/\\n/g, '\n') : quoted[2];
};

/** Refuses, naming the variable (never its value, which may be a secret), a value the file cannot carry. */
const assertDotenvValues = (path: string, fields: Fields): void => {
  for (const [name, value] of Object.entries(fields)) {
    const reason = value === undefined || value === NEW_VALUE ? undefined : unwritable(name, value);
    if (reason) {
      throw messages.createError(
        'error.CiValueUnwritable',
        [name, path, messages.getMessage(reason)],
        [name],
        EXIT_CODES.localInput,
      );
    }
  }
};

/** Said in the file above the variables it explains. */
const DOTENV_COMMENTS: Record<string, string> = {
  SF_SCRATCH_SIGNUP_CONNECTED_APP:
    '# A Dev Hub logged in through an External Client App: sf org create scratch signs up with this app instead (sf 2.147.7 and later; C-1016, forcedotcom/cli#3515). Do not also export SFDX_CLIENT_SECRET.',
};

const envFileOf = (fields: Fields): string =>
  `${[
    DOTENV_HEADER,
    ...Object.entries(fields).flatMap(([name, value]) => [
      ...(DOTENV_COMMENTS[name] ? [DOTENV_COMMENTS[name]] : []),
      `${name}=${dotenvValue(name, value ?? '')}`,
    ]),
  ].join('\n')}\n`;

export const envFileText = (login: PipelineLogin, privateKeyPem: string | undefined, clientSecret?: string): string =>
  envFileOf(envFileFields(login, privateKeyPem, clientSecret));

/** A dotenv file's variables, or undefined when sf jwtapp did not write it (its first line says who did). */
const parseEnvFile = (text: string): Fields | undefined => {
  const [first, ...rest] = text.split(/\r?\n/);
  if (!first.startsWith('# Written by sf jwtapp')) return undefined;
  return Object.fromEntries(
    rest
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), dotenvValueOf(line.slice(line.indexOf('=') + 1))]),
  );
};

const SETTINGS_PROPERTIES = ['Username', 'ClientId', 'PrivateKey', 'InstanceUrl', 'InstanceAPIVersion'];

/**
 * The settings document integration platforms take (Onify's `salesforce_api_settings`, docs/research/vendor-guides.md): it carries the
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
    return entries.every(([name, value]) => SETTINGS_PROPERTIES.includes(name) && typeof value === 'string')
      ? (parsed as Fields)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A CI file that is a symbolic link is written through it: the link stays, the file it names is replaced. */
const writeSecretFile = (path: string, text: string): Promise<void> => writeThroughLinks(path, text, 0o600);

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

const FORMATS: Record<
  CiFileKind,
  { flag: string; parse: (text: string) => Fields | undefined; render: (fields: Fields) => string }
> = {
  envFile: { flag: '--dotenv-file', parse: parseEnvFile, render: envFileOf },
  settingsFile: { flag: '--settings-file', parse: parseSettingsFile, render: settingsFileOf },
};

/** A CI file as the run means to write it. */
type CiFile = { kind: CiFileKind; path: string; fields: Fields };

const ciFilesFor = (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest,
): CiFile[] => {
  const files: CiFile[] = [];
  if (request.envFile) {
    files.push({
      kind: 'envFile',
      path: resolve(request.envFile),
      fields: envFileFields(
        login,
        request.includeKeyInEnvFile ? material.privateKeyPem : undefined,
        material.clientSecret,
      ),
    });
  }
  if (request.settingsFile) {
    if (!material.privateKeyPem) throw messages.createError('error.SettingsNeedKey', [], [], EXIT_CODES.localInput);
    files.push({
      kind: 'settingsFile',
      path: resolve(request.settingsFile),
      fields: settingsFields(login, material.privateKeyPem),
    });
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
  (['envFile', 'settingsFile'] as const).flatMap((kind) =>
    request[kind] ? [{ kind, path: resolve(request[kind]) }] : [],
  );

/**
 * What else a run reads or writes, and what it knows before the org is read, for the checks made before
 * anything is sent: the key pair's folder (its `server.key` and `server.crt`), a brought key or certificate,
 * the integration user. `cert rotate`'s run and setup's key request have these fields as they are.
 */
export type CiFilesContext = {
  outputDir?: string;
  privateKeyFile?: string;
  certificateFile?: string;
  username?: string;
};

type Output = { path: string; what: string };

/** The same file: one path, or two the file system says are one (a hard link, a case-insensitive name). */
const sameFile = async (a: string, b: string): Promise<boolean> => {
  if (a === b) return true;
  const [x, y] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
};

/** How a CI file's real path stands to another output's: the same file, a folder of it, inside it, or apart. */
const relationOf = async (file: string, other: string): Promise<string | undefined> => {
  if (await sameFile(file, other)) return 'collision.same';
  if (other.startsWith(`${file}${sep}`)) return 'collision.holds';
  if (file.startsWith(`${other}${sep}`)) return 'collision.inside';
  return undefined;
};

/**
 * Before anything is written: the CI files must be files of their own. Two outputs of one run that are one
 * file (the dotenv named as the key, the dotenv and the settings the same, a symbolic link or `..` leading
 * to either), or one that is a folder another goes in, would have the run destroy what it just wrote, or
 * fail after the org was changed. Paths are compared as the file system resolves them.
 */
const assertNoCollision = async (request: CiFilesRequest, context: CiFilesContext): Promise<void> => {
  const ci: Output[] = requested(request).map(({ kind, path }) => ({ path, what: `${FORMATS[kind].flag} ${path}` }));
  const folder = context.outputDir ? keyPairPaths(context.outputDir) : undefined;
  const others: Output[] = [
    ...[folder?.keyFile, context.privateKeyFile].flatMap((path) =>
      path ? [{ path: resolve(path), what: messages.getMessage('output.keyFile', [resolve(path)]) }] : [],
    ),
    ...[folder?.certificateFile, context.certificateFile].flatMap((path) =>
      path ? [{ path: resolve(path), what: messages.getMessage('output.certificateFile', [resolve(path)]) }] : [],
    ),
  ];
  const real = async (o: Output): Promise<Output & { real: string }> => ({ ...o, real: await realTarget(o.path) });
  const ciReal = await Promise.all(ci.map(real));
  const othersReal = await Promise.all(others.map(real));
  for (const [i, file] of ciReal.entries()) {
    for (const other of [...ciReal.slice(i + 1), ...othersReal]) {
      // eslint-disable-next-line no-await-in-loop
      const relation = await relationOf(file.real, other.real);
      if (relation) {
        throw messages.createError(
          'error.CiFileCollision',
          [file.what, messages.getMessage(relation), other.what, file.real],
          [],
          EXIT_CODES.localInput,
        );
      }
    }
  }
};

/**
 * Before any request: CI files that collide with each other or the key pair are refused (see
 * assertNoCollision); a value known already that the dotenv file cannot carry is refused; and a CI file
 * that already exists must be one sf jwtapp wrote (a dotenv file it headed, a settings document of its
 * properties), or the run would replace what someone else put there. `--replace-ci-files` allows that
 * last one; `cert rotate` always asks for another file.
 */
export const assertCiFilesOurs = async (
  request: CiFilesRequest,
  canForce: boolean,
  context: CiFilesContext = {},
): Promise<void> => {
  await assertNoCollision(request, context);
  // The key path the dotenv file will name: the folder's key, or the one brought.
  const keyFile = context.outputDir ? keyPairPaths(context.outputDir).keyFile : context.privateKeyFile;
  if (request.envFile) {
    assertDotenvValues(resolve(request.envFile), {
      ...(context.username ? { SF_USERNAME: context.username } : {}),
      ...(keyFile ? { SF_JWT_KEY_FILE: resolve(keyFile) } : {}),
    });
  }
  if (request.force) return;
  // eslint-disable-next-line no-await-in-loop
  for (const { kind, path } of requested(request)) await ourFile(kind, path, canForce);
};

/**
 * A CI file's entries, when sf jwtapp wrote it; undefined when there is none. One another program wrote is refused
 * (`canForce`: the command's --replace-ci-files may replace it), since its entries would be replaced.
 */
const ourFile = async (kind: CiFileKind, path: string, canForce: boolean): Promise<Fields | undefined> => {
  const text = await currentText(path);
  if (text === undefined) return undefined;
  const fields = FORMATS[kind].parse(text);
  if (fields) return fields;
  const error = messages.createError('error.CiFileNotOurs', [path], [], EXIT_CODES.localInput);
  error.actions = [
    messages.getMessage(canForce ? 'action.forceOrAnother' : 'action.another', [FORMATS[kind].flag, path]),
  ];
  throw error;
};

/** A dotenv file's variables, for a command that writes into the one it is given (credentials rotate). */
export const readOurEnvFile = (path: string): Promise<Fields | undefined> => ourFile('envFile', resolve(path), false);

/**
 * Replaces (or adds) the entries in a dotenv file sf jwtapp wrote, or in a new one, keeping every other entry as
 * it was: 0600, atomically, through a symbolic link. A value the file cannot carry is refused before writing.
 */
export const writeEnvEntries = async (path: string, entries: Record<string, string>): Promise<void> => {
  const at = resolve(path);
  const fields = { ...(await readOurEnvFile(at)), ...entries };
  assertDotenvValues(at, fields);
  await writeSecretFile(at, envFileOf(fields));
};

/** Entries naming a user: Salesforce matches usernames in any case, so a file differing only in case agrees. */
const USERNAME_FIELDS = new Set(['SF_USERNAME', 'Username']);
const sameValue = (name: string, a: string | undefined, b: string | undefined): boolean =>
  a === b || (USERNAME_FIELDS.has(name) && a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase());

/** Entries that make a file hold a secret it did not hold: adding one is a change the file's owner must ask for. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['SF_JWT_KEY', 'SF_CLIENT_SECRET', 'PrivateKey']);

/**
 * The entries an existing file holds with other values than the run's (entries not known yet are skipped). An
 * entry the file lacks and the run adds (a Dev Hub's scratch signup variables) changes nothing a reader of the file
 * read before, so it is no difference, unless it puts a secret into the file.
 */
const differing = (existing: Fields, wanted: Fields): string[] =>
  [...new Set([...Object.keys(existing), ...Object.keys(wanted)])].filter(
    (name) =>
      !(name in wanted && wanted[name] === undefined) &&
      (name in existing || SECRET_FIELDS.has(name)) &&
      !sameValue(name, existing[name], wanted[name]),
  );

/** The entries that say the org's instance. */
const INSTANCE_FIELDS: ReadonlySet<string> = new Set(['SF_INSTANCE_URL', 'InstanceUrl']);

/** The instance, when no verified login said it: the one the file holds, or the login URL for a new file. */
const withInstance = (fields: Fields, existing: Fields | undefined, loginUrl: string): Fields =>
  Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      INSTANCE_FIELDS.has(name) && value === undefined ? (existing?.[name] ?? loginUrl) : value,
    ]),
  );

/**
 * Once the org is read and before it is written: an existing CI file whose entries the run would change
 * (another app's client id, another user, the key now included, ...) is refused unless asked, so the run
 * stops before it changes the org rather than after. Only entry names are reported, never values.
 */
export const assertCiFilesAgree = async (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest,
): Promise<void> => {
  const files = ciFilesFor(login, material, request);
  for (const file of files) if (file.kind === 'envFile') assertDotenvValues(file.path, file.fields);
  if (request.force) return;
  for (const file of files) {
    // eslint-disable-next-line no-await-in-loop
    const text = await currentText(file.path);
    const existing = text === undefined ? undefined : FORMATS[file.kind].parse(text);
    const changes = existing ? differing(existing, file.fields) : [];
    if (changes.length > 0) throw differsError(file, changes);
  }
};

const differsError = (file: CiFile, changes: string[]): Error =>
  messages.createError(
    'error.CiFileDiffers',
    [file.path, changes.join(', ')],
    [FORMATS[file.kind].flag],
    EXIT_CODES.localInput,
  );

/**
 * Writes the files a pipeline asked for (--dotenv-file, --settings-file), 0600 and atomically. A file that
 * already says the same is left untouched; one that says something else is replaced only when asked, or
 * after `keep` made a dated copy of it (cert rotate, whose purpose is to change the key they carry).
 */
export const writeCiFiles = async (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest,
  keep?: (path: string) => Promise<void>,
): Promise<CiFiles> => {
  const written: CiFiles = {};
  const files = ciFilesFor(login, material, request);
  for (const file of files) if (file.kind === 'envFile') assertDotenvValues(file.path, file.fields);
  for (const file of files) {
    // eslint-disable-next-line no-await-in-loop
    const current = await currentText(file.path);
    const existing = current === undefined ? undefined : FORMATS[file.kind].parse(current);
    const fields = withInstance(file.fields, existing, login.loginUrl);
    const text = FORMATS[file.kind].render(fields);
    if (current !== undefined && current !== text) {
      // The instance is the org's answer, not a choice: a file that differs only there is rewritten.
      const changes = existing ? differing(existing, fields).filter((name) => !INSTANCE_FIELDS.has(name)) : undefined;
      // The same values written another way (an earlier version's unquoted ones) are simply rewritten.
      const sameValues = changes?.length === 0;
      if (!sameValues && keep && existing) {
        // eslint-disable-next-line no-await-in-loop
        await keep(file.path);
      } else if (!sameValues && !request.force) {
        throw differsError(file, changes ?? ['(not written by sf jwtapp)']);
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
