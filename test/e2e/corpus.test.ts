import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import Setup, { type SetupResult } from '../../src/commands/jwtapp/setup.js';
import CertRotate, { type RotateResult } from '../../src/commands/jwtapp/cert/rotate.js';
import Audit, { type AuditResult } from '../../src/commands/jwtapp/audit.js';
import Block from '../../src/commands/jwtapp/block.js';
import Unblock from '../../src/commands/jwtapp/unblock.js';
import { sameCertificate } from '../../src/certificate/inspect.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, certificateBodyOf, metadataOf, testKey } from '../helpers/org.js';
import { storeAdminLogin } from '../helpers/org.js';
import { runCommand } from '../helpers/command.js';
import { REPO_ROOT, runSf, sfWithAdmin } from '../helpers/sf.js';
import { RETIRED_FIELDS } from '../emulator/metadata-types.js';
import { tempDir } from '../helpers/temp.js';

/**
 * App definitions retrieved from real orgs and committed to public repositories (test/corpus, each with its
 * provenance): the strongest evidence of what Salesforce stores and returns. Each is deployed into the
 * emulator through the real `sf project deploy start`, changed only where another org requires it, then
 * carried through setup, a re-run, cert rotate, audit, block and unblock: nothing the plugin does not own
 * may change.
 */
const CORPUS = join(REPO_ROOT, 'test', 'corpus');

type Provenance = {
  repository: string;
  commit: string;
  files: Record<string, string>;
  sourceApiVersion?: string | null;
  kind: 'ConnectedApp' | 'ExternalClientApplication';
};
type Entry = { dir: string; provenance: Provenance; files: Record<string, string> };

const entries = (kind: string): Entry[] =>
  readdirSync(join(CORPUS, kind), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(CORPUS, kind, d.name);
      const provenance = JSON.parse(readFileSync(join(dir, 'provenance.json'), 'utf8')) as Provenance;
      const files = Object.fromEntries(
        Object.keys(provenance.files).map((local) => [local, readFileSync(join(dir, local), 'utf8')]),
      );
      return { dir, provenance, files };
    });

/** A metadata file's root element: its type, and its fields as the Metadata API would carry them. */
const parser = new XMLParser({
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  ignoreAttributes: true,
});
const rootOf = (xml: string): { type: string; body: Record<string, unknown> } => {
  const [type, body] = Object.entries(parser.parse(xml) as Record<string, Record<string, unknown>>)[0];
  return { type, body };
};

/** Every leaf as `path=value`, lists flattened, so two bodies compare whatever the nesting of their lists. */
const leaves = (value: unknown, path = ''): string[] => {
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v, path));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [`${path}=${String(value)}`];
};

/** Fields another org fills in for itself: a deploy to a new org must not carry them (sfdx-hardis strips them too). */
const ORG_SPECIFIC = ['orgScopedExternalApp', 'oauthLink'];
/** What the plugin writes: the certificate, the scopes it needs, admin approval and the permission set. */
const OWNED: Record<string, string[]> = {
  ConnectedApp: ['oauthConfig.certificate', 'oauthConfig.scopes', 'oauthConfig.isAdminApproved', 'permissionSetName'],
  ExtlClntAppGlobalOauthSettings: ['certificate'],
  ExtlClntAppOauthSettings: ['commaSeparatedOauthScopes'],
  ExtlClntAppOauthConfigurablePolicies: ['permittedUsersPolicyType', 'commaSeparatedPermissionSet'],
};
/** Fields the API version the plugin works at no longer has (sfdx-hardis#1681): it can neither read nor keep them. */
const retired = (type: string): string[] => Object.keys(RETIRED_FIELDS[type] ?? {});
const notOwned = (type: string, body: Record<string, unknown>): string[] =>
  leaves(body)
    .filter((leaf) => ![...(OWNED[type] ?? []), ...retired(type)].some((path) => leaf.startsWith(`${path}=`)))
    .filter((leaf) => !ORG_SPECIFIC.some((f) => leaf.startsWith(`${f}=`)) && !leaf.startsWith('fullName='))
    .sort();

/** The move to another org: no reference into the org it came from, and a certificate of ours in the file's own form. */
const movedToOrg = (xml: string, certificatePem: string, org: { runAs: string; profiles: string[] }): string =>
  xml
    // Profiles are the org's own (their names localised: "Administrateur système", "시스템 관리자"): those the org lacks go.
    .replace(/[ \t]*<profileName>([^<]*)<\/profileName>\r?\n?/g, (line, profile: string) =>
      org.profiles.includes(profile) ? line : '',
    )
    // The user a client credentials flow runs as is one of the org's users.
    .replace(/<(clientCredentialsFlowUser|oauthClientCredentialUser)>[^<]*<\/\1>/g, `<$1>${org.runAs}</$1>`)
    .replace(new RegExp(`[ \\t]*<(${ORG_SPECIFIC.join('|')})>[^<]*</\\1>\\r?\\n?`, 'g'), '')
    .replace(/<certificate(\s*)>([\s\S]*?)<\/certificate(\s*)>/g, (_, open: string, held: string, close: string) => {
      const body = certificateBodyOf(certificatePem);
      // PEM as held; the base64 body on one line (Connected Apps) or wrapped at 64 characters (ECA global settings).
      const ours = held.includes('-----BEGIN CERTIFICATE-----')
        ? certificatePem.trim()
        : held.trim().includes('\n')
          ? (body.match(/.{1,64}/g) ?? []).join('\n')
          : body;
      return `<certificate${open}>${ours}</certificate${close}>`;
    });

