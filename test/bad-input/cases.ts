/**
 * The table of bad inputs: what a user can get wrong, what each command answers. `test/e2e/bad-input.test.ts`
 * runs every row against the emulator; `npm run bad-input` writes `docs/bad-input.md` from the same rows, and
 * `npm test` checks the page is current. A row is a promise to users, not an example.
 */

/** What the cases need: the emulator's aliases and users, an app setup made, and the fixture files. */
export type BadInputContext = {
  /** The admin's alias. */
  admin: string;
  /** An alias of a user who is not an admin. */
  nonAdmin: string;
  /** An alias whose stored session the org no longer knows. */
  expired: string;
  integration: string;
  inactive: string;
  /** A user whose profile lacks "API Enabled", granted the app. */
  noApi: string;
  instanceUrl: string;
  /** An External Client App setup made, its consumer key, and its key pair's folder. */
  app: string;
  clientId: string;
  /** An External Client App an admin blocked (disabled). */
  blockedApp: string;
  /** A permission set setup did not create: it enables "Modify All Data" and is labelled "do not assign". */
  foreignPermissionSet: string;
  keyDir: string;
  /** The fixture files, by name (see `fixtures` in the test). */
  files: Record<FixtureName, string>;
};

export type FixtureName =
  | 'directory'
  | 'empty'
  | 'encrypted'
  | 'ecKey'
  | 'smallKey'
  | 'certificate'
  | 'derKey'
  | 'publicKey'
  | 'otherKey'
  | 'unwritableDir'
  | 'readOnlyDir'
  | 'foreignEnvFile'
  | 'staleEnvFile'
  | 'ecCertificate'
  | 'smallCertificate'
  | 'sha1Certificate'
  | 'futureCertificate'
  | 'sharedDir';

export type BadInput = {
  id: string;
  area: 'flags' | 'files' | 'names' | 'orgs' | 'network';
  /** What answers in Salesforce's place while the command runs (a proxy's page, an answer cut short). */
  network?: { status: number; contentType: string; body: string; location?: string; path?: string };
  /**
   * Run as a user the file system's permissions bind: root writes into a read-only folder anyway, so where
   * the tests run as root this row runs with the effective user id of `nobody`.
   */
  unprivileged?: boolean;
  /** The command line as the page shows it. */
  shown: string;
  /** The command's id and its arguments, from the context. */
  command: 'setup' | 'verify' | 'token' | 'audit' | 'cert generate' | 'cert rotate' | 'block' | 'unblock' | 'user create';
  args: (ctx: BadInputContext) => string[];
  /** The error's name in `--json`, and the exit code. */
  name: string;
  exitCode: number;
  /** Words the error's message or actions must hold: what is wrong, and what to do. */
  says: string;
};

/** What an org answers while it is down for maintenance: a 503 page, not the API's JSON. */
const MAINTENANCE_PAGE = '<html><head><title>Service Unavailable</title></head><body>This org is down for maintenance.</body></html>';

const key = (ctx: BadInputContext): string[] => ['-o', ctx.integration, '-i', ctx.clientId, '-r', ctx.instanceUrl];

