/**
 * GitLab CI/CD variables of a project, through GitLab's REST API: `PUT /projects/:id/variables/:key` replaces one
 * (filtered by environment scope), `POST /projects/:id/variables` creates it. Secrets are masked where GitLab can
 * mask them (one line, no spaces, 8 characters or more); the key is a file variable, which a job reads as a path
 * (`--jwt-key-file "$SF_JWT_KEY"`) and `env` does not print. Sources: docs/research/pipeline-life.md §4.
 */
import { EXIT_CODES } from '../exit-codes.js';
import type { CiSecret } from './names.js';
import { apiBase, messages, refused, storeRequest, tokenFrom, type SecretStore } from './store.js';

/** "Maintainer": the least role that may manage a project's variables (`access_level` 40). */
const MAINTAINER = 40;

export type GitLabTarget = { project: string; environmentScope: string; protected: boolean };

/**
 * Whether GitLab can mask the value sent raw: "a single line with no spaces … 8 characters or longer" (its
 * `Ci::Maskable::MASK_AND_RAW_REGEX`). Consumer keys and secrets also pass the stricter rule for expanded values.
 */
export const maskable = (value: string): boolean => value.length >= 8 && !/\s/.test(value);

export const gitlabStore = (target: GitLabTarget): SecretStore => {
  const label = `GitLab ${target.project}${target.environmentScope === '*' ? '' : ` (environment scope ${target.environmentScope})`}`;
  const token = tokenFrom(['GITLAB_TOKEN'], label);
  // In a GitLab job CI_API_V4_URL is the API's root, a self-managed instance's included.
  const project = `${apiBase('CI_API_V4_URL', 'https://gitlab.com/api/v4')}/projects/${encodeURIComponent(target.project)}`;
  const headers = { 'private-token': token };
  const tokenHelp = messages.getMessage('tokenHelp.gitlab');

  return {
    label,
    check: async (): Promise<void> => {
      const answer = await storeRequest(label, project, { method: 'GET', headers }, tokenHelp);
      if (answer.status === 404)
        throw messages.createError('error.GitLabProjectNotFound', [label], [], EXIT_CODES.orgRefused);
      if (answer.status !== 200) throw refused(label, 'reading the project', answer.status, answer.body);
      if (accessLevel(answer.body) < MAINTAINER)
        throw messages.createError('error.GitLabNotMaintainer', [label], [], EXIT_CODES.orgRefused);
    },
    write: async (secrets: CiSecret[]): Promise<void> => {
      for (const secret of secrets) {
        /* eslint-disable camelcase -- GitLab's attribute names */
        const attributes = {
          value: secret.value,
          variable_type: secret.file ? 'file' : 'env_var',
          masked: secret.secret && !secret.file && maskable(secret.value),
          protected: target.protected,
          // Taken as written: a `$` in a value is not a variable to expand.
          raw: true,
          environment_scope: target.environmentScope,
        };
        /* eslint-enable camelcase */
        const scope = `filter%5Benvironment_scope%5D=${encodeURIComponent(target.environmentScope)}`;
        // eslint-disable-next-line no-await-in-loop
        const updated = await storeRequest(
          label,
          `${project}/variables/${secret.name}?${scope}`,
          { method: 'PUT', headers, body: attributes },
          tokenHelp,
        );
        if (updated.status === 200) continue;
        if (updated.status !== 404) throw refused(label, `writing ${secret.name}`, updated.status, updated.body);
        // eslint-disable-next-line no-await-in-loop
        const created = await storeRequest(
          label,
          `${project}/variables`,
          { method: 'POST', headers, body: { key: secret.name, ...attributes } },
          tokenHelp,
        );
        if (created.status !== 201) throw refused(label, `writing ${secret.name}`, created.status, created.body);
      }
    },
  };
};

/** The token's role in the project: its own or its group's, whichever is higher (GET /projects/:id `permissions`). */
const accessLevel = (body: unknown): number => {
  const permissions = (body as { permissions?: Record<string, { access_level?: number } | null> } | undefined)
    ?.permissions;
  return Math.max(permissions?.project_access?.access_level ?? 0, permissions?.group_access?.access_level ?? 0);
};
