import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { withResult } from '../output/error-payload.js';
import { PRODUCTION_LOGIN_URL } from './audience.js';
import { knownInstanceUrl, saveJwtLogin } from './store.js';
import type { TokenGrant } from './token.js';
import { checkLoginFromInput, loginFailure, type LoginInput, type LoginSuccess } from './verify.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'oauth');

export type LoginCheckRequest = Omit<LoginInput, 'loginUrl' | 'onRequest'> & {
  /** `--instance-url`; without it the org URL the sf auth store has for the user, else login.salesforce.com. */
  instanceUrl?: string;
  /** Store the login in the sf auth store, as `sf org login jwt` does. */
  save?: { alias?: string };
  /** Called once the local checks have passed, just before the first request. */
  onRequest?: (loginUrl: string) => void;
  /** Called when Salesforce has answered for the last time, before a refusal is thrown. */
  onAnswer?: (success: boolean) => void;
};

export type LoginCheck = { report: LoginSuccess; grant: TokenGrant; loginUrl: string; saved: boolean; alias?: string };

/**
 * What `verify` and `token` do: resolve the login URL (an External Client App answers only at its org's My
 * Domain, which the sf auth store knows for a logged-in user), check the login, end with the named error when
 * Salesforce refuses it, and store it when asked.
 */
export const runLoginCheck = async (request: LoginCheckRequest): Promise<LoginCheck> => {
  if (request.save && !request.keyFile)
    throw messages.createError('error.SaveNeedsKeyFile', [], [], EXIT_CODES.localInput);
  const known = await knownInstanceUrl(request.username);
  const loginUrl = request.instanceUrl ?? known ?? PRODUCTION_LOGIN_URL;
  // sf's auth store holds the org's own URL for a logged-in user: a login there went to the org's My Domain.
  const atMyDomain = known !== undefined && known.toLowerCase() === loginUrl.replace(/\/+$/, '').toLowerCase();
  const checked = await checkLoginFromInput({
    ...request,
    loginUrl,
    atMyDomain,
    onRequest: () => request.onRequest?.(loginUrl),
  });
  request.onAnswer?.(checked.report.success);
  // The refused report is --json's result, as the report of a login that works is.
  if (checked.grant === undefined) throw withResult(loginFailure(checked.report), checked.report);
  const { report, grant } = checked;
  if (!request.save || !request.keyFile) return { report, grant, loginUrl, saved: false };
  const { alias } = await saveJwtLogin({
    username: request.username,
    clientId: request.clientId,
    keyFile: request.keyFile,
    loginUrl,
    alias: request.save.alias,
  });
  return { report, grant, loginUrl, saved: true, ...(alias ? { alias } : {}) };
};
