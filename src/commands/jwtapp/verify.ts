import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { loginFlags, loginCheckInput } from '../../cli/flags.js';
import type { LoginSuccess } from '../../oauth/verify.js';
import { runLoginCheck } from '../../oauth/login-check.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.verify');

export type VerifyResult = LoginSuccess & { saved: boolean; alias?: string };

export default class Verify extends JwtappCommand<VerifyResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...loginFlags,
    'certificate-file': Flags.file({
      summary: messages.getMessage('flags.certificate-file.summary'),
    }),
    save: Flags.boolean({
      summary: messages.getMessage('flags.save.summary'),
      default: false,
    }),
    alias: Flags.string({
      char: 'a',
      summary: messages.getMessage('flags.alias.summary'),
    }),
  };

  public async run(): Promise<VerifyResult> {
    const { flags } = await this.parse(Verify);
    const { report, loginUrl, saved, alias } = await runLoginCheck({
      ...loginCheckInput(flags),
      certificateFile: flags['certificate-file'],
      save: flags.save || flags.alias !== undefined ? { alias: flags.alias } : undefined,
      onRequest: (url) => this.spinner.start(messages.getMessage('spinner.start', [flags.username, url])),
      onRetry: ({ attempt, elapsedMs, diagnosis, nextDelayMs }) => {
        this.spinner.status = messages.getMessage('spinner.retry', [
          Math.round(elapsedMs / 1000),
          attempt,
          diagnosis.description || diagnosis.code,
          Math.round(nextDelayMs / 1000),
        ]);
      },
      onAnswer: (success) => this.spinner.stop(success ? 'ok' : 'refused'),
    });
    const result: VerifyResult = { ...report, saved, ...(alias ? { alias } : {}) };
    this.logSuccess(
      messages.getMessage('success', [
        messages.getMessage(`flow.${report.flow}`),
        report.username,
        report.orgId ?? '?',
        report.instanceUrl ?? loginUrl,
      ]),
    );
    this.log(messages.getMessage('info.scopes', [report.scopes.join(' ') || '-']));
    this.log(messages.getMessage('info.attempts', [report.attempts, (report.elapsedMs / 1000).toFixed(1)]));
    if (saved) this.log(messages.getMessage('info.saved', [alias ?? report.username]));
    return result;
  }
}
