import { resolve } from 'node:path';
import { Lifecycle, Messages, type Connection } from '@salesforce/core';
import type { AppKind, SecretRefusal } from '../apps/app.js';
import { APP_KINDS } from '../apps/kinds.js';
import { asNotAdmin } from '../apps/not-admin.js';
import { resilientConnection } from '../connection/resilient.js';
import { RetryLog, type RetriedCall } from '../retry/outage.js';
import { openKeyFolder, type KeyFolder } from '../certificate/folder.js';
import {
  keepHeldCertificate,
  resolveKeyMaterial,
  type KeyMaterial,
  type KeyMaterialRequest,
} from '../certificate/material.js';
import { sameCertificate, describeCertificate } from '../certificate/inspect.js';
import { beginPairSwitch } from '../certificate/switch.js';
import { EXIT_CODES } from '../exit-codes.js';
import { withResult } from '../output/error-payload.js';
import { clock } from '../retry/clock.js';
import { defaultAudience } from '../oauth/audience.js';
import type { LoginProgress } from '../oauth/login.js';
import {
  checkClientCredentialsLogin,
  checkLoginWithKey,
  loginFailure,
  secretFromVariable,
  type LoginReport,
} from '../oauth/verify.js';
import {
  assertCiFilesAgree,
  assertCiFilesOurs,
  loginCommand,
  NEW_VALUE,
  writeCiFiles,
  type CiFilesRequest,
  type PipelineLogin,
} from '../output/ci.js';
import { repairKeyFolder, settleKeyFolder } from '../apps/key-folder.js';
import {
  assertKeyHasAStore,
  checkStores,
  openStores,
  writeLogin,
  type CiSecretsRequest,
  type WrittenSecrets,
} from '../ci-secrets/stores.js';
import type { SecretStore } from '../ci-secrets/store.js';
import { secretName } from '../ci-secrets/names.js';
import { publicChange, type SetupChange } from './render.js';
import { buildSetupRequest, type SetupInput } from './request.js';
import { appKindLabel, type Plan } from './plan.js';
import {
  applyConverging,
  isUnchanged,
  planFromState,
  readAndPlan,
  type AppliedSetup,
  type Flow,
  type ReadState,
  type SetupRequest,
} from './apply.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'setup');
/** Messages of the certificate room: the folder's pair that is not the app's, the wait for the folder. */
const certificateMessages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

/** What `sf jwtapp setup` did (or, with --dry-run, would do): its --json result, and what it renders. */
export type SetupResult = {
  status: 'created' | 'updated' | 'unchanged' | 'planned';
  dryRun: boolean;
  /** The server-to-server flows configured on the app. */
  flows: Flow[];
  app: { kind: AppKind; name: string; label: string };
  clientId?: string;
  username: string;
  permissionSet: string;
  /** Where a pipeline logs in: the org's My Domain (an External Client App answers nowhere else). */
  loginUrl: string;
  audience: string;
  /** The org's instance, as the verified login reported it (the My Domain until then). */
  instanceUrl: string;
  keyFile?: string;
  /** The JWT bearer flow's certificate (absent when only the client credentials flow was asked for). */
  certificateFile?: string;
  certificateExpires?: string;
  certificateFingerprint?: string;
  changes: SetupChange[];
  loginCommand?: string;
  /** The JWT bearer login, checked. */
  verification?: LoginReport;
  /** The client credentials flow: who it runs as, where the secret came from (never the secret), its login checked. */
  clientCredentials?: {
    runAs: string;
    /** `variable`: --client-secret-env; `metadata`: read from the app; `unreadable`: Salesforce does not let an API read it. */
    secret: 'variable' | 'metadata' | 'unreadable';
    /** Where an admin finds the consumer secret in Setup. */
    secretPath: string;
    verification?: LoginReport;
  };
  files: { envFile?: string; settingsFile?: string };
  /** The CI secret stores written, and the names written to each (never the values). */
  ciSecrets?: WrittenSecrets[];
  /**
   * On a Dev Hub whose login goes through an External Client App: what `sf org create scratch` needs to sign up
   * scratch orgs with it (the dotenv file carries it as SF_SCRATCH_SIGNUP_CONNECTED_APP and _CALLBACK_URL).
   */
  scratchSignup?: typeof SCRATCH_SIGNUP;
  /** Calls an outage answered and that were tried again (a read, or the whole apply after a fresh read). */
  retries?: RetriedCall[];
};

