import { json, restError, type Reply, type Request } from './http.js';
import { toId18 } from './ids.js';
import type { OrgState, SObjectRow, User } from './org.js';
import { currentApps, setupEntityTypeOf } from './apps.js';
import { runQuery, SoqlError, type ObjectDefinition } from './soql.js';
import { developerNameProblem, permissionSetTooLong } from './names.js';
import {
  SCRATCH_ORG_INFO_CREATABLE,
  SCRATCH_ORG_INFO_FIELDS,
  SCRATCH_ORG_INFO_REQUIRED,
  type ScratchSignups,
} from './scratch.js';

/** API versions the emulator serves: the current release (Winter '27, v68.0) and older ones. */
export const API_VERSIONS = Array.from({ length: 68 - 31 + 1 }, (_, i) => `${31 + i}.0`);
export const LATEST_API_VERSION = API_VERSIONS[API_VERSIONS.length - 1];

/** How long LoginHistory keeps a login: about six months [unconfirmed]. */
const LOGIN_HISTORY_KEPT_MS = 183 * 86_400_000;

type WritableObject = 'PermissionSet' | 'PermissionSetAssignment' | 'SetupEntityAccess' | 'User' | 'ScratchOrgInfo';

/** The REST data API (`/services/data/vNN.N/...`) over the org's objects. */
export class RestApi {
  /** `signups`: the scratch org requests (ScratchOrgInfo), which only a Dev Hub has. */
  public constructor(
    private readonly org: OrgState,
    private readonly signups: ScratchSignups,
  ) {}

  public latestVersion(): string {
    return LATEST_API_VERSION;
  }

  public servesVersion(version: string): boolean {
    return API_VERSIONS.includes(version);
  }

  public versions(): Reply {
    return json(
      200,
      API_VERSIONS.map((version) => ({ label: `v${version}`, url: `/services/data/v${version}`, version })),
    );
  }

  /** `rest` is the path after `/services/data/vNN.N`. */
  public handle(req: Request, version: string, rest: string, user: User): Reply {
    if (!API_VERSIONS.includes(version)) return notFound();
    const base = `/services/data/v${version}`;
    const segments = rest.split('/').filter((s) => s.length > 0);
    const [resource, objectName, id] = segments;
    if (!resource && req.method === 'GET') {
      return json(200, {
        sobjects: `${base}/sobjects`,
        query: `${base}/query`,
        tooling: `${base}/tooling`,
        composite: `${base}/composite`,
      });
    }
    if (resource === 'query' && req.method === 'GET') return this.query(req, version, this.objects());
    if (resource === 'tooling' && objectName === 'query' && req.method === 'GET') {
      return this.query(req, version, this.toolingObjects());
    }
    if (resource === 'composite' && req.method === 'POST') {
      if (objectName === 'sobjects') return this.compositeCreate(req, user);
      if (objectName === 'batch') return this.batch(req, user);
      if (objectName === undefined) return this.composite(req, user);
    }
    if (resource === 'sobjects' && objectName && segments.length <= 3)
      return this.sobject(req, version, objectName, id, user);
    return notFound();
  }

  /** `sobjects/<Type>[/<Id>]`: retrieve, create, delete. */
  private sobject(req: Request, version: string, objectName: string, id: string | undefined, user: User): Reply {
    const def = this.object(objectName);
    if (!def) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (req.method === 'GET' && id) return this.retrieve(def, id, version, req.query.get('fields'));
    if (req.method === 'POST' && !id) return this.createOne(def.name, parseJson(req.body), user);
    if (req.method === 'DELETE' && id) return this.remove(def.name, id, user);
    if (req.method === 'PATCH' && id && def.name === 'User') return this.updateUser(id, parseJson(req.body), user);
    return notFound();
  }

  // ---- reads ------------------------------------------------------------------

  private query(req: Request, version: string, objects: ObjectDefinition[]): Reply {
    const q = req.query.get('q');
    if (!q) return restError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const objectName = /\bFROM\s+(\w+)/i.exec(q)?.[1] ?? '';
    const refused = this.org.takeRefusal(`query:${objectName}`);
    if (refused) return restError(400, 'INVALID_TYPE', refused);
    try {
      const records = runQuery(
        q,
        objects,
        (object, id) => `/services/data/v${version}/sobjects/${object}/${id}`,
        this.org.now(),
      );
      return json(200, { totalSize: records.length, done: true, records });
    } catch (e) {
      if (e instanceof SoqlError)
        return restError(400, e.errorCode, `\n${q}\n^\nERROR at Row:1:Column:1\n${e.message}`);
      throw e;
    }
  }

