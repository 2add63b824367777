import { Messages, SfError, type Connection } from '@salesforce/core';
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
