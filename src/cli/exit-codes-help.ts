/**
 * The `EXIT CODES` section of a command's help, from the plugin's one table (exit-codes.ts): kept here, beside the
 * commands, so that the library modules that name an exit code do not load sf-plugins-core through the table.
 */
import { Messages } from '@salesforce/core';
import { toHelpSection } from '@salesforce/sf-plugins-core';
import { EXIT_CODES, type ExitCodeName } from '../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'exit-codes');

/** The `EXIT CODES` help section of a command, listing the codes it can exit with. */
export const exitCodesHelp = (...names: ExitCodeName[]): ReturnType<typeof toHelpSection> =>
  toHelpSection(
    'EXIT CODES',
    Object.fromEntries(names.map((name) => [String(EXIT_CODES[name]), messages.getMessage(name)])),
  );
