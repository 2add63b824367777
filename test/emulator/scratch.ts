/**
 * Scratch org signup on a Dev Hub (docs/emulator.md, "Scratch org signup"): a ScratchOrgInfo insert starts a signup
 * that ends `Active`, with a new scratch org (another emulator of this process) and a one-time AuthCode, or `Error`
 * with the signup's error code. The record's fields and values are those of a real signup's record, as
 * `sf org create scratch --json` prints it.
 */
import { randomBytes } from 'node:crypto';
import { currentApps } from './apps.js';
import type { OrgState, SObjectRow, User } from './org.js';

/** Salesforce's own Connected App, in every org: what the sf CLI signs up and logs in with when told to. */
export const PLATFORM_CLI = 'PlatformCLI';

/** "DurationDays … default 7" [doc]. */
const DEFAULT_DURATION_DAYS = 7;

/**
 * A Hyperforce instance's name, as a real signup's record has it (`USA260S`). sfdx-core logs in at the record's
 * LoginUrl for a name that ends in S, which is how the scratch org's own URL is reached here.
 */
const SIGNUP_INSTANCE = 'USA260S';

/** What a started scratch org answers: where it is, its Id, its admin, and the code its token endpoint takes once. */
export type ScratchOrgMade = { instanceUrl: string; orgId: string; username: string; authCode: string };

/** Starts the scratch org of a signup: its admin named `username`, the AuthCode for the app and callback URL. */
export type StartScratchOrg = (request: {
  username: string;
  email: string;
  /** `Organization.TrialExpirationDate`, as a datetime. */
  expires: string;
  consumerKey: string;
  callbackUrl: string;
}) => Promise<ScratchOrgMade>;

/** The fields an insert may set ("Create" in the object reference), as sfdx-core sends them. */
export const SCRATCH_ORG_INFO_CREATABLE = [
  'AdminEmail',
  'ConnectedAppCallbackUrl',
  'ConnectedAppConsumerKey',
  'Country',
  'Description',
  'DurationDays',
  'Edition',
  'Features',
  'HasSampleData',
  'Language',
  'Namespace',
  'OrgName',
  'Package2AncestorIds',
  'Release',
  'Snapshot',
  'SourceOrg',
  'Username',
];

/**
 * "Required" in the object reference, and reported: "send the consumer key without the callback URL and the insert
 * fails with REQUIRED_FIELD_MISSING [ConnectedAppCallbackUrl]" (forcedotcom/cli#3515).
 */
export const SCRATCH_ORG_INFO_REQUIRED = ['ConnectedAppConsumerKey', 'ConnectedAppCallbackUrl'];

/** Every field a retrieve answers, in the order of a real record. */
export const SCRATCH_ORG_INFO_FIELDS = [
  'Id',
  'OwnerId',
  'IsDeleted',
  'Name',
  'CreatedDate',
  'CreatedById',
  'Edition',
  'Username',
  'AdminEmail',
  'OrgName',
  'DurationDays',
  'ConnectedAppConsumerKey',
  'ConnectedAppCallbackUrl',
  'Namespace',
  'Features',
  'Country',
  'Language',
  'Package2AncestorIds',
  'SourceOrg',
  'Snapshot',
  'HasSampleData',
  'Release',
  'SignupUsername',
  'Status',
  'ErrorCode',
  'ScratchOrg',
  'SignupInstance',
  'AuthCode',
  'SignupEmail',
  'SignupTrialDays',
  'LoginUrl',
  'Description',
  'ExpirationDate',
  'LastLoginDate',
  'DeletedBy',
  'DeletedDate',
];

/** What a signup refuses at the insert, before any org is made: the emulator's limit, not Salesforce's answer. */
export type SignupRefusal = { errorCode: string; message: string };

/** A Dev Hub's scratch org requests and the signups they start. */
export class ScratchSignups {
  private readonly records: SObjectRow[] = [];

  public constructor(
    private readonly org: OrgState,
    private readonly start: StartScratchOrg,
  ) {}

  public rows(): SObjectRow[] {
    return this.records.map((r) => ({ ...r }));
  }

