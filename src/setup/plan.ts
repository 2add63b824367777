import { Messages } from '@salesforce/core';
import type { AccessState } from '../access/state.js';
import { ownershipOf, type PermissionSetGrants } from '../access/ownership.js';
import { sameCertificate, type AppFieldChange, type AppKind, type AppSnapshot, type DesiredApp } from '../apps/app.js';
import { hasScopes, normaliseScopes } from '../apps/scopes.js';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'setup');

export type AppTypeChoice = 'auto' | AppKind;

/** What the org has now: the grants, and the app of either kind with that name. */
export type CurrentState = {
  access: AccessState;
  connectedApp: AppSnapshot | undefined;
  externalClientApp: AppSnapshot | undefined;
  /** What the existing permission set grants, read when it does not carry setup's marker. */
  permissionSetGrants?: PermissionSetGrants;
};

/** One step of a plan, in the order it is applied. */
export type Change =
  | { kind: 'write-file'; path: string; what: 'private key' | 'certificate' }
  | { kind: 'create-user'; username: string }
  | { kind: 'create-permission-set'; name: string; label: string }
  | { kind: 'assign-permission-set'; permissionSet: string; username: string }
  | { kind: 'create-app'; appKind: AppKind; name: string; fields: AppFieldChange[] }
  | { kind: 'update-app'; appKind: AppKind; name: string; fields: AppFieldChange[] };

export type Plan = {
  appKind: AppKind;
  appExists: boolean;
  changes: Change[];
};

const LABEL: Record<AppKind, string> = {
  'connected-app': 'Connected App',
  'external-client-app': 'External Client App',
};
export const appKindLabel = (kind: AppKind): string => LABEL[kind];

/**
 * Which app setup works on: an existing app of that name whatever its kind (ActiFi's guide updates an existing
 * Connected App), otherwise a new External Client App — new Connected Apps are blocked in current orgs.
 */
export const chooseApp = (
  choice: AppTypeChoice,
  current: CurrentState,
  name: string,
): { kind: AppKind; snapshot: AppSnapshot | undefined } => {
  const { connectedApp, externalClientApp } = current;
  if (choice === 'auto') {
    if (connectedApp && externalClientApp)
      throw messages.createError('error.AmbiguousAppName', [name], [], EXIT_CODES.orgRefused);
    if (connectedApp) return { kind: 'connected-app', snapshot: connectedApp };
    return { kind: 'external-client-app', snapshot: externalClientApp };
  }
  const other = choice === 'connected-app' ? externalClientApp : connectedApp;
  const mine = choice === 'connected-app' ? connectedApp : externalClientApp;
  if (!mine && other)
    throw messages.createError(
      'error.AppKindMismatch',
      [name, appKindLabel(other.kind), appKindLabel(choice)],
      [],
      EXIT_CODES.orgRefused,
    );
  return { kind: choice, snapshot: mine };
};

/** The differences between the app as it is and as wanted; for a new app, what it is created with. */
export const appFieldChanges = (current: AppSnapshot | undefined, desired: DesiredApp): AppFieldChange[] => {
  const changes: AppFieldChange[] = [];
  if (desired.certificatePem !== undefined && !sameCertificate(current?.certificate, desired.certificatePem)) {
    changes.push({
      field: 'certificate',
      from: current?.certificate ? 'another certificate' : 'none',
      to: 'the new certificate',
    });
  }
  if (!current || !hasScopes(current.scopes, desired.scopes)) {
    const have = current ? normaliseScopes(current.scopes) : [];
    changes.push({
      field: 'scopes',
      from: have.join(', ') || 'none',
      to: [...have, ...normaliseScopes(desired.scopes).filter((s) => !have.includes(s))].join(', '),
    });
  }
  if (!current?.adminApproved) {
    changes.push({
      field: 'permittedUsers',
      from: current ? 'all users may self-authorize' : 'none',
      to: 'admin approved users are pre-authorized',
    });
  }
  const cc = current?.policies.clientCredentials;
  const runAs = desired.clientCredentialsUser;
  if (runAs && !(cc?.enabled && cc.runAs?.toLowerCase() === runAs.toLowerCase())) {
    changes.push({
      field: 'clientCredentials',
      from: cc?.enabled ? `on, running as ${cc.runAs ?? 'nobody'}` : 'off',
      to: `on, running as ${runAs}`,
    });
  }
  if (!current?.permissionSets.some((p) => p.toLowerCase() === desired.permissionSet.toLowerCase())) {
    changes.push({
      field: 'permissionSets',
      from: current && current.permissionSets.length > 0 ? current.permissionSets.join(', ') : 'none',
      to: [...(current?.permissionSets ?? []), desired.permissionSet].join(', '),
    });
  }
  return changes;
};

/**
 * The changes, in the order that is safe to apply: files first (a key is never lost to a failed run);
 * the permission set before the app that names it; the assignment before an existing live app is
 * switched to admin-approved (its user is not locked out), and after a new app (a refused app leaves no
 * assignment behind).
 */
