import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { runRotate, type RotateResult } from '../../../rotate/run.js';
import {
  appFlags,
  ciFileFlags,
  ciSecretFlags,
  ciSecretsRequest,
  keyInCiOnlyFlag,
  keyPairFlags,
  waitFlag,
} from '../../../cli/flags.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.cert.rotate');

export type { RotateResult };

export default class CertRotate extends JwtappCommand<RotateResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...appFlags,
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    ...keyPairFlags(messages),
    wait: waitFlag({ summary: messages.getMessage('flags.wait.summary'), defaultValue: 10 }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    ...ciFileFlags(messages),
    ...ciSecretFlags(),
    'key-in-ci-only': keyInCiOnlyFlag,
  };

  public async run(): Promise<RotateResult> {
    const { flags } = await this.parse(CertRotate);
    const result = await runRotate(
      {
        conn: flags['target-org'].getConnection(flags['api-version']),
        name: flags.name,
        username: flags.username,
        outputDir: flags['output-dir'],
        privateKeyFile: flags['private-key-file'],
        certificateFile: flags['certificate-file'],
        certDays: flags['cert-days'],
        waitMs: flags.wait.milliseconds,
        dryRun: flags['dry-run'],
        ciFiles: {
          envFile: flags['dotenv-file'],
          includeKeyInEnvFile: flags['dotenv-include-key'] ?? false,
          settingsFile: flags['settings-file'],
        },
        ciSecrets: { ...ciSecretsRequest(flags), keyInCiOnly: flags['key-in-ci-only'] },
      },
      {
        step: (description) => this.spinner.start(description),
        waiting: (elapsedMs, answer) => {
          this.spinner.status = messages.getMessage('spinner.waiting', [Math.round(elapsedMs / 1000), answer]);
        },
        done: (outcome) => this.spinner.stop(outcome),
      },
    );
    if (result.dryRun) {
      this.log(
        messages.getMessage('plan', [result.app.name, result.certificateFingerprint, result.certificateExpires]),
      );
      return result;
    }
    this.logSuccess(messages.getMessage('done', [result.app.name, result.certificateExpires]));
    result.keptFiles.forEach((f) => this.log(messages.getMessage('info.kept', [f])));
    for (const written of result.ciSecrets ?? []) {
      this.log(messages.getMessage('info.ciSecrets', [written.store, written.names.join(', ')]));
    }
    this.log(messages.getMessage('info.oneCertificate'));
    return result;
  }
}
