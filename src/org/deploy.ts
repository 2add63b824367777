import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Messages, SfError, type Connection } from '@salesforce/core';
import { Duration } from '@salesforce/kit';
import { XMLBuilder } from 'fast-xml-parser';
import { isTransient } from '../retry/outage.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { MetadataRecord } from './metadata.js';
import { inWsdlOrder } from './order.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'org');

export type DeployComponent = { type: string; fullName: string; record: MetadataRecord };

const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '    ',
  suppressEmptyNode: false,
});

/**
 * The component as a source-format metadata file: its fields under the type's root element in the WSDL's
 * order, fullName in the file name.
 */
export const metadataXml = (type: string, record: MetadataRecord): string => {
  const fields = Object.fromEntries(
    Object.entries(inWsdlOrder(type, record)).filter(
      ([k, v]) => k !== 'fullName' && !k.startsWith('$') && v !== undefined && v !== null,
    ),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${String(builder.build({ [type]: { '@_xmlns': METADATA_NS, ...fields } }))}`;
};

type DeployMessage = { componentType?: string; fullName?: string; problem?: string; problemType?: string };
type DeployResponse = {
  status: string;
  success: boolean | string;
  errorMessage?: string;
  errorStatusCode?: string;
  details?: { componentFailures?: DeployMessage | DeployMessage[] };
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Why Salesforce refused a deploy, as a named error that says what to do. */
export const deployFailure = (response: DeployResponse): SfError => {
  const failures = asArray(response.details?.componentFailures).filter((f) => f.problemType !== 'Warning');
  const problems = failures.map((f) => `${f.componentType ?? ''} ${f.fullName ?? ''}: ${f.problem ?? ''}`.trim());
  if (response.errorMessage) problems.push(`${response.errorStatusCode ?? 'ERROR'}: ${response.errorMessage}`);
  const text = problems.join('; ') || response.status;
  return failures.some((f) => /consumer key/i.test(f.problem ?? '') && /(use|duplicate|unique)/i.test(f.problem ?? ''))
    ? messages.createError('error.ConsumerKeyTaken', [text], [], EXIT_CODES.orgRefused)
    : messages.createError('error.DeployFailed', [text], [], EXIT_CODES.orgRefused);
};

/**
 * One Metadata API deploy of the components, through Salesforce's own library (source-deploy-retrieve):
 * files written in source format, converted and zipped by it, deployed with rollbackOnError (all or
 * nothing), polled until done. No test level is sent, so the org decides: a package without Apex runs no
 * tests, in production too (NoTestRun is refused there).
 */
export const deployComponents = async (conn: Connection, components: DeployComponent[]): Promise<void> => {
  if (components.length === 0) return;
  // Loaded only when a deploy happens: it is large, and most commands never deploy.
  const { ComponentSet, RegistryAccess } = await import('@salesforce/source-deploy-retrieve');
  const registry = new RegistryAccess();
  const root = await mkdtemp(join(tmpdir(), 'jwtapp-deploy-'));
  try {
    for (const component of components) {
      const type = registry.getTypeByName(component.type);
      const folder = join(root, type.directoryName ?? component.type);
      // eslint-disable-next-line no-await-in-loop
      await mkdir(folder, { recursive: true });
      // eslint-disable-next-line no-await-in-loop
      await writeFile(
        join(folder, `${component.fullName}.${type.suffix ?? ''}-meta.xml`),
        metadataXml(component.type, component.record),
      );
    }
    const set = ComponentSet.fromSource(root);
    let deploy;
    try {
      deploy = await set.deploy({
        usernameOrConnection: conn,
        apiOptions: { rollbackOnError: true, singlePackage: true },
      });
    } catch (e) {
      // An outage is not a refusal: the caller reads the org again (the deploy may have been queued).
      if (isTransient(e)) throw e;
      throw messages.createError(
        'error.DeployFailed',
        [e instanceof Error ? e.message : String(e)],
        [],
        EXIT_CODES.orgRefused,
        e instanceof Error ? e : undefined,
      );
    }
    const result = await deploy.pollStatus({ frequency: Duration.seconds(1), timeout: Duration.minutes(10) });
    const response = result.response as unknown as DeployResponse;
    if (response.status !== 'Succeeded') throw deployFailure(response);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
};

/**
 * Deletes components with one destructive deploy (an empty package.xml and destructiveChanges.xml), the way
 * public tools remove External Client Apps; deleting an app deletes its components with it.
 */
export const deleteComponents = async (
  conn: Connection,
  components: Array<{ type: string; fullName: string }>,
): Promise<void> => {
  if (components.length === 0) return;
  const { default: JSZip } = await import('jszip');
  const version = conn.getApiVersion();
  const manifest = (types: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${METADATA_NS}">${types}<version>${version}</version></Package>`;
  const byType = new Map<string, string[]>();
  components.forEach((c) => byType.set(c.type, [...(byType.get(c.type) ?? []), c.fullName]));
  const zip = new JSZip();
  zip.file('package.xml', manifest(''));
  zip.file(
    'destructiveChanges.xml',
    manifest(
      [...byType]
        .map(
          ([type, names]) =>
            `<types>${names.map((n) => `<members>${n}</members>`).join('')}<name>${type}</name></types>`,
        )
        .join(''),
    ),
  );
  const { id } = await conn.metadata.deploy(await zip.generateAsync({ type: 'nodebuffer' }), {
    rollbackOnError: true,
    singlePackage: true,
  });
  const deadline = Date.now() + Duration.minutes(10).milliseconds;
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const status = (await conn.metadata.checkDeployStatus(id, true)) as unknown as DeployResponse & {
      done: boolean | string;
    };
    if (String(status.done) === 'true') {
      if (status.status !== 'Succeeded') throw deployFailure(status);
      return;
    }
    if (Date.now() > deadline)
      throw messages.createError(
        'error.DeployFailed',
        [`destructive deploy ${id} still running after 10 minutes`],
        [],
        EXIT_CODES.orgRefused,
      );
    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
};