export const planSetup = (
  current: CurrentState,
  desired: DesiredApp & {
    username: string;
    permissionSetLabel: string;
    appType: AppTypeChoice;
    createUser?: boolean;
    useExistingPermissionSet?: boolean;
  },
  files: Array<{ path: string; what: 'private key' | 'certificate' }>,
): Plan => {
  const { access } = current;
  // --create-user: a missing user is created first (user create's own checks run before it writes).
  const createUser = !access.user && desired.createUser === true;
  if (!access.user && !createUser)
    throw messages.createError('error.UnknownUser', [desired.username], [desired.username], EXIT_CODES.orgRefused);
  if (access.user && !access.user.isActive)
    throw messages.createError('error.InactiveUser', [desired.username], [], EXIT_CODES.orgRefused);
  const { kind, snapshot } = chooseApp(desired.appType, current, desired.name);
  if (snapshot && desired.consumerKey && snapshot.consumerKey !== desired.consumerKey) {
    throw messages.createError('error.ConsumerKeyImmutable', [desired.name], [], EXIT_CODES.orgRefused);
  }
  if (access.permissionSet && !desired.useExistingPermissionSet) assertPermissionSetOurs(current, snapshot, desired);

  const changes: Change[] = files.map((f) => ({ kind: 'write-file', ...f }));
  if (createUser) changes.push({ kind: 'create-user', username: desired.username });
  if (!access.permissionSet) {
    changes.push({ kind: 'create-permission-set', name: desired.permissionSet, label: desired.permissionSetLabel });
  }
  const assign: Change[] = access.assignmentId
    ? []
    : [
        {
          kind: 'assign-permission-set',
          permissionSet: desired.permissionSet,
          username: access.user?.username ?? desired.username,
        },
      ];
  // The assignment comes before the app is written: a live app switched to admin-approved keeps its user, and a
  // new permission set and its assignment go in one request (they grant nothing until the app names the set).
  changes.push(...assign);
  const fields = appFieldChanges(snapshot, desired);
  if (!snapshot) changes.push({ kind: 'create-app', appKind: kind, name: desired.name, fields });
  else if (fields.length > 0) changes.push({ kind: 'update-app', appKind: kind, name: desired.name, fields });
  return { appKind: kind, appExists: snapshot !== undefined, changes };
};

/**
 * Least privilege: an existing permission set of the chosen name that setup did not create, and that grants
 * more than this app or is held by other users, is not assigned to the integration user (it would get all the
 * set grants) nor named on the app (its users would be pre-authorized) unless --use-existing-permission-set.
 */
const assertPermissionSetOurs = (
  current: CurrentState,
  app: AppSnapshot | undefined,
  desired: { name: string; permissionSet: string; username: string },
): void => {
  const set = current.access.permissionSet;
  if (!set) return;
  // SetupEntityAccess rows of the set that are not this app's: other apps, Apex classes, pages, custom permissions.
  const grantsThisApp = app?.permissionSets.some((p) => p.toLowerCase() === set.name.toLowerCase()) === true;
  const otherEntityAccess = current.access.appAccess.length - (grantsThisApp ? 1 : 0);
  const grants = current.permissionSetGrants;
  if (ownershipOf(set, grants, otherEntityAccess) !== 'foreign') return;
  const enabled = grants?.userPermissions.length
    ? grants.userPermissions.join(', ')
    : messages.getMessage('permissionSet.noUserPermissions');
  const other = Object.entries(grants?.other ?? {}).map(([list, count]) => `${list}: ${count}`);
  const assignees =
    set.otherAssignees.length > 0
      ? set.otherAssignees.join(', ')
      : messages.getMessage('permissionSet.noOtherAssignees');
  throw messages
    .createError(
      'error.PermissionSetNotOurs',
      [
        set.name,
        set.label,
        enabled,
        grants?.objectPermissions ?? 0,
        grants?.fieldPermissions ?? 0,
        other.length > 0 ? other.join(', ') : messages.getMessage('permissionSet.nothingElse'),
        Math.max(0, otherEntityAccess),
        assignees,
        desired.username,
        desired.name,
      ],
      [`${desired.name}_Jwt_Access`],
      EXIT_CODES.orgRefused,
    )
    .setData({
      permissionSet: set.name,
      label: set.label,
      description: set.description ?? null,
      userPermissions: grants?.userPermissions ?? [],
      objectPermissions: grants?.objectPermissions ?? 0,
      fieldPermissions: grants?.fieldPermissions ?? 0,
      otherGrants: grants?.other ?? {},
      otherSetupEntityAccess: Math.max(0, otherEntityAccess),
      otherAssignees: set.otherAssignees,
    });
};

/** Changes to the org (not files): what "unchanged" means for a re-run. */
export const orgChanges = (plan: Plan): Change[] => plan.changes.filter((c) => c.kind !== 'write-file');
