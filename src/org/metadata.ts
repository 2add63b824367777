import { Messages, SfError, type Connection } from '@salesforce/core';
import { XMLParser } from 'fast-xml-parser';
import { clock } from '../retry/clock.js';
import { EXIT_CODES } from '../exit-codes.js';
import { inWsdlOrder } from './order.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'org');

/**
 * The one gateway to the Metadata API's CRUD calls (list, read, create, update, delete); deploys are in
 * deploy.ts. jsforce returns one result as a value and several as an array, types its calls with the metadata
 * types it knows (the External Client App types are newer) and its results as the WSDL's: every call is
 * normalised and typed here, so nothing above casts.
 */

/** A metadata component as jsforce reads and writes it: plain fields, nested objects, arrays. */
export type MetadataRecord = Record<string, unknown>;

/** A component the org lists: its type and API name. */
export type ListedComponent = { type: string; fullName: string };

type SaveResult = { success: boolean; fullName: string; errors?: unknown };
type SaveError = { statusCode?: string; message?: string };
/** jsforce types metadata type names as a union of the ones it knows; the ECA types are newer. */
type MetadataType = Parameters<Connection['metadata']['read']>[0];

/** listMetadata takes at most three types a call (Metadata API Developer Guide, listMetadata). */
const TYPES_PER_LIST = 3;
/** readMetadata returns at most ten components a call (Metadata API Developer Guide, readMetadata). */
const COMPONENTS_PER_READ = 10;

const asArray = <T>(v: T | T[] | null | undefined): T[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const named = (r: MetadataRecord | undefined): r is MetadataRecord =>
  r !== undefined && r !== null && typeof r.fullName === 'string' && r.fullName.length > 0;

/** Every component of these types, in one listMetadata call per three types (the calls in parallel). */
export const listComponents = async (conn: Connection, types: string[]): Promise<ListedComponent[]> => {
  const answers = await Promise.all(
    chunks(types, TYPES_PER_LIST).map((some) => conn.metadata.list(some.map((type) => ({ type })))),
  );
  return answers.flatMap((answer) =>
    asArray<{ type: string; fullName: string }>(answer).map(({ type, fullName }) => ({ type, fullName })),
  );
};

/** A component a retrieve returned: its type, its name, and its fields as a read returns them. */
export type RetrievedComponent = ListedComponent & { record: MetadataRecord };

type RetrieveAnswer = {
  done: boolean | string;
  status: string;
  zipFile?: string;
  errorMessage?: string;
  errorStatusCode?: string;
  messages?: { fileName?: string; problem?: string } | Array<{ fileName?: string; problem?: string }>;
};

/** How long a retrieve may take before it is given up: as long as a deploy is given (deploy.ts). */
const RETRIEVE_TIMEOUT_MS = 10 * 60_000;
/** The pauses between polls of a retrieve: a small package is built in about a second; a large one takes longer. */
const RETRIEVE_POLL_MS = { first: 500, max: 2000 };

const fileParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/**
 * Many components of several types in one retrieve (Metadata API Developer Guide, retrieve()): the members named
 * in an unpackaged package, queued by Salesforce, polled with checkRetrieveStatus until done, and read back from
 * the zip's metadata-format files (`<folder>/<name>.<suffix>`; the file name gives the fullName). Two or three
 * requests where readMetadata would take one per ten components of each type. A member the org does not have
 * is left out, as readComponents leaves it out.
 */
export const retrieveComponents = async (
  conn: Connection,
  members: ListedComponent[],
): Promise<RetrievedComponent[]> => {
  if (members.length === 0) return [];
  const types = [...new Set(members.map((m) => m.type))].map((name) => ({
    name,
    members: members.filter((m) => m.type === name).map((m) => m.fullName),
  }));
  const { id } = await conn.metadata.retrieve({
    apiVersion: conn.getApiVersion(),
    singlePackage: true,
    unpackaged: { types, version: conn.getApiVersion() },
  } as never);
  const deadline = clock.now() + RETRIEVE_TIMEOUT_MS;
  let pause = RETRIEVE_POLL_MS.first;
  let answer: RetrieveAnswer;
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    await clock.sleep(pause);
    // eslint-disable-next-line no-await-in-loop
    answer = (await conn.metadata.checkRetrieveStatus(id)) as unknown as RetrieveAnswer;
    if (String(answer.done) === 'true') break;
    if (clock.now() > deadline)
      throw messages.createError(
        'error.RetrieveFailed',
        [`retrieve ${id} still running after 10 minutes`],
        [],
        EXIT_CODES.orgRefused,
      );
    pause = Math.min(pause * 2, RETRIEVE_POLL_MS.max);
  }
  if (answer.status !== 'Succeeded' || !answer.zipFile) {
    const problems = asArray(answer.messages).map((m) => m.problem ?? '');
    const text = [answer.errorStatusCode && `${answer.errorStatusCode}: ${answer.errorMessage ?? ''}`, ...problems]
      .filter(Boolean)
      .join('; ');
    throw messages.createError('error.RetrieveFailed', [text || answer.status], [], EXIT_CODES.orgRefused);
  }
  const { default: JSZip } = await import('jszip');
  const zip = await JSZip.loadAsync(Buffer.from(answer.zipFile, 'base64'));
  const { RegistryAccess } = await import('@salesforce/source-deploy-retrieve');
  const registry = new RegistryAccess();
  const found = await Promise.all(
    members.map(async ({ type, fullName }): Promise<RetrievedComponent | undefined> => {
      const registered = registry.getTypeByName(type);
      const file = zip.file(`${registered.directoryName}/${fullName}.${registered.suffix ?? ''}`);
      if (!file) return undefined;
      const parsed = fileParser.parse(await file.async('string')) as Record<string, MetadataRecord | undefined>;
      const { xmlns: _ns, ...fields } = parsed[type] ?? {};
      void _ns;
      const record: MetadataRecord = { fullName, ...fields };
      return { type, fullName, record };
    }),
  );
  return found.filter((f): f is RetrievedComponent => f !== undefined);
};