export const BAD_INPUTS: BadInput[] = [
  // ---- flags ---------------------------------------------------------------------------------------
  { id: 'F1', area: 'flags', shown: 'sf jwtapp setup --cert-days 0', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Days', '--cert-days', '0'], name: 'Error', exitCode: 2, says: 'cert-days' },
  { id: 'F2', area: 'flags', shown: 'sf jwtapp setup --wait 61', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Wait', '--wait', '61'], name: 'DurationBoundsMaxError', exitCode: 2, says: '60' },
  { id: 'F3', area: 'flags', shown: 'sf jwtapp audit --warn-days -1', command: 'audit', args: (c) => ['-o', c.admin, '-n', c.app, '--warn-days', '-1'], name: 'Error', exitCode: 2, says: 'warn-days' },
  { id: 'F4', area: 'flags', shown: 'sf jwtapp verify -f <key> --jwt-key-env SF_JWT_KEY (two keys)', command: 'verify', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`, '--jwt-key-env', 'SF_JWT_KEY'], name: 'Error', exitCode: 2, says: 'jwt-key-env' },
  { id: 'F5', area: 'flags', shown: 'sf jwtapp setup --dotenv-include-key (without --dotenv-file)', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Env', '--dotenv-include-key'], name: 'Error', exitCode: 2, says: 'dotenv-file' },
  { id: 'F6', area: 'flags', shown: 'sf jwtapp setup --scopes api,everything', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Scope', '--scopes', 'api,everything', '--dry-run'], name: 'UnknownScopeError', exitCode: 3, says: 'everything' },
  { id: 'F7', area: 'flags', shown: "sf jwtapp setup --consumer-key 'not a key!'", command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Key', '--consumer-key', 'not a key!', '--dry-run'], name: 'InvalidConsumerKeyError', exitCode: 3, says: 'consumer' },
  { id: 'F8', area: 'flags', shown: "sf jwtapp setup --name ''", command: 'setup', args: (c) => ['-o', c.admin, '-n', '', '--dry-run'], name: 'InvalidAppNameError', exitCode: 3, says: 'name' },
  { id: 'F9', area: 'flags', shown: 'sf jwtapp setup -o no-such-alias', command: 'setup', args: () => ['-o', 'no-such-alias', '-n', 'Bad_Alias'], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  { id: 'F10', area: 'flags', shown: 'sf jwtapp setup --flow client-credentials (no --username)', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Cc', '--flow', 'client-credentials'], name: 'ClientCredentialsNeedUserError', exitCode: 3, says: '--username' },
  { id: 'F11', area: 'flags', shown: 'sf jwtapp user create --username not-an-email', command: 'user create', args: (c) => ['-o', c.admin, '--username', 'not-an-email'], name: 'BadUsernameError', exitCode: 3, says: 'email address' },
  { id: 'F12', area: 'flags', shown: 'sf jwtapp verify --client-secret-env EMPTY_VARIABLE', command: 'verify', args: (c) => [...key(c), '--client-secret-env', 'JWTAPP_EMPTY_VARIABLE'], name: 'SecretVariableEmptyError', exitCode: 3, says: 'JWTAPP_EMPTY_VARIABLE' },
  { id: 'F13', area: 'flags', shown: 'sf jwtapp cert generate --subject "no equals sign"', command: 'cert generate', args: (c) => ['--subject', 'no equals sign', '--output-dir', c.files.directory], name: 'InvalidSubjectError', exitCode: 3, says: 'subject' },
  { id: 'F14', area: 'flags', shown: 'sf jwtapp setup --wait 0.5', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Half_Wait', '--wait', '0.5'], name: 'WaitNotWholeMinutesError', exitCode: 2, says: 'whole minutes' },
  { id: 'F15', area: 'flags', shown: 'sf jwtapp verify --wait 0.5', command: 'verify', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`, '--wait', '0.5'], name: 'WaitNotWholeMinutesError', exitCode: 2, says: 'whole minutes' },

  { id: 'F16', area: 'flags', shown: 'sf jwtapp block -o no-such-alias', command: 'block', args: () => ['-o', 'no-such-alias', '-n', 'Bad_Alias'], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  { id: 'F17', area: 'flags', shown: 'sf jwtapp unblock -o no-such-alias', command: 'unblock', args: () => ['-o', 'no-such-alias', '-n', 'Bad_Alias'], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  { id: 'F18', area: 'flags', shown: 'sf jwtapp cert generate --days 0', command: 'cert generate', args: (c) => ['--days', '0', '--output-dir', c.files.directory], name: 'Error', exitCode: 2, says: 'days' },
  { id: 'F19', area: 'flags', shown: 'sf jwtapp cert rotate -o no-such-alias', command: 'cert rotate', args: (c) => ['-o', 'no-such-alias', '-n', c.app, '--output-dir', c.keyDir], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  { id: 'F20', area: 'flags', shown: 'sf jwtapp user create -o no-such-alias', command: 'user create', args: (c) => ['-o', 'no-such-alias', '--username', `new-user@${c.integration.split('@')[1]}`], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  { id: 'F21', area: 'flags', shown: 'sf jwtapp token --wait 61', command: 'token', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`, '--wait', '61'], name: 'DurationBoundsMaxError', exitCode: 2, says: '60' },
  { id: 'F22', area: 'flags', shown: 'sf jwtapp audit -o no-such-alias', command: 'audit', args: (c) => ['-o', 'no-such-alias', '-n', c.app], name: 'NamedOrgNotFoundError', exitCode: 2, says: 'no-such-alias' },
  // ---- files ---------------------------------------------------------------------------------------
  { id: 'K1', area: 'files', shown: 'sf jwtapp verify -f <a directory>', command: 'verify', args: (c) => [...key(c), '-f', c.files.directory], name: 'KeyFileUnreadableError', exitCode: 3, says: 'EISDIR' },
  { id: 'K2', area: 'files', shown: 'sf jwtapp verify -f <an empty file>', command: 'verify', args: (c) => [...key(c), '-f', c.files.empty], name: 'NotPemError', exitCode: 3, says: 'PEM' },
  { id: 'K3', area: 'files', shown: 'sf jwtapp verify -f <an encrypted key>', command: 'verify', args: (c) => [...key(c), '-f', c.files.encrypted], name: 'EncryptedKeyError', exitCode: 3, says: 'openssl' },
  { id: 'K4', area: 'files', shown: 'sf jwtapp verify -f <an EC key>', command: 'verify', args: (c) => [...key(c), '-f', c.files.ecKey], name: 'NotRsaKeyError', exitCode: 3, says: 'RSA' },
  { id: 'K5', area: 'files', shown: 'sf jwtapp verify -f <a 1024-bit key>', command: 'verify', args: (c) => [...key(c), '-f', c.files.smallKey], name: 'KeyTooSmallError', exitCode: 3, says: '2048' },
  { id: 'K6', area: 'files', shown: 'sf jwtapp verify -f <the certificate>', command: 'verify', args: (c) => [...key(c), '-f', c.files.certificate], name: 'CertificateGivenAsKeyError', exitCode: 3, says: 'certificate' },
  { id: 'K7', area: 'files', shown: 'sf jwtapp verify -f <a DER key>', command: 'verify', args: (c) => [...key(c), '-f', c.files.derKey], name: 'NotPemError', exitCode: 3, says: 'openssl' },
  { id: 'K8', area: 'files', shown: 'sf jwtapp audit --jwt-key-file <a public key>', command: 'audit', args: (c) => ['-o', c.admin, '-n', c.app, '--jwt-key-file', c.files.publicKey], name: 'PublicKeyGivenAsKeyError', exitCode: 3, says: 'private key' },
  { id: 'K9', area: 'files', shown: 'sf jwtapp setup --private-key-file <key> --certificate-file <another key\'s certificate>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Pair', '--private-key-file', c.files.otherKey, '--certificate-file', c.files.certificate, '--dry-run'], name: 'KeyCertificateMismatchError', exitCode: 3, says: 'certificate' },
  { id: 'K10', area: 'files', shown: 'sf jwtapp cert generate --output-dir <a path under a file>', command: 'cert generate', args: (c) => ['--output-dir', c.files.unwritableDir], name: 'OutputNotWritableError', exitCode: 3, says: '--output-dir' },
  { id: 'K11', area: 'files', shown: 'sf jwtapp cert generate --output-dir <a file>', command: 'cert generate', args: (c) => ['--output-dir', c.files.empty], name: 'OutputNotWritableError', exitCode: 3, says: 'is a file' },
  { id: 'K12', area: 'files', shown: 'sf jwtapp setup --certificate-file <a key>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Cert', '--certificate-file', c.files.otherKey, '--dry-run'], name: 'NotCertificateError', exitCode: 3, says: 'certificate' },
  { id: 'K13', area: 'files', shown: 'sf jwtapp cert rotate --private-key-file <missing file>', command: 'cert rotate', args: (c) => ['-o', c.admin, '-n', c.app, '--private-key-file', `${c.keyDir}/nowhere.key`, '--output-dir', c.files.directory], name: 'KeyFileUnreadableError', exitCode: 3, says: 'ENOENT' },
  { id: 'K14', area: 'files', shown: 'sf jwtapp cert generate --output-dir <a read-only folder>', command: 'cert generate', args: (c) => ['--output-dir', c.files.readOnlyDir], unprivileged: true, name: 'OutputNotWritableError', exitCode: 3, says: 'EACCES' },
  { id: 'K15', area: 'files', shown: 'sf jwtapp setup --dotenv-file <a .env sf jwtapp did not write>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Dotenv', '--username', c.integration, '--output-dir', c.files.directory, '--dotenv-file', c.files.foreignEnvFile], name: 'CiFileNotOursError', exitCode: 3, says: '--replace-ci-files' },
  { id: 'K16', area: 'files', shown: "sf jwtapp setup --dotenv-file <another app's .env from an earlier run>", command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Stale', '--username', c.integration, '--output-dir', c.files.directory, '--dotenv-file', c.files.staleEnvFile], name: 'CiFileDiffersError', exitCode: 3, says: 'SF_CLIENT_ID' },
  { id: 'K17', area: 'files', shown: 'sf jwtapp setup --dotenv-file <the key it makes in --output-dir>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Collide', '--username', c.integration, '--output-dir', `${c.files.directory}/collide`, '--dotenv-file', `${c.files.directory}/collide/server.key`], name: 'CiFileCollisionError', exitCode: 3, says: 'the private key' },
  { id: 'K18', area: 'files', shown: 'sf jwtapp setup --dotenv-file ci.env --settings-file ./ci.env', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Same', '--username', c.integration, '--output-dir', `${c.files.directory}/same`, '--dotenv-file', `${c.files.directory}/ci.env`, '--settings-file', `${c.files.directory}/./ci.env`], name: 'CiFileCollisionError', exitCode: 3, says: '--settings-file' },
  { id: 'K19', area: 'files', shown: 'sf jwtapp cert rotate --dotenv-file <the certificate it replaces>', command: 'cert rotate', args: (c) => ['-o', c.admin, '-n', c.app, '--username', c.integration, '--output-dir', c.keyDir, '--dotenv-file', `${c.keyDir}/server.crt`], name: 'CiFileCollisionError', exitCode: 3, says: 'the certificate' },
  { id: 'K20', area: 'files', shown: 'sf jwtapp setup --output-dir <a folder whose name holds a line break> --dotenv-file ci.env', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Newline', '--username', c.integration, '--output-dir', `${c.files.directory}/x\nSF_LOGIN_URL=https:/evil`, '--dotenv-file', `${c.files.directory}/ci.env`], name: 'CiValueUnwritableError', exitCode: 3, says: 'line break' },
  { id: 'K21', area: 'files', shown: 'sf jwtapp token -f <an empty file>', command: 'token', args: (c) => [...key(c), '-f', c.files.empty], name: 'NotPemError', exitCode: 3, says: 'PEM' },
  // ---- certificates brought alone: checked as a pair's certificate is --------------------------------
  { id: 'C1', area: 'files', shown: 'sf jwtapp setup --certificate-file <an EC certificate>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Ec_Cert', '--username', c.integration, '--certificate-file', c.files.ecCertificate], name: 'CertificateNotRsaError', exitCode: 3, says: 'RSA' },
  { id: 'C2', area: 'files', shown: 'sf jwtapp setup --certificate-file <a 1024-bit certificate>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Small_Cert', '--username', c.integration, '--certificate-file', c.files.smallCertificate], name: 'CertificateKeyTooSmallError', exitCode: 3, says: '2048' },
  { id: 'C3', area: 'files', shown: 'sf jwtapp setup --certificate-file <a SHA-1 certificate>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Sha1_Cert', '--username', c.integration, '--certificate-file', c.files.sha1Certificate], name: 'CertificateWeakSignatureError', exitCode: 3, says: 'SHA-256' },
  { id: 'C4', area: 'files', shown: 'sf jwtapp cert rotate --certificate-file <a certificate valid from tomorrow>', command: 'cert rotate', args: (c) => ['-o', c.admin, '-n', c.app, '--output-dir', c.keyDir, '--certificate-file', c.files.futureCertificate], name: 'CertificateNotYetValidError', exitCode: 3, says: 'clock' },
  { id: 'C5', area: 'files', shown: 'sf jwtapp setup --output-dir <a folder others may write (0777)>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Shared_Dir', '--username', c.integration, '--output-dir', c.files.sharedDir], name: 'KeyFolderWritableByOthersError', exitCode: 3, says: 'chmod 700' },

  // ---- names ---------------------------------------------------------------------------------------
  { id: 'N1', area: 'names', shown: 'sf jwtapp setup --name <61 characters>', command: 'setup', args: (c) => ['-o', c.admin, '-n', `A${'b'.repeat(60)}`, '--dry-run'], name: 'InvalidAppNameError', exitCode: 3, says: '60' },
  { id: 'N2', area: 'names', shown: 'sf jwtapp setup --name Acme__App', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Acme__App', '--dry-run'], name: 'InvalidAppNameError', exitCode: 3, says: 'underscore' },
  { id: 'N3', area: 'names', shown: 'sf jwtapp setup --name Café_App', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Café_App', '--dry-run'], name: 'InvalidAppNameError', exitCode: 3, says: 'letter' },
  { id: 'N4', area: 'names', shown: 'sf jwtapp setup --name <an External Client App> --app-type connected-app', command: 'setup', args: (c) => ['-o', c.admin, '-n', c.app, '--app-type', 'connected-app', '--dry-run'], name: 'AppKindMismatchError', exitCode: 4, says: 'External Client App' },
  { id: 'N5', area: 'names', shown: 'sf jwtapp setup --permission-set 9_Access', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Set', '--permission-set', '9_Access', '--dry-run'], name: 'InvalidPermissionSetNameError', exitCode: 3, says: 'letter' },
  { id: 'N6', area: 'names', shown: 'sf jwtapp block --name No_Such_App', command: 'block', args: (c) => ['-o', c.admin, '-n', 'No_Such_App'], name: 'UnknownAppError', exitCode: 4, says: 'No_Such_App' },
  { id: 'N7', area: 'names', shown: 'sf jwtapp setup --permission-set <81 characters>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Set_Length', '--permission-set', `A${'b'.repeat(80)}`, '--dry-run'], name: 'InvalidPermissionSetNameError', exitCode: 3, says: 'at most 80' },
  { id: 'N8', area: 'names', shown: 'sf jwtapp setup --label <81 characters>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Label', '--label', `L${'o'.repeat(79)}g`, '--dry-run'], name: 'InvalidAppLabelError', exitCode: 3, says: 'at most 80' },
  { id: 'N9', area: 'names', shown: 'sf jwtapp unblock --name No_Such_App', command: 'unblock', args: (c) => ['-o', c.admin, '-n', 'No_Such_App'], name: 'UnknownAppError', exitCode: 4, says: 'No_Such_App' },
  { id: 'N10', area: 'names', shown: 'sf jwtapp cert rotate --name No_Such_App', command: 'cert rotate', args: (c) => ['-o', c.admin, '-n', 'No_Such_App', '--output-dir', c.keyDir], name: 'UnknownAppError', exitCode: 4, says: 'No_Such_App' },

  // ---- orgs ----------------------------------------------------------------------------------------
  { id: 'O1', area: 'orgs', shown: 'sf jwtapp setup -o <a user who is not an admin>', command: 'setup', args: (c) => ['-o', c.nonAdmin, '-n', 'Bad_Admin', '--dry-run'], name: 'NotAdminError', exitCode: 4, says: 'an admin of the org' },
  { id: 'O2', area: 'orgs', shown: 'sf jwtapp audit -o <an expired session>', command: 'audit', args: (c) => ['-o', c.expired, '-n', c.app], name: 'ExpiredSessionError', exitCode: 4, says: 'sf org login web --alias' },
  { id: 'O3', area: 'orgs', shown: 'sf jwtapp setup --username <an inactive user>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Inactive', '--username', c.inactive, '--dry-run'], name: 'InactiveUserError', exitCode: 4, says: 'inactive' },
  { id: 'O4', area: 'orgs', shown: 'sf jwtapp setup --username <nobody>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Nobody', '--username', `nobody@${c.integration.split('@')[1]}`, '--dry-run'], name: 'UnknownUserError', exitCode: 4, says: '--create-user' },
  { id: 'O5', area: 'orgs', shown: 'sf jwtapp verify -r <the generic login host> (an External Client App)', command: 'verify', args: (c) => ['-o', c.integration, '-i', c.clientId, '-f', `${c.keyDir}/server.key`, '-r', c.instanceUrl.replace('127.0.0.1', 'localhost')], name: 'AppNotInstalledError', exitCode: 4, says: 'My Domain' },
  { id: 'O6', area: 'orgs', shown: 'sf jwtapp user create -o <a user who is not an admin>', command: 'user create', args: (c) => ['-o', c.nonAdmin, '--username', `new-user@${c.integration.split('@')[1]}`], name: 'NotUserAdminError', exitCode: 4, says: 'Manage Internal Users' },
  { id: 'O7', area: 'orgs', shown: 'sf jwtapp token -i <a consumer key no app has>', command: 'token', args: (c) => ['-o', c.integration, '-i', 'NoSuchConsumerKey01', '-f', `${c.keyDir}/server.key`, '-r', c.instanceUrl, '--wait', '0'], name: 'ClientIdInvalidError', exitCode: 5, says: 'consumer key' },
  { id: 'O8', area: 'orgs', shown: 'sf jwtapp verify --username <a user without "API Enabled">', command: 'verify', args: (c) => ['-o', c.noApi, '-i', c.clientId, '-f', `${c.keyDir}/server.key`, '-r', c.instanceUrl], name: 'ApiDisabledForUserError', exitCode: 4, says: 'API Enabled' },
  { id: 'O9', area: 'orgs', shown: 'sf jwtapp setup --permission-set <an existing set setup did not create>', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Foreign', '--username', c.integration, '--permission-set', c.foreignPermissionSet], name: 'PermissionSetNotOursError', exitCode: 4, says: 'ModifyAllData' },
  { id: 'O10', area: 'orgs', shown: 'sf jwtapp setup --name <a blocked app> --wait 0', command: 'setup', args: (c) => ['-o', c.admin, '-n', c.blockedApp, '--username', c.integration, '--output-dir', c.keyDir, '--wait', '0'], name: 'AppBlockedError', exitCode: 4, says: 'sf jwtapp unblock' },
  { id: 'O11', area: 'orgs', shown: 'sf jwtapp token --username <a user without "API Enabled">', command: 'token', args: (c) => ['-o', c.noApi, '-i', c.clientId, '-f', `${c.keyDir}/server.key`, '-r', c.instanceUrl], name: 'ApiDisabledForUserError', exitCode: 4, says: 'API Enabled' },
  { id: 'O12', area: 'orgs', shown: 'sf jwtapp verify -i <a consumer key no app has> --wait 0', command: 'verify', args: (c) => ['-o', c.integration, '-i', 'NoSuchConsumerKey01', '-f', `${c.keyDir}/server.key`, '-r', c.instanceUrl, '--wait', '0'], name: 'ClientIdInvalidError', exitCode: 5, says: 'consumer key' },

  // ---- what a network answers in Salesforce's place ---------------------------------------------------
  { id: 'W1', area: 'network', shown: "sf jwtapp setup, a proxy's login page answering 200", command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Proxy', '--dry-run'], network: { status: 200, contentType: 'text/html', body: '<html><head><title>Sign in | Corporate proxy</title></head><body><form></form></body></html>' }, name: 'UnexpectedAnswerError', exitCode: 4, says: 'HTTPS_PROXY' },
  { id: 'W2', area: 'network', shown: 'sf jwtapp audit, a SOAP answer cut short', command: 'audit', args: (c) => ['-o', c.admin, '-n', c.app], network: { status: 200, contentType: 'text/xml', body: '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><readMetadataResponse><result><records' }, name: 'UnexpectedAnswerError', exitCode: 4, says: 'cut short' },
  { id: 'W3', area: 'network', shown: 'sf jwtapp block, an XML answer cut short at its start', command: 'block', args: (c) => ['-o', c.admin, '-n', c.app], network: { status: 200, contentType: 'text/xml', body: '<?xml version="1.0"?><soapenv:Envelope' }, name: 'UnexpectedAnswerError', exitCode: 4, says: 'proxy' },
  { id: 'W4', area: 'network', shown: 'sf jwtapp setup, a single sign-on gateway redirecting API calls to its sign-in page', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Gateway', '--dry-run'], network: { status: 302, contentType: 'text/html', body: '', location: 'https://sso.corp.invalid/login?return=%2Fservices' }, name: 'RedirectedAwayError', exitCode: 4, says: 'sf does not read NO_PROXY' },
  { id: 'W5', area: 'network', shown: 'sf jwtapp verify, the token request redirected to a sign-in page', command: 'verify', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`], network: { status: 302, contentType: 'text/html', body: '', location: 'https://sso.corp.invalid/login', path: '/services/oauth2/token' }, name: 'LoginRedirectedError', exitCode: 4, says: 'sf does not read NO_PROXY' },
  { id: 'W6', area: 'network', shown: "sf jwtapp audit, the org's domain moved (every path redirected to the new My Domain)", command: 'audit', args: (c) => ['-o', c.admin, '-n', c.app], network: { status: 301, contentType: 'text/html', body: '', location: 'https://acme-renamed.my.salesforce.com{path}' }, name: 'DomainMovedError', exitCode: 4, says: 'sf org login web --instance-url https://acme-renamed.my.salesforce.com' },
  { id: 'W7', area: 'network', shown: 'sf jwtapp verify, a gateway refusing the token request with the request echoed into its OAuth error', command: 'verify', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`], network: { status: 400, contentType: 'application/json', body: '{"error":"invalid_request","error_description":"{request}"}', path: '/services/oauth2/token' }, name: 'UnknownOAuthErrorError', exitCode: 4, says: 'assertion=[redacted]' },
  { id: 'W8', area: 'network', shown: 'sf jwtapp token, a gateway answering the token request 502 with a page quoting the request', command: 'token', args: (c) => [...key(c), '-f', `${c.keyDir}/server.key`, '--wait', '0'], network: { status: 502, contentType: 'text/html', body: '<html><body><h1>Bad Gateway</h1><pre>{request}</pre></body></html>', path: '/services/oauth2/token' }, name: 'LoginServerError', exitCode: 5, says: 'assertion=[redacted]' },
  { id: 'W9', area: 'network', shown: 'sf jwtapp setup, the org down for maintenance (every call answered 503)', command: 'setup', args: (c) => ['-o', c.admin, '-n', 'Bad_Outage', '--username', c.integration, '--output-dir', c.files.directory], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgUnavailableError', exitCode: 5, says: '503' },
  { id: 'W10', area: 'network', shown: 'sf jwtapp audit, the org down for maintenance (every call answered 503)', command: 'audit', args: (c) => ['-o', c.admin, '-n', c.app], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgNotAnsweringError', exitCode: 5, says: '503' },
  { id: 'W11', area: 'network', shown: 'sf jwtapp block, the org down for maintenance (every call answered 503)', command: 'block', args: (c) => ['-o', c.admin, '-n', c.app], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgNotAnsweringError', exitCode: 5, says: '503' },
  { id: 'W12', area: 'network', shown: 'sf jwtapp unblock, the org down for maintenance (every call answered 503)', command: 'unblock', args: (c) => ['-o', c.admin, '-n', c.blockedApp], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgNotAnsweringError', exitCode: 5, says: '503' },
  { id: 'W13', area: 'network', shown: 'sf jwtapp cert rotate, the org down for maintenance (every call answered 503)', command: 'cert rotate', args: (c) => ['-o', c.admin, '-n', c.app, '--output-dir', c.keyDir], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgNotAnsweringError', exitCode: 5, says: '503' },
  { id: 'W14', area: 'network', shown: 'sf jwtapp user create, the org down for maintenance (every call answered 503)', command: 'user create', args: (c) => ['-o', c.admin, '--username', `new-user@${c.integration.split('@')[1]}`], network: { status: 503, contentType: 'text/html', body: MAINTENANCE_PAGE }, name: 'OrgNotAnsweringError', exitCode: 5, says: '503' },
];
