import { Flags, SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { jwtLoginFlags, loginUrlOf, resolveLoginUrl } from '../../flags.js';
import { checkLoginFromInput, loginFailure, type LoginReport } from '../../oauth/verify.js';
import { saveJwtLogin } from '../../oauth/store.js';
import { EXIT_CODES, exitCodesHelp } from '../../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.verify');

export type VerifyResult = LoginReport & { saved: boolean; alias?: string };

export default class Verify extends SfCommand<VerifyResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...jwtLoginFlags,
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
    const loginUrl = await resolveLoginUrl(flags['instance-url'], flags.username);
    const save = flags.save || flags.alias !== undefined;
    if (save && !flags['jwt-key-file']) throw messages.createError('error.SaveNeedsKeyFile', [], [], EXIT_CODES.localInput);

    const { report } = await checkLoginFromInput({
      username: flags.username,
      clientId: flags['client-id'],
      loginUrl,
      audience: flags.audience ? loginUrlOf(flags.audience) : undefined,
      keyFile: flags['jwt-key-file'],
      keyVariable: flags['jwt-key-env'],
      clientSecretVariable: flags['client-secret-env'],
      certificateFile: flags['certificate-file'],
      waitMs: flags.wait.milliseconds,
      onRequest: () => this.spinner.start(messages.getMessage('spinner.start', [flags.username, loginUrl])),
      onRetry: ({ attempt, elapsedMs, diagnosis, nextDelayMs }) => {
        this.spinner.status = messages.getMessage('spinner.retry', [
          Math.round(elapsedMs / 1000),
          attempt,
          diagnosis.description || diagnosis.code,
          Math.round(nextDelayMs / 1000),
        ]);
      },
    });
    this.spinner.stop(report.success ? 'ok' : 'refused');
    if (!report.success) throw loginFailure(report);

    let alias: string | undefined;
    if (save && flags['jwt-key-file']) {
      ({ alias } = await saveJwtLogin({
        username: flags.username,
        clientId: flags['client-id'],
        keyFile: flags['jwt-key-file'],
        loginUrl,
        alias: flags.alias,
      }));
    }
    const result: VerifyResult = { ...report, saved: save, ...(alias ? { alias } : {}) };
    this.logSuccess(
      messages.getMessage('success', [messages.getMessage(`flow.${report.flow}`), report.username, report.orgId ?? '?', report.instanceUrl ?? loginUrl])
    );
    this.log(messages.getMessage('info.scopes', [report.scopes.join(' ') || '-']));
    this.log(messages.getMessage('info.attempts', [report.attempts, (report.elapsedMs / 1000).toFixed(1)]));
    if (save) this.log(messages.getMessage('info.saved', [alias ?? report.username]));
    return result;
  }
}
