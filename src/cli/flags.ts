/**
 * Flags that `verify` and `token` share, named as `sf org login jwt` names them so a pipeline can swap
 * one command for the other.
 */
import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import type { Messages as CommandMessages } from '@salesforce/core';
import type { LoginCheckRequest } from '../oauth/login-check.js';
import { DEFAULT_VALIDITY_DAYS } from '../certificate/generate.js';
import { EXIT_CODES } from '../exit-codes.js';
import { LOGIN_WINDOW_DAYS } from '../password-flow/retirement.js';
import { SECRET_NAMINGS, type SecretNaming } from '../ci-secrets/names.js';
import type { CiSecretsRequest } from '../ci-secrets/stores.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'flags');

/** One way to prove the app's identity: a key that signs a JWT, or the consumer secret (client credentials). */
const CREDENTIAL_FLAGS = ['jwt-key-file', 'jwt-key-env', 'client-secret-env'];

/*
 * `--help` from the manifest alone. oclif imports a command to print its help when one of its flags computes its
 * default's help text (`hasDynamicHelp`): sf-plugins-core's org and duration flags do, and that import brings
 * @salesforce/core and the command's modules, about 0.3-0.8 s on these machines where `sf org login jwt --help`
 * takes 0.4 s. These two flags parse as sf's own and keep their help static.
 */

/** `--target-org` as sf's, without the configured default in `--help`: its summary already says where it comes from. */
export const targetOrgFlag = Flags.requiredOrg({ defaultHelp: undefined });

/**
 * `--wait`, sf's duration flag in minutes (its bounds errors are sf's own), without the default's help text computed
 * and with no default in the manifest (it would be a Duration object there): the summary states the default.
 */
/* eslint-disable @typescript-eslint/explicit-function-return-type -- oclif's OptionFlag<Duration> with its options, inferred */
export const waitFlag = ({
  summary,
  description,
  defaultValue,
}: {
  summary: string;
  description?: string;
  defaultValue: number;
}) => {
  const flag = Flags.duration({
    char: 'w',
    unit: 'minutes',
    min: 0,
    max: 60,
    summary,
    description,
    defaultValue,
    defaultHelp: undefined,
    noCacheDefault: true,
    helpValue: '<minutes>',
  });
  const parse = flag.parse;
  // sf's duration flag reads its value with parseInt: "0.5" is 0 (the login check skipped), "2m" is 2. Whole
  // minutes, as every sf --wait takes them, and anything else refused rather than read otherwise.
  flag.parse = (input, ...rest): ReturnType<typeof parse> =>
    /^\s*\d+\s*$/.test(input)
      ? parse(input, ...rest)
      : Promise.reject(messages.createError('error.WaitNotWholeMinutes', [input], [], EXIT_CODES.invalidFlags));
  return flag;
};
/* eslint-enable @typescript-eslint/explicit-function-return-type */

/** The login flags verify and token share: either flow, a key (JWT bearer) or a consumer secret (client credentials). */
export const loginFlags = {
  username: Flags.string({
    // eslint-disable-next-line sf-plugin/dash-o
    char: 'o',
    summary: messages.getMessage('username.summary'),
    required: true,
  }),
  'client-id': Flags.string({
    char: 'i',
    summary: messages.getMessage('client-id.summary'),
    required: true,
  }),
  'jwt-key-file': Flags.file({
    char: 'f',
    summary: messages.getMessage('jwt-key-file.summary'),
    exactlyOne: CREDENTIAL_FLAGS,
  }),
  'jwt-key-env': Flags.string({
    summary: messages.getMessage('jwt-key-env.summary'),
    description: messages.getMessage('jwt-key-env.description'),
    exactlyOne: CREDENTIAL_FLAGS,
  }),
  'client-secret-env': Flags.string({
    summary: messages.getMessage('client-secret-env.summary'),
    description: messages.getMessage('client-secret-env.description'),
    exactlyOne: CREDENTIAL_FLAGS,
  }),
  'instance-url': Flags.url({
    char: 'r',
    summary: messages.getMessage('instance-url.summary'),
    description: messages.getMessage('instance-url.description'),
  }),
  audience: Flags.url({
    summary: messages.getMessage('audience.summary'),
    description: messages.getMessage('audience.description'),
  }),
  wait: waitFlag({
    summary: messages.getMessage('wait.summary'),
    description: messages.getMessage('wait.description'),
    defaultValue: 0,
  }),
};