  private retrieve(def: ObjectDefinition, rawId: string, version: string, fields: string | null): Reply {
    const id = toId18(rawId);
    const row = id ? def.rows().find((r) => r.Id === id) : undefined;
    if (!row) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const wanted = fields ? fields.split(',').map((f) => f.trim()) : def.fields;
    const record: Record<string, unknown> = {
      attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${String(row.Id)}` },
    };
    for (const name of wanted) {
      const field = def.fields.find((f) => f.toLowerCase() === name.toLowerCase());
      if (!field) return restError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${def.name}'.`);
      record[field] = row[field] ?? null;
    }
    return json(200, record);
  }

  // ---- writes -----------------------------------------------------------------

  private createOne(objectName: string, body: unknown, user: User): Reply {
    const result = this.insert(objectName, body, user);
    if (result.success) return json(201, result);
    // A single-record save answers errors as the REST API's error body ({message, errorCode, fields}), not as
    // the SaveResult of composite calls: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/dome_sobject_create.htm
    return json(
      400,
      result.errors.map(({ statusCode, message, fields }) => ({ message, errorCode: statusCode, fields })),
    );
  }

  /** `/composite/sobjects`: up to 200 records in one request, each saved or refused on its own. */
  private compositeCreate(req: Request, user: User): Reply {
    const body = parseJson(req.body) as { allOrNone?: boolean; records?: unknown[] } | undefined;
    const records = body?.records;
    if (!Array.isArray(records) || records.length === 0 || records.length > 200) {
      return restError(400, 'INVALID_FIELD', 'records: between 1 and 200 records are required');
    }
    if (body?.allOrNone) {
      return restError(400, 'FEATURE_NOT_ENABLED', 'allOrNone is not supported by this emulator');
    }
    return json(
      200,
      records.map((r) => {
        const type = (r as { attributes?: { type?: unknown } }).attributes?.type;
        if (typeof type !== 'string') {
          return saveError('INVALID_TYPE', 'attributes.type is required', []);
        }
        const def = this.object(type);
        return def
          ? this.insert(def.name, r, user)
          : saveError('INVALID_TYPE', `sObject type '${type}' is not supported.`, []);
      }),
    );
  }

  /**
   * `/composite/batch`: up to 25 independent subrequests in one call (GET queries and retrieves here),
   * each answered with its own status, as Salesforce's Batch resource does.
   */
  private batch(req: Request, user: User): Reply {
    const body = parseJson(req.body) as { batchRequests?: Array<{ method?: string; url?: string }> } | undefined;
    const requests = body?.batchRequests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > 25) {
      return restError(400, 'INVALID_BATCH_REQUEST', 'batchRequests: between 1 and 25 subrequests are required');
    }
    const results = requests.map((sub) => {
      const m = /^\/?(?:services\/data\/)?v(\d+\.\d)(\/[^?]*)(?:\?(.*))?$/.exec(sub.url ?? '');
      if (!m || (sub.method ?? 'GET').toUpperCase() !== 'GET') {
        return {
          statusCode: 400,
          result: [
            {
              errorCode: 'INVALID_BATCH_REQUEST',
              message: `Unsupported subrequest: ${sub.method ?? ''} ${sub.url ?? ''}`,
            },
          ],
        };
      }
      const reply = this.handle(
        {
          method: 'GET',
          path: `/services/data/v${m[1]}${m[2]}`,
          query: new URLSearchParams(m[3] ?? ''),
          headers: {},
          body: '',
          remoteAddress: req.remoteAddress,
        },
        m[1],
        m[2],
        user,
      );
      return { statusCode: reply.status, result: reply.body ? (JSON.parse(reply.body) as unknown) : null };
    });
    return json(200, { hasErrors: results.some((r) => r.statusCode >= 400), results });
  }

  /**
   * `/composite`: up to 25 subrequests run in order, a later one naming an earlier one's result by reference
   * (`@{referenceId.id}`), answered as `compositeResponse` rows of `{body, httpHeaders, httpStatusCode,
   * referenceId}` **[doc]** (REST API Developer Guide, Composite). Subrequests here: sObject creates and GETs.
   * With `allOrNone`, one refusal rolls every subrequest back, and the others answer 400 `PROCESSING_HALTED`;
   * without it, a subrequest that names a refused one is halted.
   */
  private composite(req: Request, user: User): Reply {
    const body = parseJson(req.body) as { allOrNone?: boolean; compositeRequest?: CompositeSubrequest[] } | undefined;
    const requests = body?.compositeRequest;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > 25) {
      return restError(400, 'INVALID_BATCH_REQUEST', 'compositeRequest: between 1 and 25 subrequests are required');
    }
    const restore = this.org.snapshot();
    const results = new Map<string, Record<string, unknown>>();
    const answers = requests.map((sub) => {
      const answer = this.compositeSubrequest(sub, results, req.remoteAddress, user);
      if (answer.httpStatusCode < 400 && isRecord(answer.body)) results.set(answer.referenceId, answer.body);
      return answer;
    });
    if (body?.allOrNone && answers.some((a) => a.httpStatusCode >= 400)) {
      restore();
      const rolledBack = 'The transaction was rolled back since another operation in the same transaction failed.';
      return json(200, {
        compositeResponse: answers.map((a) => (a.httpStatusCode >= 400 ? a : halted(a.referenceId, rolledBack))),
      });
    }
    return json(200, { compositeResponse: answers });
  }

  /** One subrequest of `/composite`, its `@{ref.field}` references resolved from the earlier results. */
  private compositeSubrequest(
    sub: CompositeSubrequest,
    results: Map<string, Record<string, unknown>>,
    remoteAddress: string,
    user: User,
  ): CompositeAnswer {
    const referenceId = String(sub.referenceId ?? '');
    let unresolved: string | undefined;
    const resolve = (text: string): string =>
      text.replace(/@\{(\w+)\.(\w+)\}/g, (whole, ref: string, field: string) => {
        const value = results.get(ref)?.[field];
        if (value !== undefined) return String(value);
        unresolved ??= `Invalid reference specified. No value for ${ref}.${field} found in ${ref}. Provided referenceId ${ref} is not valid.`;
        return whole;
      });
    const url = resolve(sub.url ?? '');
    const payload = sub.body === undefined ? '' : resolve(JSON.stringify(sub.body));
    if (unresolved) return halted(referenceId, unresolved);
    const m = /^\/?(?:services\/data\/)?v(\d+\.\d)(\/[^?]*)(?:\?(.*))?$/.exec(url);
    const method = (sub.method ?? '').toUpperCase();
    if (!m || (method !== 'GET' && method !== 'POST')) {
      return {
        referenceId,
        body: [{ errorCode: 'INVALID_BATCH_REQUEST', message: `Unsupported subrequest: ${method} ${url}` }],
        httpHeaders: {},
        httpStatusCode: 400,
      };
    }
    const path = `/services/data/v${m[1]}${m[2]}`;
    const reply = this.handle(
      { method, path, query: new URLSearchParams(m[3] ?? ''), headers: {}, body: payload, remoteAddress },
      m[1],
      m[2],
      user,
    );
    const answer = reply.body ? (JSON.parse(reply.body) as unknown) : null;
    const id = isRecord(answer) && typeof answer.id === 'string' ? answer.id : undefined;
    return {
      referenceId,
      body: answer,
      httpHeaders: method === 'POST' && reply.status === 201 && id ? { Location: `${path}/${id}` } : {},
      httpStatusCode: reply.status,
    };
  }

  private insert(objectName: string, body: unknown, user: User): SaveResult {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return saveError('JSON_PARSER_ERROR', 'The request body must be a JSON object', []);
    }
    const refused = this.org.takeRefusal(`create:${objectName}`);
    if (refused) return saveError('FIELD_CUSTOM_VALIDATION_EXCEPTION', refused, []);
    const { attributes, ...fields } = body as Record<string, unknown>;
    void attributes;
    const writable = WRITABLE[objectName as WritableObject];
    if (!writable) {
      return saveError('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', `entity type ${objectName} does not support insert`, []);
    }
    for (const name of Object.keys(fields)) {
      if (!writable.fields.includes(name)) {
        return saveError('INVALID_FIELD', `No such column '${name}' on sobject of type ${objectName}`, [name]);
      }
    }
    const missing = writable.required.filter((f) => fields[f] === undefined || fields[f] === null || fields[f] === '');
    if (missing.length > 0) {
      return saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    }
    if (!this.org.isAdmin(user)) {
      return saveError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id', []);
    }
    switch (objectName as WritableObject) {
      case 'PermissionSet':
        return this.insertPermissionSet(fields);
      case 'PermissionSetAssignment':
        return this.insertAssignment(fields);
      case 'SetupEntityAccess':
        return this.insertAccess(fields);
      case 'User':
        return this.insertUser(fields);
      case 'ScratchOrgInfo':
        return this.insertScratchOrgInfo(fields, user);
    }
  }

  /** A scratch org request on a Dev Hub: saved, and its signup started (scratch.ts). */
  private insertScratchOrgInfo(fields: Record<string, unknown>, user: User): SaveResult {
    const refused = this.signups.refusal(fields);
    if (refused) return saveError(refused.errorCode, refused.message, ['ConnectedAppConsumerKey']);
    return saved(this.signups.request(fields, user));
  }

  private insertPermissionSet(fields: Record<string, unknown>): SaveResult {
    const name = String(fields.Name);
    const nameProblem = developerNameProblem(name);
    if (nameProblem) return saveError('FIELD_INTEGRITY_EXCEPTION', nameProblem, ['Name']);
    const tooLong = permissionSetTooLong(fields);
    if (tooLong) return saveError('STRING_TOO_LONG', tooLong.message, [tooLong.field]);
    if (this.org.permissionSets.some((p) => p.Name.toLowerCase() === name.toLowerCase())) {
      return saveError(
        'DUPLICATE_DEVELOPER_NAME',
        'The API name you entered is already in use. Enter a unique API name.',
        ['Name'],
      );
    }
    const Id = this.org.newId('PermissionSet');
    this.org.permissionSets.push({
      Id,
      Name: name,
      Label: String(fields.Label),
      Description: typeof fields.Description === 'string' ? fields.Description : null,
      IsOwnedByProfile: false,
      ProfileId: null,
      NamespacePrefix: null,
      IsCustom: true,
    });
    return saved(Id);
  }

  private insertAssignment(fields: Record<string, unknown>): SaveResult {
    const assignee = this.org.findUser(toId18(String(fields.AssigneeId)) ?? '');
    const permissionSet = this.org.permissionSets.find((p) => p.Id === toId18(String(fields.PermissionSetId)));
    if (!assignee) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['AssigneeId']);
    if (!permissionSet || permissionSet.IsOwnedByProfile) {
      return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['PermissionSetId']);
    }
    const existing = this.org.assignments.find(
      (a) => a.AssigneeId === assignee.Id && a.PermissionSetId === permissionSet.Id,
    );
    if (existing) {
      return saveError(
        'DUPLICATE_VALUE',
        'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
        [],
      );
    }
    const Id = this.org.newId('PermissionSetAssignment');
    this.org.assignments.push({ Id, AssigneeId: assignee.Id, PermissionSetId: permissionSet.Id });
    return saved(Id);
  }

  /**
   * A user: the username is unique across every org (`DUPLICATE_USERNAME`, with Salesforce's text), a seat of
   * the profile's license must be free (`LICENSE_LIMIT_EXCEEDED`), the nickname unique in the org.
   */
  private insertUser(fields: Record<string, unknown>): SaveResult {
    const username = String(fields.Username);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(username) || username.length > 80) {
      return saveError(
        'INVALID_NEW_USERNAME',
        'Invalid username: must be in the form of an email address (for example, john@acme.com)',
        ['Username'],
      );
    }
    if (this.org.usernameTaken(username)) {
      return saveError(
        'DUPLICATE_USERNAME',
        "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address).",
        ['Username'],
      );
    }
    const profile = this.org.profiles.find((p) => p.Id === toId18(String(fields.ProfileId)));
    if (!profile) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ProfileId']);
    const license = this.org.licenses.find((l) => l.Id === profile.UserLicenseId);
    if (license && this.org.usedLicenses(license.Id) >= license.TotalLicenses) {
      return saveError('LICENSE_LIMIT_EXCEEDED', `License Limit Exceeded: ${license.Name}`, []);
    }
    const alias = String(fields.Alias);
    if (alias.length > 8)
      return saveError('STRING_TOO_LONG', 'Alias: data value too large: ' + alias + ' (max length=8)', ['Alias']);
    const local = username.split('@')[0];
    const nickname =
      typeof fields.CommunityNickname === 'string' && fields.CommunityNickname
        ? fields.CommunityNickname
        : `${local}${this.org.users.length}`;
    if (this.org.users.some((u) => u.CommunityNickname.toLowerCase() === nickname.toLowerCase())) {
      return saveError(
        'DUPLICATE_COMM_NICKNAME',
        'Duplicate Nickname.<br>Another user has already selected this nickname.<br>Please select another.',
        ['CommunityNickname'],
      );
    }
    const text = (name: string): string => (typeof fields[name] === 'string' ? String(fields[name]) : '');
    const Id = this.org.newId('User');
    this.org.addUser({
      Id,
      Username: username,
      FirstName: text('FirstName'),
      LastName: text('LastName'),
      Name: [text('FirstName'), text('LastName')].filter(Boolean).join(' '),
      Email: text('Email'),
      Alias: alias,
      IsActive: fields.IsActive !== false,
      ProfileId: profile.Id,
      UserType: 'Standard',
      TimeZoneSidKey: text('TimeZoneSidKey'),
      LanguageLocaleKey: text('LanguageLocaleKey'),
      LocaleSidKey: text('LocaleSidKey'),
      EmailEncodingKey: text('EmailEncodingKey'),
      CommunityNickname: nickname,
    });
    return saved(Id);
  }

  /** `PATCH sobjects/User/{id}`: an admin (de)activates a user; the other fields are not modelled. 204, as Salesforce answers an update. */
  private updateUser(rawId: string, body: unknown, user: User): Reply {
    const target = this.org.findUser(toId18(rawId) ?? '');
    if (!target) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!this.org.isAdmin(user))
      return restError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const unsupported = Object.keys(fields).find((f) => f !== 'IsActive');
    if (unsupported)
      return restError(400, 'INVALID_FIELD', `This emulator updates only User.IsActive, not ${unsupported}`, [
        unsupported,
      ]);
    if (typeof fields.IsActive === 'boolean') {
      if (fields.IsActive && !target.IsActive) {
        const license = this.org.licenses.find((l) => l.Id === this.org.profileOf(target).UserLicenseId);
        if (license && this.org.usedLicenses(license.Id) >= license.TotalLicenses)
          return restError(400, 'LICENSE_LIMIT_EXCEEDED', `License Limit Exceeded: ${license.Name}`);
      }
      target.IsActive = fields.IsActive;
    }
    return { status: 204 };
  }

  private insertAccess(fields: Record<string, unknown>): SaveResult {
    const parent = this.org.permissionSets.find((p) => p.Id === toId18(String(fields.ParentId)));
    const app = currentApps(this.org).find((a) => a.id === toId18(String(fields.SetupEntityId)));
    if (!parent) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ParentId']);
    if (!app) return saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['SetupEntityId']);
    if (this.org.setupEntityAccess.some((a) => a.ParentId === parent.Id && a.SetupEntityId === app.id)) {
      return saveError(
        'DUPLICATE_VALUE',
        'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
        [],
      );
    }
    const Id = this.org.newId('SetupEntityAccess');
    this.org.setupEntityAccess.push({
      Id,
      ParentId: parent.Id,
      SetupEntityId: app.id,
      SetupEntityType: setupEntityTypeOf(app),
    });
    return saved(Id);
  }

  private remove(objectName: string, rawId: string, user: User): Reply {
    const id = toId18(rawId);
    if (!this.org.isAdmin(user)) {
      return restError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
    }
    const table =
      objectName === 'PermissionSetAssignment'
        ? this.org.assignments
        : objectName === 'SetupEntityAccess'
          ? this.org.setupEntityAccess
          : objectName === 'PermissionSet'
            ? this.org.permissionSets
            : undefined;
    if (!table) return restError(400, 'INVALID_TYPE', `entity type ${objectName} does not support delete`);
    const index = table.findIndex((r) => r.Id === id);
    if (index < 0) return restError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const refused = this.org.takeRefusal(`delete:${objectName}`);
    if (refused) return restError(400, 'DELETE_FAILED', refused);
    if (objectName === 'PermissionSet' && this.org.assignments.some((a) => a.PermissionSetId === id)) {
      return restError(400, 'DELETE_FAILED', 'This permission set is assigned to users; remove the assignments first.');
    }
    table.splice(index, 1);
    return { status: 204 };
  }

  // ---- the objects ------------------------------------------------------------

  private object(name: string): ObjectDefinition | undefined {
    return this.objects().find((o) => o.name.toLowerCase() === name.toLowerCase());
  }

  private objects(): ObjectDefinition[] {
    const org = this.org;
    const rows =
      <T extends object>(list: T[]) =>
      (): SObjectRow[] =>
        list.map((r) => ({ ...r }) as SObjectRow);
    return [
      {
        name: 'Organization',
        fields: [
          'Id',
          'Name',
          'IsSandbox',
          'OrganizationType',
          'InstanceName',
          'NamespacePrefix',
          'TrialExpirationDate',
        ],
        rows: () => [
          {
            Id: org.orgId,
            Name: org.orgName,
            IsSandbox: org.options.sandbox,
            OrganizationType: 'Developer Edition',
            InstanceName: 'EMU1',
            NamespacePrefix: null,
            TrialExpirationDate: org.options.trialExpirationDate ?? null,
          },
        ],
      },
      {
        name: 'User',
        fields: [
          'Id',
          'Username',
          'Name',
          'FirstName',
          'LastName',
          'Email',
          'Alias',
          'IsActive',
          'ProfileId',
          'UserType',
          'TimeZoneSidKey',
          'LanguageLocaleKey',
          'LocaleSidKey',
          'EmailEncodingKey',
          'CommunityNickname',
        ],
        parents: { Profile: { field: 'ProfileId', object: 'Profile' } },
        rows: rows(org.users),
      },
      {
        name: 'Profile',
        fields: ['Id', 'Name', 'UserLicenseId', 'PermissionsApiUserOnly', 'PermissionsApiEnabled'],
        parents: { UserLicense: { field: 'UserLicenseId', object: 'UserLicense' } },
        rows: () =>
          org.profiles.map((p) => ({
            Id: p.Id,
            Name: p.Name,
            UserLicenseId: p.UserLicenseId,
            PermissionsApiUserOnly: p.apiOnly,
            PermissionsApiEnabled: p.apiEnabled,
          })),
      },
      {
        name: 'UserLicense',
        fields: ['Id', 'Name', 'MasterLabel', 'TotalLicenses', 'UsedLicenses', 'Status'],
        rows: () => org.licenses.map((l) => ({ ...l, UsedLicenses: org.usedLicenses(l.Id) })),
      },
      {
        name: 'PermissionSet',
        fields: ['Id', 'Name', 'Label', 'Description', 'IsOwnedByProfile', 'ProfileId', 'NamespacePrefix', 'IsCustom'],
        parents: { Profile: { field: 'ProfileId', object: 'Profile' } },
        rows: rows(org.permissionSets),
      },
      {
        name: 'PermissionSetAssignment',
        fields: ['Id', 'AssigneeId', 'PermissionSetId'],
        parents: {
          Assignee: { field: 'AssigneeId', object: 'User' },
          PermissionSet: { field: 'PermissionSetId', object: 'PermissionSet' },
        },
        // Salesforce lists the assignment of each user's profile permission set too.
        rows: () => [
          ...org.assignments.map((a) => ({ ...a })),
          ...org.users.flatMap((u) =>
            org.permissionSets
              .filter((p) => p.ProfileId === u.ProfileId)
              .map((p) => ({ Id: `0Pa${p.Id.slice(3, 9)}${u.Id.slice(9)}`, AssigneeId: u.Id, PermissionSetId: p.Id })),
          ),
        ],
      },
      {
        name: 'SetupEntityAccess',
        fields: ['Id', 'ParentId', 'SetupEntityId', 'SetupEntityType'],
        parents: { Parent: { field: 'ParentId', object: 'PermissionSet' } },
        rows: rows(org.setupEntityAccess),
      },
      {
        name: 'ConnectedApplication',
        fields: ['Id', 'Name', 'OptionsAllowAdminApprovedUsersOnly'],
        rows: () =>
          currentApps(org)
            .filter((a) => a.kind === 'connected-app')
            .map((a) => ({ Id: a.id, Name: a.label, OptionsAllowAdminApprovedUsersOnly: a.adminApproved })),
      },
      {
        name: 'ExternalClientApplication',
        fields: ['Id', 'DeveloperName', 'MasterLabel', 'NamespacePrefix'],
        rows: () =>
          currentApps(org)
            .filter((a) => a.kind === 'external-client-app')
            .map((a) => ({ Id: a.id, DeveloperName: a.name, MasterLabel: a.label, NamespacePrefix: null })),
      },
      {
        name: 'LoginHistory',
        fields: [
          'Id',
          'UserId',
          'LoginTime',
          'LoginType',
          'LoginSubType',
          'Status',
          'Application',
          'ApiType',
          'ApiVersion',
          'AuthenticationServiceId',
          'AuthMethodReference',
          'Browser',
          'CipherSuite',
          'ClientVersion',
          'CountryIso',
          'LoginGeoId',
          'LoginUrl',
          'NetworkId',
          'OptionsIsGet',
          'OptionsIsPost',
          'Platform',
          'SourceIp',
          'TlsProtocol',
        ],
        dateTimeFields: ['LoginTime'],
        // "You can only filter on the following fields" (object reference, LoginHistory) [doc]; LoginSubType is
        // newer than that list and its own entry says Filter, unconfirmed on every org: refused, the stricter choice.
        filterable: [
          'AuthenticationServiceId',
          'CipherSuite',
          'CountryIso',
          'Id',
          'LoginTime',
          'LoginType',
          'LoginUrl',
          'NetworkId',
          'OptionsIsGet',
          'OptionsIsPost',
          'TlsProtocol',
          'UserId',
        ],
        // About six months are kept [unconfirmed: the common claim; no Salesforce page found states it].
        rows: () =>
          org.loginHistory
            .filter((r) => Date.parse(r.LoginTime) >= org.now() - LOGIN_HISTORY_KEPT_MS)
            .map((r) => ({ ...r }) as SObjectRow),
      },
      // Only a Dev Hub has the scratch org requests.
      ...(org.options.devHub
        ? [
            {
              name: 'ScratchOrgInfo',
              fields: SCRATCH_ORG_INFO_FIELDS,
              rows: (): SObjectRow[] => this.signups.rows(),
            },
          ]
        : []),
    ];
  }

  /** The Tooling API's objects: none of the org's sandboxes exist here. */
  private toolingObjects(): ObjectDefinition[] {
    return [
      {
        name: 'SandboxProcess',
        fields: [
          'Id',
          'SandboxName',
          'SandboxOrganization',
          'Status',
          'LicenseType',
          'SourceId',
          'CreatedDate',
          'EndDate',
        ],
        rows: () => [],
      },
    ];
  }
}

