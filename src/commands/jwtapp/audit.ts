import { Flags, SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { runAudit, type AuditResult } from '../../audit/run.js';
import { appFlags } from '../../flags.js';
import { EXIT_CODES, exitCodesHelp } from '../../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.audit');

export type { AuditResult };

export default class Audit extends SfCommand<AuditResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused');

  public static readonly flags = {
    'target-org': appFlags['target-org'],
    'api-version': appFlags['api-version'],
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary') }),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    'jwt-key-file': Flags.file({ char: 'f', summary: messages.getMessage('flags.jwt-key-file.summary'), exclusive: ['jwt-key-env'] }),
    'jwt-key-env': Flags.string({ summary: messages.getMessage('flags.jwt-key-env.summary') }),
    'required-scopes': Flags.string({ summary: messages.getMessage('flags.required-scopes.summary'), default: 'api,refresh_token' }),
    'warn-days': Flags.integer({ summary: messages.getMessage('flags.warn-days.summary'), default: 30, min: 0, max: 3650 }),
  };

  public async run(): Promise<AuditResult> {
    const { flags } = await this.parse(Audit);
    const result = await runAudit(flags['target-org'].getConnection(flags['api-version']), {
      name: flags.name,
      username: flags.username,
      keyFile: flags['jwt-key-file'],
      keyVariable: flags['jwt-key-env'],
      requiredScopes: flags['required-scopes'],
      warnDays: flags['warn-days'],
    });
    this.table({
      data: result.apps.flatMap((app) =>
        app.checks.map((c) => ({ app: app.name, check: c.id, status: c.status, finding: c.message, fix: c.fix ?? '' }))
      ),
    });
    const { pass, warn, fail } = result.summary;
    this.log(messages.getMessage('summary.line', [pass, warn, fail]));
    // "The configuration must change" when something fails, as verify exits for a refused login.
    if (result.apps.length === 0) this.log(messages.getMessage('none'));
    if (fail > 0) process.exitCode = EXIT_CODES.orgRefused;
    return result;
  }
}
