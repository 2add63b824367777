import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { forEachOrg, selectOrgs } from '../../../org/fleet.js';
import { reportPasswordFlow, type PasswordFlowMove } from '../../../password-flow/report.js';
import { daysToRetirement, RETIREMENT_DATE } from '../../../password-flow/retirement.js';
import { loginWindowFlag, orgsFlags } from '../../../cli/flags.js';
import { clock } from '../../../retry/clock.js';
import { EXIT_CODES } from '../../../exit-codes.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.password-flow.report');

/** One org of the report: whether it still allows the flow and who uses it, or why it could not be read. */
export type PasswordFlowOrgReport = {
  org: string;
  username?: string;
  allowed?: boolean;
  uses?: PasswordFlowMove[];
  error?: { name: string; message: string };
};

export type PasswordFlowReportResult = {
  retirementDate: string;
  daysLeft: number;
  windowDays: number;
  orgs: PasswordFlowOrgReport[];
};

export default class PasswordFlowReport extends JwtappCommand<PasswordFlowReportResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    ...orgsFlags(messages),
    'api-version': Flags.orgApiVersion(),
    days: loginWindowFlag(messages),
  };

  public async run(): Promise<PasswordFlowReportResult> {
    const { flags } = await this.parse(PasswordFlowReport);
    const orgs = await selectOrgs({ named: flags['target-org'], allOrgs: flags['all-orgs'] });
    const outcomes = await forEachOrg(orgs, flags['api-version'], (conn, org) =>
      reportPasswordFlow(conn, { days: flags.days, targetOrg: org }),
    );
    const fleet = orgs.length > 1 || flags['all-orgs'];
    if (!fleet && outcomes[0].error) throw outcomes[0].error;
    const result: PasswordFlowReportResult = {
      retirementDate: RETIREMENT_DATE,
      daysLeft: daysToRetirement(clock.now()),
      windowDays: flags.days,
      orgs: outcomes.map(({ org, username, result: report, error }) => ({
        org,
        ...(username ? { username } : {}),
        ...(report ? { allowed: report.allowed, uses: report.uses } : {}),
        ...(error ? { error: { name: error.name, message: error.message } } : {}),
      })),
    };
    this.render(result);
    // An org that could not be read is a failure of the run, as in a fleet audit; found logins are not.
    if (result.orgs.some((o) => o.error)) process.exitCode = EXIT_CODES.orgRefused;
    return result;
  }

  private render(result: PasswordFlowReportResult): void {
    this.log(messages.getMessage('retirement', [result.retirementDate, result.daysLeft]));
    for (const org of result.orgs) {
      this.styledHeader(messages.getMessage('header', [org.org, org.username ?? org.org, result.windowDays]));
      if (org.error) {
        this.log(messages.getMessage('error', [org.error.name, org.error.message]));
        continue;
      }
      this.log(messages.getMessage(org.allowed ? 'allowed' : 'blocked'));
      const uses = org.uses ?? [];
      if (uses.length === 0) {
        this.log(messages.getMessage('none', [result.windowDays]));
        continue;
      }
      this.table({
        data: uses.map((u) => ({
          app: u.app?.name ?? u.application,
          user: u.username,
          attempts: u.attempts,
          succeeded: u.succeeded,
          last: u.lastAttempt.slice(0, 16).replace('T', ' '),
          status: u.lastStatus,
        })),
        columns: [
          { key: 'app', name: 'App' },
          { key: 'user', name: 'User' },
          { key: 'attempts', name: 'Logins' },
          { key: 'succeeded', name: 'Succeeded' },
          { key: 'last', name: 'Last (UTC)' },
          { key: 'status', name: 'Last status' },
        ],
      });
      for (const use of uses) {
        this.log('');
        this.log(messages.getMessage('move', [use.app?.name ?? use.application, use.username]));
        this.log(`  ${use.fix}`);
        if (use.ownerChanges.length > 0) {
          this.log(messages.getMessage('owner'));
          use.ownerChanges.forEach((line) => this.log(`  - ${line}`));
        }
      }
    }
  }
}
