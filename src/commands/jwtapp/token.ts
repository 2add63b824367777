import { Messages } from '@salesforce/core';
import { loginFlags, loginCheckInput } from '../../cli/flags.js';
import { runLoginCheck } from '../../oauth/login-check.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.token');

export type TokenResult = {
  accessToken: string;
  instanceUrl: string;
  tokenType: string;
  scopes: string[];
  username: string;
  orgId?: string;
  userId?: string;
};

export default class Token extends JwtappCommand<TokenResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...loginFlags,
  };

  public async run(): Promise<TokenResult> {
    const { flags } = await this.parse(Token);
    const { report, grant } = await runLoginCheck(loginCheckInput(flags));

    // Printing the token is this command's job: stdout carries it, and nothing else, for $(...) capture.
    this.log(grant.accessToken);
    this.logToStderr(messages.getMessage('info.instanceUrl', [grant.instanceUrl]));
    return {
      accessToken: grant.accessToken,
      instanceUrl: grant.instanceUrl,
      tokenType: grant.tokenType,
      scopes: grant.scopes,
      username: report.username,
      ...(report.orgId ? { orgId: report.orgId } : {}),
      ...(report.userId ? { userId: report.userId } : {}),
    };
  }
}