  /**
   * A Connected App of this Dev Hub named for signup is replicated into the scratch org (AuthCode only for one
   * without a certificate, [doc]); the emulator does not model that replication, so it refuses the request rather
   * than answer what a real signup would not.
   */
  public refusal(fields: Record<string, unknown>): SignupRefusal | undefined {
    const key = String(fields.ConnectedAppConsumerKey);
    const app = currentApps(this.org).find((a) => a.consumerKey === key);
    return app?.kind === 'connected-app'
      ? {
          errorCode: 'EMULATOR_NOT_MODELLED',
          message: `emulator: signup replicating the Connected App ${app.name} is not modelled (docs/emulator.md, "Scratch org signup")`,
        }
      : undefined;
  }

  /** The request, saved `New`; its signup goes on after the answer, as Salesforce's does. */
  public request(fields: Record<string, unknown>, user: User): string {
    const Id = this.org.newId('ScratchOrgInfo');
    const now = new Date(this.org.now());
    const value = (name: string): string | number | boolean | null => {
      const v = fields[name];
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
    };
    const record: SObjectRow = Object.fromEntries(SCRATCH_ORG_INFO_FIELDS.map((name) => [name, null]));
    Object.assign(record, Object.fromEntries(SCRATCH_ORG_INFO_CREATABLE.map((name) => [name, value(name)])), {
      Id,
      OwnerId: user.Id,
      IsDeleted: false,
      Name: String(this.records.length + 1).padStart(8, '0'),
      CreatedDate: now.toISOString().replace('Z', '+0000'),
      CreatedById: user.Id,
      HasSampleData: fields.HasSampleData === true,
      Release: value('Release') ?? 'Current',
      Status: 'New',
      // "If you don't provide a value for AdminEmail … the SignupEmail is populated with the email address of the org
      // user who is creating this object" [doc].
      SignupEmail: value('AdminEmail') ?? user.Email,
      SignupTrialDays: Number(value('DurationDays') ?? DEFAULT_DURATION_DAYS),
    });
    this.records.push(record);
    // A scratch org the emulator could not start (no free port) ends the signup as Salesforce's fatal error does.
    this.signup(record).catch(() => Object.assign(record, { Status: 'Error', ErrorCode: 'C-9999' }));
    return Id;
  }

  /**
   * The signup. The consumer key names the app the scratch org gets approved for its admin: `PlatformCLI` is
   * Salesforce's own and always there; an External Client App cannot be replicated into a scratch org, and
   * signup fails with C-1016 ("Proxy Signup replicates the session's Connected App … When the Dev Hub session
   * is an ECA there's nothing equivalent to replicate, so signup dies", forcedotcom/cli#3515) [reported]; a key of
   * no app of the Dev Hub fails the same way [unconfirmed].
   */
  private async signup(record: SObjectRow): Promise<void> {
    Object.assign(record, { Status: 'Creating' });
    const consumerKey = String(record.ConnectedAppConsumerKey);
    if (consumerKey !== PLATFORM_CLI) {
      Object.assign(record, { Status: 'Error', ErrorCode: 'C-1016' });
      return;
    }
    const username = String(
      record.Username ?? `test-${randomBytes(9).toString('base64url').toLowerCase()}@example.com`,
    );
    if (this.org.usernameTaken(username)) {
      // [unconfirmed] the code a signup answers a username in use with; sfdx-core checks its own auth files first.
      Object.assign(record, { Status: 'Error', ErrorCode: 'C-1007' });
      return;
    }
    const expires = new Date(this.org.now() + Number(record.SignupTrialDays) * 86_400_000);
    const made = await this.start({
      username,
      email: String(record.SignupEmail),
      expires: expires.toISOString().replace('Z', '+0000'),
      consumerKey,
      callbackUrl: String(record.ConnectedAppCallbackUrl),
    });
    Object.assign(record, {
      Status: 'Active',
      SignupUsername: made.username,
      ScratchOrg: made.orgId.slice(0, 15),
      SignupInstance: SIGNUP_INSTANCE,
      AuthCode: made.authCode,
      LoginUrl: made.instanceUrl,
      ExpirationDate: expires.toISOString().slice(0, 10),
    });
  }
}
