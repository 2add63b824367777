import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { createIntegrationUser, type UserResult } from '../../../users/create.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';
import { targetOrgFlag } from '../../../cli/flags.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.user.create');

export type { UserResult };

export default class UserCreate extends JwtappCommand<UserResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    'target-org': targetOrgFlag,
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary'), required: true }),
    email: Flags.string({ summary: messages.getMessage('flags.email.summary') }),
    'first-name': Flags.string({ summary: messages.getMessage('flags.first-name.summary') }),
    'last-name': Flags.string({ summary: messages.getMessage('flags.last-name.summary') }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary') }),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary'), multiple: true }),
  };

  public async run(): Promise<UserResult> {
    const { flags } = await this.parse(UserCreate);
    const result = await createIntegrationUser(flags['target-org'].getConnection(flags['api-version']), {
      username: flags.username,
      email: flags.email,
      firstName: flags['first-name'],
      lastName: flags['last-name'],
      profile: flags.profile,
      permissionSets: flags['permission-set'] ?? [],
    });
    this.logSuccess(messages.getMessage(result.status, [result.username, result.profile, result.license ?? 'unknown']));
    if (!result.apiOnly) this.warn(messages.getMessage('warning.NotApiOnly', [result.username, result.profile]));
    if (result.permissionSetsAssigned.length > 0)
      this.log(messages.getMessage('assigned', [result.permissionSetsAssigned.join(', ')]));
    return result;
  }
}
