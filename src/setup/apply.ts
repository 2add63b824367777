import { Lifecycle, Messages, SfError, type Connection } from '@salesforce/core';
import { readAccessState, type AccessState } from '../access/state.js';
import { isMarked, readPermissionSetGrants } from '../access/ownership.js';
import { assignPermissionSet, createAndAssignPermissionSet, createPermissionSet } from '../access/grants.js';
import { deleteRecord } from '../org/records.js';
import type { AppKind, BoundApp, DesiredApp, ReadCredentials, SecretRefusal } from '../apps/app.js';
import { APP_KINDS } from '../apps/kinds.js';
import { asNotAdmin } from '../apps/not-admin.js';
import type { KeyMaterial } from '../certificate/material.js';
import { writeAtomically } from '../output/files.js';
import { EXIT_CODES } from '../exit-codes.js';
import { withData } from '../output/error-payload.js';
import { createIntegrationUser } from '../users/create.js';
import { inRounds, isConflict, needsFreshRead, orgUnavailable, type RetryLog } from '../retry/outage.js';
import {
  appKindLabel,
  planSetup,
  orgChanges,
  type AppTypeChoice,
  type Change,
  type CurrentState,
  type Plan,
} from './plan.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'setup');

/** The server-to-server flows setup configures on the app. */
export type Flow = 'jwt' | 'client-credentials';

export type SetupRequest = DesiredApp & {
  username: string;
  permissionSetLabel: string;
  appType: AppTypeChoice;
  flows: Flow[];
  /** Create --username as an API-only integration user when the org has no such user. */
  createUser?: boolean;
  /** Assign an existing permission set setup did not create (--use-existing-permission-set). */
  useExistingPermissionSet?: boolean;
  /** Read the consumer secret from the org after the run: the client credentials flow, no --client-secret-env. */
  readSecret?: boolean;
};

/** What was read: the snapshots planning compares, and the apps of either kind, bound to their update. */
export type ReadState = {
  current: CurrentState;
  apps: Partial<Record<AppKind, BoundApp>>;
};

export type AppliedSetup = {
  consumerKey: string | undefined;
  /** Where an API returned it; never printed, kept only to check the client credentials login. */
  consumerSecret: string | undefined;
  /** Asked for and not returned: the setting or permission that withheld it. */
  secretRefused?: SecretRefusal;
};

/**
 * The current state in as few requests as the APIs allow: one REST batch for the user, the permission
 * set, its assignment and access, and whether an External Client App of that name exists (with its label);
 * then the app's metadata — one read for a Connected App; for an External Client App its three components.
 */
export const readSetupState = async (conn: Connection, request: SetupRequest): Promise<ReadState> => {
  const access: AccessState = await readAccessState(conn, {
    username: request.username,
    permissionSet: request.permissionSet,
    appName: request.name,
  });
  // The batch already said whether an External Client App of that name exists, and its label (all setup needs
  // of its header); a Connected App takes a read.
  const eca = access.externalClientApp;
  const connectedApp =
    request.appType !== 'connected-app' && eca
      ? undefined
      : await APP_KINDS['connected-app'].read(conn, request.name).catch(asNotAdmin);
  const externalClientApp = eca
    ? await APP_KINDS['external-client-app'].read(conn, eca.name, eca).catch(asNotAdmin)
    : undefined;
  // A permission set setup did not mark: what it grants decides whether setup may assign it (planSetup).
  const permissionSetGrants =
    access.permissionSet && !isMarked(access.permissionSet)
      ? await readPermissionSetGrants(conn, access.permissionSet.name).catch(asNotAdmin)
      : undefined;
  return {
    current: {
      access,
      connectedApp: connectedApp?.snapshot,
      externalClientApp: externalClientApp?.snapshot,
      permissionSetGrants,
    },
    apps: { 'connected-app': connectedApp, 'external-client-app': externalClientApp },
  };
};

export const planFromState = (state: ReadState, request: SetupRequest, material: KeyMaterial | undefined): Plan =>
  planSetup(
    state.current,
    request,
    (material?.pendingFiles ?? []).map((f) => ({ path: f.path, what: f.what })),
  );

/**
 * The app's credentials once the run wrote it: an existing app's came with its read; a new app's are read
 * back once; the secret, when wanted and not returned by the Metadata API, through the credentials resource.
 */
const credentialsAfterRun = async (
  conn: Connection,
  existingApp: BoundApp | undefined,
  appKind: AppKind,
  request: SetupRequest,
  appId: string | undefined,
): Promise<ReadCredentials> => {
  const known = existingApp
    ? { consumerKey: existingApp.snapshot.consumerKey, consumerSecret: existingApp.consumerSecret }
    : undefined;
  const secret = request.readSecret === true;
  if (known?.consumerKey && (known.consumerSecret !== undefined || !secret)) return known;
  return APP_KINDS[appKind].readCredentials(conn, request.name, { secret, appId }, known);
};

