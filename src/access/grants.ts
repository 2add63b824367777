import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'access');

type SaveResult = {
  id?: string;
  success: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }>;
};

const created = (object: string, result: SaveResult): string => {
  if (result.success && result.id) return result.id;
  const text = (result.errors ?? [])
    .map((e) => `${e.statusCode ?? e.errorCode ?? 'ERROR'}: ${e.message ?? ''}`)
    .join('; ');
  throw messages.createError('error.InsertFailed', [object, text], [], EXIT_CODES.orgRefused);
};

const insert = async (conn: Connection, object: string, record: Record<string, string>): Promise<string> => {
  try {
    return created(object, (await conn.sobject(object).create(record)) as SaveResult);
  } catch (e) {
    if (e instanceof Error && 'errorCode' in e)
      throw messages.createError(
        'error.InsertFailed',
        [object, `${String(e.errorCode)}: ${e.message}`],
        [],
        EXIT_CODES.orgRefused,
        e,
      );
    throw e;
  }
};

export const createPermissionSet = (
  conn: Connection,
  name: string,
  label: string,
  description: string,
): Promise<string> => insert(conn, 'PermissionSet', { Name: name, Label: label, Description: description });

export const assignPermissionSet = (conn: Connection, permissionSetId: string, userId: string): Promise<string> =>
  insert(conn, 'PermissionSetAssignment', { PermissionSetId: permissionSetId, AssigneeId: userId });

type CompositeAnswer = {
  compositeResponse: Array<{ body: unknown; httpStatusCode: number; referenceId: string }>;
};

/** The subrequest Salesforce refused, rather than the ones it halted because of it. */
const refusalOf = (answer: CompositeAnswer): { referenceId: string; text: string } | undefined => {
  for (const sub of answer.compositeResponse) {
    if (sub.httpStatusCode < 400) continue;
    const errors = (Array.isArray(sub.body) ? sub.body : []) as Array<{ errorCode?: string; message?: string }>;
    if (errors.every((e) => e.errorCode === 'PROCESSING_HALTED')) continue;
    return {
      referenceId: sub.referenceId,
      text: errors.map((e) => `${e.errorCode ?? 'ERROR'}: ${e.message ?? ''}`).join('; '),
    };
  }
  return undefined;
};

/**
 * A new permission set and its assignment to the user in one request, the REST API's Composite resource with
 * allOrNone: both are made, or neither (the assignment names the set by reference, `@{permissionSet.id}`).
 */
export const createAndAssignPermissionSet = async (
  conn: Connection,
  permissionSet: { name: string; label: string; description: string },
  userId: string,
): Promise<{ permissionSetId: string; assignmentId: string }> => {
  const base = `/services/data/v${conn.getApiVersion()}`;
  const answer = await conn.requestPost<CompositeAnswer>(`${base}/composite`, {
    allOrNone: true,
    compositeRequest: [
      {
        method: 'POST',
        url: `${base}/sobjects/PermissionSet`,
        referenceId: 'permissionSet',
        body: { Name: permissionSet.name, Label: permissionSet.label, Description: permissionSet.description },
      },
      {
        method: 'POST',
        url: `${base}/sobjects/PermissionSetAssignment`,
        referenceId: 'assignment',
        body: { PermissionSetId: '@{permissionSet.id}', AssigneeId: userId },
      },
    ],
  });
  const refused = refusalOf(answer);
  if (refused) {
    throw messages.createError(
      'error.InsertFailed',
      [refused.referenceId === 'assignment' ? 'PermissionSetAssignment' : 'PermissionSet', refused.text],
      [],
      EXIT_CODES.orgRefused,
    );
  }
  const idOf = (referenceId: string): string =>
    String(
      (answer.compositeResponse.find((r) => r.referenceId === referenceId)?.body as { id?: string } | undefined)?.id,
    );
  return { permissionSetId: idOf('permissionSet'), assignmentId: idOf('assignment') };
};

/** Undoes what a failed run created, so a refused app write leaves nothing half-done. */
export const deleteRecord = async (conn: Connection, object: string, id: string): Promise<void> => {
  await conn.sobject(object).destroy(id);
};
