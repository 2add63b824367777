import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDirSync } from './temp.js';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
/** The real sf executable: the current @salesforce/cli, a devDependency. */
export const SF_RUN = join(REPO_ROOT, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');

export type SfRun = { status: number; stdout: string; stderr: string; json: SfJson | undefined };
export type SfJson = {
  status: number;
  result?: unknown;
  name?: string;
  message?: string;
  actions?: string[];
  warnings?: string[];
};

/**
 * A throw-away HOME for the real sf: its auth files, config and linked plugins live and die there (removed
 * after the test file, see temp.ts).
 */
export const sfHome = (): string => tempDirSync('jwtapp-sf-home-');

export type SfOptions = {
  home: string;
  /** Set for sf; a variable set to undefined is left out of its environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /**
   * Called with what sf prints as it prints it, stdout and stderr as one stream in the order sf wrote them, as a
   * terminal shows them (as `2>&1`: the run's stdout then holds both). Two pipes would not keep that order: what
   * sf writes to one right after the other can arrive first.
   */
  interleaved?: (text: string) => void;
  /** Stops sf (SIGTERM); the run then settles once sf has exited, with status -1. */
  signal?: AbortSignal;
  onSpawn?: (child: ChildProcess) => void;
};

// Loaded into sf first when output is interleaved: its stderr writes go to its stdout, in order.
const STDERR_TO_STDOUT = 'data:text/javascript,process.stderr.write=process.stdout.write.bind(process.stdout)';

/** Runs the real `sf` under the Node running the tests (Node 22, brought by the repo). */
export const runSf = (args: string[], options: SfOptions): Promise<SfRun> => runNode([SF_RUN, ...args], options);

/** Runs Node with argv (a script and its arguments) as runSf runs sf. */
export const runNode = (argv: string[], options: SfOptions): Promise<SfRun> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(options.interleaved ? ['--import', STDERR_TO_STDOUT] : []), ...argv], {
      cwd: options.cwd ?? options.home,
      env: {
        ...process.env,
        HOME: options.home,
        USERPROFILE: options.home,
        SF_DISABLE_TELEMETRY: 'true',
        // Both spellings: without the second, sf's update hook spawns a background `sf update` that outlives the run.
        SF_AUTOUPDATE_DISABLE: 'true',
        SF_DISABLE_AUTOUPDATE: 'true',
        SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
        // The packed plugin is linked (see packedPlugin); it is not a source checkout to transpile.
        OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
        FORCE_COLOR: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.interleaved?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // Stopped by the signal: settle on 'close', once sf no longer writes to its HOME.
    child.on('error', (e) => {
      if (!options.signal?.aborted) fail(e);
    });
    child.on('close', (code) => {
      let json: SfJson | undefined;
      if (argv.includes('--json')) {
        try {
          json = JSON.parse(stdout) as SfJson;
        } catch {
          json = undefined;
        }
      }
      done({ status: code ?? -1, stdout, stderr, json });
    });
  });

let packed: Promise<string> | undefined;

/**
 * The plugin as `npm pack` ships it — the files package.json lists (lib/, messages/, the oclif manifest)
 * and no sources or tsconfig — with the repo's node_modules beside it. Linking this, rather than the repo,
 * makes sf run the compiled code users get: linked from the repo, oclif would transpile src/ with tsx.
 * One copy serves the whole run; it holds no secrets and goes with the run's temp directory (see env.ts).
 */
export const packedPlugin = (): Promise<string> =>
  (packed ??= (async (): Promise<string> => {
    const pjson = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      files: string[];
      devDependencies?: unknown;
    };
    const dir = await mkdtemp(join(tmpdir(), 'jwtapp-packed-'));
    // Without devDependencies (tsx among them) oclif runs a linked ESM plugin from lib/, as it runs an
    // installed one; with them it would register tsx and look for sources.
    delete pjson.devDependencies;
    await writeFile(join(dir, 'package.json'), JSON.stringify(pjson, undefined, 2));
    for (const entry of pjson.files.map((f) => f.replace(/^\//, ''))) {
      // eslint-disable-next-line no-await-in-loop
      await cp(join(REPO_ROOT, entry), join(dir, entry), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT' || entry === 'lib' || entry === 'oclif.manifest.json') throw e;
      });
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  })());

/** Links the packed plugin into the real sf of that HOME, offline: no npm install. */
export const linkPlugin = async (
  home: string,
  options: Pick<SfOptions, 'interleaved' | 'signal'> = {},
): Promise<void> => {
  const run = await runSf(['plugins', 'link', await packedPlugin(), '--no-install'], { home, ...options });
  if (run.status !== 0) throw new Error(`sf plugins link failed: ${run.stderr}`);
};

/**
 * A throw-away HOME whose real sf has the plugin linked and the emulator's admin logged in under an alias,
 * as an admin's machine or a pipeline's runner has them.
 */
export const sfWithAdmin = async (
  emu: { url: string; ready: { admin: { accessToken: string } } },
  alias = 'emu',
): Promise<string> => {
  const home = sfHome();
  await linkPlugin(home);
  const login = await runSf(
    ['org', 'login', 'access-token', '--instance-url', emu.url, '--alias', alias, '--no-prompt', '--json'],
    {
      home,
      env: { SF_ACCESS_TOKEN: emu.ready.admin.accessToken },
    },
  );
  if (login.status !== 0) throw new Error(`sf org login access-token failed: ${login.stderr}`);
  return home;
};
