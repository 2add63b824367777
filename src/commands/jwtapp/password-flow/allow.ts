import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { allowPasswordFlow, type PasswordFlowSettingResult } from '../../../password-flow/report.js';
import { RETIREMENT_DATE } from '../../../password-flow/retirement.js';
import { targetOrgFlag } from '../../../cli/flags.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.password-flow.allow');

export default class PasswordFlowAllow extends JwtappCommand<PasswordFlowSettingResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    'target-org': targetOrgFlag,
    'api-version': Flags.orgApiVersion(),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<PasswordFlowSettingResult> {
    const { flags } = await this.parse(PasswordFlowAllow);
    const result = await allowPasswordFlow(flags['target-org'].getConnection(flags['api-version']), flags['dry-run']);
    this.logSuccess(
      messages.getMessage(
        result.dryRun && !result.changed && !result.allowed ? 'dryRun' : result.changed ? 'done' : 'already',
        [RETIREMENT_DATE],
      ),
    );
    return result;
  }
}
