/**
 * Temp folders of a test run. env.ts points TMPDIR at one folder per run (the run root), so whatever a test,
 * the code under test, or a real `sf` a test starts writes to the temp directory lands there, and the run root
 * is removed when the run ends. Folders made with tempDir/tempDirSync are removed after the test file (its
 * top-level describe) that made them, so a run that crashes leaves at most one file's folders; a test file
 * that leaves a private key anywhere in the run root fails, named (see env.ts).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

declare global {
  // One list for the run: mocha loads this module twice, required (by env.ts) and imported (by ESM test files).
  // eslint-disable-next-line no-var
  var jwtappTempDirs: Set<string> | undefined;
}
const made = (globalThis.jwtappTempDirs ??= new Set<string>());

/** A fresh folder in the temp directory, removed after the current test file. */
export const tempDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
};

export const tempDirSync = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
};

/** Removes every folder tempDir made so far. */
export const removeTempDirs = async (): Promise<void> => {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
};

// A PEM private key (PKCS#8, PKCS#1, EC, encrypted), also one written on one line with \n escapes as in a
// dotenv file; the base64 that must follow keeps source code that merely names the header from matching.
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\r?\n|\\n)[A-Za-z0-9+/=]{40}/;
const LARGEST_KEY_FILE = 256 * 1024;

/** Files under dir that hold a private key: named *.key, or holding a PEM private key. Links are not followed. */
export const privateKeysUnder = async (dir: string): Promise<string[]> => {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        if (entry.name.endsWith('.key')) found.push(path);
        else if ((await stat(path)).size <= LARGEST_KEY_FILE && PRIVATE_KEY.test(await readFile(path, 'latin1')))
          found.push(path);
      }),
  );
  return found.sort();
};

/** The prefix of run roots: one per host, with the pid of the run that owns it. */
export const RUN_PREFIX = `jwtapp-run-${hostname()}-`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the run roots in dir whose run died without removing them (killed, out of memory). */
export const removeDeadRunRoots = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const pid = name.startsWith(RUN_PREFIX) ? Number(name.slice(RUN_PREFIX.length).split('-')[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
};
