/**
 * The plugin's exit codes: one table for every command (as plugin-deploy-retrieve's errorCodes.ts), shown in
 * each command's help. The same failure exits the same way whichever command meets it.
 */
import { Messages } from '@salesforce/core';
import { toHelpSection } from '@salesforce/sf-plugins-core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'exit-codes');

export const EXIT_CODES = {
  ok: 0,
  /** oclif's: a flag is missing, unknown or malformed. */
  invalidFlags: 2,
  /** A local input is wrong (a file, a key, a flag's value); nothing was sent to Salesforce. */
  localInput: 3,
  /** Salesforce refused, or the org is not as the command needs it; the configuration must change. */
  orgRefused: 4,
  /** Still refused, with an answer propagation or an outage explains, when the wait ran out. */
  stillFailing: 5,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

/** The `EXIT CODES` help section of a command, listing the codes it can exit with. */
export const exitCodesHelp = (...names: ExitCodeName[]): ReturnType<typeof toHelpSection> =>
  toHelpSection('EXIT CODES', Object.fromEntries(names.map((name) => [String(EXIT_CODES[name]), messages.getMessage(name)])));
