import { SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { jwtLoginFlags, loginCheckInput } from '../../flags.js';
import { runLoginCheck } from '../../oauth/login-check.js';
import { exitCodesHelp } from '../../exit-codes.js';
import { asCommandError } from '../../command-errors.js';

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

export default class Token extends SfCommand<TokenResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...jwtLoginFlags,
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

  /** Errors every command answers alike: an expired sf session, a flag value out of range (see asCommandError). */
  protected catch(error: Error): Promise<never> {
    return super.catch(asCommandError(error, this.argv));
  }
}
