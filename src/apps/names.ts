/**
 * Salesforce API names (of apps, their components and permission sets): a letter first, then letters,
 * digits and single underscores, no trailing underscore. An External Client App's components append up
 * to 20 characters (`_oauth_defaultPolicy`, the OAuth policies Salesforce names after the OAuth settings)
 * to the app's name and must stay within 80, hence 60 for the app.
 */
export const MAX_APP_NAME_LENGTH = 60;

export const appNameProblem = (name: string): string | undefined => {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_APP_NAME_LENGTH) return `it has ${name.length} characters, at most ${MAX_APP_NAME_LENGTH} are allowed`;
  if (!/^[A-Za-z]/.test(name)) return 'it must begin with a letter';
  if (!/^[A-Za-z0-9_]+$/.test(name)) return 'it may contain only letters, digits and underscores (no spaces or hyphens)';
  if (name.includes('__')) return 'it may not contain two underscores in a row';
  if (name.endsWith('_')) return 'it may not end with an underscore';
  return undefined;
};
