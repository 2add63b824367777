import { Messages, type Connection } from '@salesforce/core';
import { assignPermissionSet } from '../access/grants.js';
import { batchQuery, queryRefused, soqlString } from '../org/query.js';
import { isInsufficientAccess } from '../org/metadata.js';
import { insertRecord } from '../org/records.js';
import { resilientConnection } from '../connection/resilient.js';
import { RetryLog } from '../retry/outage.js';
import { EXIT_CODES } from '../exit-codes.js';
import { redact } from '../output/redact.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'users');

/**
 * The license Salesforce makes for integrations, and what its profile is called in new orgs (Help: "Give
 * Integration Users API Only Access"). The profile is found by its license and its API Only permission, not
 * by name: standard profile names are translated in orgs whose language is not English.
 */
export const INTEGRATION_LICENSE = 'Salesforce Integration';
export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';

export type UserRequest = {
  username: string;
  /** Default: the admin's email, so the mails Salesforce sends about the user reach a person. */
  email?: string;
  /** Default: the username's first part, capitalised (Jitterbit's guide's "<System> Integration", docs/research/vendor-guides.md). */
  firstName?: string;
  /** Default: "Integration". */
  lastName?: string;
  /** A profile name; default the API-only integration profile. */
  profile?: string;
  permissionSets: string[];
};

export type UserResult = {
  username: string;
  userId: string;
  /** `created` now, or `existing`: a user of that username was there, left as it is. */
  status: 'created' | 'existing';
  profile: string;
  license: string | undefined;
  /** The profile allows the API only: no interactive login. */
  apiOnly: boolean;
  /** The permission sets this run assigned (the others asked for were held already). */
  permissionSetsAssigned: string[];
};

type UserRow = {
  Id: string;
  Username: string;
  IsActive: boolean;
  Profile?: { Name?: string; PermissionsApiUserOnly?: boolean; UserLicense?: { Name?: string } | null } | null;
};
type AdminRow = {
  Email: string;
  TimeZoneSidKey: string;
  LocaleSidKey: string;
  LanguageLocaleKey: string;
  EmailEncodingKey: string;
};
type ProfileRow = {
  Id: string;
  Name: string;
  PermissionsApiUserOnly: boolean;
  UserLicenseId: string;
  UserLicense?: { Name?: string } | null;
};
type LicenseRow = { Id: string; Name: string; TotalLicenses: number; UsedLicenses: number };
type NameRow = { Id: string; Name: string };
type HeldRow = { PermissionSet: { Name: string } };

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The checks that need no org: a malformed username or email ends the run before any request. */
const checkInput = (request: UserRequest): void => {
  if (!EMAIL.test(request.username) || request.username.length > 80) {
    throw messages.createError('error.BadUsername', [request.username], [], EXIT_CODES.localInput);
  }
  if (request.email !== undefined && !EMAIL.test(request.email))
    throw messages.createError('error.BadEmail', [request.email], [], EXIT_CODES.localInput);
};