/**
 * Scratch-org signup replicates the Dev Hub session's Connected App into the new org, and an External Client App
 * cannot be replicated: `sf org create scratch` fails with C-1016 (forcedotcom/cli#3515). `@salesforce/core` 9.1.0
 * (sf 2.147.7 and later) signs up with the app these variables name instead; these are the values its C-1016 message
 * gives (messages/scratchOrgErrorCodes.md). docs/research/pipeline-life.md §2.
 */
export const SCRATCH_SIGNUP = {
  connectedApp: 'PlatformCLI',
  callbackUrl: 'http://localhost:1717/OauthRedirect',
} as const;

/** What the command asks for: its flags, as given. */
export type SetupOptions = {
  conn: Connection;
  /** What to set up, as given on the command line; the target org's user is the default integration user. */
  input: Omit<SetupInput, 'adminUsername'>;
  /** Where the JWT bearer flow's key pair comes from (--output-dir, --private-key-file, --certificate-file, ...). */
  keyFiles: Omit<KeyMaterialRequest, 'now'>;
  /** The environment variable holding the consumer secret the admin copied from Setup (--client-secret-env). */
  clientSecretEnv?: string;
  dryRun: boolean;
  /** How long the login check waits for Salesforce's propagation; 0 skips the check. */
  waitMs: number;
  ciFiles: CiFilesRequest;
  /** The CI secret stores to write once the login works (--github-repo, --gitlab-project), and the key kept only there. */
  ciSecrets?: CiSecretsRequest & { keyInCiOnly: boolean };
};

type SetupRun = {
  conn: Connection;
  /** What to set up; its certificate is the key pair's, resolved by the run. */
  request: Omit<SetupRequest, 'certificatePem'>;
  /** Where the JWT bearer flow's key pair comes from; undefined when only the client credentials flow is set up. */
  keys: KeyMaterialRequest | undefined;
  dryRun: boolean;
  /** How long the login check waits for Salesforce's propagation; 0 skips the check. */
  waitMs: number;
  /** The consumer secret the admin copied from Setup (--client-secret-env), already read and checked. */
  clientSecret?: string;
  ciFiles: CiFilesRequest;
  /** The CI secret stores, their tokens read; written once the login works. */
  stores: SecretStore[];
  ciSecrets: CiSecretsRequest | undefined;
};

/** What a run reports as it goes, so the command decides how to show it (a spinner; nothing under --json). */
export type SetupProgress = {
  reading(): void;
  planned(changes: SetupChange[], dryRun: boolean): void;
  step(description: string): void;
  verifying(username: string): void;
  waiting(elapsedMs: number, lastAnswer: string): void;
  done(outcome?: string): void;
};

/**
 * The whole setup: read the org, plan, and unless it is a dry run apply the plan, read the consumer key
 * back, check the login with a bounded wait, and write the CI files. A refused login ends the run with
 * the result attached to the error, so --json still says what was set up. The key folder, when the run reads
 * or writes its pair, is held for the whole run (see openKeyFolder).
 */
export const runSetup = async (options: SetupOptions, progress: SetupProgress): Promise<SetupResult> => {
  const { conn, input, keyFiles, clientSecretEnv, ciSecrets, ...rest } = options;
  // Checked before anything is read: names Salesforce would refuse, the secret's variable, the stores' tokens.
  const request = buildSetupRequest({ ...input, adminUsername: conn.getUsername() ?? '' });
  const clientSecret = clientSecretEnv ? secretFromVariable(clientSecretEnv) : undefined;
  const stores = ciSecrets ? openStores(ciSecrets) : [];
  assertKeyHasAStore(ciSecrets?.keyInCiOnly ?? false, stores);
  const keys = request.flows.includes('jwt')
    ? { ...keyFiles, inMemory: ciSecrets?.keyInCiOnly, now: new Date(clock.now()) }
    : undefined;
  return setupWith({ ...rest, conn, request, keys, clientSecret, stores, ciSecrets }, progress);
};

