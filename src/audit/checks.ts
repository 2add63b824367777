import { Messages } from '@salesforce/core';
import type { AppKind, AppSnapshot } from '../apps/app.js';
import { normaliseScopes } from '../apps/scopes.js';
import { pluralKey } from '../output/plural.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'audit');

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

/** One finding: what was checked, how it stands, and — unless it passes — the fix, as a command or a Setup path. */
export type AuditCheck = { id: string; status: CheckStatus; message: string; fix?: string };

/** What the audit read of the org and of the local key: plain data, so the checks are plain functions. */
export type AuditFacts = {
  name: string;
  kind: AppKind;
  snapshot: AppSnapshot;
  enabled: boolean;
  loginUrl: string;
  /** The certificate as parsed; undefined when there is none or it does not parse. */
  certificate?: { notAfter: string; keySize: number | undefined; signatureHash: string | undefined };
  /** Of the permission sets the app pre-authorizes, the ones the org has. */
  existingPermissionSets: string[];
  user?: { username: string; exists: boolean; active: boolean; holds: string[] };
  /** The client credentials flow's run-as user, when the flow is on. */
  runAs?: { username: string | undefined; active: boolean };
  /** The org is a Dev Hub (it has ScratchOrgInfo). */
  devHub: boolean;
  /** Whether the key given with --jwt-key-file belongs to the uploaded certificate. */
  keyMatches?: boolean;
  /** Who logged in through the app with the username-password flow in the window, and the days to its retirement. */
  passwordFlow?: {
    windowDays: number;
    daysLeft: number;
    retirementDate: string;
    uses: Array<{ username: string; attempts: number; succeeded: number; lastAttempt: string; lastStatus: string }>;
  };
  /** With --verify: how Salesforce answered a JWT bearer login as the integration user, at the org's My Domain. */
  login?: {
    success: boolean;
    username: string;
    loginUrl: string;
    elapsedMs: number;
    error?: { name: string; cause: string; actions: string[]; persistence: string };
  };
};

export type AuditOptions = {
  requiredScopes: string[];
  warnDays: number;
  now: Date;
  /** The org as the user named it (an alias, or a username): what a fix's --target-org repeats. */
  targetOrg: string;
  /** The integration user given with --username: what a fix's --username repeats, instead of a placeholder. */
  username?: string;
};

const DAY_MS = 86_400_000;
/** Scopes a server integration should not hold: full access, and the web UI. */
const RISKY_SCOPES = ['Full', 'Web'];

/** A check's finding and fix from messages; with `count`, the finding's form for that many ("1 day", "2 days"). */
const check = (
  id: string,
  status: CheckStatus,
  tokens: Array<string | number>,
  fixTokens: string[] = [],
  count?: number,
): AuditCheck => ({
  id,
  status,
  message: messages.getMessage(count === undefined ? `${id}.${status}` : pluralKey(`${id}.${status}`, count), tokens),
  ...(status === 'PASS' ? {} : { fix: messages.getMessage(`${id}.fix`, fixTokens) }),
});

const certificateChecks = (facts: AuditFacts, options: AuditOptions, fix: string[]): AuditCheck[] => {
  if (!facts.snapshot.certificate) {
    // An app for the client credentials flow only needs no certificate.
    return [
      facts.snapshot.policies.clientCredentials.enabled
        ? check('certificate', 'PASS', [facts.name])
        : check('certificate', 'FAIL', [facts.name], fix),
    ];
  }
  if (!facts.certificate) return [check('certificateParses', 'FAIL', [facts.name], fix)];
  const { notAfter, keySize, signatureHash } = facts.certificate;
  const days = Math.floor((Date.parse(notAfter) - options.now.getTime()) / DAY_MS);
  return [
    check(
      'certificateExpiry',
      days < 0 ? 'FAIL' : days < options.warnDays ? 'WARN' : 'PASS',
      [notAfter.slice(0, 10), Math.abs(days)],
      fix,
      Math.abs(days),
    ),
    check('keySize', (keySize ?? 0) >= 2048 ? 'PASS' : 'FAIL', [keySize ?? '?'], fix),
    check('signatureHash', signatureHash === 'SHA-1' ? 'FAIL' : 'PASS', [signatureHash ?? '?'], fix),
  ];
};

const scopeChecks = (facts: AuditFacts, options: AuditOptions, fix: string[]): AuditCheck[] => {
  const have = normaliseScopes(facts.snapshot.scopes);
  const missing = normaliseScopes(options.requiredScopes).filter((s) => !have.includes(s));
  const risky = have.filter((s) => RISKY_SCOPES.includes(s));
  return [
    check('requiredScopes', missing.length === 0 ? 'PASS' : 'FAIL', [missing.join(', ') || have.join(', ')], fix),
    risky.length === 0 ? check('riskyScopes', 'PASS', []) : check('riskyScopes', 'WARN', [risky.join(', ')]),
  ];
};

