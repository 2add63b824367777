import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { rotateCredentials, type CredentialsRotationResult } from '../../../rotate/credentials.js';
import { appFlags, ciSecretFlags, ciSecretsRequest, waitFlag } from '../../../cli/flags.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.credentials.rotate');

export type { CredentialsRotationResult };

export default class CredentialsRotate extends JwtappCommand<CredentialsRotationResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...appFlags,
    ...ciSecretFlags(),
    'dotenv-file': Flags.file({
      summary: messages.getMessage('flags.dotenv-file.summary'),
      description: messages.getMessage('flags.dotenv-file.description'),
    }),
    'revoke-previous': Flags.boolean({
      summary: messages.getMessage('flags.revoke-previous.summary'),
      default: false,
    }),
    'replace-staged': Flags.boolean({
      summary: messages.getMessage('flags.replace-staged.summary'),
      default: false,
    }),
    wait: waitFlag({ summary: messages.getMessage('flags.wait.summary'), defaultValue: 10 }),
  };

  public async run(): Promise<CredentialsRotationResult> {
    const { flags } = await this.parse(CredentialsRotate);
    const result = await rotateCredentials(
      {
        conn: flags['target-org'].getConnection(flags['api-version']),
        name: flags.name,
        ciSecrets: ciSecretsRequest(flags),
        envFile: flags['dotenv-file'],
        revokePrevious: flags['revoke-previous'],
        replaceStaged: flags['replace-staged'],
        waitMs: flags.wait.milliseconds,
      },
      {
        step: (description) => this.spinner.start(description),
        waiting: (elapsedMs, answer) => {
          this.spinner.status = messages.getMessage('spinner.waiting', [Math.round(elapsedMs / 1000), answer]);
        },
        done: (outcome) => this.spinner.stop(outcome),
      },
    );
    this.logSuccess(messages.getMessage('done', [result.app.name, result.clientId]));
    for (const written of result.ciSecrets) {
      this.log(messages.getMessage('info.ciSecrets', [written.store, written.names.join(', ')]));
    }
    this.log(messages.getMessage(`info.previous.${result.previous}`, [result.previousClientId]));
    return result;
  }
}