const setupWith = async (run: SetupRun, progress: SetupProgress): Promise<SetupResult> => {
  // CI files that are not ours, or that are one file with another output of the run, stop it before anything.
  await assertCiFilesOurs(run.ciFiles, true, { ...run.keys, username: run.request.username });
  // A key from a variable writes nothing; a key and certificate both named are only read.
  const usesFolder =
    run.keys !== undefined &&
    !run.dryRun &&
    !run.keys.privateKeyVariable &&
    !run.keys.inMemory &&
    !(run.keys.privateKeyFile && run.keys.certificateFile);
  const folder =
    usesFolder && run.keys
      ? await openKeyFolder(run.keys.outputDir, {
          waitMs: run.waitMs,
          onWait: () =>
            progress.step(certificateMessages.getMessage('step.waitForFolder', [run.keys?.outputDir ?? ''])),
        })
      : undefined;
  try {
    return await setupHeld(run, folder, progress);
  } finally {
    await folder?.release();
  }
};

/**
 * The key pair, once a switch an earlier run left half done is repaired (from the app as it is now). Resolved
 * before any other request: a bad key or certificate ends the run with nothing sent.
 */
const keyMaterialFor = async (
  run: SetupRun,
  conn: Connection,
  folder: KeyFolder | undefined,
): Promise<KeyMaterial | undefined> => {
  if (folder) await repairKeyFolder(conn, run.request.name, folder);
  return run.keys ? resolveKeyMaterial(run.keys) : undefined;
};

/** What stops the run before it writes anything: the folder's pair not the app's, a CI file with other values. */
const assertNothingStopsTheRun = async (
  run: SetupRun,
  conn: Connection,
  { state, plan }: { state: ReadState; plan: Plan },
  material: KeyMaterial | undefined,
  result: SetupResult,
): Promise<void> => {
  const existingApp = state.apps[plan.appKind];
  assertFolderPairIsTheApps(material, existingApp?.snapshot.certificate, run);
  const before = (known: string | undefined): string | undefined => known ?? (plan.appExists ? undefined : NEW_VALUE);
  const secretBefore =
    result.clientCredentials && run.ciFiles.includeSecretInEnvFile
      ? before(run.clientSecret ?? existingApp?.consumerSecret)
      : undefined;
  await assertCiFilesAgree(
    pipelineLogin(result, before(run.request.consumerKey ?? existingApp?.snapshot.consumerKey), conn.getApiVersion()),
    { privateKeyPem: material?.privateKeyPem, clientSecret: secretBefore },
    run.ciFiles,
  );
  // The stores reached and writable with their tokens, before the org is written.
  await checkStores(run.stores);
  // A run-as user who can also log in interactively holds more than an integration needs.
  const user = state.current.access.user;
  if (result.clientCredentials && user && !user.apiOnly) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.RunAsNotApiOnly', [user.username, user.profile ?? '?']),
    );
  }
};

/**
 * Applies the plan. New files that replace a pair the app holds are switched with a journal first, so an
 * interruption is repaired by the next run; a refused apply leaves the folder with the pair the app holds.
 */
const applyWithSwitch = async (
  run: SetupRun,
  conn: Connection,
  first: { state: ReadState; plan: Plan },
  request: SetupRequest,
  keys: { material: KeyMaterial | undefined; folder: KeyFolder | undefined; certificateChanged: boolean },
  onStep: (step: string) => void,
  log: RetryLog,
): Promise<AppliedSetup> => {
  const { material, folder } = keys;
  const pairSwitch =
    folder && material && material.pendingFiles.length > 0 && keys.certificateChanged
      ? await beginPairSwitch(folder, request.name, material.pendingFiles, new Date(clock.now()))
      : undefined;
  const applied = await applyConverging(
    conn,
    first,
    { ...request, readSecret: secretFromOrg(run) },
    pairSwitch && material ? { ...material, pendingFiles: [] } : material,
    onStep,
    log,
  ).catch(async (e: unknown) => {
    if (pairSwitch && folder) await settleKeyFolder(conn, request.name, folder);
    throw e;
  });
  // The app holds the folder's certificate now, whatever the login check answers.
  await pairSwitch?.finish();
  return applied;
};

