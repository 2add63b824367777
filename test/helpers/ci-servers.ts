/**
 * Local stand-ins for GitHub's and GitLab's secret APIs, as their documentation describes them
 * (docs/research/pipeline-life.md §3 and §4): they refuse what the services refuse, and keep what they were sent
 * decrypted, so a test reads back exactly what a run stored. The tokens they take are the tests' own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sodium from 'libsodium-wrappers';

type Reply = { status: number; body?: unknown };
export type CiRequest = { method: string; path: string; status: number };

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** One small HTTP server answering with `route`, its requests logged. */
abstract class LocalApi {
  public readonly requests: CiRequest[] = [];
  public url = '';
  private readonly server: Server;

  protected constructor() {
    this.server = createServer((req, res) => {
      void this.serve(req, res);
    });
  }

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://local');
    let reply: Reply;
    try {
      reply = this.route(req.method ?? 'GET', url, req.headers, body);
    } catch (e) {
      reply = { status: 500, body: { message: (e as Error).message } };
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status: reply.status });
    res.writeHead(reply.status, reply.body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  protected abstract route(method: string, url: URL, headers: IncomingMessage['headers'], body: string): Reply;
}

type SecretScope = {
  keyId: string;
  keyPair: { publicKey: Uint8Array; privateKey: Uint8Array };
  secrets: Map<string, string>;
};

const newScope = (): SecretScope => ({
  keyId: String(Math.floor(Math.random() * 1e18)),
  keyPair: sodium.crypto_box_keypair(),
  secrets: new Map(),
});

/**
 * GitHub Actions secrets: a repository's and its environments', each with its own key pair. A token reads and
 * writes the repositories it is given (`write: false`: read only, as a token without "Secrets: write").
 */
export class LocalGitHub extends LocalApi {
  private readonly repos = new Map<string, { scope: SecretScope; environments: Map<string, SecretScope> }>();
  private readonly tokens = new Map<string, { repos: Set<string>; write: boolean }>();

  private constructor() {
    super();
  }

  public static async start(): Promise<LocalGitHub> {
    await sodium.ready;
    const server = new LocalGitHub();
    await server.start();
    return server;
  }

  public addRepo(repo: string, environments: string[] = []): void {
    this.repos.set(repo, { scope: newScope(), environments: new Map(environments.map((e) => [e, newScope()])) });
  }

  public addToken(token: string, repos: string[], write = true): void {
    this.tokens.set(token, { repos: new Set(repos), write });
  }

  /** The secrets as GitHub holds them, decrypted: what a workflow's `secrets.NAME` gives. */
  public secrets(repo: string, environment?: string): Record<string, string> {
    const entry = this.repos.get(repo);
    const scope = environment ? entry?.environments.get(environment) : entry?.scope;
    return Object.fromEntries(scope?.secrets ?? []);
  }

  protected route(method: string, url: URL, headers: IncomingMessage['headers'], body: string): Reply {
    if (!headers['user-agent'])
      return {
        status: 403,
        body: {
          message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
        },
      };
    const auth = /^(?:Bearer|token) (.+)$/.exec(headers.authorization ?? '');
    const token = auth ? this.tokens.get(auth[1]) : undefined;
    if (!token)
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    const match = /^\/repos\/([^/]+\/[^/]+)(?:\/environments\/([^/]+))?\/actions\/secrets\/([^/]+)$/.exec(url.pathname);
    const repo = match ? this.repos.get(match[1]) : undefined;
    // GitHub answers "Not Found" to a token that may not see a repository.
    if (!match || !repo || !token.repos.has(match[1])) return { status: 404, body: { message: 'Not Found' } };
    const scope = match[2] ? repo.environments.get(decodeURIComponent(match[2])) : repo.scope;
    if (!scope) return { status: 404, body: { message: 'Not Found' } };
    const name = match[3];
    if (name === 'public-key' && method === 'GET')
      return {
        status: 200,
        body: { key_id: scope.keyId, key: sodium.to_base64(scope.keyPair.publicKey, sodium.base64_variants.ORIGINAL) },
      };
    if (method !== 'PUT') return { status: 404, body: { message: 'Not Found' } };
    if (!token.write) return { status: 403, body: { message: 'Resource not accessible by personal access token' } };
    return this.putSecret(scope, name, body);
  }

