/**
 * Which values of a login go into a CI's secret store, and under which names. Research and sources:
 * docs/research/pipeline-life.md §6.
 */

/** One value to store: `secret` ones are masked where the store can mask; `file` ones become a file in the job. */
export type CiSecret = { name: string; value: string; secret: boolean; file: boolean };

/** What a pipeline logs in with. */
export type LoginValues = {
  username: string;
  clientId: string;
  loginUrl: string;
  /** The private key's PEM (JWT bearer flow). */
  privateKeyPem?: string;
  /** The consumer secret (client credentials), only when the run was asked to store it. */
  clientSecret?: string;
};

/**
 * `sf`: `SF_USERNAME`, `SF_CLIENT_ID`, `SF_LOGIN_URL`, `SF_JWT_KEY` (the PEM), `SF_CLIENT_SECRET`: the names the
 * plugin's dotenv file uses, which `sf org login jwt`'s flags take in the README's snippets.
 *
 * `sfdx-hardis`: `SFDX_CLIENT_ID_<SUFFIX>` and `SFDX_CLIENT_CERT_<SUFFIX>` (a raw PEM there is "used as-is"), what
 * `sf hardis:auth:login` reads for the branch `<suffix>` (src/common/utils/authUtils.ts); the username and instance
 * come from its own config. Never `SFDX_CLIENT_KEY_*`: hardis reads that one as an AES passphrase.
 */
export type SecretNaming = 'sf' | 'sfdx-hardis';

export const SECRET_NAMINGS: readonly SecretNaming[] = ['sf', 'sfdx-hardis'];

/**
 * A suffix names one org's secrets among several (`SF_CLIENT_ID_UAT`): letters, digits and `_`, stored upper case.
 * With it every name keeps both stores' rules: GitHub's ("alphanumeric characters … or underscores", not starting
 * with `GITHUB_` or a digit) and GitLab's (at most 255 of `A-Z a-z 0-9 _`). A PEM is far below GitHub's 48 KB.
 */
export const SECRET_SUFFIX = /^[A-Za-z0-9_]{1,40}$/;

/** A secret's name: the base, and the suffix upper-cased as GitHub stores names (`SF_CLIENT_ID_UAT`). */
export const secretName = (base: string, suffix: string | undefined): string =>
  suffix ? `${base}_${suffix.toUpperCase()}` : base;

/** The secrets of a login, named by the convention asked for. */
export const loginSecrets = (values: LoginValues, naming: SecretNaming, suffix: string | undefined): CiSecret[] => {
  const named = (base: string): string => secretName(base, suffix);
  if (naming === 'sfdx-hardis') {
    return [
      { name: named('SFDX_CLIENT_ID'), value: values.clientId, secret: true, file: false },
      ...(values.privateKeyPem
        ? [{ name: named('SFDX_CLIENT_CERT'), value: values.privateKeyPem, secret: true, file: false }]
        : []),
    ];
  }
  return [
    { name: named('SF_USERNAME'), value: values.username, secret: false, file: false },
    { name: named('SF_CLIENT_ID'), value: values.clientId, secret: true, file: false },
    { name: named('SF_LOGIN_URL'), value: values.loginUrl, secret: false, file: false },
    ...(values.privateKeyPem
      ? [{ name: named('SF_JWT_KEY'), value: values.privateKeyPem, secret: true, file: true }]
      : []),
    ...(values.clientSecret
      ? [{ name: named('SF_CLIENT_SECRET'), value: values.clientSecret, secret: true, file: false }]
      : []),
  ];
};