type SaveResult =
  | { id: string; success: true; errors: [] }
  | { success: false; errors: Array<{ statusCode: string; message: string; fields: string[] }> };

const saved = (id: string): SaveResult => ({ id, success: true, errors: [] });

const saveError = (statusCode: string, message: string, fields: string[]): SaveResult => ({
  success: false,
  errors: [{ statusCode, message, fields }],
});

const notFound = (): Reply => restError(404, 'NOT_FOUND', 'The requested resource does not exist');

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const WRITABLE: Record<WritableObject, { fields: string[]; required: string[] }> = {
  PermissionSet: { fields: ['Name', 'Label', 'Description'], required: ['Name', 'Label'] },
  PermissionSetAssignment: { fields: ['AssigneeId', 'PermissionSetId'], required: ['AssigneeId', 'PermissionSetId'] },
  SetupEntityAccess: { fields: ['ParentId', 'SetupEntityId'], required: ['ParentId', 'SetupEntityId'] },
  ScratchOrgInfo: { fields: SCRATCH_ORG_INFO_CREATABLE, required: SCRATCH_ORG_INFO_REQUIRED },
  // The User object reference's required fields on create.
  User: {
    fields: [
      'Username',
      'FirstName',
      'LastName',
      'Email',
      'Alias',
      'CommunityNickname',
      'ProfileId',
      'IsActive',
      'TimeZoneSidKey',
      'LocaleSidKey',
      'LanguageLocaleKey',
      'EmailEncodingKey',
    ],
    required: [
      'Username',
      'LastName',
      'Email',
      'Alias',
      'ProfileId',
      'TimeZoneSidKey',
      'LocaleSidKey',
      'LanguageLocaleKey',
      'EmailEncodingKey',
    ],
  },
};

type CompositeSubrequest = { method?: string; url?: string; referenceId?: string; body?: unknown };
type CompositeAnswer = {
  referenceId: string;
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A `/composite` subrequest Salesforce did not run, or ran and rolled back. */
const halted = (referenceId: string, message: string): CompositeAnswer => ({
  referenceId,
  body: [{ errorCode: 'PROCESSING_HALTED', message }],
  httpHeaders: {},
  httpStatusCode: 400,
});
