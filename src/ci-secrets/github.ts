/**
 * GitHub Actions secrets, of a repository or of one of its environments, through GitHub's REST API: the target's
 * public key, each value sealed with it (libsodium's `crypto_box_seal`, as GitHub's guide "Encrypting secrets for the
 * REST API" does in Node with libsodium-wrappers), then `PUT …/secrets/{name}` (201 created, 204 updated). Sources:
 * docs/research/pipeline-life.md §3.
 */
import { EXIT_CODES } from '../exit-codes.js';
import type { CiSecret } from './names.js';
import { apiBase, messages, refused, storeRequest, tokenFrom, type SecretStore } from './store.js';

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export type GitHubTarget = { repository: string; environment?: string };

/** The target's public key, as GitHub answers it (`key_id`, `key`). */
type PublicKey = { keyId: string; key: string };

/** The store; its name and the token are checked here, before anything is sent anywhere. */
export const githubStore = (target: GitHubTarget): SecretStore => {
  if (!REPOSITORY.test(target.repository))
    throw messages.createError('error.GitHubRepositoryInvalid', [target.repository], [], EXIT_CODES.localInput);
  const label = `GitHub ${target.repository}${target.environment ? ` (environment ${target.environment})` : ''}`;
  const token = tokenFrom(['GITHUB_TOKEN', 'GH_TOKEN'], label);
  // In an Actions job GITHUB_API_URL is the API's root, a GitHub Enterprise Server's included.
  const base = `${apiBase('GITHUB_API_URL', 'https://api.github.com')}/repos/${target.repository}${
    target.environment ? `/environments/${encodeURIComponent(target.environment)}` : ''
  }/actions/secrets`;
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'sf-jwtapp',
  };
  const tokenHelp = messages.getMessage('tokenHelp.github');
  let publicKey: PublicKey | undefined;

  const readPublicKey = async (): Promise<PublicKey> => {
    const answer = await storeRequest(label, `${base}/public-key`, { method: 'GET', headers }, tokenHelp);
    if (answer.status === 404)
      throw messages.createError('error.GitHubTargetNotFound', [label], [], EXIT_CODES.orgRefused);
    const body = answer.body as Record<string, unknown> | undefined;
    const [key, keyId] = [body?.key, body?.['key_id']];
    if (answer.status !== 200 || typeof key !== 'string' || typeof keyId !== 'string')
      throw refused(label, 'reading the public key', answer.status, answer.body);
    return { key, keyId };
  };

  return {
    label,
    check: async (): Promise<void> => {
      publicKey = await readPublicKey();
    },
    write: async (secrets: CiSecret[]): Promise<void> => {
      const { key, keyId } = publicKey ?? (await readPublicKey());
      const sodium = (await import('libsodium-wrappers')).default;
      await sodium.ready;
      const recipient = sodium.from_base64(key, sodium.base64_variants.ORIGINAL);
      for (const secret of secrets) {
        const encrypted = sodium.to_base64(
          sodium.crypto_box_seal(sodium.from_string(secret.value), recipient),
          sodium.base64_variants.ORIGINAL,
        );
        // eslint-disable-next-line no-await-in-loop
        const answer = await storeRequest(
          label,
          `${base}/${secret.name}`,
          // eslint-disable-next-line camelcase
          { method: 'PUT', headers, body: { encrypted_value: encrypted, key_id: keyId } },
          tokenHelp,
        );
        if (answer.status !== 201 && answer.status !== 204)
          throw refused(label, `writing ${secret.name}`, answer.status, answer.body);
      }
    },
  };
};