  /** "Create or update a secret": 201 created, 204 updated; the value decrypted with the scope's key pair. */
  private putSecret(scope: SecretScope, name: string, body: string): Reply {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name))
      return {
        status: 422,
        body: {
          message: 'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_).',
        },
      };
    const { encrypted_value: encrypted, key_id: keyId } = JSON.parse(body || '{}') as Record<string, unknown>;
    if (typeof encrypted !== 'string' || typeof keyId !== 'string')
      return { status: 422, body: { message: 'Invalid request.\n\n"encrypted_value" and "key_id" are required.' } };
    if (keyId !== scope.keyId) return { status: 422, body: { message: 'Bad request - key_id is not valid' } };
    let value: string;
    try {
      const sealed = sodium.from_base64(encrypted, sodium.base64_variants.ORIGINAL);
      value = sodium.to_string(sodium.crypto_box_seal_open(sealed, scope.keyPair.publicKey, scope.keyPair.privateKey));
    } catch {
      return { status: 422, body: { message: 'Bad request - could not decrypt the value' } };
    }
    if (Buffer.byteLength(value) > 48 * 1024) return { status: 422, body: { message: 'Secret value is too large' } };
    const stored = name.toUpperCase();
    const existed = scope.secrets.has(stored);
    scope.secrets.set(stored, value);
    return { status: existed ? 204 : 201 };
  }
}

export type GitLabVariable = {
  key: string;
  value: string;
  variable_type: 'env_var' | 'file';
  masked: boolean;
  protected: boolean;
  raw: boolean;
  environment_scope: string;
  hidden: boolean;
};

/** GitLab CI/CD variables of projects, found by ID or path; a token has a role (access level) in each project. */
export class LocalGitLab extends LocalApi {
  /** Every variable write answered 500, as a GitLab in trouble answers: what a run does when a store fails late. */
  public failWrites = false;
  /**
   * A GitLab older than the `raw` attribute: it ignores `raw` and validates every masked value by `REGEX`, the
   * stricter rule.
   */
  public withoutRaw = false;
  private readonly projects = new Map<number, { path: string; variables: GitLabVariable[] }>();
  private readonly tokens = new Map<string, Map<number, number>>();

  private constructor() {
    super();
  }

  public static async start(): Promise<LocalGitLab> {
    const server = new LocalGitLab();
    await server.start();
    return server;
  }

  public addProject(id: number, path: string): void {
    this.projects.set(id, { path, variables: [] });
  }

  /** A token whose user holds `accessLevel` (40: Maintainer, 30: Developer) in the project. */
  public addToken(token: string, projectId: number, accessLevel = 40): void {
    const roles = this.tokens.get(token) ?? new Map<number, number>();
    roles.set(projectId, accessLevel);
    this.tokens.set(token, roles);
  }

  public variables(id: number): GitLabVariable[] {
    return this.projects.get(id)?.variables ?? [];
  }

