import { Messages } from '@salesforce/core';
import { setAppEnabled, type BlockResult } from '../../apps/block.js';
import { appFlags } from '../../cli/flags.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.unblock');

export type UnblockResult = BlockResult;

export default class Unblock extends JwtappCommand<UnblockResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'orgRefused', 'stillFailing');
  public static readonly flags = appFlags;

  public async run(): Promise<UnblockResult> {
    const { flags } = await this.parse(Unblock);
    const result = await setAppEnabled(flags['target-org'].getConnection(flags['api-version']), flags.name, true);
    this.logSuccess(messages.getMessage(result.changed ? 'done' : 'already', [flags.name]));
    return result;
  }
}
