import { redactError } from '../output/redact.js';
import { namedError } from '../connection/named-errors.js';

/** The --target-org the command was given, to name in the login that renews it. */
const targetOrgOf = (argv: string[]): string | undefined => {
  const i = argv.findIndex((a) => a === '-o' || a === '--target-org' || a.startsWith('--target-org='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
};

/**
 * What every command answers alike, wherever in the run it happens (connection/named-errors.ts): a stored sf
 * session the org no longer accepts is `ExpiredSessionError` with the login that renews it (not jsforce's raw
 * `INVALID_SESSION_ID`), an outage that outlasted the retries `OrgNotAnsweringError`, and a flag value out of
 * range or an org alias that names no login exits 2, as oclif's own flag errors do (sf-plugins-core's duration
 * and org flags exit 1). Whatever it is, it leaves redacted (output/redact.ts): a server's answer quoted into it
 * may hold what the request sent.
 */
export const asCommandError = (error: Error, argv: string[]): Error =>
  redactError(namedError(error, targetOrgOf(argv)));
