import { resolve } from 'node:path';
import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { writeAtomically } from './files.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'output');

/** What a pipeline needs to log in as the integration user. */
export type PipelineLogin = {
  username: string;
  clientId: string;
  loginUrl: string;
  instanceUrl: string;
  audience: string;
  keyFile: string | undefined;
  apiVersion: string;
};

const quote = (s: string): string => (/^[A-Za-z0-9_./:@+=,-]*$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** The `sf org login jwt` line that logs a pipeline in, flags as that command names them. */
export const loginCommand = (login: PipelineLogin): string =>
  [
    'sf org login jwt',
    `--username ${quote(login.username)}`,
    `--client-id ${quote(login.clientId)}`,
    `--jwt-key-file ${quote(login.keyFile ?? '<path to the private key>')}`,
    `--instance-url ${quote(login.loginUrl)}`,
  ].join(' ');

/**
 * A dotenv file of the login's variables. The key's contents go in only when asked (`SF_JWT_KEY`, its line
 * breaks as `\n`); the file is written 0600 either way, since it names an integration's credentials.
 */
export const envFileText = (login: PipelineLogin, privateKeyPem: string | undefined, clientSecret?: string): string => {
  const lines = [
    '# Written by sf jwtapp setup. Keep this file out of version control.',
    `SF_USERNAME=${login.username}`,
    `SF_CLIENT_ID=${login.clientId}`,
    `SF_LOGIN_URL=${login.loginUrl}`,
    `SF_INSTANCE_URL=${login.instanceUrl}`,
    `SF_AUDIENCE_URL=${login.audience}`,
    ...(login.keyFile ? [`SF_JWT_KEY_FILE=${login.keyFile}`] : []),
    ...(privateKeyPem ? [`SF_JWT_KEY="${privateKeyPem.trim().replace(/\r?\n/g, '\\n')}"`] : []),
    ...(clientSecret ? [`SF_CLIENT_SECRET=${clientSecret}`] : []),
  ];
  return `${lines.join('\n')}\n`;
};

/**
 * The settings document integration platforms take (seed 004's `salesforce_api_settings`): it carries the
 * private key by design, so it is written 0600.
 */
export const settingsJsonText = (login: PipelineLogin, privateKeyPem: string): string =>
  `${JSON.stringify(
    {
      Username: login.username,
      ClientId: login.clientId,
      PrivateKey: privateKeyPem.trim(),
      InstanceUrl: login.instanceUrl,
      InstanceAPIVersion: `v${login.apiVersion}`,
    },
    undefined,
    2
  )}\n`;

export const writeSecretFile = (path: string, text: string): Promise<void> => writeAtomically(path, text, 0o600);

export type CiFiles = { envFile?: string; settingsFile?: string };

/** The CI files a run was asked for, and what may go into them (the key's contents, the consumer secret). */
export type CiFilesRequest = { envFile?: string; includeKeyInEnvFile: boolean; includeSecretInEnvFile?: boolean; settingsFile?: string };

/** The files a pipeline asked for (--dotenv-file, --settings-file), written 0600. */
export const writeCiFiles = async (
  login: PipelineLogin,
  material: { privateKeyPem: string | undefined; clientSecret?: string },
  request: CiFilesRequest
): Promise<CiFiles> => {
  const files: CiFiles = {};
  if (request.envFile) {
    files.envFile = resolve(request.envFile);
    await writeSecretFile(files.envFile, envFileText(login, request.includeKeyInEnvFile ? material.privateKeyPem : undefined, material.clientSecret));
  }
  if (request.settingsFile) {
    if (!material.privateKeyPem) throw messages.createError('error.SettingsNeedKey', [], [], EXIT_CODES.localInput);
    files.settingsFile = resolve(request.settingsFile);
    await writeSecretFile(files.settingsFile, settingsJsonText(login, material.privateKeyPem));
  }
  return files;
};