const grantChecks = (facts: AuditFacts, options: AuditOptions, fix: string[]): AuditCheck[] => {
  const { snapshot, user } = facts;
  const missingSets = snapshot.permissionSets.filter(
    (p) => !facts.existingPermissionSets.some((e) => e.toLowerCase() === p.toLowerCase()),
  );
  const setsOk = snapshot.permissionSets.length > 0 && missingSets.length === 0;
  const checks = [
    check('adminApproved', snapshot.adminApproved ? 'PASS' : 'FAIL', [facts.name], fix),
    setsOk
      ? check('permissionSets', 'PASS', [snapshot.permissionSets.join(', ')])
      : check(
          'permissionSets',
          'FAIL',
          [missingSets.join(', ') || messages.getMessage('permissionSets.noneListed')],
          fix,
        ),
  ];
  if (user) {
    const state = !user.exists
      ? messages.getMessage('integrationUser.missing')
      : !user.active
        ? messages.getMessage('integrationUser.inactive')
        : user.holds.length === 0
          ? messages.getMessage('integrationUser.holdsNone')
          : messages.getMessage('integrationUser.holds', [user.holds.join(', ')]);
    const ok = user.exists && user.active && user.holds.length > 0;
    checks.push(
      check(
        'integrationUser',
        ok ? 'PASS' : 'FAIL',
        [user.username, state],
        [options.targetOrg, facts.name, user.username],
      ),
    );
  }
  return checks;
};

const policyChecks = (facts: AuditFacts): AuditCheck[] => {
  const { policies, scopes } = facts.snapshot;
  const path = [messages.getMessage(facts.kind === 'external-client-app' ? 'setupPath.eca' : 'setupPath.connectedApp')];
  const grantsRefreshTokens = scopes.some((s) => s === 'RefreshToken' || s === 'OfflineAccess');
  const checks = [
    grantsRefreshTokens && policies.infiniteRefreshTokens
      ? check('refreshTokens', 'WARN', [facts.name], path)
      : check('refreshTokens', 'PASS', [facts.name]),
    policies.ipRelaxed
      ? check('ipRelaxation', 'WARN', [facts.name], path)
      : check('ipRelaxation', 'PASS', [facts.name]),
  ];
  if (policies.clientCredentials.enabled) {
    const runAs = facts.runAs;
    checks.push(
      runAs?.username && runAs.active
        ? check('clientCredentialsUser', 'PASS', [runAs.username])
        : check(
            'clientCredentialsUser',
            'FAIL',
            [runAs?.username ?? messages.getMessage('clientCredentialsUser.noneSet')],
            path,
          ),
    );
  }
  if (facts.devHub && facts.kind === 'external-client-app')
    checks.push(check('devHubScratchOrgs', 'WARN', [facts.name]));
  return checks;
};

/**
 * Salesforce's own answer: FAIL for a refusal that only a change fixes, WARN for one that propagation or an
 * outage may explain — unless what the audit read explains it ("user hasn't approved this consumer" from an
 * app that is not admin approved, or for a user who holds none of its permission sets, is no propagation).
 */
const loginCheck = (facts: AuditFacts, login: NonNullable<AuditFacts['login']>): AuditCheck => {
  const fix = messages.getMessage('login.fix', [
    login.username,
    facts.snapshot.consumerKey ?? messages.getMessage('placeholder.consumerKey'),
  ]);
  if (login.success) return check('login', 'PASS', [login.username, login.loginUrl, login.elapsedMs]);
  const error = login.error ?? { name: 'LoginRefusedError', cause: '', actions: [], persistence: 'permanent' };
  const explained = !facts.snapshot.adminApproved || facts.user?.holds.length === 0;
  return {
    id: 'login',
    status: error.persistence === 'permanent' || explained ? 'FAIL' : 'WARN',
    message: messages.getMessage('login.refused', [login.username, login.loginUrl, error.name, error.cause]),
    fix: error.actions[0] ?? fix,
  };
};

/**
 * The username-password flow through the app (docs/research/password-flow.md): one FAIL per user who logged in
 * with it in the window, each with the command that moves that user to the JWT bearer flow on the same app.
 */
const passwordFlowChecks = (facts: AuditFacts, options: AuditOptions): AuditCheck[] => {
  const flow = facts.passwordFlow;
  if (!flow) return [];
  if (flow.uses.length === 0) return [check('password-flow', 'PASS', [facts.name, flow.windowDays])];
  return flow.uses.map((use) =>
    check(
      'password-flow',
      'FAIL',
      [
        use.username,
        facts.name,
        ...(use.attempts === 1 ? [] : [use.attempts]),
        flow.windowDays,
        use.succeeded,
        use.lastAttempt.slice(0, 16).replace('T', ' '),
        use.lastStatus,
        flow.retirementDate,
        flow.daysLeft,
      ],
      [options.targetOrg, facts.name, facts.kind, use.username],
      use.attempts,
    ),
  );
};

/** Every check of one app, in the order a reviewer reads them. */
export const auditChecks = (facts: AuditFacts, options: AuditOptions): AuditCheck[] => {
  const fix = [options.targetOrg, facts.name, options.username ?? messages.getMessage('placeholder.username')];
  return [
    check('enabled', facts.enabled ? 'PASS' : 'FAIL', [facts.name], fix),
    ...certificateChecks(facts, options, fix),
    ...scopeChecks(facts, options, fix),
    ...grantChecks(facts, options, fix),
    ...policyChecks(facts),
    ...(facts.keyMatches === undefined
      ? []
      : [check('keyMatches', facts.keyMatches ? 'PASS' : 'FAIL', [facts.name], fix)]),
    check(facts.kind === 'external-client-app' ? 'loginUrlMyDomain' : 'loginUrl', 'PASS', [facts.loginUrl]),
    ...passwordFlowChecks(facts, options),
    ...(facts.login ? [loginCheck(facts, facts.login)] : []),
  ];
};

export const summarise = (checks: AuditCheck[]): { pass: number; warn: number; fail: number } => ({
  pass: checks.filter((c) => c.status === 'PASS').length,
  warn: checks.filter((c) => c.status === 'WARN').length,
  fail: checks.filter((c) => c.status === 'FAIL').length,
});
