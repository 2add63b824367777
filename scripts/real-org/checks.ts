/**
 * The assumptions the emulator (and so `sf jwtapp setup` and `verify`) rests on, checked against a real
 * org with a throw-away External Client App and permission set, cleaned up afterwards. Each check records
 * whether the assumption held and Salesforce's raw answer, so a report from a real org can be compared
 * with what the emulator answers (docs/emulator.md says which rules are confirmed and which are not).
 */
import { createSign, randomBytes } from 'node:crypto';
import type { Connection } from '@salesforce/core';
import { generateKeyAndCertificate } from '../../src/certificate/generate.js';
import { deleteComponents, deployComponents } from '../../src/org/deploy.js';
import { listComponents, retrieveComponents } from '../../src/org/metadata.js';
import { sfFetch } from '../../src/connection/http.js';
import { sameCertificate } from '../../src/certificate/inspect.js';

export type CheckResult = {
  id: string;
  assumption: string;
  /** undefined: the check could not run (an earlier step failed, or the org lacks what it needs). */
  held: boolean | undefined;
  answer: string;
};

export type Report = {
  instanceUrl: string;
  apiVersion: string;
  genericLoginUrl: string;
  app: string;
  startedAt: string;
  checks: CheckResult[];
  cleanup: string[];
};

export type CheckOptions = {
  /** login.salesforce.com or test.salesforce.com: where External Client Apps are not known. */
  genericLoginUrl: string;
  /** The JWT audience for the org's kind: https://login.salesforce.com or https://test.salesforce.com. */
  audience: string;
  /** How long to wait for the new app to reach the token endpoint (Salesforce: 2–10 minutes). */
  waitMs: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
};

type Metadata = {
  read(type: string, fullName: string): Promise<Record<string, unknown>>;
  create(type: string, metadata: object): Promise<{ success: boolean; errors?: unknown }>;
  list(query: { type: string } | Array<{ type: string }>): Promise<unknown>;
};

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const failureText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : text(e));

const signJwt = (claims: Record<string, unknown>, privateKeyPem: string): string => {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256' })}.${part(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKeyPem).toString('base64url')}`;
};

