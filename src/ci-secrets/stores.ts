import { EXIT_CODES } from '../exit-codes.js';
import { githubStore, type GitHubTarget } from './github.js';
import { gitlabStore, type GitLabTarget } from './gitlab.js';
import { loginSecrets, SECRET_SUFFIX, type LoginValues, type SecretNaming } from './names.js';
import { messages, writeSecrets, type SecretStore, type WrittenSecrets } from './store.js';

export type { WrittenSecrets } from './store.js';

/** Where a run writes the login's secrets, and how it names them (the flags, as given). */
export type CiSecretsRequest = {
  github?: GitHubTarget;
  gitlab?: GitLabTarget;
  naming: SecretNaming;
  suffix?: string;
};

/** The secret stores of a run, their tokens and names checked; none when no store was asked for. */
export const openStores = (request: CiSecretsRequest): SecretStore[] => {
  if (request.suffix !== undefined && !SECRET_SUFFIX.test(request.suffix))
    throw messages.createError('error.CiSecretSuffixInvalid', [request.suffix], [], EXIT_CODES.localInput);
  return [
    ...(request.github ? [githubStore(request.github)] : []),
    ...(request.gitlab ? [gitlabStore(request.gitlab)] : []),
  ];
};

/** Each store reached and writable, before anything is written to the org. */
export const checkStores = async (stores: SecretStore[]): Promise<void> => {
  await Promise.all(stores.map((s) => s.check()));
};

/** The login's values written to every store, named as asked; the names written, never the values. */
export const writeLogin = (
  stores: SecretStore[],
  values: LoginValues,
  request: CiSecretsRequest,
): Promise<WrittenSecrets[]> =>
  writeSecrets(stores, (store) =>
    store.fixedNames ? loginSecrets(values, 'sf', undefined) : loginSecrets(values, request.naming, request.suffix),
  );

/** --key-in-ci-only without a store would keep the key nowhere. */
export const assertKeyHasAStore = (keyInCiOnly: boolean, stores: SecretStore[]): void => {
  if (keyInCiOnly && stores.length === 0)
    throw messages.createError('error.KeyOnlyInCiNeedsStore', [], [], EXIT_CODES.localInput);
};