/** The component of that type and name, or undefined (readMetadata answers a missing one with an empty record). */
export const readComponent = async (
  conn: Connection,
  type: string,
  fullName: string,
): Promise<MetadataRecord | undefined> => {
  const [record] = await readComponents(conn, type, [fullName]);
  return record;
};

/** Components of one type, ten a readMetadata call (the calls in parallel); the missing ones left out. */
export const readComponents = async (
  conn: Connection,
  type: string,
  fullNames: string[],
): Promise<MetadataRecord[]> => {
  const answers = await Promise.all(
    chunks(fullNames, COMPONENTS_PER_READ).map(
      async (some) =>
        (await conn.metadata.read(type as MetadataType, some)) as unknown as MetadataRecord[] | MetadataRecord,
    ),
  );
  return answers.flatMap((answer) => asArray(answer)).filter(named);
};

const errorsOf = (result: SaveResult): SaveError[] => asArray(result.errors as SaveError | SaveError[] | undefined);

/** Why Salesforce refused to save a component, as a named error that says what to do. */
export const saveFailure = (type: string, result: SaveResult): SfError => {
  const errors = errorsOf(result);
  const text = errors.map((e) => `${e.statusCode ?? 'ERROR'}: ${e.message ?? ''}`).join('; ');
  const codes = errors.map((e) => e.statusCode ?? '');
  if (
    type === 'ConnectedApp' &&
    errors.some((e) => /connected app/i.test(e.message ?? '') && /creat/i.test(e.message ?? ''))
  ) {
    return messages.createError(
      'error.ConnectedAppCreationBlocked',
      [result.fullName, text],
      [],
      EXIT_CODES.orgRefused,
    );
  }
  if (codes.includes('DUPLICATE_VALUE') && /consumer key/i.test(text)) {
    return messages.createError('error.ConsumerKeyTaken', [text], [], EXIT_CODES.orgRefused);
  }
  return messages.createError('error.MetadataSaveFailed', [type, result.fullName, text], [], EXIT_CODES.orgRefused);
};

/** createMetadata / updateMetadata of one type, each component in the WSDL's order; refuses on the first failure. */
export const saveComponents = async (
  conn: Connection,
  operation: 'create' | 'update',
  type: string,
  records: MetadataRecord[],
): Promise<void> => {
  if (records.length === 0) return;
  const metadata = records.map((record) => inWsdlOrder(type, record)) as Array<{ fullName: string }>;
  const results = (await (operation === 'create'
    ? conn.metadata.create(type as MetadataType, metadata)
    : conn.metadata.update(type as MetadataType, metadata))) as unknown as SaveResult | SaveResult[];
  for (const result of asArray(results)) {
    if (!result.success) throw saveFailure(type, result);
  }
};

/** deleteMetadata of one component; refuses as a save does. */
export const deleteComponent = async (conn: Connection, type: string, fullName: string): Promise<void> => {
  const result = (await conn.metadata.delete(type, fullName)) as unknown as SaveResult;
  if (!result.success) throw saveFailure(type, { ...result, fullName });
};

/**
 * The org refused the call for want of a permission: the Metadata API refuses every call of a user without
 * "Modify All Data" / "Modify Metadata" with INSUFFICIENT_ACCESS, as REST refuses a query of an object the user
 * may not read. Each area says what that means for it (apps' NotAdmin, users' NotUserAdmin).
 */
export const isInsufficientAccess = (e: unknown): boolean =>
  (e instanceof Error ? `${e.name} ${e.message}` : String(e)).includes('INSUFFICIENT_ACCESS');
