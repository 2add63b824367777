import { Messages, SfError, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import type { MetadataRecord } from './app.js';
import { inWsdlOrder } from './order.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

type SaveResult = { success: boolean; fullName: string; errors?: unknown };
/** jsforce types metadata type names as a union of the ones it knows; the ECA types are newer. */
type MetadataType = Parameters<Connection['metadata']['read']>[0];
type SaveError = { statusCode?: string; message?: string };

const errorsOf = (result: SaveResult): SaveError[] => {
  const e = result.errors;
  if (!e) return [];
  return (Array.isArray(e) ? e : [e]) as SaveError[];
};

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

type Operation = 'create' | 'update';

/** createMetadata / updateMetadata of one type, refusing on the first failed component. */
export const saveComponents = async (
  conn: Connection,
  operation: Operation,
  type: string,
  records: MetadataRecord[],
): Promise<void> => {
  if (records.length === 0) return;
  const metadata = records.map((record) => inWsdlOrder(type, record)) as Array<{ fullName: string }>;
  const results = (await (operation === 'create'
    ? conn.metadata.create(type as MetadataType, metadata)
    : conn.metadata.update(type as MetadataType, metadata))) as unknown as SaveResult | SaveResult[];
  for (const result of Array.isArray(results) ? results : [results]) {
    if (!result.success) throw saveFailure(type, result);
  }
};

export const readComponent = async (
  conn: Connection,
  type: string,
  fullName: string,
): Promise<MetadataRecord | undefined> => {
  const record = (await conn.metadata.read(type as MetadataType, fullName)) as unknown as MetadataRecord | undefined;
  return record && typeof record.fullName === 'string' && record.fullName.length > 0 ? record : undefined;
};

/** Several components of one type in one readMetadata call (at most ten). */
export const readComponents = async (
  conn: Connection,
  type: string,
  fullNames: string[],
): Promise<MetadataRecord[]> => {
  const records = (await conn.metadata.read(type as MetadataType, fullNames)) as unknown as
    MetadataRecord[] | MetadataRecord;
  return (Array.isArray(records) ? records : [records]).filter(
    (r) => typeof r.fullName === 'string' && r.fullName.length > 0,
  );
};

/** The Metadata API refuses every call of a user without "Modify All Data" / "Modify Metadata". */
export const asNotAdmin = (e: unknown): never => {
  const text = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  if (text.includes('INSUFFICIENT_ACCESS')) throw messages.createError('error.NotAdmin', [], [], EXIT_CODES.orgRefused);
  throw e;
};