/** What the org holds, in one round trip. */
const readOrg = async (
  conn: Connection,
  request: UserRequest,
): Promise<{
  user: UserRow | undefined;
  admin: AdminRow | undefined;
  profiles: ProfileRow[];
  licenses: LicenseRow[];
  permissionSets: NameRow[];
  held: string[];
}> => {
  const u = soqlString(request.username);
  const sets = request.permissionSets.map(soqlString).join(', ');
  const profileWhere = request.profile
    ? `Name = ${soqlString(request.profile)}`
    : `UserLicense.Name = ${soqlString(INTEGRATION_LICENSE)} AND PermissionsApiUserOnly = true`;
  const queries = [
    `SELECT Id, Username, IsActive, Profile.Name, Profile.PermissionsApiUserOnly, Profile.UserLicense.Name FROM User WHERE Username = ${u}`,
    `SELECT Email, TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, EmailEncodingKey FROM User WHERE Username = ${soqlString(String(conn.getUsername()))}`,
    `SELECT Id, Name, PermissionsApiUserOnly, UserLicenseId, UserLicense.Name FROM Profile WHERE ${profileWhere}`,
    'SELECT Id, Name, TotalLicenses, UsedLicenses FROM UserLicense',
    ...(sets
      ? [
          `SELECT Id, Name FROM PermissionSet WHERE Name IN (${sets})`,
          `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = ${u} AND PermissionSet.Name IN (${sets})`,
        ]
      : []),
  ];
  const answers = await batchQuery(conn, queries);
  const records = <T>(index: number): T[] => {
    const answer = answers[index];
    if (answer === undefined) return [];
    if (!answer.ok) {
      const body = redact(JSON.stringify(answer.body));
      if (body.includes('INSUFFICIENT_ACCESS'))
        throw messages.createError('error.NotUserAdmin', [], [], EXIT_CODES.orgRefused);
      throw queryRefused(queries[index], answer);
    }
    return answer.records as T[];
  };
  return {
    user: records<UserRow>(0)[0],
    admin: records<AdminRow>(1)[0],
    profiles: records<ProfileRow>(2),
    licenses: records<LicenseRow>(3),
    permissionSets: records<NameRow>(4),
    held: records<HeldRow>(5).map((r) => r.PermissionSet.Name.toLowerCase()),
  };
};

/** Up to 8 characters, as Salesforce's Alias allows, from the username's first part. */
const aliasOf = (username: string): string =>
  (
    username
      .split('@')[0]
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8) || 'integr'
  ).toLowerCase();

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** A read refused for want of a permission: this user may not manage users. */
const asNotUserAdmin = (e: unknown): never => {
  if (isInsufficientAccess(e)) throw messages.createError('error.NotUserAdmin', [], [], EXIT_CODES.orgRefused);
  throw e;
};

/** Salesforce's answer to a refused user insert, as the named error that says what to do. */
const userInsertError = (e: unknown, request: UserRequest, profile: string, license: string | undefined): Error => {
  const code = e instanceof Error && 'errorCode' in e ? String(e.errorCode) : '';
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'DUPLICATE_USERNAME' || text.includes('DUPLICATE_USERNAME')) {
    return messages.createError('error.UsernameTaken', [request.username], [], EXIT_CODES.orgRefused);
  }
  if (code === 'LICENSE_LIMIT_EXCEEDED' || text.includes('LICENSE_LIMIT_EXCEEDED')) {
    return messages.createError('error.NoLicenseLeft', [license ?? profile, profile], [], EXIT_CODES.orgRefused);
  }
  if (code.startsWith('INSUFFICIENT_ACCESS'))
    return messages.createError('error.NotUserAdmin', [], [], EXIT_CODES.orgRefused);
  return messages.createError(
    'error.UserInsertFailed',
    [request.username, `${code || 'ERROR'}: ${text}`],
    [],
    EXIT_CODES.orgRefused,
  );
};

type OrgFacts = Awaited<ReturnType<typeof readOrg>>;

/** An existing user: left as it is, only the permission sets it lacks assigned. */
const keepExisting = async (
  conn: Connection,
  request: UserRequest,
  user: UserRow,
  org: OrgFacts,
  setId: (name: string) => string,
): Promise<UserResult> => {
  if (!user.IsActive)
    throw messages.createError('error.UserInactive', [user.Username], [user.Username], EXIT_CODES.orgRefused);
  const toAssign = request.permissionSets.filter((name) => !org.held.includes(name.toLowerCase()));
  for (const name of toAssign) {
    // eslint-disable-next-line no-await-in-loop
    await assignPermissionSet(conn, setId(name), user.Id);
  }
  return {
    username: user.Username,
    userId: user.Id,
    status: 'existing',
    profile: user.Profile?.Name ?? '',
    license: user.Profile?.UserLicense?.Name ?? undefined,
    apiOnly: user.Profile?.PermissionsApiUserOnly === true,
    permissionSetsAssigned: toAssign,
  };
};

