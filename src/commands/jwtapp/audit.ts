import { Flags, StandardColors } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { auditOrgs } from '../../audit/fleet.js';
import { countsLine, renderApps, renderFleet, widthOf, wrapWords, type AuditBlock } from '../../audit/render.js';
import type { AuditResult } from '../../audit/run.js';
import { EXIT_CODES } from '../../exit-codes.js';
import { exitCodesHelp } from '../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../cli/command.js';
import { loginWindowFlag, orgsFlags, scopesFlag } from '../../cli/flags.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.audit');

export type { AuditResult };

const colour = (status: string): string =>
  status === 'FAIL'
    ? StandardColors.error(status)
    : status === 'WARN'
      ? StandardColors.warning(status)
      : StandardColors.success(status);

export default class Audit extends JwtappCommand<AuditResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...orgsFlags(messages),
    'api-version': Flags.orgApiVersion(),
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary') }),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    'jwt-key-file': Flags.file({
      char: 'f',
      summary: messages.getMessage('flags.jwt-key-file.summary'),
      exclusive: ['jwt-key-env'],
    }),
    'jwt-key-env': Flags.string({ summary: messages.getMessage('flags.jwt-key-env.summary') }),
    'required-scopes': scopesFlag(messages, 'required-scopes'),
    'warn-days': Flags.integer({
      summary: messages.getMessage('flags.warn-days.summary'),
      default: 30,
      min: 0,
      max: 3650,
    }),
    days: loginWindowFlag(messages),
    verify: Flags.boolean({
      summary: messages.getMessage('flags.verify.summary'),
      description: messages.getMessage('flags.verify.description'),
      dependsOn: ['username'],
      relationships: [{ type: 'some', flags: ['jwt-key-file', 'jwt-key-env'] }],
    }),
  };

  public async run(): Promise<AuditResult> {
    const { flags } = await this.parse(Audit);
    const { result, orgs, fleet, error } = await auditOrgs(
      { named: flags['target-org'], allOrgs: flags['all-orgs'] },
      {
        name: flags.name,
        username: flags.username,
        keyFile: flags['jwt-key-file'],
        keyVariable: flags['jwt-key-env'],
        requiredScopes: flags['required-scopes'],
        warnDays: flags['warn-days'],
        verify: flags.verify,
        days: flags.days,
      },
      flags['api-version'],
    );
    if (error) throw error;
    // Piped, stdout has no width: 80 columns, as a terminal opens.
    const options = { width: widthOf(process.stdout.columns), status: colour };
    if (!fleet && result.apps.length === 0)
      wrapWords(messages.getMessage('none'), options.width, '').forEach((line) => this.log(line));
    this.renderBlocks(fleet ? renderFleet(result, orgs, options) : renderApps(result, orgs[0], options));
    this.log(countsLine(result.summary));
    // "The configuration must change" when something fails, as verify exits for a refused login.
    if (result.summary.fail > 0 || (result.errors ?? []).length > 0) process.exitCode = EXIT_CODES.orgRefused;
    return result;
  }

  private renderBlocks(blocks: AuditBlock[]): void {
    for (const block of blocks) {
      this.styledHeader(block.header);
      block.lines.forEach((line) => this.log(line));
      this.log('');
    }
  }
}
