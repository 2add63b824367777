import { Flags, SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { summarise } from '../../audit/checks.js';
import { auditFleet, orgsToAudit } from '../../audit/fleet.js';
import type { AuditResult } from '../../audit/run.js';
import { EXIT_CODES, exitCodesHelp } from '../../exit-codes.js';
import { asCommandError } from '../../command-errors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.audit');

export type { AuditResult };

export default class Audit extends SfCommand<AuditResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused');

  public static readonly flags = {
    // A list of orgs, not one: Flags.requiredOrg cannot repeat, and a fleet audit must not stop at the first unreachable org.
    // eslint-disable-next-line sf-plugin/dash-o
    'target-org': Flags.string({ char: 'o', summary: messages.getMessage('flags.target-org.summary'), multiple: true }),
    'all-orgs': Flags.boolean({ summary: messages.getMessage('flags.all-orgs.summary'), exclusive: ['target-org'] }),
    'api-version': Flags.orgApiVersion(),
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary') }),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    'jwt-key-file': Flags.file({ char: 'f', summary: messages.getMessage('flags.jwt-key-file.summary'), exclusive: ['jwt-key-env'] }),
    'jwt-key-env': Flags.string({ summary: messages.getMessage('flags.jwt-key-env.summary') }),
    'required-scopes': Flags.string({ summary: messages.getMessage('flags.required-scopes.summary'), default: 'api,refresh_token' }),
    'warn-days': Flags.integer({ summary: messages.getMessage('flags.warn-days.summary'), default: 30, min: 0, max: 3650 }),
    verify: Flags.boolean({
      summary: messages.getMessage('flags.verify.summary'),
      description: messages.getMessage('flags.verify.description'),
      dependsOn: ['username'],
      relationships: [{ type: 'some', flags: ['jwt-key-file', 'jwt-key-env'] }],
    }),
  };

  public async run(): Promise<AuditResult> {
    const { flags } = await this.parse(Audit);
    const orgs = await orgsToAudit(flags['target-org'], flags['all-orgs']);
    const request = {
      name: flags.name,
      username: flags.username,
      keyFile: flags['jwt-key-file'],
      keyVariable: flags['jwt-key-env'],
      requiredScopes: flags['required-scopes'],
      warnDays: flags['warn-days'],
      verify: flags.verify,
    };
    const audits = await auditFleet(orgs, request, flags['api-version']);
    const fleet = orgs.length > 1 || flags['all-orgs'];
    // One org: its error is the run's error, as any command's. Several: an ERROR row each.
    if (!fleet && audits[0].error) throw audits[0].error;
    const apps = audits.flatMap((a) => (a.result?.apps ?? []).map((app) => (fleet ? { org: a.org, ...app } : app)));
    const errors = audits.flatMap((a) => (a.error ? [{ org: a.org, name: a.error.name, message: a.error.message }] : []));
    const result: AuditResult = { apps, summary: summarise(apps.flatMap((a) => a.checks)), ...(fleet ? { errors } : {}) };
    if (fleet) this.renderFleet(result);
    else this.renderChecks(result);
    const { pass, warn, fail } = result.summary;
    this.log(messages.getMessage('summary.line', [pass, warn, fail]));
    // "The configuration must change" when something fails, as verify exits for a refused login.
    if (fail > 0 || errors.length > 0) process.exitCode = EXIT_CODES.orgRefused;
    return result;
  }

  /** Errors every command answers alike: an expired sf session, a flag value out of range (see asCommandError). */
  protected catch(error: Error): Promise<never> {
    return super.catch(asCommandError(error, this.argv));
  }

  private renderChecks(result: AuditResult): void {
    if (result.apps.length === 0) this.log(messages.getMessage('none'));
    this.table({
      data: result.apps.flatMap((app) => app.checks.map((c) => ({ app: app.name, check: c.id, status: c.status, finding: c.message, fix: c.fix ?? '' }))),
    });
  }

  /** One row per app, the soonest certificate expiry first, and an ERROR row per org that could not be audited. */
  private renderFleet(result: AuditResult): void {
    const count = (checks: Array<{ status: string }>, status: string): number => checks.filter((c) => c.status === status).length;
    const rows = [...result.apps]
      .sort((a, b) => (a.certificateExpires ?? '9999').localeCompare(b.certificateExpires ?? '9999'))
      .map((app) => ({
        org: app.org ?? '',
        app: app.name,
        kind: app.kind,
        'certificate expires': app.certificateExpires?.slice(0, 10) ?? '-',
        fail: String(count(app.checks, 'FAIL')),
        warn: String(count(app.checks, 'WARN')),
        error: '',
      }));
    const errors = (result.errors ?? []).map((e) => ({ org: e.org, app: 'ERROR', kind: '-', 'certificate expires': '-', fail: '-', warn: '-', error: `${e.name}: ${e.message}` }));
    this.table({ data: [...rows, ...errors] });
  }
}