/**
 * Applies a plan in its order. A refused step takes back what the run wrote before it, newest first (see
 * `undo`), so the org is left as it was; the key files stay (they hold nothing the org knows yet).
 */
export const applySetup = async (
  conn: Connection,
  state: ReadState,
  plan: Plan,
  request: SetupRequest,
  material: KeyMaterial | undefined,
  onStep: (description: string) => void,
  /** What this run created, across its rounds: named when the run stops on an outage. */
  created: string[] = [],
): Promise<AppliedSetup> => {
  const access = state.current.access;
  let userId = access.user?.id;
  if (!userId && !plan.changes.some((c) => c.kind === 'create-user')) {
    throw messages.createError('error.UnknownUser', [request.username], [request.username], EXIT_CODES.orgRefused);
  }
  let permissionSetId = access.permissionSet?.id;
  let assignedWithSet = false;
  const existingApp = state.apps[plan.appKind];
  // What this run wrote to the org, newest last: undone newest first when a later step is refused.
  const undos: Undo[] = [];
  const removal = (object: string, id: string, what: string): Undo => ({
    what,
    run: () => deleteRecord(conn, object, id),
    command: `sf data delete record --sobject ${object} --record-id ${id} --target-org ${String(conn.getUsername())}`,
  });

  /**
   * The permission set, and its assignment with it when the plan assigns it next to a known user: one request,
   * both or neither. Whether the assignment was made.
   */
  const createSet = async (
    change: Extract<Change, { kind: 'create-permission-set' }>,
    assignment: Extract<Change, { kind: 'assign-permission-set' }> | undefined,
  ): Promise<boolean> => {
    onStep(messages.getMessage('step.createPermissionSet', [change.name]));
    const description = messages.getMessage('permissionSetDescription', [request.name]);
    const madeSet = (id: string): string => messages.getMessage('undo.permissionSet', [change.name, id]);
    if (!assignment || !userId) {
      permissionSetId = await createPermissionSet(conn, change.name, change.label, description);
      undos.push(removal('PermissionSet', permissionSetId, madeSet(permissionSetId)));
      created.push(madeSet(permissionSetId));
      return false;
    }
    onStep(messages.getMessage('step.assignPermissionSet', [assignment.permissionSet, assignment.username]));
    const made = await createAndAssignPermissionSet(
      conn,
      { name: change.name, label: change.label, description },
      userId,
    );
    permissionSetId = made.permissionSetId;
    const madeAssignment = messages.getMessage('undo.assignment', [
      assignment.permissionSet,
      assignment.username,
      made.assignmentId,
    ]);
    // Undone newest first: the assignment before the set it assigns.
    undos.push(
      removal('PermissionSet', made.permissionSetId, madeSet(made.permissionSetId)),
      removal('PermissionSetAssignment', made.assignmentId, madeAssignment),
    );
    created.push(madeSet(made.permissionSetId), madeAssignment);
    return true;
  };

  const assign = async (change: Extract<Change, { kind: 'assign-permission-set' }>): Promise<void> => {
    onStep(messages.getMessage('step.assignPermissionSet', [change.permissionSet, change.username]));
    const id = await assignPermissionSet(conn, permissionSetId ?? '', userId ?? '');
    const made = messages.getMessage('undo.assignment', [change.permissionSet, change.username, id]);
    undos.push(removal('PermissionSetAssignment', id, made));
    created.push(made);
  };

  try {
    for (const [index, change] of plan.changes.entries()) {
      switch (change.kind) {
        case 'write-file': {
          const file = material?.pendingFiles.find((f) => f.path === change.path);
          onStep(messages.getMessage('step.writeFile', [change.what, change.path]));
          // eslint-disable-next-line no-await-in-loop
          if (file) await writeAtomically(file.path, file.text, file.mode);
          break;
        }
        case 'create-user': {
          onStep(messages.getMessage('step.createUser', [change.username]));
          // A user cannot be deleted, only deactivated: one this run created stays, and a re-run uses it.
          // Named after the app, as Jitterbit's guide names its user, "<System> Integration" (docs/research/vendor-guides.md).
          // eslint-disable-next-line no-await-in-loop
          const user = await createIntegrationUser(conn, {
            username: change.username,
            firstName: request.label,
            permissionSets: [],
          });
          userId = user.userId;
          created.push(messages.getMessage('created.user', [change.username]));
          break;
        }
        case 'create-permission-set': {
          const next = plan.changes[index + 1];
          // eslint-disable-next-line no-await-in-loop
          assignedWithSet = await createSet(change, next?.kind === 'assign-permission-set' ? next : undefined);
          break;
        }
        case 'assign-permission-set': {
          // eslint-disable-next-line no-await-in-loop
          if (!assignedWithSet) await assign(change);
          break;
        }
        case 'create-app':
        case 'update-app': {
          onStep(
            messages.getMessage(change.kind === 'create-app' ? 'step.createApp' : 'step.updateApp', [change.name]),
          );
          const apps = APP_KINDS[change.appKind];
          // eslint-disable-next-line no-await-in-loop
          await (existingApp ? existingApp.update(request) : apps.create(conn, request));
          if (change.kind === 'create-app') {
            created.push(messages.getMessage('undo.app', [appKindLabel(change.appKind), change.name]));
            undos.push({
              what: messages.getMessage('undo.app', [appKindLabel(change.appKind), change.name]),
              run: () => apps.remove(conn, change.name),
              command: apps.removeCommand(change.name, String(conn.getUsername())),
            });
          }
          break;
        }
      }
    }
  } catch (e) {
    // An outage is not Salesforce's verdict, nor is a record another run made meanwhile: nothing is taken
    // back, the run re-reads the org and goes on.
    if (needsFreshRead(e)) throw e;
    throw await undo(undos, e);
  }

  const credentials = await credentialsAfterRun(conn, existingApp, plan.appKind, request, access.externalClientApp?.id);
  return credentials;
};

