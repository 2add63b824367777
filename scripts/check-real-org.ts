/**
 * `npm run check:real-org -- --target-org <alias> [--wait <minutes>] [--output-file <path>] [--generic-login-url <url>]`
 *
 * Runs the Salesforce assumptions this project's emulator encodes against a real org (meant for a scratch
 * org or a Developer Edition org: it creates and removes a throw-away External Client App and permission
 * set), and writes a JSON report: each assumption, held or refuted, with Salesforce's raw answer. The org
 * is one the sf CLI is logged in to as an admin (`sf org login web --alias <alias>`). Exit code 0 when every
 * assumption held and everything was cleaned up, 1 otherwise, 2 on bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Org } from '@salesforce/core';
import { orgKindOfUrl, PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL } from '../src/oauth/audience.js';
import { runRealOrgChecks } from './real-org/checks.js';

const usage =
  'usage: npm run check:real-org -- --target-org <alias> [--wait <minutes>] [--output-file <path>] [--generic-login-url <url>]';

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      'target-org': { type: 'string', short: 'o' },
      wait: { type: 'string', default: '10' },
      'output-file': { type: 'string', default: 'real-org-report.json' },
      'generic-login-url': { type: 'string' },
    },
    strict: true,
  });
  const wait = Number(values.wait);
  if (!values['target-org'] || !Number.isFinite(wait) || wait < 0) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const org = await Org.create({ aliasOrUsername: values['target-org'] });
  const conn = org.getConnection();
  const generic = orgKindOfUrl(conn.instanceUrl) === 'sandbox' ? SANDBOX_LOGIN_URL : PRODUCTION_LOGIN_URL;
  const report = await runRealOrgChecks(conn, {
    genericLoginUrl: values['generic-login-url'] ?? generic,
    audience: generic,
    waitMs: wait * 60_000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  await writeFile(values['output-file'], `${JSON.stringify(report, null, 2)}\n`);
  const refuted = report.checks.filter((c) => c.held === false).length;
  process.stdout.write(
    `\n${report.checks.length} checks: ${report.checks.filter((c) => c.held).length} held, ${refuted} refuted, ` +
      `${report.checks.filter((c) => c.held === undefined).length} not run. Cleanup: ${report.cleanup.join('; ') || 'nothing to remove'}.\n` +
      `Report: ${values['output-file']}\n`,
  );
  return refuted > 0 || report.cleanup.some((c) => c.includes('NOT removed')) ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    process.exit(1);
  },
);
