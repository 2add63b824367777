import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { blockPasswordFlow, type PasswordFlowSettingResult } from '../../../password-flow/report.js';
import { loginWindowFlag, targetOrgFlag } from '../../../cli/flags.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.password-flow.block');

export type { PasswordFlowSettingResult };

export default class PasswordFlowBlock extends JwtappCommand<PasswordFlowSettingResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    'target-org': targetOrgFlag,
    'api-version': Flags.orgApiVersion(),
    days: loginWindowFlag(messages),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<PasswordFlowSettingResult> {
    const { flags } = await this.parse(PasswordFlowBlock);
    const org = flags['target-org'];
    const result = await blockPasswordFlow(org.getConnection(flags['api-version']), {
      days: flags.days,
      targetOrg: org.getUsername() ?? '',
      dryRun: flags['dry-run'],
    });
    this.logSuccess(
      messages.getMessage(result.dryRun && result.allowed ? 'dryRun' : result.changed ? 'done' : 'already', [
        flags.days,
      ]),
    );
    return result;
  }
}
