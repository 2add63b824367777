import { SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { setAppEnabled, type BlockResult } from '../../apps/block.js';
import { appFlags } from '../../flags.js';
import { exitCodesHelp } from '../../exit-codes.js';
import { asCommandError } from '../../command-errors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.unblock');

export type UnblockResult = BlockResult;

export default class Unblock extends SfCommand<UnblockResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'orgRefused');
  public static readonly flags = appFlags;

  public async run(): Promise<UnblockResult> {
    const { flags } = await this.parse(Unblock);
    const result = await setAppEnabled(flags['target-org'].getConnection(flags['api-version']), flags.name, true);
    this.logSuccess(messages.getMessage(result.changed ? 'done' : 'already', [flags.name]));
    return result;
  }

  /** Errors every command answers alike: an expired sf session, a flag value out of range (see asCommandError). */
  protected catch(error: Error): Promise<never> {
    return super.catch(asCommandError(error, this.argv));
  }
}
