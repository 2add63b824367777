import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { runSetup, type SetupResult } from '../../setup/run.js';
import type { SetupChange } from '../../setup/render.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';
import {
  ciFileFlags,
  ciSecretFlags,
  ciSecretsRequest,
  keyInCiOnlyFlag,
  keyPairFlags,
  scopesFlag,
  targetOrgFlag,
  waitFlag,
} from '../../cli/flags.js';
import { pluralKey } from '../../output/plural.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.setup');

export type { SetupResult };

const verified = (report: { attempts: number } | undefined): string =>
  report
    ? messages.getMessage(pluralKey('summary.verifiedYes', report.attempts), [report.attempts])
    : messages.getMessage('summary.verifiedSkipped');

export default class Setup extends JwtappCommand<SetupResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    'target-org': targetOrgFlag,
    'api-version': Flags.orgApiVersion(),
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary'), required: true }),
    label: Flags.string({ summary: messages.getMessage('flags.label.summary') }),
    'contact-email': Flags.string({ summary: messages.getMessage('flags.contact-email.summary') }),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary') }),
    'use-existing-permission-set': Flags.boolean({
      summary: messages.getMessage('flags.use-existing-permission-set.summary'),
      description: messages.getMessage('flags.use-existing-permission-set.description'),
      default: false,
    }),
    scopes: scopesFlag(messages, 'scopes'),
    'consumer-key': Flags.string({ summary: messages.getMessage('flags.consumer-key.summary') }),
    'callback-url': Flags.url({
      summary: messages.getMessage('flags.callback-url.summary'),
      default: new URL('http://localhost:1717/OauthRedirect'),
    }),
    flow: Flags.option({
      summary: messages.getMessage('flags.flow.summary'),
      description: messages.getMessage('flags.flow.description'),
      options: ['jwt', 'client-credentials'] as const,
      multiple: true,
    })(),
    'create-user': Flags.boolean({ summary: messages.getMessage('flags.create-user.summary'), default: false }),
    'client-secret-env': Flags.string({ summary: messages.getMessage('flags.client-secret-env.summary') }),
    'app-type': Flags.option({
      summary: messages.getMessage('flags.app-type.summary'),
      options: ['auto', 'external-client-app', 'connected-app'] as const,
      default: 'auto' as const,
    })(),
    ...keyPairFlags(messages),
    'jwt-key-env': Flags.string({
      summary: messages.getMessage('flags.jwt-key-env.summary'),
      description: messages.getMessage('flags.jwt-key-env.description'),
      exclusive: ['private-key-file'],
    }),
    wait: waitFlag({ summary: messages.getMessage('flags.wait.summary'), defaultValue: 10 }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
    'replace-ci-files': Flags.boolean({
      summary: messages.getMessage('flags.replace-ci-files.summary'),
      default: false,
    }),
    ...ciFileFlags(messages),
    ...ciSecretFlags(),
    'key-in-ci-only': keyInCiOnlyFlag,
    'dotenv-include-secret': Flags.boolean({
      summary: messages.getMessage('flags.dotenv-include-secret.summary'),
      dependsOn: ['dotenv-file'],
    }),
  };

  public async run(): Promise<SetupResult> {
    const { flags } = await this.parse(Setup);
    const conn = flags['target-org'].getConnection(flags['api-version']);
    const adminUsername = conn.getUsername() ?? '';
    const result = await runSetup(
      {
        conn,
        input: {
          name: flags.name,
          label: flags.label,
          contactEmail: flags['contact-email'],
          username: flags.username,
          permissionSet: flags['permission-set'],
          useExistingPermissionSet: flags['use-existing-permission-set'],
          scopes: flags.scopes,
          consumerKey: flags['consumer-key'],
          callbackUrl: flags['callback-url'].href,
          appType: flags['app-type'],
          flows: flags.flow,
          createUser: flags['create-user'],
        },
        keyFiles: {
          outputDir: flags['output-dir'],
          privateKeyFile: flags['private-key-file'],
          privateKeyVariable: flags['jwt-key-env'],
          certificateFile: flags['certificate-file'],
          certDays: flags['cert-days'],
          force: flags.force,
        },
        clientSecretEnv: flags['client-secret-env'],
        dryRun: flags['dry-run'],
        waitMs: flags.wait.milliseconds,
        ciFiles: {
          envFile: flags['dotenv-file'],
          includeKeyInEnvFile: flags['dotenv-include-key'] ?? false,
          includeSecretInEnvFile: flags['dotenv-include-secret'] ?? false,
          settingsFile: flags['settings-file'],
          force: flags.force || flags['replace-ci-files'],
        },
        ciSecrets: { ...ciSecretsRequest(flags), keyInCiOnly: flags['key-in-ci-only'] },
      },
      {
        reading: () => this.spinner.start(messages.getMessage('spinner.reading', [adminUsername])),
        planned: (changes, dryRun) => this.renderPlan(changes, dryRun),
        step: (description) => this.spinner.start(description),
        verifying: (username) => this.spinner.start(messages.getMessage('spinner.verifying', [username])),
        waiting: (elapsedMs, answer) => {
          this.spinner.status = messages.getMessage('spinner.waiting', [Math.round(elapsedMs / 1000), answer]);
        },
        done: (outcome) => this.spinner.stop(outcome),
      },
    );
    if (!result.dryRun) this.renderSummary(result);
    return result;
  }

  private renderPlan(changes: SetupChange[], dryRun: boolean): void {
    if (changes.length === 0) {
      this.log(messages.getMessage('plan.none'));
      return;
    }
    this.log(messages.getMessage(dryRun ? 'plan.dryRun' : 'plan.heading'));
    changes.forEach((c, i) => this.log(`  ${i + 1}. ${c.description}`));
  }

  private renderSummary(result: SetupResult): void {
    this.logSuccess(messages.getMessage(`status.${result.status}`, [result.app.name]));
    this.table({
      data: [
        { field: messages.getMessage('summary.clientId'), value: result.clientId ?? '-' },
        { field: messages.getMessage('summary.username'), value: result.username },
        { field: messages.getMessage('summary.loginUrl'), value: result.loginUrl },
        { field: messages.getMessage('summary.audience'), value: result.audience },
        { field: messages.getMessage('summary.privateKey'), value: result.keyFile ?? '-' },
        { field: messages.getMessage('summary.certificateExpires'), value: result.certificateExpires ?? '-' },
        ...(result.flows.includes('jwt')
          ? [{ field: messages.getMessage('summary.verified'), value: verified(result.verification) }]
          : []),
        ...(result.clientCredentials
          ? [
              { field: messages.getMessage('summary.runAs'), value: result.clientCredentials.runAs },
              {
                field: messages.getMessage('summary.consumerSecret'),
                value: messages.getMessage(`summary.secret.${result.clientCredentials.secret}`, [
                  result.clientCredentials.secretPath,
                ]),
              },
              {
                field: messages.getMessage('summary.verifiedClientCredentials'),
                value: verified(result.clientCredentials.verification),
              },
            ]
          : []),
      ],
    });
    for (const written of result.ciSecrets ?? []) {
      this.log(messages.getMessage('info.ciSecrets', [written.store, written.names.join(', ')]));
    }
    if (result.loginCommand) this.log(`\n${messages.getMessage('info.loginCommand')}\n  ${result.loginCommand}`);
  }
}