const readOnce = async (
  conn: Connection,
  request: SetupRequest,
  material: KeyMaterial | undefined,
): Promise<{ state: ReadState; plan: Plan }> => {
  const state = await readSetupState(conn, request);
  return { state, plan: planFromState(state, request, material) };
};

/**
 * Reads the org and plans, retrying the whole read when an outage outlasts the per-call retries. Nothing is
 * written yet, so an outage here leaves the org as it was.
 */
export const readAndPlan = (
  conn: Connection,
  request: SetupRequest,
  material: KeyMaterial | undefined,
  log: RetryLog,
): Promise<{ state: ReadState; plan: Plan }> =>
  inRounds(() => readOnce(conn, request, material), { log, operation: () => 'read the org' });

/**
 * Applies the plan; when an outage interrupts it (a 5xx, a dropped connection, an answer lost after the
 * write was made), or another run made a record first (two pipelines at once: DUPLICATE_*), nothing is
 * taken back and nothing is sent again blindly: the org is read afresh, planned again — what did happen is
 * now seen as done — and the rest applied. After MAX_ROUNDS it stops with
 * `OrgUnavailableError`, naming what this run created; a re-run goes on from there.
 */
export const applyConverging = (
  conn: Connection,
  first: { state: ReadState; plan: Plan },
  request: SetupRequest,
  material: KeyMaterial | undefined,
  onStep: (description: string) => void,
  log: RetryLog,
): Promise<AppliedSetup> => {
  const created: string[] = [];
  return inRounds(
    async (round) => {
      const { state, plan } = round > 1 ? await readOnce(conn, request, material) : first;
      return applySetup(conn, state, plan, request, material, onStep, created);
    },
    {
      log,
      operation: (e) =>
        isConflict(e)
          ? 'apply: made meanwhile by another run; re-read the org and go on'
          : 'apply: re-read the org and go on',
      retryable: needsFreshRead,
      created,
      giveUp: (e) => (isConflict(e) ? e : orgUnavailable(e, log, created)),
    },
  );
};

/** A write this run made, how to take it back, and how a user removes it by hand. */
type Undo = { what: string; run: () => Promise<void>; command: string };

/**
 * Takes back what the run wrote, newest first, so a refused step leaves the org as it was. What cannot be
 * taken back is named, with the command that removes it, on the error the run ends with (and as a warning),
 * so nothing is left in the org unreported.
 */
const undo = async (undos: Undo[], cause: unknown): Promise<unknown> => {
  const left: Undo[] = [];
  for (const step of [...undos].reverse()) {
    // eslint-disable-next-line no-await-in-loop
    await step.run().catch(() => left.push(step));
  }
  if (left.length === 0) return cause;
  const report = messages.getMessage('undo.leftBehind', [left.map((l) => l.what).join('; ')]);
  await Lifecycle.getInstance().emitWarning(report);
  const error = cause instanceof SfError ? cause : SfError.wrap(cause instanceof Error ? cause : String(cause));
  error.actions = [...(error.actions ?? []), report, ...left.map((l) => l.command)];
  error.exitCode = error.exitCode > 1 ? error.exitCode : EXIT_CODES.orgRefused;
  return withData(error, { leftInOrg: left.map((l) => l.what) });
};

export const isUnchanged = (plan: Plan): boolean => orgChanges(plan).length === 0;
