/**
 * A dotenv file as a secret store, for a CI that takes a file of variables rather than an API (a Jenkins secret
 * file, an Azure DevOps secure file): the file `setup --dotenv-file` wrote, or a new one. Its entries keep the
 * names that file uses, whatever the naming asked of the other stores.
 */
import { resolve } from 'node:path';
import { EXIT_CODES } from '../exit-codes.js';
import { readOurEnvFile, writeEnvEntries } from '../output/ci.js';
import { messages, type SecretStore } from './store.js';

/** Whose login the file may hold (the app's client ids, current and staged): another app's or user's is not this rotation's to write. */
export type EnvFileOwner = { username: string; clientIds: string[] };

export const envFileStore = (path: string, owner: EnvFileOwner): SecretStore => {
  const at = resolve(path);
  const label = `env file ${at}`;
  return {
    label,
    fixedNames: true,
    check: async (): Promise<void> => {
      const existing = await readOurEnvFile(at);
      if (!existing) return;
      const others = [
        ...(existing.SF_CLIENT_ID !== undefined && !owner.clientIds.includes(existing.SF_CLIENT_ID)
          ? ['SF_CLIENT_ID']
          : []),
        ...(existing.SF_USERNAME !== undefined && existing.SF_USERNAME.toLowerCase() !== owner.username.toLowerCase()
          ? ['SF_USERNAME']
          : []),
      ];
      if (others.length > 0)
        throw messages.createError('error.EnvFileOtherLogin', [at, others.join(' and ')], [], EXIT_CODES.localInput);
    },
    write: async (secrets): Promise<void> => {
      await writeEnvEntries(at, Object.fromEntries(secrets.map((s) => [s.name, s.value])));
    },
  };
};
