import { Messages } from '@salesforce/core';
import type { AppKind } from '../apps/app.js';
import { pluralKey } from '../output/plural.js';
import type { AuditCheck } from './checks.js';
import type { AppAudit, AuditResult } from './run.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'audit');

/**
 * The human form of an audit, as blocks of lines no wider than the terminal: a findings table cuts a
 * sentence to "The ke…" and a command in half at 80 columns, and runs to hundreds of columns when piped.
 * Each app is a header, then each check a status line, its finding wrapped, and its fix: a command kept
 * whole on its own lines (broken, when it must be, with a ` \` continuation a shell reads back as one line).
 */
export type AuditBlock = { header: string; lines: string[] };

/** Where the org is shown: what the user typed (an alias, or the username), and the username it stands for. */
export type AuditedOrg = { org: string; username?: string };

const STATUS_WIDTH = 6;
const FIX_INDENT = STATUS_WIDTH + 2;
/** Narrower than this, the indented text would be a word a line: wrap as if the terminal were this wide. */
const MIN_WIDTH = 40;
/** A fix is a command to run when it starts like one; otherwise it is prose (a Setup path). */
const COMMAND = /^(sf|export) /;

export const widthOf = (columns: number | undefined): number =>
  Math.max(MIN_WIDTH, columns && columns > 0 ? columns : 80);

/**
 * Words filled into lines of at most `width` characters, each line prefixed by `indent`; a word is never split,
 * and a Setup path's ">" stays with the step before it, so no line starts with one.
 */
export const wrapWords = (text: string, width: number, indent: string, firstIndent = indent): string[] => {
  const words: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (word === '>' && words.length > 0) words[words.length - 1] += ' >';
    else words.push(word);
  }
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
};

/** Shell words, a quoted one or a placeholder ("<integration user>") kept whole with its spaces. */
const shellWords = (command: string): string[] => command.match(/(?:<[^>]*>|[^\s'"<]+|'[^']*'|"[^"]*")+/g) ?? [];

/**
 * A command in lines of at most `width` characters: a flag and its value stay together, and a line that
 * goes on ends with ` \`, so the lines pasted into a shell run as the one command.
 */
export const wrapCommand = (command: string, width: number, indent: string): string[] => {
  const units: string[] = [];
  for (const word of shellWords(command)) {
    const last = units.length > 0 ? units[units.length - 1] : undefined;
    if (last?.startsWith('-') && !last.includes(' ') && !last.includes('=') && !word.startsWith('-'))
      units[units.length - 1] = `${last} ${word}`;
    else units.push(word);
  }
  const continued = `${indent}  `;
  const lines: string[] = [];
  let line = indent;
  for (const unit of units) {
    const room = width - 2; // the " \" that ends a line which goes on
    if (line.trim().length > 0 && line.length + 1 + unit.length > room) {
      lines.push(`${line} \\`);
      line = continued;
    }
    line += line.trim().length > 0 ? ` ${unit}` : unit;
  }
  if (line.trim().length > 0) lines.push(line);
  return lines;
};

const kindLabel = (kind: AppKind): string => messages.getMessage(`kind.${kind}`);

const orgLabel = ({ org, username }: AuditedOrg): string =>
  username && username.toLowerCase() !== org.toLowerCase()
    ? messages.getMessage('render.orgAlias', [org, username])
    : org;

/** "12 passed, 1 warning, 0 failed.": the counts of an app, or of the whole run. */
export const countsLine = ({ pass, warn, fail }: { pass: number; warn: number; fail: number }): string =>
  messages.getMessage(pluralKey('render.counts', warn), [pass, warn, fail]);

const count = (checks: AuditCheck[], status: string): number => checks.filter((c) => c.status === status).length;

const checkLines = (check: AuditCheck, width: number, status: (s: AuditCheck['status']) => string): string[] => {
  const pad = ' '.repeat(STATUS_WIDTH);
  const lines = [
    `${status(check.status)}${' '.repeat(Math.max(1, STATUS_WIDTH - check.status.length))}${check.id}`,
    ...wrapWords(check.message, width, pad),
  ];
  if (check.fix) {
    const indent = ' '.repeat(FIX_INDENT);
    lines.push(`${pad}${messages.getMessage('render.fix')}`);
    lines.push(
      ...(COMMAND.test(check.fix) ? wrapCommand(check.fix, width, indent) : wrapWords(check.fix, width, indent)),
    );
  }
  return lines;
};

/** "Acme_App (External Client App) in prod (admin@acme.com)", wrapped after the "=== " sf puts before a header. */
const header = (text: string, width: number): string => wrapWords(text, width - 4, '    ', '').join('\n');

const appHeader = (app: AppAudit, org: AuditedOrg, width: number): string =>
  header(messages.getMessage('render.app', [app.name, kindLabel(app.kind), orgLabel(org)]), width);

export type RenderOptions = {
  width: number;
  /** How to show a status word (colour in a terminal); plain by default. */
  status?: (s: AuditCheck['status']) => string;
};

/** One org: every app with every check, as a reviewer reads them. */
export const renderApps = (result: AuditResult, org: AuditedOrg, options: RenderOptions): AuditBlock[] => {
  const status = options.status ?? ((s: string): string => s);
  const width = options.width;
  return result.apps.map((app) => ({
    header: appHeader(app, org, width),
    lines: app.checks.flatMap((c) => checkLines(c, width, status)),
  }));
};

/**
 * A fleet: one block per app, the soonest certificate expiry first, with its counts and only the checks that
 * need something done; then one ERROR block per org that could not be audited, with Salesforce's reason.
 */
export const renderFleet = (result: AuditResult, orgs: AuditedOrg[], options: RenderOptions): AuditBlock[] => {
  const status = options.status ?? ((s: string): string => s);
  const width = options.width;
  const orgOf = (name: string | undefined): AuditedOrg => orgs.find((o) => o.org === name) ?? { org: name ?? '' };
  const apps = [...result.apps]
    .sort((a, b) => (a.certificateExpires ?? '9999').localeCompare(b.certificateExpires ?? '9999'))
    .map((app) => {
      const expires = app.certificateExpires
        ? messages.getMessage('render.expires', [app.certificateExpires.slice(0, 10)])
        : messages.getMessage('render.noCertificate');
      const counts = {
        pass: count(app.checks, 'PASS'),
        warn: count(app.checks, 'WARN'),
        fail: count(app.checks, 'FAIL'),
      };
      return {
        header: appHeader(app, orgOf(app.org), width),
        lines: [
          ...wrapWords(`${expires} ${countsLine(counts)}`, width, ''),
          ...app.checks.filter((c) => c.status !== 'PASS').flatMap((c) => checkLines(c, width, status)),
        ],
      };
    });
  const errors = (result.errors ?? []).map((e) => ({
    header: header(messages.getMessage('render.error', [orgLabel(orgOf(e.org))]), width),
    lines: wrapWords(`${e.name}: ${e.message}`, width, ''),
  }));
  return [...apps, ...errors];
};
