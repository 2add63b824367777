/**
 * The plugin's exit codes: one table for every command (as plugin-deploy-retrieve's errorCodes.ts). The same
 * failure exits the same way whichever command meets it. Each command's help lists its own (cli/exit-codes-help.ts).
 */
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
