/**
 * Salesforce API names (of apps, their components and permission sets): a letter first, then letters,
 * digits and single underscores, no trailing underscore. An External Client App's components append up
 * to 20 characters (`_oauth_defaultPolicy`, the OAuth policies Salesforce names after the OAuth settings)
 * to the app's name and must stay within 80, hence 60 for the app.
 */
export const MAX_APP_NAME_LENGTH = 60;

/**
 * A permission set's API name (`PermissionSet.Name`) and label (`Label`): 80 characters each; its
 * `Description` 255 (Salesforce Field Reference, PermissionSet; Tooling API reference: "Limit: 80 characters").
 */
export const MAX_PERMISSION_SET_NAME_LENGTH = 80;
export const MAX_PERMISSION_SET_LABEL_LENGTH = 80;

/**
 * An app's label: a Connected App's (`ConnectedApplication.Name`, the label Setup shows) is 80 characters
 * (Field Reference, ConnectedApplication); an External Client App's is taken to be the same [unconfirmed].
 */
export const MAX_APP_LABEL_LENGTH = 80;

const apiNameProblem = (name: string, maxLength: number): string | undefined => {
  if (name.length === 0) return 'it is empty';
  if (name.length > maxLength) return `it has ${name.length} characters, at most ${maxLength} are allowed`;
  if (!/^[A-Za-z]/.test(name)) return 'it must begin with a letter';
  if (!/^[A-Za-z0-9_]+$/.test(name))
    return 'it may contain only letters, digits and underscores (no spaces or hyphens)';
  if (name.includes('__')) return 'it may not contain two underscores in a row';
  if (name.endsWith('_')) return 'it may not end with an underscore';
  return undefined;
};

export const appNameProblem = (name: string): string | undefined => apiNameProblem(name, MAX_APP_NAME_LENGTH);

export const permissionSetNameProblem = (name: string): string | undefined =>
  apiNameProblem(name, MAX_PERMISSION_SET_NAME_LENGTH);

export const appLabelProblem = (label: string): string | undefined => {
  if (label.trim().length === 0) return 'it is empty';
  if (label.length > MAX_APP_LABEL_LENGTH)
    return `it has ${label.length} characters, at most ${MAX_APP_LABEL_LENGTH} are allowed`;
  return undefined;
};

const LABEL_SUFFIX = ' access';

/**
 * The permission set's label, `<app label> access`, within Salesforce's 80 characters: a long app label is cut
 * (at a word boundary where one is near) so the suffix that says what the set is for stays.
 */
export const permissionSetLabelFor = (appLabel: string): string => {
  const room = MAX_PERMISSION_SET_LABEL_LENGTH - LABEL_SUFFIX.length;
  if (appLabel.length <= room) return `${appLabel}${LABEL_SUFFIX}`;
  const cut = appLabel.slice(0, room);
  const space = cut.lastIndexOf(' ');
  const head = space >= room - 15 ? cut.slice(0, space) : cut;
  return `${head.trimEnd()}${LABEL_SUFFIX}`;
};
