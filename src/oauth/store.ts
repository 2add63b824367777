import { AuthInfo, AuthRemover, StateAggregator } from '@salesforce/core';

export type SavedLogin = { username: string; alias: string | undefined };

/**
 * Stores a JWT login in the sf auth store, as `sf org login jwt` does, so later `sf` commands can use
 * the user (`--target-org <alias>`). @salesforce/core makes its own token request for it.
 */
export const saveJwtLogin = async (options: {
  username: string;
  clientId: string;
  keyFile: string;
  loginUrl: string;
  alias?: string;
}): Promise<SavedLogin> => {
  const oauth2Options = { clientId: options.clientId, privateKeyFile: options.keyFile, loginUrl: options.loginUrl };
  let authInfo: AuthInfo;
  try {
    authInfo = await AuthInfo.create({ username: options.username, oauth2Options });
  } catch (e) {
    // A stored login for this user is replaced, as `sf org login jwt` replaces it.
    if ((e as Error).name !== 'AuthInfoOverwriteError') throw e;
    await (await AuthRemover.create()).removeAuth(options.username);
    authInfo = await AuthInfo.create({ username: options.username, oauth2Options });
  }
  await authInfo.save();
  await authInfo.handleAliasAndDefaultSettings({ alias: options.alias, setDefault: false, setDefaultDevHub: false });
  return { username: options.username, alias: options.alias };
};

/** The instance URL the sf auth store has for a username (an org's My Domain), or undefined. */
export const knownInstanceUrl = async (username: string): Promise<string | undefined> => {
  try {
    const fields = await (await StateAggregator.getInstance()).orgs.read(username, false, false);
    return typeof fields?.instanceUrl === 'string' ? fields.instanceUrl.replace(/\/+$/, '') : undefined;
  } catch {
    // An unreadable auth store is no reason to fail a login check: fall back to the default URL.
    return undefined;
  }
};