const setupHeld = async (
  run: SetupRun,
  folder: KeyFolder | undefined,
  progress: SetupProgress,
): Promise<SetupResult> => {
  const log = new RetryLog();
  const conn = resilientConnection(run.conn, log);
  const made = await keyMaterialFor(run, conn, folder);
  progress.reading();
  const read = await readForRun(
    conn,
    { ...run.request, certificatePem: made?.certificatePem },
    made,
    log,
    String(run.conn.getUsername()),
  );
  progress.done();
  const { state } = read;
  // A brought key the app already holds a certificate for keeps it: the same key changes nothing in the app.
  const material = made
    ? await keepHeldCertificate(made, state.apps[read.plan.appKind]?.snapshot.certificate, new Date(clock.now()))
    : undefined;
  const request = material === made ? read.request : { ...read.request, certificatePem: material?.certificatePem };
  const plan = material === made ? read.plan : planFromState(state, request, material);

  const planned = plannedResult(
    { ...run, request },
    material,
    { plan, devHub: state.current.access.devHub },
    conn.instanceUrl.replace(/\/$/, ''),
  );
  if (planned.scratchSignup) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.DevHubScratchSignup', [
        request.name,
        SCRATCH_SIGNUP.connectedApp,
        SCRATCH_SIGNUP.callbackUrl,
      ]),
    );
  }
  await assertNothingStopsTheRun({ ...run, request }, conn, { state, plan }, material, planned);
  progress.planned(planned.changes, run.dryRun);
  if (run.dryRun) return planned;

  const held = state.apps[plan.appKind]?.snapshot.certificate;
  const certificateChanged =
    held !== undefined && material !== undefined && !sameCertificate(held, material.certificatePem);
  const applied = await applyWithSwitch(
    run,
    conn,
    { state, plan },
    request,
    { material, folder, certificateChanged },
    (step) => progress.step(step),
    log,
  );
  progress.done();
  // What was set up, before any login is checked: what a refused login reports with its error.
  const done: SetupResult = {
    ...planned,
    status: !plan.appExists ? 'created' : isUnchanged(plan) ? 'unchanged' : 'updated',
    clientId: applied.consumerKey,
  };
  if (!applied.consumerKey)
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.ConsumerKeyUnreadable', [request.name]));
  const pipeline = pipelineLogin(planned, applied.consumerKey ?? '', conn.getApiVersion());
  // The first read already said the user's profile grants "API Enabled": the token alone proves the login.
  const apiAccessKnown = state.current.access.user?.apiEnabledByProfile === true;
  const jwt = material
    ? await jwtPart(
        done,
        loginCommand(pipeline),
        material,
        { waitMs: run.waitMs, apiAccessKnown, certificateChanged },
        progress,
      )
    : {};
  const secret = planned.clientCredentials ? (run.clientSecret ?? applied.consumerSecret) : undefined;
  const clientCredentials = await checkClientCredentials(
    done,
    run,
    { secret, refused: applied.secretRefused },
    progress,
    (cc) => ({ ...done, ...jwt, clientCredentials: cc }),
  );
  // The org's instance, as the verified login reported it (the My Domain until then).
  const verifiedInstance = jwt.verification?.instanceUrl ?? clientCredentials?.verification?.instanceUrl;
  const files = await writeCiFiles(
    { ...pipeline, instanceUrl: verifiedInstance },
    { privateKeyPem: material?.privateKeyPem, clientSecret: run.ciFiles.includeSecretInEnvFile ? secret : undefined },
    run.ciFiles,
  );
  const ciSecrets = await writeStores(run, done, material?.privateKeyPem, {
    wanted: Boolean(planned.clientCredentials),
    secret,
    refused: applied.secretRefused,
  });
  return {
    ...done,
    ...jwt,
    clientCredentials,
    instanceUrl: verifiedInstance ?? planned.instanceUrl,
    retries: log.calls,
    files,
    ...(ciSecrets ? { ciSecrets } : {}),
  };
};

