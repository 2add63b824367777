/*
 * The readers a dotenv file written by `--dotenv-file` meets, each giving back the variables it sees.
 *
 * bash: the real one, spawned (`set -a; source FILE`), in an empty environment.
 *
 * The `dotenv` package: the real one (a devDependency), its `parse`.
 *
 * docker `run --env-file` (docker/cli pkg/kvfile, 28.x, the version installed here without a daemon to
 * run it): one `KEY=VALUE` a line, leading whitespace and `#` lines skipped, the value taken literally,
 * quotes included (docker/cli#6805 proposes stripping matching outer quotes; it is not released).
 *
 * `gh secret set -f` (cli/cli pkg/cmd/secret/set parses with joho/godotenv 1.5): `---\n` and CRLF
 * normalised first, `#` lines skipped, `export ` allowed; a quoted value ends at the first same quote not
 * preceded by a backslash (line breaks inside kept); double quotes turn `\n` / `\r` into line breaks,
 * drop other backslashes and expand `$VAR`; an unquoted value ends at the line, loses a ` #comment`, is
 * trimmed and expands `$VAR`.
 */
import { spawnSync } from 'node:child_process';
import { parse } from 'dotenv';

export type Variables = Record<string, string>;

/** What bash itself adds to an empty environment. */
const BASH_OWN = new Set(['PWD', 'SHLVL', '_', 'OLDPWD', 'PATH']);

/** `set -a; source FILE` in a real bash, then every variable exported, as bash holds it. */
export const readWithBash = (file: string): Variables => {
  const run = spawnSync(
    'bash',
    ['--noprofile', '--norc', '-c', 'set -a; source "$1" || exit 9; env -0', 'bash', file],
    {
      env: { PATH: '/usr/bin:/bin' },
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`bash could not source ${file}: ${run.stderr}`);
  const entries: Array<[string, string]> = run.stdout
    .split('\0')
    .filter((entry) => entry.includes('='))
    .map((entry): [string, string] => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])
    .filter(([name]) => !BASH_OWN.has(name));
  return Object.fromEntries(entries);
};

/** A quoted value starting at `text[start]` (the quote): its inside and where the line goes on. */
const quoted = (
  text: string,
  start: number,
  backslashEscapes: boolean,
): { inside: string; end: number } | undefined => {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === quote && !(backslashEscapes && text[i - 1] === '\\'))
      return { inside: text.slice(start + 1, i), end: i + 1 };
  }
  return undefined;
};

/** The `dotenv` package itself, as Node projects load a dotenv file. */
export const readAsDotenv = (source: string): Variables => parse(source);

/** docker run --env-file's rules (see above). */
export const readAsDockerEnvFile = (source: string): Variables =>
  Object.fromEntries(
    source
      .split('\n')
      .map((line) => line.replace(/^\s+/, ''))
      .filter((line) => line.length > 0 && !line.startsWith('#') && line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

/** gh secret set -f's rules, joho/godotenv 1.5 (see above). */
export const readAsGh = (source: string, environment: Variables = {}): Variables => {
  const text = source.replace(/---\n/g, '\n').replace(/\r\n/g, '\n');
  const out: Variables = {};
  const expand = (value: string): string =>
    value.replace(
      /(\\)?\$(\()?\{?([A-Z0-9_]+)?\}?/g,
      (match: string, escaped?: string, paren?: string, name?: string) => {
        if (escaped ?? paren) return match.slice(1);
        return name ? (out[name] ?? environment[name] ?? '') : match;
      },
    );
  let at = 0;
  while (at < text.length) {
    const found = text.indexOf('\n', at);
    const lineEnd = found < 0 ? text.length : found;
    const line = text.slice(at, lineEnd);
    const key = /^[ \t]*(?:export[ \t]+)?([\p{L}\p{N}_.]+)[ \t]*[=:][ \t]*/u.exec(line);
    if (!key || line.trimStart().startsWith('#')) {
      at = lineEnd + 1;
      continue;
    }
    const valueAt = at + key[0].length;
    const quote = text[valueAt];
    if (quote === '"' || quote === "'") {
      const value = quoted(text, valueAt, true);
      if (!value) throw new Error(`godotenv: unterminated quoted value for ${key[1]}`);
      const inside = value.inside.replace(new RegExp(`^${quote}+|${quote}+$`, 'g'), '');
      out[key[1]] =
        quote === '"'
          ? expand(
              inside.replace(/\\./g, (m) => (m === '\\n' ? '\n' : m === '\\r' ? '\r' : m)).replace(/\\([^$])/g, '$1'),
            )
          : inside;
      const next = text.indexOf('\n', value.end);
      at = next === -1 ? text.length : next + 1;
    } else {
      const raw = text.slice(valueAt, lineEnd);
      const comment = /[ \t]#(?!.*[ \t]#)/.exec(raw);
      out[key[1]] = expand((comment ? raw.slice(0, comment.index) : raw).trim());
      at = lineEnd + 1;
    }
  }
  return out;
};
