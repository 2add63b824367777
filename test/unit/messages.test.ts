import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/sf.js';

/**
 * Every `sf …` command line a message recommends must exist at this commit, with the flags it names: this
 * plugin's commands (its oclif manifest) and the real sf's (the manifests of the plugins @salesforce/cli
 * ships). A message that sends users to a command that does not exist fails here.
 */
type Command = { id: string; flags: Set<string>; chars: Set<string> };
type Manifest = {
  commands: Record<string, { id: string; aliases?: string[]; flags: Record<string, { name: string; char?: string }> }>;
};

const loadCommands = (): Map<string, Command> => {
  const plugins = join(REPO_ROOT, 'node_modules', '@salesforce');
  const manifests = [
    join(REPO_ROOT, 'oclif.manifest.json'),
    ...readdirSync(plugins)
      .filter((d) => d.startsWith('plugin-'))
      .map((d) => join(plugins, d, 'oclif.manifest.json')),
  ];
  const commands = new Map<string, Command>();
  for (const file of manifests) {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch {
      continue;
    }
    for (const c of Object.values(manifest.commands)) {
      const flags = Object.values(c.flags);
      const command = {
        id: c.id,
        flags: new Set(flags.map((f) => f.name)),
        chars: new Set(flags.flatMap((f) => (f.char ? [f.char] : []))),
      };
      for (const id of [c.id, ...(c.aliases ?? [])]) commands.set(id, command);
    }
  }
  return commands;
};

type Reference = {
  file: string;
  line: number;
  text: string;
  command: string | undefined;
  flags: string[];
  chars: string[];
};

const flagsIn = (text: string): { flags: string[]; chars: string[] } => {
  // The command line ends where the sentence or the quotation does.
  const line = text.split(/["();]|\. /)[0];
  return {
    flags: [...line.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]),
    chars: [...line.matchAll(/(?:^|\s)-([a-zA-Z])(?=\s|$)/g)].map((m) => m[1]),
  };
};

const references = (commands: Map<string, Command>): Reference[] => {
  const dir = join(REPO_ROOT, 'messages');
  return readdirSync(dir).flatMap((file) => {
    const ownCommand = file.startsWith('jwtapp.') ? file.replace(/\.md$/, '').replace(/\./g, ':') : undefined;
    return readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .flatMap((text, i): Reference[] => {
        const found: Reference[] = [];
        for (const m of text.matchAll(/\bsf ((?:[a-z][a-z0-9-]*)(?: [a-z][a-z0-9-]*)*)(.*?)(?=\bsf [a-z]|$)/g)) {
          const words = m[1].split(' ');
          let k = words.length;
          while (k > 0 && !commands.has(words.slice(0, k).join(':'))) k--;
          const command = k > 0 ? words.slice(0, k).join(':') : undefined;
          const { flags, chars } = flagsIn(`${words.slice(k).join(' ')}${m[2]}`);
          // Prose that merely names sf ("the sf auth store") names no command and no flag.
          if (command !== undefined || words[0] === 'jwtapp' || flags.length > 0)
            found.push({ file, line: i + 1, text, command, flags, chars });
        }
        const example = /<%= command\.id %>(.*)$/.exec(text);
        if (example && ownCommand) found.push({ file, line: i + 1, text, command: ownCommand, ...flagsIn(example[1]) });
        return found;
      });
  });
};

describe('the commands messages recommend', () => {
  const commands = loadCommands();
  const found = references(commands);

  it("finds the command lines in the messages, this plugin's and sf's", () => {
    expect(commands.has('jwtapp:setup') && commands.has('org:login:jwt')).to.equal(true);
    expect(found.filter((r) => r.command === 'org:assign:permset')).to.not.deep.equal([]);
    expect(found.filter((r) => r.file === 'jwtapp.setup.md' && r.flags.includes('dotenv-file'))).to.not.deep.equal([]);
  });

  it('names only commands that exist, with flags they have', () => {
    const problems = found.flatMap((r) => {
      const where = `messages/${r.file}:${r.line}`;
      const command = r.command ? commands.get(r.command) : undefined;
      if (!command) return [`${where}: no such command in "${r.text.trim()}"`];
      return [
        ...r.flags.filter((f) => !command.flags.has(f)).map((f) => `${where}: ${command.id} has no flag --${f}`),
        ...r.chars.filter((c) => !command.chars.has(c)).map((c) => `${where}: ${command.id} has no flag -${c}`),
      ];
    });
    expect(problems).to.deep.equal([]);
  });
});