/**
 * The login's values into the CI's secret stores, once every login asked for works: a CI holding values that do not
 * log in would break the pipeline.
 */
const writeStores = async (
  run: SetupRun,
  done: SetupResult,
  privateKeyPem: string | undefined,
  clientSecret: { wanted: boolean; secret: string | undefined; refused: SecretRefusal | undefined },
): Promise<WrittenSecrets[] | undefined> => {
  if (!run.ciSecrets || run.stores.length === 0 || !done.clientId) return undefined;
  const secret = clientSecret.wanted ? clientSecret.secret : undefined;
  const written = await writeLogin(
    run.stores,
    { username: done.username, clientId: done.clientId, loginUrl: done.loginUrl, privateKeyPem, clientSecret: secret },
    run.ciSecrets,
  );
  // A client credentials pipeline cannot log in without the secret the org would not give: say where it is.
  if (clientSecret.wanted && !secret && run.ciSecrets.naming === 'sf') {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.SecretNotInCiStores', [
        run.stores.map((store) => store.label).join(' and '),
        secretName('SF_CLIENT_SECRET', run.ciSecrets.suffix),
        secretUnreadable(clientSecret.refused),
        done.clientCredentials?.secretPath ?? run.request.name,
      ]),
    );
  }
  return written;
};

/** The JWT bearer part of a run: the login command, and the login checked; a refusal ends the run with `done` and the report. */
const jwtPart = async (
  done: SetupResult,
  command: string,
  material: KeyMaterial,
  wait: { waitMs: number; apiAccessKnown: boolean; certificateChanged: boolean },
  progress: SetupProgress,
): Promise<Pick<SetupResult, 'loginCommand' | 'verification'>> => ({
  loginCommand: command,
  verification: await verifyLogin(done, material, wait, progress, (report) => ({
    ...done,
    loginCommand: command,
    verification: report,
  })),
});

/**
 * A pair reused from the key folder must be the one the app holds: one that is not (the app was rotated with a
 * pair kept elsewhere, or changed by hand or from another machine) would switch the app back to another key,
 * possibly an old, leaked one. Refused before anything is written; naming the pair on purpose uploads it.
 */
const assertFolderPairIsTheApps = (
  material: KeyMaterial | undefined,
  appCertificate: string | undefined,
  run: SetupRun,
): void => {
  if (material?.origin !== 'reused' || !appCertificate || sameCertificate(appCertificate, material.certificatePem))
    return;
  const app = describeCertificate(appCertificate);
  const outputDir = run.keys?.outputDir ?? '.';
  throw certificateMessages.createError(
    'error.KeyPairNotTheApps',
    [
      outputDir,
      run.request.name,
      `${material.certificate.sha256Fingerprint} (until ${material.certificate.notAfter})`,
      `${app.sha256Fingerprint} (until ${app.notAfter})`,
    ],
    [material.keyFile ?? '', material.certificateFile, run.request.name, outputDir],
    EXIT_CODES.localInput,
  );
};

/**
 * The org read and the plan made, with the user as the org spells the username: Salesforce matches usernames
 * in any case, and what the run writes (the app's run-as user, the CI files, the login command) says it the
 * org's way, so the next run agrees with its files. A blocked or disabled app refuses every login: setup would
 * configure it and report it done, yet no pipeline could log in; it is said before anything is written, with
 * how to unblock it.
 */
