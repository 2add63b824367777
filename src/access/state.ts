import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { redact } from '../output/redact.js';
import { batchQuery, soqlString } from '../org/query.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'access');

export type OrgUser = {
  id: string;
  username: string;
  email: string | undefined;
  isActive: boolean;
  profile: string | undefined;
  /** The profile allows the API only ("API Only User"): what a client-credentials run-as user should be. */
  apiOnly: boolean;
  /**
   * The profile grants "API Enabled". When it does, the user has it (permission sets only add); when it does
   * not, a permission set may still grant it, so only a call with the user's token can tell.
   */
  apiEnabledByProfile: boolean;
};
export type PermissionSetRecord = {
  id: string;
  name: string;
  label: string;
  description: string | undefined;
  /** Users other than the integration user it is assigned to (the first few): whom the app would reach through it. */
  otherAssignees: string[];
};

/** Who and what setup grants: the user, the permission set, its assignment and its app access rows. */
export type AccessState = {
  user: OrgUser | undefined;
  permissionSet: PermissionSetRecord | undefined;
  assignmentId: string | undefined;
  /** SetupEntityAccess rows of the permission set: which apps it grants. */
  appAccess: Array<{ id: string; setupEntityId: string; setupEntityType: string }>;
  /** The External Client App of that name, if one exists: what its header would say, without reading it. */
  externalClientApp: { id: string; name: string; label: string } | undefined;
  /** The org is a Dev Hub: only a Dev Hub has ScratchOrgInfo (elsewhere the query is INVALID_TYPE). */
  devHub: boolean;
};

type UserRow = {
  Id: string;
  Username: string;
  Email?: string;
  IsActive: boolean;
  Profile?: { Name?: string; PermissionsApiUserOnly?: boolean; PermissionsApiEnabled?: boolean } | null;
};
type PermissionSetRow = { Id: string; Name: string; Label: string; Description?: string | null };
type AssigneeRow = { Assignee?: { Username?: string } | null };

/** How many other assignees of the permission set are read and shown. */
const SHOWN_ASSIGNEES = 10;
type IdRow = { Id: string };
type AppRow = { Id: string; DeveloperName: string; MasterLabel: string };
type AccessRow = { Id: string; SetupEntityId: string; SetupEntityType: string };

/**
 * Reads all of it in one request: the REST Batch resource runs up to 25 queries in one round trip
 * (`/composite/batch`), where one query each would cost five.
 */
export const readAccessState = async (
  conn: Connection,
  names: { username: string; permissionSet: string; appName: string },
): Promise<AccessState> => {
  const u = soqlString(names.username);
  const ps = soqlString(names.permissionSet);
  const queries = [
    `SELECT Id, Username, Email, IsActive, Profile.Name, Profile.PermissionsApiUserOnly, Profile.PermissionsApiEnabled FROM User WHERE Username = ${u}`,
    `SELECT Id, Name, Label, Description FROM PermissionSet WHERE Name = ${ps}`,
    `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = ${u} AND PermissionSet.Name = ${ps}`,
    `SELECT Id, SetupEntityId, SetupEntityType FROM SetupEntityAccess WHERE Parent.Name = ${ps}`,
    `SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(names.appName)}`,
    `SELECT Assignee.Username FROM PermissionSetAssignment WHERE PermissionSet.Name = ${ps} AND Assignee.Username != ${u} LIMIT ${SHOWN_ASSIGNEES}`,
    'SELECT Id FROM ScratchOrgInfo LIMIT 1',
  ];
  const answers = await batchQuery(conn, queries);
  const records = <T>(index: number): T[] => {
    const answer = answers[index];
    if (!answer.ok) {
      // A query the org refuses: an object or field this org does not have (an edition without it), or access.
      throw messages.createError(
        'error.QueryFailed',
        [queries[index], answer.statusCode, redact(JSON.stringify(answer.body))],
        [],
        EXIT_CODES.orgRefused,
      );
    }
    return answer.records as T[];
  };
  const [user] = records<UserRow>(0);
  const [permissionSet] = records<PermissionSetRow>(1);
  const [assignment] = records<IdRow>(2);
  const [eca] = records<AppRow>(4);
  return {
    user: user
      ? {
          id: user.Id,
          username: user.Username,
          email: user.Email,
          isActive: user.IsActive,
          profile: user.Profile?.Name ?? undefined,
          apiOnly: user.Profile?.PermissionsApiUserOnly === true,
          apiEnabledByProfile: user.Profile?.PermissionsApiEnabled === true,
        }
      : undefined,
    permissionSet: permissionSet
      ? {
          id: permissionSet.Id,
          name: permissionSet.Name,
          label: permissionSet.Label,
          description: permissionSet.Description ?? undefined,
          otherAssignees: records<AssigneeRow>(5).map((r) => r.Assignee?.Username ?? '?'),
        }
      : undefined,
    assignmentId: assignment?.Id,
    appAccess: records<AccessRow>(3).map((r) => ({
      id: r.Id,
      setupEntityId: r.SetupEntityId,
      setupEntityType: r.SetupEntityType,
    })),
    externalClientApp: eca ? { id: eca.Id, name: eca.DeveloperName, label: eca.MasterLabel } : undefined,
    devHub: answers[6].ok,
  };
};
