/**
 * The org's naming and length rules, the same whichever API writes the record: REST (rest.ts) and the
 * Metadata API (components.ts) answer them alike.
 */

/**
 * Salesforce's API-name rule (developer names of permission sets, apps, …): begins with a letter, only
 * letters, digits and single underscores, does not end with an underscore, at most 80 characters.
 */
export const developerNameProblem = (name: string, maxLength = 80): string | undefined => {
  if (name.length === 0) return 'The API name is required.';
  if (name.length > maxLength) return `The API name can have at most ${maxLength} characters.`;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.includes('__') || name.endsWith('_')) {
    return 'The API name can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';
  }
  return undefined;
};

/**
 * A permission set's text fields past Salesforce's lengths (Field Reference, PermissionSet: Label 80, Description
 * 255; Name's 80 is the API-name rule above): `STRING_TOO_LONG` "<field label>: data value too large: <value>
 * (max length=N)", the form Salesforce answers for any string field.
 */
export const permissionSetTooLong = (
  fields: Record<string, unknown>,
): { field: string; message: string } | undefined => {
  const limits: Array<[field: string, label: string, max: number]> = [
    ['Label', 'Permission Set Label', 80],
    ['Description', 'Description', 255],
  ];
  for (const [field, label, max] of limits) {
    const value = fields[field];
    if (typeof value === 'string' && value.length > max)
      return { field, message: `${label}: data value too large: ${value} (max length=${max})` };
  }
  return undefined;
};
