import { resolve } from 'node:path';
import { Flags, SfCommand } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { DEFAULT_VALIDITY_DAYS } from '../../certificate/generate.js';
import { resolveKeyMaterial, type KeyMaterial } from '../../certificate/material.js';
import { clock } from '../../oauth/clock.js';
import { defaultAudience } from '../../oauth/audience.js';
import { checkLoginWithKey, loginFailure, type LoginReport } from '../../oauth/verify.js';
import { applySetup, isUnchanged, planFromState, readSetupState, type SetupRequest } from '../../plan/setup.js';
import { publicChange, type SetupChange } from '../../plan/render.js';
import { buildSetupRequest } from '../../plan/request.js';
import { loginCommand, writeCiFiles, type PipelineLogin } from '../../output/ci.js';
import { exitCodesHelp } from '../../exit-codes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.setup');

export type SetupResult = {
  status: 'created' | 'updated' | 'unchanged' | 'planned';
  dryRun: boolean;
  app: { kind: 'connected-app' | 'external-client-app'; name: string; label: string };
  clientId?: string;
  username: string;
  permissionSet: string;
  loginUrl: string;
  audience: string;
  instanceUrl: string;
  keyFile?: string;
  certificateFile: string;
  certificateExpires: string;
  certificateFingerprint: string;
  changes: SetupChange[];
  loginCommand?: string;
  verification?: LoginReport;
  files: { envFile?: string; settingsFile?: string };
};

