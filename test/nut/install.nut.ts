import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { REPO_ROOT, runSf, type SfRun } from '../helpers/sf.js';

type Lock = { packages: Record<string, { version?: string; dev?: boolean }> };
type Pjson = { name: string; version: string };
type Installed = { name: string; type: string; root: string; version: string };

const run = (command: string, args: string[], cwd: string, env: Record<string, string | undefined>): Promise<SfRun> =>
  new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ status: code ?? -1, stdout, stderr, json: undefined }));
  });

const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });

/**
 * The plugin as a user gets it. `npm pack` of this repository (its prepack builds lib/ and writes
 * npm-shrinkwrap.json) is published to a throw-away verdaccio on loopback, which proxies the public npm
 * registry for the dependencies; the real `sf plugins install` installs it from there under a throw-away
 * HOME, as the README says to in CI (the allowlist file, SF_NPM_REGISTRY), and the installed plugin runs
 * setup, verify and audit against the emulator. The other NUTs link the repository with its full
 * node_modules: a runtime dependency left in devDependencies, or a file missing from package.json `files`,
 * fails only here.
 */
describe('sf plugins install of the packed plugin, from a registry', function () {
  // Packing (a compile), then npm installing the dependencies from the public registry through verdaccio.
  this.timeout(400_000);

  let root: string;
  let home: string;
  let registry: string;
  let verdaccio: ChildProcess | undefined;
  let emu: RunningEmulator | undefined;
  let pjson: Pjson;
  let install: SfRun;
  /** The plugin as `sf plugins --json` lists it after the install (an oclif command: the list itself, not sf's {status, result}). */
  let plugin: Installed | undefined;
  // npm's own variables (`npm test` sets npm_config_local_prefix, _prefix, _cache...) would steer the npm
  // that sf runs; a user's shell has none of them.
  const clean = (): Record<string, string | undefined> => {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(env)) if (/^npm_/i.test(name)) env[name] = undefined;
    return env;
  };
  const npmEnv = (): Record<string, string | undefined> => ({
    ...clean(),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_update_notifier: 'false',
    // Scripts (prepack) run under the Node running the tests, Node 22.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  });
  // As a user's shell: sf's folders under HOME, the registry sf installs from, and npm's cache in the run's folder.
  const sfEnv = (dir: string): Record<string, string | undefined> => ({
    ...clean(),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_update_notifier: 'false',
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_DATA_HOME: join(dir, '.local', 'share'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    SF_NPM_REGISTRY: registry,
  });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'jwtapp-install-'));
    pjson = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as Pjson;

    const packDir = join(root, 'pack');
    await mkdir(packDir);
    const pack = await run('npm', ['pack', '--pack-destination', packDir], REPO_ROOT, npmEnv());
    expect(pack.status, pack.stdout + pack.stderr).to.equal(0);
    const [tarball] = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
    expect(existsSync(join(REPO_ROOT, 'npm-shrinkwrap.json')), 'postpack removes the shrinkwrap it wrote').to.equal(
      false,
    );

    const port = await freePort();
    registry = `http://127.0.0.1:${port}/`;
    const storage = join(root, 'storage');
    const config = join(root, 'verdaccio.yaml');
    await writeFile(
      config,
      [
        `storage: ${JSON.stringify(storage)}`,
        'uplinks:',
        '  npmjs:',
        '    url: https://registry.npmjs.org/',
        'packages:',
        `  '${pjson.name}':`,
        '    access: $all',
        '    publish: $all',
        "  '**':",
        '    access: $all',
        '    proxy: npmjs',
        'web:',
        '  enable: false',
        'log: { type: stdout, format: pretty, level: warn }',
        '',
      ].join('\n'),
    );
    const bin = join(REPO_ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
    const server = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
      cwd: root,
      env: npmEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    verdaccio = server;
    let log = '';
    server.stdout.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 60_000;
    // eslint-disable-next-line no-await-in-loop
    while (
      // eslint-disable-next-line no-await-in-loop
      !(await fetch(`${registry}-/ping`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`verdaccio did not start: ${log}`);
      // eslint-disable-next-line no-await-in-loop
      await new Promise((r) => setTimeout(r, 250));
    }

    // A throw-away token: npm publish wants one; this verdaccio lets anyone publish the plugin.
    const publish = await run(
      'npm',
      ['publish', join(packDir, tarball), '--registry', registry, `--//127.0.0.1:${port}/:_authToken=throw-away`],
      root,
      npmEnv(),
    );
    expect(publish.status, publish.stdout + publish.stderr).to.equal(0);
    // registry.npmjs.org marks a version whose tarball holds npm-shrinkwrap.json with `_hasShrinkwrap: true`,
    // and npm follows the shrinkwrap only then; verdaccio does not mark it (npm/cli#4583). Mark it here as
    // the public registry would.
    const metadata = join(storage, pjson.name, 'package.json');
    const packument = JSON.parse(await readFile(metadata, 'utf8')) as {
      versions: Record<string, Record<string, unknown>>;
    };
    Object.assign(packument.versions[pjson.version], { ['_hasShrinkwrap']: true });
    await writeFile(metadata, JSON.stringify(packument));

    home = join(root, 'home');
    await mkdir(join(home, '.config', 'sf'), { recursive: true });
    await writeFile(join(home, '.config', 'sf', 'unsignedPluginAllowList.json'), JSON.stringify([pjson.name]));
    install = await runSf(['plugins', 'install', pjson.name], { home, env: sfEnv(home) });
    const list = await runSf(['plugins', '--json'], { home, env: sfEnv(home) });
    plugin = (JSON.parse(list.stdout) as Installed[]).find((p) => p.name === pjson.name);

    emu = await startEmulator();
    const login = await runSf(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--alias', 'emu', '--no-prompt', '--json'],
      {
        home,
        env: { ...sfEnv(home), SF_ACCESS_TOKEN: emu.ready.admin.accessToken },
      },
    );
    expect(login.status, login.stdout + login.stderr).to.equal(0);
  });

  after(async () => {
    await emu?.stop();
    if (verdaccio && verdaccio.exitCode === null) {
      const exited = new Promise((r) => verdaccio?.once('exit', r));
      verdaccio.kill();
      await exited;
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('installs without a prompt when the plugin is in unsignedPluginAllowList.json, as a user plugin from the registry', () => {
    expect(install.status, install.stdout + install.stderr).to.equal(0);
    expect(install.stdout).to.include(
      `Skipping digital signature verification because [${pjson.name}] is allow-listed.`,
    );
    expect(install.stderr).to.include(`Installing plugin ${pjson.name}@latest... installed v${pjson.version}`);
    expect(plugin).to.include({ type: 'user', version: pjson.version });
    expect(plugin?.root.startsWith(join(home, '.local', 'share', 'sf'))).to.equal(true);
  });

  it('installs the files package.json lists, and every runtime dependency at the version package-lock.json holds', async () => {
    const pluginRoot = String(plugin?.root);
    const shipped = (await readdir(pluginRoot)).filter((f) => f !== 'node_modules').sort();
    expect(shipped).to.deep.equal([
      'README.md',
      'lib',
      'messages',
      'npm-shrinkwrap.json',
      'oclif.manifest.json',
      'package.json',
    ]);
    const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lock;
    const runtime = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.dev);
    expect(runtime.length).to.be.greaterThan(100);
    const differing: string[] = [];
    for (const [path, entry] of runtime) {
      const file = join(pluginRoot, path, 'package.json');
      // eslint-disable-next-line no-await-in-loop
      const version = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Pjson).version : 'missing';
      if (version !== entry.version) differing.push(`${path}: ${version}, locked ${String(entry.version)}`);
    }
    expect(differing).to.deep.equal([]);
    for (const dev of ['typescript', 'mocha', 'verdaccio', 'node'])
      expect(existsSync(join(pluginRoot, 'node_modules', dev)), dev).to.equal(false);
  });

  it('sets up, verifies and audits an app with the installed plugin', async () => {
    const integration = String(emu?.ready.integrationUser.username);
    const setup = await runSf(
      [
        'jwtapp',
        'setup',
        '--target-org',
        'emu',
        '--name',
        'Nut_Install',
        '--username',
        integration,
        '--output-dir',
        'certs',
        '--json',
      ],
      { home, env: sfEnv(home) },
    );
    expect(setup.status, setup.stdout + setup.stderr).to.equal(0);
    const result = setup.json?.result as {
      status: string;
      clientId: string;
      keyFile: string;
      loginUrl: string;
      verification: { success: boolean };
    };
    expect(result).to.include({ status: 'created', keyFile: join(home, 'certs', 'server.key') });
    expect(result.verification.success).to.equal(true);

    const verify = await runSf(
      [
        'jwtapp',
        'verify',
        '--username',
        integration,
        '--client-id',
        result.clientId,
        '--jwt-key-file',
        result.keyFile,
        '--instance-url',
        result.loginUrl,
        '--json',
      ],
      {
        home,
        env: sfEnv(home),
      },
    );
    expect(verify.status, verify.stdout + verify.stderr).to.equal(0);
    expect(verify.json?.result).to.include({ success: true, username: integration, orgId: emu?.ready.orgId });

    const audit = await runSf(
      [
        'jwtapp',
        'audit',
        '--target-org',
        'emu',
        '--name',
        'Nut_Install',
        '--username',
        integration,
        '--jwt-key-file',
        result.keyFile,
        '--verify',
        '--json',
      ],
      {
        home,
        env: sfEnv(home),
      },
    );
    expect(audit.status, audit.stdout + audit.stderr).to.equal(0);
    const { summary } = audit.json?.result as { summary: { pass: number; warn: number; fail: number } };
    expect(summary).to.include({ warn: 0, fail: 0 });
    expect(summary.pass).to.be.greaterThan(10);
  });

  it('without the allowlist, a non-interactive install stops at sf’s unsigned-plugin prompt with exit 13 and installs nothing', async () => {
    const bare = join(root, 'home-no-allowlist');
    await mkdir(bare);
    const refused = await runSf(['plugins', 'install', pjson.name], { home: bare, env: sfEnv(bare) });
    expect(refused.status).to.equal(13);
    expect(refused.stdout).to.include(`${pjson.name} isn't signed by Salesforce.`);
    expect(existsSync(join(bare, '.local', 'share', 'sf', 'node_modules', pjson.name))).to.equal(false);
  });
});
