import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeCiFiles, type PipelineLogin } from '../../src/output/ci.js';
import {
  readAsDockerEnvFile,
  readAsDotenv,
  readAsGh,
  readWithBash,
  type Variables,
} from '../helpers/dotenv-readers.js';
import { testKey } from '../helpers/org.js';

const login = (keyFile: string, username = 'integration@acme.com'): PipelineLogin => ({
  username,
  clientId: '3MVG9Example.Key_with+slash/and=',
  loginUrl: 'https://acme.my.salesforce.com',
  instanceUrl: 'https://acme.my.salesforce.com',
  audience: 'https://login.salesforce.com',
  keyFile,
  apiVersion: '62.0',
});

const expected = (l: PipelineLogin, extra: Variables = {}): Variables => ({
  SF_USERNAME: l.username,
  SF_CLIENT_ID: l.clientId ?? '',
  SF_LOGIN_URL: l.loginUrl,
  SF_INSTANCE_URL: l.instanceUrl ?? l.loginUrl,
  SF_AUDIENCE_URL: l.audience,
  ...(l.keyFile ? { SF_JWT_KEY_FILE: l.keyFile } : {}),
  ...extra,
});

/** Key paths a pipeline's checkout can have, and ones that try to smuggle a variable in. */
const PATHS = [
  '/home/ci/certs/server.key',
  '/Users/Ann Lee/My Projects/certs/server.key',
  '/srv/ci#1/server.key',
  "/home/o'brien/certs/server.key",
  '/tmp/say "hi"/server.key',
  '/tmp/$HOME/`id`/server.key',
  '/tmp/a\\b/server.key',
  '/tmp/tab\there/server.key',
  '/tmp/ünïcödé/証明書/server.key',
  '/tmp/~user/!bang/*glob*/server.key',
  '/tmp/x SF_CLIENT_ID=evil/server.key',
  '/tmp/ends-with---',
  '/tmp/   leading and trailing spaces   ',
];

const BARE = /^[\p{L}\p{N}\p{M}_./:@+,=%-]*$/u;

describe('the dotenv file, read back by bash, dotenv, docker --env-file and gh secret set -f', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwtapp-dotenv-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = async (l: PipelineLogin, options: { key?: string; secret?: string } = {}): Promise<string> => {
    const file = join(dir, '.env.jwt');
    await writeCiFiles(
      l,
      { privateKeyPem: options.key, clientSecret: options.secret },
      { envFile: file, includeKeyInEnvFile: Boolean(options.key), force: true },
    );
    return file;
  };

  for (const path of PATHS) {
    it(`carries ${JSON.stringify(path)} exactly to bash, dotenv and gh, and to docker when no quotes are needed`, async () => {
      const l = login(path);
      const file = await write(l, { secret: 'A1B2C3$not_a_variable' });
      const want = expected(l, { SF_CLIENT_SECRET: 'A1B2C3$not_a_variable' });
      const text = await readFile(file, 'utf8');
      expect(readWithBash(file), 'bash').to.deep.equal(want);
      expect(readAsDotenv(text), 'dotenv').to.deep.equal(want);
      expect(readAsGh(text, { HOME: '/root' }), 'gh').to.deep.equal(want);
      // docker takes a value literally: exact when written bare, otherwise the value inside its quotes.
      const docker = readAsDockerEnvFile(text);
      expect(Object.keys(docker)).to.have.members(Object.keys(want));
      for (const [name, value] of Object.entries(want)) {
        const bare = BARE.test(value) && !value.endsWith('---');
        expect(bare ? docker[name] : docker[name].slice(1, -1), `docker ${name}`).to.equal(value);
      }
    });
  }

  it('writes the values every reader reads alike bare, so docker reads them exactly too', async () => {
    const l = login('/home/ci/certs/server.key');
    const text = await readFile(await write(l), 'utf8');
    expect(readAsDockerEnvFile(text)).to.deep.equal(expected(l));
    expect(text).to.include('SF_JWT_KEY_FILE=/home/ci/certs/server.key\n');
  });

  it('writes the private key on one line that dotenv and gh read as the PEM, and bash as the \\n form --jwt-key-env reads', async () => {
    const pem = (await testKey()).privateKeyPem;
    const l = login('/home/ci/certs/server.key');
    const file = await write(l, { key: pem });
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('SF_JWT_KEY='))).to.have.length(1);
    expect(readAsDotenv(text).SF_JWT_KEY).to.equal(pem.trim());
    expect(readAsGh(text).SF_JWT_KEY).to.equal(pem.trim());
    expect(readWithBash(file).SF_JWT_KEY.replace(/\\n/g, '\n')).to.equal(pem.trim());
    expect(readWithBash(file)).to.deep.include(expected(l));
  });

  for (const [what, path, reason] of [
    ['a line break (a variable smuggled in)', '/tmp/x\nSF_LOGIN_URL=https://evil.example.com/server.key', 'line break'],
    ['a carriage return', '/tmp/x\rSF_CLIENT_ID=evil/server.key', 'line break'],
    ['a \' and a "', '/tmp/o\'brien "ci"/server.key', "'"],
    ["a ' and a $", "/tmp/o'brien/$HOME/server.key", "'"],
    ['a trailing backslash', 'C:\\certs\\', 'backslash'],
  ]) {
    it(`refuses a value with ${what}, naming the variable, and writes nothing`, async () => {
      const file = join(dir, '.env.jwt');
      const error = await writeCiFiles(
        login(path),
        { privateKeyPem: undefined },
        { envFile: file, includeKeyInEnvFile: false, force: true },
      ).then(
        () => undefined,
        (e: Error & { exitCode?: number }) => e,
      );
      expect(error?.name).to.equal('CiValueUnwritableError');
      expect(error?.exitCode).to.equal(3);
      expect(error?.message).to.include('SF_JWT_KEY_FILE').and.include(reason);
      expect(await readFile(file, 'utf8').catch(() => 'absent')).to.equal('absent');
    });
  }

  it('refuses a secret no form carries without saying the secret', async () => {
    const error = await writeCiFiles(
      login('/k'),
      { privateKeyPem: undefined, clientSecret: 'it\'s"secret' },
      { envFile: join(dir, 'e'), includeKeyInEnvFile: false, force: true },
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).to.equal('CiValueUnwritableError');
    expect(error?.message).to.include('SF_CLIENT_SECRET').and.not.include('secret"');
  });

  it("rewrites an earlier version's unquoted file holding the same values, without calling it different", async () => {
    const l = login('/Users/Ann Lee/certs/server.key');
    const file = join(dir, '.env.jwt');
    const old = [
      '# Written by sf jwtapp setup. Keep this file out of version control.',
      ...Object.entries(expected(l)).map(([n, v]) => `${n}=${v}`),
    ].join('\n');
    await writeFile(file, `${old}\n`, { mode: 0o600 });
    await writeCiFiles(l, { privateKeyPem: undefined }, { envFile: file, includeKeyInEnvFile: false });
    expect(readWithBash(file)).to.deep.equal(expected(l));
  });
});