const readForRun = async (
  conn: Connection,
  asked: SetupRequest,
  material: KeyMaterial | undefined,
  log: RetryLog,
  admin: string,
): Promise<{ request: SetupRequest; state: ReadState; plan: Plan }> => {
  const first = await readAndPlan(conn, asked, material, log);
  const request = withOrgUsername(asked, first.state.current.access.user?.username);
  const plan = request === asked ? first.plan : planFromState(first.state, request, material);
  if (plan.appExists && !(await APP_KINDS[plan.appKind].isEnabled(conn, request.name).catch(asNotAdmin))) {
    throw messages.createError(
      'error.AppBlocked',
      [appKindLabel(plan.appKind), request.name],
      [admin, request.name],
      EXIT_CODES.orgRefused,
    );
  }
  return { request, state: first.state, plan };
};

/** The request with the integration user (and the client credentials run-as user) as the org spells the username. */
const withOrgUsername = (request: SetupRequest, orgUsername: string | undefined): SetupRequest => {
  if (!orgUsername || orgUsername === request.username || orgUsername.toLowerCase() !== request.username.toLowerCase())
    return request;
  const runAs = request.clientCredentialsUser;
  return {
    ...request,
    username: orgUsername,
    ...(runAs && runAs.toLowerCase() === orgUsername.toLowerCase() ? { clientCredentialsUser: orgUsername } : {}),
  };
};

/** The pipeline's login, before any login is checked: its instance is not known yet (see writeCiFiles). */
const pipelineLogin = (result: SetupResult, clientId: string | undefined, apiVersion: string): PipelineLogin => ({
  username: result.username,
  clientId,
  loginUrl: result.loginUrl,
  instanceUrl: undefined,
  audience: result.audience,
  keyFile: result.keyFile,
  apiVersion,
  scratchSignup: result.scratchSignup,
});

/** What the run will do, before it does it: the --dry-run result, and the start of the applied run's. */
const plannedResult = (
  run: SetupRun,
  material: KeyMaterial | undefined,
  { plan, devHub }: { plan: Plan; devHub: boolean },
  loginUrl: string,
): SetupResult => {
  const { request } = run;
  const scratchSignup = devHub && plan.appKind === 'external-client-app' && request.flows.includes('jwt');
  return {
    status: 'planned',
    dryRun: run.dryRun,
    flows: request.flows,
    app: { kind: plan.appKind, name: request.name, label: request.label },
    username: request.username,
    permissionSet: request.permissionSet,
    loginUrl,
    audience: defaultAudience(loginUrl),
    instanceUrl: loginUrl,
    ...(material?.keyFile ? { keyFile: resolve(material.keyFile) } : {}),
    ...(material
      ? {
          ...(material.certificateFile ? { certificateFile: resolve(material.certificateFile) } : {}),
          certificateExpires: material.certificate.notAfter,
          certificateFingerprint: material.certificate.sha256Fingerprint,
        }
      : {}),
    ...(request.clientCredentialsUser
      ? {
          clientCredentials: {
            runAs: request.clientCredentialsUser,
            secret: run.clientSecret ? ('variable' as const) : ('unreadable' as const),
            secretPath: APP_KINDS[plan.appKind].consumerSecretPath(request.name),
          },
        }
      : {}),
    changes: plan.changes.map(publicChange),
    files: {},
    ...(scratchSignup ? { scratchSignup: SCRATCH_SIGNUP } : {}),
  };
};

/** The client credentials flow wants the secret from the org: the pipeline did not bring it (--client-secret-env). */
const secretFromOrg = (run: SetupRun): boolean => Boolean(run.request.clientCredentialsUser) && !run.clientSecret;

/** Said in every warning about a missing secret: which setting or permission withheld it, where known. */
const secretUnreadable = (refused: SecretRefusal | undefined): string =>
  messages.getMessage(refused ? `secretUnreadable.${refused}` : 'secretUnreadable');

