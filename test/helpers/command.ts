import type { SfCommand } from '@salesforce/sf-plugins-core';
import { REPO_ROOT } from './sf.js';

export type CommandRun<T> = {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The `--json` document, when the command was run with --json. */
  json:
    | {
        status: number;
        result?: T;
        name?: string;
        message?: string;
        actions?: string[];
        exitCode?: number;
        warnings?: string[];
      }
    | undefined;
  error: (Error & { name: string; actions?: string[]; exitCode?: number }) | undefined;
};

type CommandClass<T> = { run(argv: string[], root: string): Promise<unknown> } & (abstract new (
  ...args: never[]
) => SfCommand<T>);

/**
 * Runs a command in this process, as `sf` would (same oclif config, same flag parsing), and captures what
 * it writes: only the terminal is stubbed, the command talks to the emulator over real HTTP.
 */
export const runCommand = async <T>(command: CommandClass<T>, argv: string[]): Promise<CommandRun<T>> => {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const savedExitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  let error: CommandRun<T>['error'];
  try {
    await command.run(argv, REPO_ROOT);
  } catch (e) {
    error = e as CommandRun<T>['error'];
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : error ? 1 : 0;
  process.exitCode = savedExitCode;
  let json: CommandRun<T>['json'];
  if (argv.includes('--json')) {
    try {
      json = JSON.parse(stdout) as CommandRun<T>['json'];
    } catch {
      json = undefined;
    }
  }
  return { exitCode, stdout, stderr, json, error };
};

/** Runs with these environment variables set (undefined: unset), each put back as it was afterwards. */
export const withEnv = async <T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void =>
    Object.entries(values).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v)));
  apply(vars);
  try {
    return await run();
  } finally {
    apply(saved);
  }
};