/** The fields of the new user: what was asked, else defaults from the username and the admin. */
const newUserRecord = (
  request: UserRequest,
  profile: ProfileRow,
  admin: AdminRow | undefined,
): Record<string, string> => {
  const local = request.username.split('@')[0];
  return {
    Username: request.username,
    FirstName: request.firstName ?? capitalised(local.split(/[._-]/)[0]),
    LastName: request.lastName ?? 'Integration',
    Email: request.email ?? admin?.Email ?? request.username,
    Alias: aliasOf(request.username),
    // Unique in the org (a clash is DUPLICATE_COMM_NICKNAME, forcedotcom/cli#3142): the username is.
    CommunityNickname: request.username.slice(0, 40),
    ProfileId: profile.Id,
    TimeZoneSidKey: admin?.TimeZoneSidKey ?? 'America/Los_Angeles',
    LocaleSidKey: admin?.LocaleSidKey ?? 'en_US',
    LanguageLocaleKey: admin?.LanguageLocaleKey ?? 'en_US',
    EmailEncodingKey: admin?.EmailEncodingKey ?? 'UTF-8',
  };
};

/**
 * An integration user that can use the API only, as Salesforce recommends (the Salesforce Integration
 * license and its API-only profile), with the permission sets asked for. Idempotent: an existing user of
 * that username is reported and left as it is, only the permission sets it lacks are assigned; never a second
 * user. Everything that can be known before writing (the profile, a free seat, the permission sets, an
 * inactive user) is checked first, so a refusal leaves nothing written.
 */
export const createIntegrationUser = async (target: Connection, request: UserRequest): Promise<UserResult> => {
  checkInput(request);
  // Reads ride out an outage. Given a run's resilient connection (setup's), each retry lands in the run's log too.
  const conn = resilientConnection(target, new RetryLog());
  const org = await readOrg(conn, request).catch(asNotUserAdmin);
  const missingSets = request.permissionSets.filter(
    (name) => !org.permissionSets.some((p) => p.Name.toLowerCase() === name.toLowerCase()),
  );
  if (missingSets.length > 0)
    throw messages.createError('error.UnknownPermissionSet', [missingSets.join(', ')], [], EXIT_CODES.orgRefused);
  const setId = (name: string): string =>
    String(org.permissionSets.find((p) => p.Name.toLowerCase() === name.toLowerCase())?.Id);
  if (org.user) return keepExisting(conn, request, org.user, org, setId);

  // Older orgs also have the deprecated "Salesforce API Only System Integrations": the current one first.
  const [profile] = [...org.profiles].sort(
    (a, b) => Number(b.Name === INTEGRATION_PROFILE) - Number(a.Name === INTEGRATION_PROFILE),
  );
  if (!profile) {
    throw request.profile
      ? messages.createError('error.UnknownProfile', [request.profile], [], EXIT_CODES.orgRefused)
      : messages.createError(
          'error.NoIntegrationProfile',
          [INTEGRATION_LICENSE, INTEGRATION_PROFILE],
          [],
          EXIT_CODES.orgRefused,
        );
  }
  const license = org.licenses.find((l) => l.Id === profile.UserLicenseId);
  if (license && license.UsedLicenses >= license.TotalLicenses) {
    throw messages.createError('error.NoLicenseLeft', [license.Name, profile.Name], [], EXIT_CODES.orgRefused);
  }
  const userId = await insertRecord(conn, 'User', newUserRecord(request, profile, org.admin)).catch((e: unknown) => {
    throw userInsertError(e, request, profile.Name, license?.Name);
  });
  for (const name of request.permissionSets) {
    // eslint-disable-next-line no-await-in-loop
    await assignPermissionSet(conn, setId(name), userId);
  }
  return {
    username: request.username,
    userId,
    status: 'created',
    profile: profile.Name,
    license: license?.Name ?? profile.UserLicense?.Name ?? undefined,
    apiOnly: profile.PermissionsApiUserOnly,
    permissionSetsAssigned: request.permissionSets,
  };
};