/** The client credentials part of a run: where the secret came from, and the login checked; a refusal ends the run with `refused`'s result. */
const checkClientCredentials = async (
  result: AppLogin & Pick<SetupResult, 'clientCredentials'>,
  run: SetupRun,
  { secret, refused }: { secret: string | undefined; refused: SecretRefusal | undefined },
  progress: SetupProgress,
  refusedResult: (cc: ClientCredentialsPart) => SetupResult,
): Promise<ClientCredentialsPart | undefined> => {
  const unreadable = secretUnreadable(refused);
  if (run.ciFiles.includeSecretInEnvFile && !secret) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.SecretNotInEnvFile', [
        unreadable,
        result.clientCredentials?.secretPath ?? run.request.name,
      ]),
    );
  }
  const cc = result.clientCredentials;
  if (!cc) return undefined;
  const known = { ...cc, secret: !run.clientSecret && secret ? ('metadata' as const) : cc.secret };
  const verification = await verifyClientCredentials(
    result,
    known,
    { secret, unreadable },
    run.waitMs,
    progress,
    (report) => refusedResult({ ...known, verification: report }),
  );
  return verification ? { ...known, verification } : known;
};

type ClientCredentialsPart = NonNullable<SetupResult['clientCredentials']>;

/** What a login check needs of the run: who logs in, with which app, where. */
type AppLogin = Pick<SetupResult, 'username' | 'clientId' | 'loginUrl' | 'audience'>;

/**
 * The client credentials login, as `verify --client-secret-env` checks it, at the org's My Domain (the only
 * host that serves the flow) with the same bounded wait. Without the secret it cannot be checked: a warning
 * says where the admin finds it and how to check the login then.
 */
const verifyClientCredentials = async (
  result: AppLogin,
  cc: ClientCredentialsPart,
  { secret, unreadable }: { secret: string | undefined; unreadable: string },
  waitMs: number,
  progress: SetupProgress,
  refused: (report: LoginReport) => SetupResult,
): Promise<LoginReport | undefined> => {
  if (waitMs === 0 || !result.clientId) return undefined;
  if (!secret) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.ClientCredentialsNotVerified', [
        unreadable,
        cc.secretPath,
        cc.runAs,
        result.clientId,
        result.loginUrl,
      ]),
    );
    return undefined;
  }
  const clientId = result.clientId;
  return checkedLogin(
    cc.runAs,
    progress,
    (onRetry) =>
      checkClientCredentialsLogin({
        username: cc.runAs,
        clientId,
        loginUrl: result.loginUrl,
        clientSecret: secret,
        waitMs,
        atMyDomain: true,
        onRetry,
      }),
    refused,
  );
};

/** The login, as `verify --wait` checks it; a refusal ends the run with `refused`'s result. */
const verifyLogin = async (
  result: AppLogin,
  material: KeyMaterial,
  {
    waitMs,
    apiAccessKnown,
    certificateChanged,
  }: { waitMs: number; apiAccessKnown: boolean; certificateChanged: boolean },
  progress: SetupProgress,
  refused: (report: LoginReport) => SetupResult,
): Promise<LoginReport | undefined> => {
  if (waitMs === 0 || !result.clientId) return undefined;
  if (!material.key) {
    await Lifecycle.getInstance().emitWarning(messages.getMessage('warning.NotVerifiedNoKey'));
    return undefined;
  }
  const { key } = material;
  const clientId = result.clientId;
  return checkedLogin(
    result.username,
    progress,
    (onRetry) =>
      checkLoginWithKey({
        username: result.username,
        clientId,
        loginUrl: result.loginUrl,
        audience: result.audience,
        key,
        waitMs,
        apiAccessKnown,
        certificateChanged,
        atMyDomain: true,
        onRetry,
      }),
    refused,
  );
};

/**
 * One flow's login checked with the run's progress shown; a refusal ends the run with the named error and
 * the setup result (what was set up, and the refused report) attached, so --json still says it.
 */
const checkedLogin = async (
  username: string,
  progress: SetupProgress,
  check: (onRetry: (p: LoginProgress) => void) => Promise<{ report: LoginReport }>,
  refused: (report: LoginReport) => SetupResult,
): Promise<LoginReport> => {
  progress.verifying(username);
  const { report } = await check(({ elapsedMs, diagnosis }) =>
    progress.waiting(elapsedMs, diagnosis.description || diagnosis.code),
  );
  progress.done(report.success ? 'ok' : 'refused');
  if (!report.success) throw withResult(loginFailure(report), refused(report));
  return report;
};
