/** A SOQL string literal: backslashes and quotes escaped, so a username can never change the query. */
export const soqlString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
