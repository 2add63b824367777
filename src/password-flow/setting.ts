import { Messages, type Connection } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { readComponent, saveComponents } from '../org/metadata.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'password-flow');

/**
 * "Allow OAuth Username-Password Flows" (Setup, OAuth and OpenID Connect Settings) is the Metadata API's
 * `OauthOidcSettings.blockOAuthUnPwFlow`, true when the flow is blocked; one component, `OauthOidc`, API 56.0 and
 * later (Metadata API Developer Guide, OauthOidcSettings).
 */
const TYPE = 'OauthOidcSettings';
const NAME = 'OauthOidc';

/** Whether the org still allows the flow. */
export const passwordFlowAllowed = async (conn: Connection): Promise<boolean> => {
  const settings = await readComponent(conn, TYPE, NAME);
  return String(settings?.blockOAuthUnPwFlow ?? 'false') !== 'true';
};

/**
 * Blocks (`allowed` false) or allows the flow, writing only that field (a settings save changes the fields it
 * carries), then reads it back: some orgs are reported to hold the toggle locked, and a save that changed
 * nothing is an error, not a success.
 */
export const setPasswordFlowAllowed = async (conn: Connection, allowed: boolean): Promise<void> => {
  await saveComponents(conn, 'update', TYPE, [{ fullName: NAME, blockOAuthUnPwFlow: !allowed }]);
  if ((await passwordFlowAllowed(conn)) !== allowed)
    throw messages.createError('error.SettingUnchanged', [allowed ? 'on' : 'off'], [], EXIT_CODES.orgRefused);
};
