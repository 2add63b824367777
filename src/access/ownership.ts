import type { Connection } from '@salesforce/core';
import { readComponent } from '../org/metadata.js';
import type { MetadataRecord } from '../apps/app.js';
import type { PermissionSetRecord } from './state.js';

/**
 * The words every permission set setup creates carries in its Description (messages/setup.md,
 * `permissionSetDescription`), as the CI files it writes carry "# Written by sf jwtapp": a set holding them
 * is one this plugin made. Every version of setup has written them.
 */
export const PERMISSION_SET_MARKER = 'Managed by sf jwtapp setup';

/** What an existing permission set grants, as the Metadata API's readMetadata returns it. */
export type PermissionSetGrants = {
  /** User and system permissions it enables (`userPermissions` with `enabled` true), by API name. */
  userPermissions: string[];
  /** Objects it grants any access to (`objectPermissions` with an `allow*` / `viewAll*` / `modifyAll*` true). */
  objectPermissions: number;
  /** Fields it grants read or edit on. */
  fieldPermissions: number;
  /** Everything else it grants, by the Metadata API's list name and count: `classAccesses: 2`, `tabSettings: 1`, ... */
  other: Record<string, number>;
};

/** Which sets setup may assign by itself: `ours` (marked), `equivalent` (unmarked, grants nothing else), `foreign`. */
export type Ownership = 'ours' | 'equivalent' | 'foreign';

const isTrue = (v: unknown): boolean => v === true || v === 'true';

/** A list entry grants something: one of its flags is true, or a visibility other than none/hidden. */
const grantsSomething = (entry: unknown): boolean => {
  if (typeof entry !== 'object' || entry === null) return false;
  return Object.entries(entry as Record<string, unknown>).some(
    ([field, value]) =>
      isTrue(value) || (field === 'visibility' && typeof value === 'string' && !['None', 'Hidden'].includes(value)),
  );
};

const asEntries = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];

/** The fields of a PermissionSet that describe it rather than grant (the rest are lists of grants). */
const DESCRIPTIVE = new Set(['fullName', 'label', 'description', 'hasActivationRequired', 'license']);

export const grantsOf = (record: MetadataRecord | undefined): PermissionSetGrants => {
  const grants: PermissionSetGrants = { userPermissions: [], objectPermissions: 0, fieldPermissions: 0, other: {} };
  for (const [field, value] of Object.entries(record ?? {})) {
    if (DESCRIPTIVE.has(field)) continue;
    const granted = asEntries(value).filter(grantsSomething);
    if (granted.length === 0) continue;
    if (field === 'userPermissions')
      grants.userPermissions = granted.map((e) => String((e as { name?: unknown }).name)).sort();
    else if (field === 'objectPermissions') grants.objectPermissions = granted.length;
    else if (field === 'fieldPermissions') grants.fieldPermissions = granted.length;
    else grants.other[field] = granted.length;
  }
  return grants;
};

/** One readMetadata call: what the permission set grants. */
export const readPermissionSetGrants = async (conn: Connection, name: string): Promise<PermissionSetGrants> =>
  grantsOf(await readComponent(conn, 'PermissionSet', name));

export const isMarked = (permissionSet: Pick<PermissionSetRecord, 'description'>): boolean =>
  (permissionSet.description ?? '').includes(PERMISSION_SET_MARKER);

const grantsNothing = (g: PermissionSetGrants): boolean =>
  g.userPermissions.length === 0 &&
  g.objectPermissions === 0 &&
  g.fieldPermissions === 0 &&
  Object.keys(g.other).length === 0;

/**
 * Whether setup may assign an existing permission set to the integration user and name it on the app:
 * `ours` when its Description carries the marker; `equivalent` when unmarked (made by hand as the seeds
 * describe, or by a tool) but it grants nothing (no permission, no object or field access, no other list),
 * gives access to no app or other setup entity but this app, and no one else holds it, so that assigning it
 * and naming it on the app grants exactly what a set setup makes would; `foreign` otherwise: assigning it
 * would give the integration user what it grants, and naming it on the app would give its other users the app.
 */
export const ownershipOf = (
  permissionSet: PermissionSetRecord,
  grants: PermissionSetGrants | undefined,
  otherEntityAccess: number,
): Ownership => {
  if (isMarked(permissionSet)) return 'ours';
  if (grants && grantsNothing(grants) && otherEntityAccess === 0 && permissionSet.otherAssignees.length === 0)
    return 'equivalent';
  return 'foreign';
};