/*
 * Flags several commands declare, declared once: each command gives its own summary (`flags.<name>.summary` in its
 * messages file), since what the flag does differs in words from one command to the next, not in kind.
 */
type Summaries = CommandMessages<string>;
const summaryOf = (own: Summaries, name: string): string => own.getMessage(`flags.${name}.summary`);

/** The scopes every server-to-server login needs: the API, and refresh tokens for sf's stored logins. */
export const DEFAULT_SCOPES = 'api,refresh_token';

/** A list of OAuth scopes (setup's --scopes, audit's --required-scopes). */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const scopesFlag = (own: Summaries, name: string) =>
  Flags.string({ summary: summaryOf(own, name), default: DEFAULT_SCOPES });

/** A generated certificate's validity in days (setup's and cert rotate's --cert-days, cert generate's --days). */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const validityDaysFlag = (own: Summaries, name: string) =>
  Flags.integer({ summary: summaryOf(own, name), default: DEFAULT_VALIDITY_DAYS, min: 1, max: 36_500 });

/** The folder of server.key and server.crt (setup, cert rotate, cert generate). */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const outputDirFlag = (own: Summaries) =>
  Flags.directory({ char: 'd', summary: summaryOf(own, 'output-dir'), default: '.' });

/** The key pair a command makes, or the one the user brings: setup and cert rotate. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const keyPairFlags = (own: Summaries) => ({
  'output-dir': outputDirFlag(own),
  'private-key-file': Flags.file({ summary: summaryOf(own, 'private-key-file') }),
  'certificate-file': Flags.file({ summary: summaryOf(own, 'certificate-file') }),
  'cert-days': validityDaysFlag(own, 'cert-days'),
});

/** The CI files setup and cert rotate write, and how they are written (quoting, links, collisions). */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const ciFileFlags = (own: Summaries) => ({
  'dotenv-file': Flags.file({
    summary: summaryOf(own, 'dotenv-file'),
    description: messages.getMessage('dotenv-file.description'),
  }),
  'dotenv-include-key': Flags.boolean({ summary: summaryOf(own, 'dotenv-include-key'), dependsOn: ['dotenv-file'] }),
  'settings-file': Flags.file({
    summary: summaryOf(own, 'settings-file'),
    description: messages.getMessage('settings-file.description'),
  }),
});

/**
 * Where setup, cert rotate and credentials rotate write the login's secrets: a GitHub repository (or one of its
 * environments), a GitLab project; and how the secrets are named.
 */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const ciSecretFlags = () => ({
  'github-repo': Flags.string({
    summary: messages.getMessage('github-repo.summary'),
    description: messages.getMessage('github-repo.description'),
  }),
  'github-environment': Flags.string({
    summary: messages.getMessage('github-environment.summary'),
    dependsOn: ['github-repo'],
  }),
  'gitlab-project': Flags.string({
    summary: messages.getMessage('gitlab-project.summary'),
    description: messages.getMessage('gitlab-project.description'),
  }),
  'gitlab-environment-scope': Flags.string({
    summary: messages.getMessage('gitlab-environment-scope.summary'),
    default: '*',
  }),
  'gitlab-protected': Flags.boolean({
    summary: messages.getMessage('gitlab-protected.summary'),
    default: true,
    allowNo: true,
  }),
  'ci-secret-suffix': Flags.string({ summary: messages.getMessage('ci-secret-suffix.summary') }),
  'ci-secret-naming': Flags.option({
    summary: messages.getMessage('ci-secret-naming.summary'),
    description: messages.getMessage('ci-secret-naming.description'),
    options: SECRET_NAMINGS,
    default: 'sf' as const,
  })(),
});

