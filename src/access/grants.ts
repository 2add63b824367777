import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { insertRecord, RecordRefusal } from '../org/records.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'access');

/** An insert Salesforce refused, as access's named error; an outage passes through. */
const insert = (conn: Connection, object: string, record: Record<string, string>): Promise<string> =>
  insertRecord(conn, object, record).catch((e: unknown) => {
    if (e instanceof RecordRefusal)
      throw messages.createError('error.InsertFailed', [object, e.message], [], EXIT_CODES.orgRefused, e);
    throw e;
  });

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