const tokenRequest = async (
  loginUrl: string,
  assertion: string,
): Promise<{ status: number; body: Record<string, string> }> => {
  const response = await sfFetch(`${loginUrl}/services/oauth2/token`, {
    method: 'POST',
    // eslint-disable-next-line camelcase -- the OAuth parameter's name
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, string>;
  return { status: response.status, body };
};

export const runRealOrgChecks = async (conn: Connection, options: CheckOptions): Promise<Report> => {
  const metadata = conn.metadata as unknown as Metadata;
  const sleep = options.sleep ?? ((ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)));
  const suffix = randomBytes(3).toString('hex');
  const app = `Jwtapp_Check_${suffix}`;
  const oauthName = `${app}_oauth`;
  const permissionSet = `Jwtapp_Check_${suffix}_Access`;
  const instanceUrl = conn.instanceUrl.replace(/\/+$/, '');
  const username = String(conn.getUsername());
  const report: Report = {
    instanceUrl,
    apiVersion: conn.getApiVersion(),
    genericLoginUrl: options.genericLoginUrl,
    app,
    startedAt: new Date().toISOString(),
    checks: [],
    cleanup: [],
  };
  const record = (id: string, assumption: string, held: boolean | undefined, answer: string): boolean | undefined => {
    report.checks.push({ id, assumption, held, answer });
    options.log(`${held === undefined ? 'SKIP' : held ? 'HELD' : 'REFUTED'}  ${id}: ${assumption}\n        ${answer}`);
    return held;
  };
  const attempt = async (
    id: string,
    assumption: string,
    run: () => Promise<{ held: boolean; answer: string }>,
  ): Promise<boolean | undefined> => {
    try {
      const { held, answer } = await run();
      return record(id, assumption, held, answer);
    } catch (e) {
      return record(id, assumption, false, failureText(e));
    }
  };
  const key = await generateKeyAndCertificate(2048, { subject: `CN=${app}`, days: 2 });
  let permissionSetId: string | undefined;
  let assignmentId: string | undefined;
  let consumerKey: string | undefined;
  let oneDeployApp: string | undefined;

  try {
    // A permission set the app pre-authorizes, assigned to the user running the check (the JWT subject).
    permissionSetId = String(
      (await conn.sobject('PermissionSet').create({ Name: permissionSet, Label: permissionSet })).id,
    );
    const me = await conn.singleRecordQuery<{ Id: string }>(
      `SELECT Id FROM User WHERE Username = '${username.replace(/'/g, "\\'")}'`,
    );
    assignmentId = String(
      (await conn.sobject('PermissionSetAssignment').create({ AssigneeId: me.Id, PermissionSetId: permissionSetId }))
        .id,
    );

    await attempt(
      'eca-types-readable',
      'readMetadata knows ExternalClientApplication at this API version (a missing name reads as nil)',
      async () => {
        const read = await metadata.read('ExternalClientApplication', `${app}_none`);
        return { held: !read?.fullName, answer: text(read) };
      },
    );

    const created = await attempt(
      'deploy-creates-eca',
      'One deploy of the app, its OAuth settings and its global OAuth settings creates an External Client App',
      async () => {
        await deployComponents(conn, [
          {
            type: 'ExternalClientApplication',
            fullName: app,
            record: { contactEmail: 'jwtapp-check@example.com', distributionState: 'Local', label: app },
          },
          {
            type: 'ExtlClntAppOauthSettings',
            fullName: oauthName,
            record: { commaSeparatedOauthScopes: 'Api, RefreshToken', externalClientApplication: app, label: app },
          },
          {
            type: 'ExtlClntAppGlobalOauthSettings',
            fullName: `${app}_glbloauth`,
            record: {
              callbackUrl: 'http://localhost:1717/OauthRedirect',
              certificate: key.certificatePem,
              externalClientApplication: app,
              label: app,
            },
          },
        ]);
        return { held: true, answer: 'deploy Succeeded' };
      },
    );
    if (!created) return report;

    await attempt(
      'policies-generated',
      'Salesforce generates the OAuth policies as <OAuth settings>_defaultPolicy and the app policies as <app>_defaultPolicy',
      async () => {
        const listed = await metadata.list({ type: 'ExtlClntAppOauthConfigurablePolicies' });
        const names = (Array.isArray(listed) ? listed : [listed]).map((p) =>
          String((p as { fullName?: string })?.fullName),
        );
        const plugin = await metadata.read('ExtlClntAppConfigurablePolicies', `${app}_defaultPolicy`);
        return {
          held: names.includes(`${oauthName}_defaultPolicy`) && Boolean(plugin?.fullName),
          answer: `OAuth policies listed: ${names.filter((n) => n.startsWith(app)).join(', ') || 'none'}; ${app}_defaultPolicy: ${text(plugin)}`,
        };
      },
    );

    await attempt(
      'second-policy-refused',
      'A second OAuth policy for the same app is refused (DUPLICATE_VALUE)',
      async () => {
        try {
          await deployComponents(conn, [
            {
              type: 'ExtlClntAppOauthConfigurablePolicies',
              fullName: `${app}_second`,
              record: { externalClientApplication: app, label: app },
            },
          ]);
          return { held: false, answer: 'deploy Succeeded: a second policy was accepted' };
        } catch (e) {
          return { held: true, answer: failureText(e) };
        }
      },
    );

    await attempt(
      'policy-updated-by-name',
      'Deploying the generated OAuth policy by its name updates it: admin approved, the permission set named (not its Id)',
      async () => {
        await deployComponents(conn, [
          {
            type: 'ExtlClntAppOauthConfigurablePolicies',
            fullName: `${oauthName}_defaultPolicy`,
            record: {
              commaSeparatedPermissionSet: permissionSet,
              externalClientApplication: app,
              label: app,
              permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
            },
          },
        ]);
        const rows = await conn.query<{ Id: string }>(
          `SELECT Id FROM SetupEntityAccess WHERE ParentId = '${String(permissionSetId)}'`,
        );
        return { held: rows.totalSize === 1, answer: `SetupEntityAccess rows of ${permissionSet}: ${rows.totalSize}` };
      },
    );

    await attempt(
      'consumer-key-readable',
      'readMetadata returns the consumer key of the new app, never its secret while the org setting is off',
      async () => {
        const global = await metadata.read('ExtlClntAppGlobalOauthSettings', `${app}_glbloauth`);
        const settings = await metadata
          .read('ExternalClientAppSettings', 'ExternalClientApp')
          .catch((e: unknown) => ({ error: failureText(e) }));
        consumerKey = typeof global?.consumerKey === 'string' ? global.consumerKey : undefined;
        const secretShown = typeof global?.consumerSecret === 'string';
        const settingOn = String((settings as Record<string, unknown>).enableConsumerSecretApiAccess) === 'true';
        return {
          held: consumerKey !== undefined && (settingOn || !secretShown),
          answer: `consumerKey ${consumerKey ? 'returned' : 'absent'}, consumerSecret ${secretShown ? 'returned' : 'absent'}; ExternalClientAppSettings: ${text({ ...settings, fullName: undefined })}`,
        };
      },
    );

    await attempt(
      'credentials-resource',
      "Connect REST's credentials resource lists the app's consumer with the key readMetadata returned, and answers part=secret (the secret itself is never recorded)",
      async () => {
        const id = (
          await conn.query<{ Id: string }>(`SELECT Id FROM ExternalClientApplication WHERE DeveloperName = '${app}'`)
        ).records[0]?.Id;
        const base = `/services/data/v${conn.getApiVersion()}/apps/oauth/credentials/${id ?? ''}`;
        const listed = await conn.request<{ consumers?: Array<{ id?: string; key?: string }> }>({
          method: 'GET',
          url: base,
        });
        const consumer = listed.consumers?.[0];
        const shape = `consumers: ${listed.consumers?.length ?? 'absent'}, fields ${Object.keys(consumer ?? {}).join(', ')}`;
        const secret = await conn
          .request<Record<string, unknown>>({ method: 'GET', url: `${base}/${consumer?.id ?? ''}?part=secret` })
          .then(
            (r) =>
              `part=secret answered fields ${Object.keys(r).join(', ')}, secret ${typeof r.secret === 'string' ? 'returned' : 'absent'}`,
          )
          .catch((e: unknown) => `part=secret refused: ${failureText(e)}`);
        return { held: consumer?.key !== undefined && consumer.key === consumerKey, answer: `${shape}; ${secret}` };
      },
    );

    await attempt(
      'certificate-form-returned',
      "readMetadata returns an External Client App's certificate as a certificate (the emulator: as deployed, PEM)",
      async () => {
        const global = await metadata.read('ExtlClntAppGlobalOauthSettings', `${app}_glbloauth`);
        const returned = typeof global?.certificate === 'string' ? global.certificate : '';
        const form = returned.includes('-----BEGIN CERTIFICATE-----')
          ? 'PEM with BEGIN/END lines'
          : returned
            ? 'the base64 body alone'
            : 'absent';
        return {
          held: sameCertificate(returned, key.certificatePem),
          answer: `certificate returned as ${form}, ${returned.length} characters, ${returned.split('\n').length} line(s)`,
        };
      },
    );

    await attempt(
      'element-order-enforced',
      'createMetadata refuses fields out of the WSDL order: "Element {…}label invalid at this location in type PermissionSet"',
      async () => {
        // PermissionSet's sequence has description before label.
        const name = `${permissionSet}_Order`;
        try {
          const result = await metadata.create('PermissionSet', {
            fullName: name,
            label: name,
            description: 'label sent before description',
          });
          if (result.success)
            report.cleanup.push(`PermissionSet ${name} was created: delete it in Setup > Permission Sets`);
          return { held: false, answer: text(result) };
        } catch (e) {
          return {
            held: failureText(e).includes('invalid at this location in type PermissionSet'),
            answer: failureText(e),
          };
        }
      },
    );

    await attempt(
      'policies-in-one-deploy',
      'One deploy of all five components, the policies named <App>_oauthPlcy and <App>_plcy, keeps those policies and generates none beside them',
      async () => {
        const one = `${app}_One`;
        oneDeployApp = one;
        const link = (part: string): Record<string, string> => ({
          externalClientApplication: one,
          label: `${one}${part}`,
        });
        await deployComponents(conn, [
          {
            type: 'ExternalClientApplication',
            fullName: one,
            record: { contactEmail: 'jwtapp-check@example.com', distributionState: 'Local', label: one },
          },
          {
            type: 'ExtlClntAppOauthSettings',
            fullName: `${one}_oauth`,
            record: { commaSeparatedOauthScopes: 'Api, RefreshToken', ...link('_oauth') },
          },
          {
            type: 'ExtlClntAppGlobalOauthSettings',
            fullName: `${one}_glbloauth`,
            record: {
              callbackUrl: 'http://localhost:1717/OauthRedirect',
              certificate: key.certificatePem,
              ...link('_glbloauth'),
            },
          },
          {
            type: 'ExtlClntAppOauthConfigurablePolicies',
            fullName: `${one}_oauthPlcy`,
            record: {
              commaSeparatedPermissionSet: permissionSet,
              permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
              ...link('_oauthPlcy'),
            },
          },
          {
            type: 'ExtlClntAppConfigurablePolicies',
            fullName: `${one}_plcy`,
            record: { isEnabled: true, isOauthPluginEnabled: true, ...link('_plcy') },
          },
        ]);
        const listed = await metadata.list([
          { type: 'ExtlClntAppOauthConfigurablePolicies' },
          { type: 'ExtlClntAppConfigurablePolicies' },
        ]);
        const names = (Array.isArray(listed) ? listed : [listed])
          .map((p) => String((p as { fullName?: string })?.fullName))
          .filter((n) => n.startsWith(one));
        return {
          held: names.length === 2 && names.includes(`${one}_oauthPlcy`) && names.includes(`${one}_plcy`),
          answer: `policies of ${one}: ${names.join(', ') || 'none'}`,
        };
      },
    );

    await attempt(
      'connected-app-creation-blocked',
      "createMetadata of a new Connected App is refused (Spring '26)",
      async () => {
        const result = await metadata.create('ConnectedApp', {
          fullName: `${app}_ca`,
          contactEmail: 'jwtapp-check@example.com',
          label: `${app}_ca`,
          oauthConfig: { callbackUrl: 'http://localhost:1717/OauthRedirect', scopes: ['Api'] },
        });
        if (result.success) report.cleanup.push(`ConnectedApp ${app}_ca was created: delete it in Setup > App Manager`);
        return { held: !result.success, answer: text(result) };
      },
    );

    if (consumerKey) {
      const assertion = (aud: string, exp = Math.floor(Date.now() / 1000) + 180): string =>
        signJwt({ iss: consumerKey, sub: username, aud, exp }, key.privateKeyPem);
      const { audience } = options;
      const deadline = Date.now() + options.waitMs;
      let answer = await tokenRequest(instanceUrl, assertion(audience));
      while (answer.status !== 200 && Date.now() < deadline) {
        options.log(`        waiting for the app to propagate: ${text(answer.body)}`);
        // eslint-disable-next-line no-await-in-loop
        await sleep(15_000);
        // eslint-disable-next-line no-await-in-loop
        answer = await tokenRequest(instanceUrl, assertion(audience));
      }
      const propagated = record(
        'jwt-at-my-domain',
        `A JWT (aud ${audience}) for the new app logs in at the My Domain within the wait`,
        answer.status === 200,
        `HTTP ${answer.status} ${text(answer.status === 200 ? { scope: answer.body.scope } : answer.body)}`,
      );
      if (propagated) {
        // If it lists them, a re-run's accepted token could stand for reading the app's scopes (one request fewer).
        const granted = String(answer.body.scope ?? '').split(' ');
        record(
          'token-lists-app-scopes',
          "The JWT token response's scope lists the app's scopes, refresh_token among them",
          granted.includes('api') && granted.includes('refresh_token'),
          `scope: ${String(answer.body.scope)}`,
        );
        await attempt(
          'exp-in-milliseconds',
          'An exp in milliseconds (what @salesforce/core sends) is accepted',
          async () => {
            const r = await tokenRequest(instanceUrl, assertion(audience, Date.now() + 180_000));
            return {
              held: r.status === 200,
              answer: `HTTP ${r.status} ${r.status === 200 ? 'granted' : text(r.body)}`,
            };
          },
        );
        await attempt(
          'expired-exp',
          'An expired exp is answered invalid_grant "expired authorization code"',
          async () => {
            const r = await tokenRequest(instanceUrl, assertion(audience, Math.floor(Date.now() / 1000) - 600));
            return {
              held: r.body.error === 'invalid_grant' && r.body.error_description === 'expired authorization code',
              answer: `HTTP ${r.status} ${text(r.body)}`,
            };
          },
        );
        await attempt(
          'eca-at-generic-host',
          'The generic login host answers app_not_found "External client app is not installed in this org"',
          async () => {
            const r = await tokenRequest(options.genericLoginUrl, assertion(audience));
            return {
              held:
                r.body.error === 'app_not_found' &&
                r.body.error_description === 'External client app is not installed in this org',
              answer: `HTTP ${r.status} ${text(r.body)}`,
            };
          },
        );
        // Last: it changes the certificate the checks above log in with.
        await attempt(
          'certificate-change-answer',
          'While a new certificate propagates, the token endpoint answers the new key invalid_grant "invalid assertion" (nothing else) and still accepts the old one; the new key logs in within the wait',
          async () => {
            const next = await generateKeyAndCertificate(2048, { subject: `CN=${app}-next`, days: 2 });
            await deployComponents(conn, [
              {
                type: 'ExtlClntAppGlobalOauthSettings',
                fullName: `${app}_glbloauth`,
                record: {
                  callbackUrl: 'http://localhost:1717/OauthRedirect',
                  certificate: next.certificatePem,
                  externalClientApplication: app,
                  label: app,
                },
              },
            ]);
            const signedBy = (pem: string): string =>
              signJwt(
                { iss: consumerKey, sub: username, aud: audience, exp: Math.floor(Date.now() / 1000) + 180 },
                pem,
              );
            const started = Date.now();
            const seen = new Set<string>();
            let oldKeyRefusedEarly = false;
            let fresh = await tokenRequest(instanceUrl, signedBy(next.privateKeyPem));
            while (fresh.status !== 200 && Date.now() < started + options.waitMs) {
              seen.add(`${fresh.body.error ?? fresh.status}: ${fresh.body.error_description ?? ''}`);
              // eslint-disable-next-line no-await-in-loop
              const previous = await tokenRequest(instanceUrl, signedBy(key.privateKeyPem));
              if (previous.status !== 200) oldKeyRefusedEarly = true;
              // eslint-disable-next-line no-await-in-loop
              await sleep(10_000);
              // eslint-disable-next-line no-await-in-loop
              fresh = await tokenRequest(instanceUrl, signedBy(next.privateKeyPem));
            }
            const answers = [...seen];
            const onlyInvalidAssertion = answers.every((a) => a === 'invalid_grant: invalid assertion');
            return {
              held: fresh.status === 200 && onlyInvalidAssertion && !oldKeyRefusedEarly,
              answer: `new key ${fresh.status === 200 ? `logged in after ${Math.round((Date.now() - started) / 1000)} s` : `still refused after ${Math.round(options.waitMs / 1000)} s`}; answers meanwhile: ${answers.join(' | ') || 'none'}; the old key ${oldKeyRefusedEarly ? 'was refused before the new one worked' : 'kept logging in meanwhile'}`,
            };
          },
        );
      }
    } else {
      record(
        'jwt-at-my-domain',
        'A JWT for the new app logs in at the My Domain',
        undefined,
        'no consumer key could be read, so no login was tried',
      );
    }

    // The username-password flow's retirement (docs/research/password-flow.md): what the emulator chose where
    // no public source settles it, read-only.
    await attempt(
      'oauth-oidc-settings-readable',
      'readMetadata reads OauthOidcSettings (OauthOidc) with blockOAuthUnPwFlow, the "Allow OAuth Username-Password Flows" toggle',
      async () => {
        const read = await metadata.read('OauthOidcSettings', 'OauthOidc');
        return { held: read?.blockOAuthUnPwFlow !== undefined, answer: text(read) };
      },
    );
    /** A LoginHistory query filtering on `field`: refused as a field that "can not be filtered" is. */
    const filterRefused = async (field: string, value: string): Promise<{ held: boolean; answer: string }> => {
      try {
        await conn.query(`SELECT Id FROM LoginHistory WHERE ${field} = '${value}' LIMIT 1`);
        return { held: false, answer: 'accepted' };
      } catch (e) {
        return { held: failureText(e).includes('can not be filtered'), answer: failureText(e) };
      }
    };
    await attempt(
      'loginhistory-status-not-filterable',
      'A LoginHistory query filtering on Status is refused: "field \'Status\' can not be filtered in query call"',
      () => filterRefused('Status', 'Success'),
    );
    await attempt(
      'loginhistory-subtype-not-filterable',
      'A LoginHistory query filtering on LoginSubType is refused (the emulator refuses it: unconfirmed, the stricter choice)',
      () => filterRefused('LoginSubType', 'OauthUsernamePassword'),
    );
    await attempt(
      'loginhistory-records-jwt',
      'The check\'s JWT logins are in LoginHistory: LoginType "Remote Access 2.0", no LoginSubType (none is documented for the JWT bearer flow), the app\'s label as Application',
      async () => {
        const rows = (
          await conn.query<{ LoginType: string; LoginSubType: string | null; Application: string | null }>(
            `SELECT LoginType, LoginSubType, Status, Application FROM LoginHistory WHERE UserId = '${me.Id}' AND LoginTime = LAST_N_DAYS:1 AND LoginType = 'Remote Access 2.0' ORDER BY LoginTime DESC LIMIT 20`,
          )
        ).records.filter((r) => (r.Application ?? '').toLowerCase() === app.toLowerCase());
        return {
          held: rows.length > 0 && rows.every((r) => r.LoginSubType === null),
          answer: text(rows.slice(0, 3)),
        };
      },
    );
    await attempt(
      'retrieve-eca-global-settings',
      "A retrieve of the app's global OAuth settings returns its consumer key, as every retrieved file in test/corpus holds it",
      async () => {
        const listed = (await listComponents(conn, ['ExtlClntAppGlobalOauthSettings'])).filter((c) =>
          c.fullName.toLowerCase().startsWith(app.toLowerCase()),
        );
        const retrieved = await retrieveComponents(conn, listed);
        const global = retrieved.find((c) => String(c.record.externalClientApplication) === app)?.record;
        return {
          held: typeof global?.consumerKey === 'string',
          answer: text({ ...global, consumerSecret: global?.consumerSecret ? '<returned>' : undefined }),
        };
      },
    );

    await attempt(
      'duplicate-assignment',
      'A second identical PermissionSetAssignment is refused with DUPLICATE_VALUE in the REST error body',
      async () => {
        try {
          await conn.sobject('PermissionSetAssignment').create({ AssigneeId: me.Id, PermissionSetId: permissionSetId });
          return { held: false, answer: 'a second assignment was created' };
        } catch (e) {
          return { held: (e as { errorCode?: string }).errorCode === 'DUPLICATE_VALUE', answer: failureText(e) };
        }
      },
    );
  } finally {
    await cleanup(conn, report, {
      apps: [app, ...(oneDeployApp ? [oneDeployApp] : [])],
      assignmentId,
      permissionSetId,
    });
  }
  return report;
};

/** Removes what the checks made: the app (one destructive deploy), the assignment, the permission set. */
const cleanup = async (
  conn: Connection,
  report: Report,
  made: { apps: string[]; assignmentId?: string; permissionSetId?: string },
): Promise<void> => {
  const step = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      report.cleanup.push(`${what}: removed`);
    } catch (e) {
      report.cleanup.push(`${what}: NOT removed (${failureText(e)}); remove it in Setup`);
    }
  };
  for (const app of made.apps) {
    // eslint-disable-next-line no-await-in-loop
    const found = await (conn.metadata as unknown as Metadata)
      .read('ExternalClientApplication', app)
      .catch(() => undefined);
    const exists = found?.fullName;
    if (exists)
      // eslint-disable-next-line no-await-in-loop
      await step(`ExternalClientApplication ${app}`, () =>
        deleteComponents(conn, [{ type: 'ExternalClientApplication', fullName: app }]),
      );
  }
  if (made.assignmentId)
    await step('PermissionSetAssignment', () =>
      conn.sobject('PermissionSetAssignment').destroy(String(made.assignmentId)),
    );
  if (made.permissionSetId)
    await step('PermissionSet', () => conn.sobject('PermissionSet').destroy(String(made.permissionSetId)));
};