/** Permission sets the definition names: the org it moves to has them, as the org it came from did. */
const namedPermissionSets = (files: Record<string, string>): string[] =>
  Object.values(files).flatMap((xml) => {
    const { body } = rootOf(xml);
    const listed = [...leaves(body.permissionSetName), ...leaves(body.commaSeparatedPermissionSet)].map((l) =>
      l.replace(/^=/, ''),
    );
    return listed
      .flatMap((l) => l.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  });

describe('apps retrieved from real orgs (test/corpus), deployed with the real sf and carried through every command', function () {
  this.timeout(240_000);
  let emu: RunningEmulator;
  let home: string;
  let integration: string;
  let profiles: string[];

  before(async () => {
    // Connected Apps in the corpus are deployed as new ones: the org lets it, as Salesforce Support can.
    emu = await startEmulator({ allowConnectedAppCreation: true });
    home = await sfWithAdmin(emu, 'corpus');
    await storeAdminLogin(emu, 'emu-corpus');
    integration = emu.ready.integrationUser.username;
    profiles = (await (await adminConnection(emu)).query<{ Name: string }>('SELECT Name FROM Profile')).records.map(
      (p) => p.Name,
    );
  });
  after(() => emu.stop());

  const stored = async (kind: Provenance['kind'], name: string): Promise<Record<string, Record<string, unknown>>> => {
    const state = await emu.state();
    if (kind === 'ConnectedApp') {
      const app = state.connectedApps.find((a) => a.fullName === name);
      return app ? { ConnectedApp: app.metadata } : {};
    }
    const app = state.externalClientApps.find((a) => a.fullName === name);
    if (!app) return {};
    return {
      ExternalClientApplication: app.metadata,
      ...Object.fromEntries(Object.entries(app.components).flatMap(([type, c]) => (c ? [[type, c.metadata]] : []))),
    };
  };

  for (const kind of ['connected-apps', 'external-client-apps']) {
    for (const entry of entries(kind)) {
      const label = relative(CORPUS, entry.dir);
      it(`${label} (${entry.provenance.repository}): deploys as retrieved, and no command changes what the plugin does not own`, async () => {
        const key = await testKey();
        const work = await tempDir('jwtapp-corpus-');
        try {
          const conn = await adminConnection(emu);
          for (const name of new Set(namedPermissionSets(entry.files))) {
            // Retrieved Connected Apps name permission sets by label ("Github Actions CI"): an API name beside it.
            // eslint-disable-next-line no-await-in-loop
            await metadataOf(conn).upsert('PermissionSet', {
              fullName: name.replace(/[^A-Za-z0-9_]+/g, '_'),
              label: name,
            });
          }
          const project = join(work, 'project');
          await mkdir(project);
          await writeFile(
            join(project, 'sfdx-project.json'),
            JSON.stringify({
              packageDirectories: [{ path: 'force-app', default: true }],
              ...(entry.provenance.sourceApiVersion ? { sourceApiVersion: entry.provenance.sourceApiVersion } : {}),
            }),
          );
          const moved = Object.fromEntries(
            Object.entries(entry.files).map(([local, xml]) => [
              local,
              movedToOrg(xml, key.certificatePem, { runAs: integration, profiles }),
            ]),
          );
          for (const [local, xml] of Object.entries(moved)) {
            const target = join(project, 'force-app', 'main', 'default', local);
            // eslint-disable-next-line no-await-in-loop
            await mkdir(dirname(target), { recursive: true });
            // eslint-disable-next-line no-await-in-loop
            await writeFile(target, xml);
          }
          const deployed = await runSf(
            [
              'project',
              'deploy',
              'start',
              '--source-dir',
              'force-app',
              '--target-org',
              'corpus',
              '--wait',
              '5',
              '--json',
            ],
            { home, cwd: project },
          );
          expect(deployed.status, deployed.stdout).to.equal(0);

          // Stored as deployed: every field of every file, the certificate as a certificate.
          const roots = Object.values(moved).map(rootOf);
          const header = roots.find((r) => r.type === entry.provenance.kind);
          const name = String(
            Object.keys(entry.files).find((f) => rootOf(entry.files[f]).type === entry.provenance.kind),
          )
            .replace(/^.*\//, '')
            .replace(/\..*$/, '');
          expect(header, 'the definition has its header file').to.not.equal(undefined);
          const before = await stored(entry.provenance.kind, name);
          for (const { type, body } of roots) {
            const kept = before[type];
            expect(kept, `${type} stored`).to.not.equal(undefined);
            const certificate = (body.certificate ??
              (body.oauthConfig as Record<string, unknown> | undefined)?.certificate) as string | undefined;
            // The certificate is compared as a certificate; permission sets are grants (SetupEntityAccess rows, not
            // part of the stored body; a Connected App's are returned by API name where a real org returns labels:
            // docs/emulator.md).
            const strip = (b: Record<string, unknown>): string[] =>
              notOwned('', b).filter(
                (l) => !/(^|\.)certificate=|^permissionSetName=|^commaSeparatedPermissionSet=/.test(l),
              );
            expect(
              strip(body).filter((leaf) => !strip(kept).includes(leaf)),
              `${type}: every field kept as the file has it`,
            ).to.deep.equal([]);
            if (certificate)
              expect(
                sameCertificate(
                  String(kept.certificate ?? (kept.oauthConfig as Record<string, unknown>).certificate),
                  key.certificatePem,
                ),
              ).to.equal(true);
          }

          const keyFile = join(work, 'server.key');
          const certificateFile = join(work, 'server.crt');
          await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
          await writeFile(certificateFile, key.certificatePem);
          const out = join(work, 'out');
          await mkdir(out);
          const common = ['--target-org', 'emu-corpus', '--name', name, '--json'];
          // An app retrieved blocked (its policies' isEnabled false) is unblocked for the run and blocked again after.
          const blocked = roots.some(
            (r) => r.type === 'ExtlClntAppConfigurablePolicies' && r.body.isEnabled === 'false',
          );
          if (blocked) expect((await runCommand(Unblock, common)).exitCode).to.equal(0);
          const setup = await runCommand<SetupResult>(Setup, [
            ...common,
            '--username',
            integration,
            '--private-key-file',
            keyFile,
            '--certificate-file',
            certificateFile,
            '--cert-days',
            '20',
            '--output-dir',
            out,
          ]);
          expect(setup.exitCode, setup.stdout).to.equal(0);
          expect(setup.json?.result?.verification).to.include({ success: true });

          await emu.clearRequests();
          const again = await runCommand<SetupResult>(Setup, [
            ...common,
            '--username',
            integration,
            '--private-key-file',
            keyFile,
            '--certificate-file',
            certificateFile,
            '--cert-days',
            '20',
            '--output-dir',
            out,
          ]);
          expect(again.json?.result?.status, again.stdout).to.equal('unchanged');
          expect(await emu.writes()).to.deep.equal([]);

          const rotate = await runCommand<RotateResult>(CertRotate, [
            ...common,
            '--username',
            integration,
            '--output-dir',
            out,
          ]);
          expect(rotate.exitCode, rotate.stdout).to.equal(0);
          const rotatedPem = await readFile(join(out, 'server.crt'), 'utf8');

          const audit = await runCommand<AuditResult>(Audit, [...common, '--jwt-key-file', join(out, 'server.key')]);
          const checks = audit.json?.result?.apps?.[0]?.checks ?? [];
          // The certificate read as one, whatever its form: no certificateParses failure, its expiry and key checked.
          expect(
            checks.map((c) => c.id),
            audit.stdout,
          )
            .to.include.members(['certificateExpiry', 'keySize'])
            .and.not.include('certificateParses');
          expect(checks.find((c) => c.id === 'keyMatches')?.status, audit.stdout).to.equal('PASS');

          expect((await runCommand(Block, common)).exitCode).to.equal(0);
          if (!blocked) expect((await runCommand(Unblock, common)).exitCode).to.equal(0);

          const after = await stored(entry.provenance.kind, name);
          for (const [type, body] of Object.entries(before)) {
            expect(notOwned(type, after[type] ?? {}), `${type}: nothing the plugin does not own changed`).to.deep.equal(
              notOwned(type, body),
            );
          }
          const certificateAfter = String(
            after.ExtlClntAppGlobalOauthSettings?.certificate ??
              (after.ConnectedApp?.oauthConfig as Record<string, unknown> | undefined)?.certificate,
          );
          expect(
            sameCertificate(certificateAfter, rotatedPem),
            'the rotated certificate is the one the app holds',
          ).to.equal(true);
        } finally {
          await rm(work, { recursive: true, force: true });
          // Several orgs named their app alike (CICD, Jenkins, DevOps): each entry starts from an org without it.
          const conn = await adminConnection(emu);
          for (const file of Object.values(entry.files)) {
            const { type } = rootOf(file);
            if (type === entry.provenance.kind) {
              // eslint-disable-next-line no-await-in-loop
              await conn.metadata.delete(
                type as never,
                String(Object.keys(entry.files).find((f) => entry.files[f] === file))
                  .replace(/^.*\//, '')
                  .replace(/\..*$/, ''),
              );
            }
          }
        }
      });
    }
  }
});