export default class Setup extends SfCommand<SetupResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput', 'orgRefused', 'stillFailing');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary'), required: true }),
    label: Flags.string({ summary: messages.getMessage('flags.label.summary') }),
    'contact-email': Flags.string({ summary: messages.getMessage('flags.contact-email.summary') }),
    username: Flags.string({ summary: messages.getMessage('flags.username.summary') }),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary') }),
    scopes: Flags.string({ summary: messages.getMessage('flags.scopes.summary'), default: 'api,refresh_token' }),
    'consumer-key': Flags.string({ summary: messages.getMessage('flags.consumer-key.summary') }),
    'callback-url': Flags.url({ summary: messages.getMessage('flags.callback-url.summary'), default: new URL('http://localhost:1717/OauthRedirect') }),
    'app-type': Flags.option({
      summary: messages.getMessage('flags.app-type.summary'),
      options: ['auto', 'external-client-app', 'connected-app'] as const,
      default: 'auto' as const,
    })(),
    'output-dir': Flags.directory({ char: 'd', summary: messages.getMessage('flags.output-dir.summary'), default: '.' }),
    'private-key-file': Flags.file({ summary: messages.getMessage('flags.private-key-file.summary'), exists: true }),
    'certificate-file': Flags.file({ summary: messages.getMessage('flags.certificate-file.summary'), exists: true }),
    'cert-days': Flags.integer({ summary: messages.getMessage('flags.cert-days.summary'), default: DEFAULT_VALIDITY_DAYS, min: 1, max: 36_500 }),
    wait: Flags.duration({
      char: 'w',
      unit: 'minutes',
      summary: messages.getMessage('flags.wait.summary'),
      defaultValue: 10,
      min: 0,
      max: 60,
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
    'env-file': Flags.file({ summary: messages.getMessage('flags.env-file.summary') }),
    'env-file-include-key': Flags.boolean({
      summary: messages.getMessage('flags.env-file-include-key.summary'),
      dependsOn: ['env-file'],
    }),
    'settings-file': Flags.file({ summary: messages.getMessage('flags.settings-file.summary') }),
  };

  public async run(): Promise<SetupResult> {
    const { flags } = await this.parse(Setup);
    const conn = flags['target-org'].getConnection(flags['api-version']);
    const adminUsername = conn.getUsername() ?? '';
    const partial = buildSetupRequest({
      name: flags.name,
      label: flags.label,
      contactEmail: flags['contact-email'],
      username: flags.username,
      permissionSet: flags['permission-set'],
      scopes: flags.scopes,
      consumerKey: flags['consumer-key'],
      callbackUrl: flags['callback-url'].href,
      appType: flags['app-type'],
      adminUsername,
    });
    // Everything local first: a bad key or certificate ends the run before any request.
    const material = await resolveKeyMaterial({
      outputDir: flags['output-dir'],
      privateKeyFile: flags['private-key-file'],
      certificateFile: flags['certificate-file'],
      certDays: flags['cert-days'],
      force: flags.force,
      now: new Date(clock.now()),
    });
    const request: SetupRequest = { ...partial, certificatePem: material.certificatePem };

    this.spinner.start(messages.getMessage('spinner.reading', [adminUsername]));
    const state = await readSetupState(conn, request);
    const plan = planFromState(state, request, material);
    this.spinner.stop();

    const loginUrl = conn.instanceUrl.replace(/\/$/, '');
    const result: SetupResult = {
      status: 'planned',
      dryRun: flags['dry-run'],
      app: { kind: plan.appKind, name: request.name, label: request.label },
      username: request.username,
      permissionSet: request.permissionSet,
      loginUrl,
      audience: defaultAudience(loginUrl),
      instanceUrl: loginUrl,
      ...(material.keyFile ? { keyFile: resolve(material.keyFile) } : {}),
      certificateFile: resolve(material.certificateFile),
      certificateExpires: material.certificate.notAfter,
      certificateFingerprint: material.certificate.sha256Fingerprint,
      changes: plan.changes.map(publicChange),
      files: {},
    };
    this.renderPlan(result.changes, flags['dry-run']);
    if (flags['dry-run']) return result;

    const applied = await applySetup(conn, state, plan, request, material, (step) => this.spinner.start(step));
    this.spinner.stop();
    result.status = !plan.appExists ? 'created' : isUnchanged(plan) ? 'unchanged' : 'updated';
    result.clientId = applied.consumerKey;
    if (!applied.consumerKey) this.warn(messages.getMessage('warning.ConsumerKeyUnreadable', [request.name]));
    const pipeline: PipelineLogin = {
      username: request.username,
      clientId: applied.consumerKey ?? '',
      loginUrl,
      instanceUrl: loginUrl,
      audience: result.audience,
      keyFile: result.keyFile,
      apiVersion: conn.getApiVersion(),
    };
    result.loginCommand = loginCommand(pipeline);

    result.verification = await this.verifyLogin(result, material, flags.wait.milliseconds);
    result.files = await writeCiFiles(pipeline, material, {
      envFile: flags['env-file'],
      includeKeyInEnvFile: flags['env-file-include-key'] ?? false,
      settingsFile: flags['settings-file'],
    });
    this.renderSummary(result);
    return result;
  }

  /** The login, as `verify --wait` checks it; a refusal ends the run with the setup result attached. */
  private async verifyLogin(result: SetupResult, material: KeyMaterial, waitMs: number): Promise<LoginReport | undefined> {
    if (waitMs === 0 || !result.clientId) return undefined;
    if (!material.key) {
      this.warn(messages.getMessage('warning.NotVerifiedNoKey'));
      return undefined;
    }
    this.spinner.start(messages.getMessage('spinner.verifying', [result.username]));
    const { report } = await checkLoginWithKey({
      username: result.username,
      clientId: result.clientId,
      loginUrl: result.loginUrl,
      audience: result.audience,
      key: material.key,
      waitMs,
      onRetry: ({ elapsedMs, diagnosis }) => {
        this.spinner.status = messages.getMessage('spinner.waiting', [Math.round(elapsedMs / 1000), diagnosis.description || diagnosis.code]);
      },
    });
    this.spinner.stop(report.success ? 'ok' : 'refused');
    if (!report.success) throw Object.assign(loginFailure(report), { result: { ...result, verification: report } });
    return report;
  }

  private renderPlan(changes: Array<{ description: string }>, dryRun: boolean): void {
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
        { field: 'Client id (consumer key)', value: result.clientId ?? '-' },
        { field: 'Username', value: result.username },
        { field: 'Login URL', value: result.loginUrl },
        { field: 'Audience', value: result.audience },
        { field: 'Private key', value: result.keyFile ?? '-' },
        { field: 'Certificate expires', value: result.certificateExpires },
        { field: 'Login verified', value: result.verification ? `yes (${result.verification.attempts} attempt(s))` : 'skipped' },
      ],
    });
    if (result.loginCommand) this.log(`\n${messages.getMessage('info.loginCommand')}\n  ${result.loginCommand}`);
  }
}