  protected route(method: string, url: URL, headers: IncomingMessage['headers'], body: string): Reply {
    const given =
      (headers['private-token'] as string | undefined) ?? /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const roles = given ? this.tokens.get(given) : undefined;
    if (!roles) return { status: 401, body: { message: '401 Unauthorized' } };
    const match = /^\/api\/v4\/projects\/([^/]+)(\/variables(?:\/([^/]+))?)?$/.exec(url.pathname);
    if (!match) return { status: 404, body: { error: '404 Not Found' } };
    const wanted = decodeURIComponent(match[1]);
    const found = [...this.projects].find(([id, p]) => String(id) === wanted || p.path === wanted);
    const role = found ? roles.get(found[0]) : undefined;
    if (!found || role === undefined) return { status: 404, body: { message: '404 Project Not Found' } };
    const [id, project] = found;
    if (!match[2] && method === 'GET')
      return {
        status: 200,
        body: {
          id,
          path_with_namespace: project.path,
          permissions: { project_access: { access_level: role }, group_access: null },
        },
      };
    if (role < 40) return { status: 403, body: { message: '403 Forbidden' } };
    if (this.failWrites) return { status: 500, body: { message: '500 Internal Server Error' } };
    return this.variableCall(method, url, project.variables, match[3], body);
  }

  /** `PUT …/variables/:key` (the one of that key and scope) or `POST …/variables` (a new one). */
  private variableCall(
    method: string,
    url: URL,
    variables: GitLabVariable[],
    key: string | undefined,
    body: string,
  ): Reply {
    const input = JSON.parse(body || '{}') as Partial<GitLabVariable>;
    const scope = url.searchParams.get('filter[environment_scope]') ?? input.environment_scope ?? '*';
    if (key && method === 'PUT') {
      const existing = variables.find((v) => v.key === key && v.environment_scope === scope);
      if (!existing) return { status: 404, body: { message: '404 Variable Not Found' } };
      const invalid = this.invalid(input, existing);
      if (invalid) return invalid;
      Object.assign(existing, this.attributes(input, existing));
      return { status: 200, body: { ...existing, value: existing.hidden ? null : existing.value } };
    }
    if (!key && method === 'POST') {
      if (!input.key || !/^[A-Za-z0-9_]{1,255}$/.test(input.key))
        return { status: 400, body: { message: { key: ["can contain only letters, digits and '_'."] } } };
      if (variables.some((v) => v.key === input.key && v.environment_scope === scope))
        return { status: 400, body: { message: { key: [`(${input.key}) has already been taken`] } } };
      const invalid = this.invalid(input, undefined);
      if (invalid) return invalid;
      const created: GitLabVariable = {
        key: input.key,
        ...this.attributes(input, undefined),
        environment_scope: scope,
        hidden: false,
      } as GitLabVariable;
      variables.push(created);
      return { status: 201, body: created };
    }
    return { status: 404, body: { error: '404 Not Found' } };
  }

  /**
   * GitLab's own validation of a masked value (gitlabhq/gitlabhq, app/models/concerns/ci/maskable.rb): a raw one is
   * `MASK_AND_RAW_REGEX` (8 or more characters, no whitespace); an expanded one, and every masked value of a GitLab
   * older than the `raw` attribute, is `REGEX`: the Base64 alphabet, URL-safe `-` and `_` included, plus `@ : . ~`.
   */
  private invalid(input: Partial<GitLabVariable>, existing: GitLabVariable | undefined): Reply | undefined {
    if (typeof input.value !== 'string') return { status: 400, body: { error: 'value is missing' } };
    const masked = input.masked ?? existing?.masked ?? false;
    const raw = !this.withoutRaw && (input.raw ?? existing?.raw ?? false);
    const rule = raw ? /^\S{8,}$/ : /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
    if (masked && !rule.test(input.value)) return { status: 400, body: { message: { value: ['is invalid'] } } };
    return undefined;
  }

  private attributes(
    input: Partial<GitLabVariable>,
    existing: GitLabVariable | undefined,
  ): Omit<GitLabVariable, 'key' | 'environment_scope' | 'hidden'> {
    return {
      value: String(input.value),
      variable_type: input.variable_type ?? existing?.variable_type ?? 'env_var',
      masked: input.masked ?? existing?.masked ?? false,
      protected: input.protected ?? existing?.protected ?? false,
      raw: !this.withoutRaw && (input.raw ?? existing?.raw ?? false),
    };
  }
}
