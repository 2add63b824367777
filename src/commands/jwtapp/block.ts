import { Messages } from '@salesforce/core';
import { setAppEnabled, type BlockResult } from '../../apps/block.js';
import { appFlags } from '../../cli/flags.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.block');

export type { BlockResult };

export default class Block extends JwtappCommand<BlockResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'orgRefused', 'stillFailing');
  public static readonly flags = appFlags;

  public async run(): Promise<BlockResult> {
    const { flags } = await this.parse(Block);
    const result = await setAppEnabled(flags['target-org'].getConnection(flags['api-version']), flags.name, false);
    this.logSuccess(messages.getMessage(result.changed ? 'done' : 'already', [flags.name]));
    if (result.refreshTokens) this.log(messages.getMessage(`done.refreshTokens.${result.refreshTokens}`));
    return result;
  }
}