/** setup's and cert rotate's: the key made in memory and kept only in the CI's secrets. */
export const keyInCiOnlyFlag = Flags.boolean({
  summary: messages.getMessage('key-in-ci-only.summary'),
  description: messages.getMessage('key-in-ci-only.description'),
  default: false,
  // A key it makes, never one brought: a brought key already lives somewhere.
  exclusive: ['private-key-file', 'certificate-file', 'jwt-key-env'],
});

type CiSecretFlagValues = {
  'github-repo'?: string;
  'github-environment'?: string;
  'gitlab-project'?: string;
  'gitlab-environment-scope': string;
  'gitlab-protected': boolean;
  'ci-secret-suffix'?: string;
  'ci-secret-naming': SecretNaming;
};

/** The secret stores the flags name. */
export const ciSecretsRequest = (flags: CiSecretFlagValues): CiSecretsRequest => ({
  ...(flags['github-repo']
    ? { github: { repository: flags['github-repo'], environment: flags['github-environment'] } }
    : {}),
  ...(flags['gitlab-project']
    ? {
        gitlab: {
          project: flags['gitlab-project'],
          environmentScope: flags['gitlab-environment-scope'],
          protected: flags['gitlab-protected'],
        },
      }
    : {}),
  naming: flags['ci-secret-naming'],
  suffix: flags['ci-secret-suffix'],
});

/**
 * The orgs a fleet command reads (audit, password-flow report): `--target-org` repeated, or `--all-orgs`. A list,
 * not sf's org flag: Flags.requiredOrg cannot repeat, and a fleet's run must not stop at the first unreachable org.
 */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const orgsFlags = (own: Summaries) => ({
  // eslint-disable-next-line sf-plugin/dash-o
  'target-org': Flags.string({ char: 'o', summary: summaryOf(own, 'target-org'), multiple: true }),
  'all-orgs': Flags.boolean({ summary: summaryOf(own, 'all-orgs'), exclusive: ['target-org'] }),
});

/** How many days of Login History are read (audit, password-flow report and block): at most what it keeps. */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- oclif's flag types with their options, inferred
export const loginWindowFlag = (own: Summaries) =>
  Flags.integer({
    summary: summaryOf(own, 'days'),
    default: LOGIN_WINDOW_DAYS.default,
    min: 1,
    max: LOGIN_WINDOW_DAYS.max,
  });

/** `--instance-url` as given, without the trailing slash URL parsing adds to a bare origin. */
export const loginUrlOf = (url: URL): string => url.href.replace(/\/$/, '');

/** The flags of a command that acts on one app of an org: block, unblock. */
export const appFlags = {
  'target-org': targetOrgFlag,
  'api-version': Flags.orgApiVersion(),
  name: Flags.string({ char: 'n', summary: messages.getMessage('name.summary'), required: true }),
};

type LoginFlagValues = {
  username: string;
  'client-id': string;
  'instance-url'?: URL;
  audience?: URL;
  'jwt-key-file'?: string;
  'jwt-key-env'?: string;
  'client-secret-env'?: string;
  wait: { milliseconds: number };
};

/** The shared login flags as the login check takes them: the same flags mean the same in verify and token. */
export const loginCheckInput = (
  flags: LoginFlagValues,
): Omit<LoginCheckRequest, 'onRequest' | 'onRetry' | 'onAnswer'> => ({
  username: flags.username,
  clientId: flags['client-id'],
  instanceUrl: flags['instance-url'] ? loginUrlOf(flags['instance-url']) : undefined,
  audience: flags.audience ? loginUrlOf(flags.audience) : undefined,
  keyFile: flags['jwt-key-file'],
  keyVariable: flags['jwt-key-env'],
  clientSecretVariable: flags['client-secret-env'],
  waitMs: flags.wait.milliseconds,
});
