import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'access');

type SaveResult = { id?: string; success: boolean; errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }> };

const created = (object: string, result: SaveResult): string => {
  if (result.success && result.id) return result.id;
  const text = (result.errors ?? []).map((e) => `${e.statusCode ?? e.errorCode ?? 'ERROR'}: ${e.message ?? ''}`).join('; ');
  throw messages.createError('error.InsertFailed', [object, text], [], EXIT_CODES.orgRefused);
};

const insert = async (conn: Connection, object: string, record: Record<string, string>): Promise<string> => {
  try {
    return created(object, (await conn.sobject(object).create(record)) as SaveResult);
  } catch (e) {
    if (e instanceof Error && 'errorCode' in e) throw messages.createError('error.InsertFailed', [object, `${String(e.errorCode)}: ${e.message}`], [], EXIT_CODES.orgRefused, e);
    throw e;
  }
};

export const createPermissionSet = (conn: Connection, name: string, label: string, description: string): Promise<string> =>
  insert(conn, 'PermissionSet', { Name: name, Label: label, Description: description });

export const assignPermissionSet = (conn: Connection, permissionSetId: string, userId: string): Promise<string> =>
  insert(conn, 'PermissionSetAssignment', { PermissionSetId: permissionSetId, AssigneeId: userId });

/** Undoes what a failed run created, so a refused app write leaves nothing half-done. */
export const deleteRecord = async (conn: Connection, object: string, id: string): Promise<void> => {
  await conn.sobject(object).destroy(id);
};
