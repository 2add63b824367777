import { Messages, SfError } from '@salesforce/core';
import { describeOutage, isTransient } from '../retry/outage.js';
import { EXIT_CODES } from '../exit-codes.js';
import { redact } from '../output/redact.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'errors');

const nameOf = (error: unknown): string => (error instanceof Error ? error.name : '');

/**
 * What a call to an org ended with, as the named error that says what to do: an expired session, an answer that
 * is not Salesforce's, an outage that outlasted the retries, an org alias that names no login. `targetOrg`: the
 * org as the user named it, for the login that renews a session. Anything else is returned as it was.
 */
export const namedError = (error: Error, targetOrg?: string): Error => {
  const name = nameOf(error);
  if (/^(sf:)?INVALID_SESSION_ID$/.test(name) || /\bINVALID_SESSION_ID\b/.test(error.message)) {
    const alias = targetOrg ?? '<alias>';
    return messages.createError('error.ExpiredSession', [alias], [alias, alias], EXIT_CODES.orgRefused);
  }
  // jsforce refuses to send a SOAP call (every Metadata API call) with a JWT-format access token below API 68.0:
  // the SOAP API took them only from 68.0 (jsforce#1817; the org's "Issue JSON Web Token (JWT)-based access
  // tokens" app setting makes them, forcedotcom/cli#3297). It throws before the call is sent.
  if (error.message.includes('SOAP API does not support JWT-based access tokens')) {
    const alias = targetOrg ?? '<alias>';
    return messages.createError('error.JwtAccessTokenNeedsApi68', [alias], [alias], EXIT_CODES.orgRefused);
  }
  // A named error of ours already says what to do.
  if (error instanceof SfError && error.exitCode >= EXIT_CODES.invalidFlags) return error;
  // An answer that is not Salesforce's API at all: XML or JSON cut short, or HTML where JSON was due.
  // (sax, which parses jsforce's SOAP answers, ends its messages with "Line: n Column: n Char:").
  if (
    /\nLine: \d+\nColumn: \d+\nChar:|Unclosed root tag|Unexpected end of JSON input|Unexpected token '?<|is not valid JSON/.test(
      error.message,
    )
  ) {
    return messages.createError(
      'error.UnexpectedAnswer',
      ['the API', redact(error.message).replace(/\s+/g, ' ').slice(0, 120)],
      [],
      EXIT_CODES.orgRefused,
    );
  }
  // An outage that outlasted the retries (a command that does not converge as setup does).
  if (isTransient(error)) {
    return messages.createError('error.OrgNotAnswering', [describeOutage(error)], [], EXIT_CODES.stillFailing);
  }
  // sf-plugins-core's org flag exits 1 when --target-org names no stored login (NamedOrgNotFoundError, from
  // @salesforce/core's AuthInfo) or is missing with no default set (NoDefaultEnvError): a flag whose value does
  // not parse, which oclif's own flag errors exit with 2. Its message and actions stay sf's.
  if (/^Duration.*Error$/.test(name) || name === 'NamedOrgNotFoundError' || name === 'NoDefaultEnvError') {
    return new SfError(
      error.message,
      name,
      error instanceof SfError ? error.actions : undefined,
      EXIT_CODES.invalidFlags,
    );
  }
  return error;
};
