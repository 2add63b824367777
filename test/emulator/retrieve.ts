import { RegistryAccess } from '@salesforce/source-deploy-retrieve';
import JSZip from 'jszip';
import type { OrgState } from './org.js';
import { encode, typeDefinition } from './metadata-xml.js';
import type { ComponentStore } from './components.js';
import { children, escapeXml, METADATA_NS, sfFault, soapResponse, textOf, type XmlNode } from './soap.js';
import type { Reply } from './http.js';

/**
 * The Metadata API's `retrieve` and `checkRetrieveStatus` (SOAP), as Salesforce answers them to jsforce: a
 * package of named members (`unpackaged`), queued and built in the background, polled until done; the result
 * a zip of package.xml and metadata-format files (`<folder>/<name>.<suffix>`, the type's root element, no
 * fullName), holding what readMetadata returns of each (the same secrets rules), and a message for each member
 * the org does not have. Sources and grades in docs/emulator.md.
 */

type RetrieveStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed';
type RetrieveMessage = { fileName: string; problem: string };
type FileProperty = { type: string; fullName: string; fileName: string; id: string };

type RetrieveJob = {
  id: string;
  status: RetrieveStatus;
  zipFile?: string;
  files: FileProperty[];
  messages: RetrieveMessage[];
  errorMessage?: string;
  errorStatusCode?: string;
};

/** "You can retrieve up to 10,000 files at once" (Metadata API Developer Guide, retrieve()). */
const MAX_FILES = 10_000;

export class RetrieveApi {
  private readonly jobs = new Map<string, RetrieveJob>();
  private readonly registry = new RegistryAccess();

  public constructor(
    private readonly org: OrgState,
    private readonly components: ComponentStore,
  ) {}

  public handle(operation: string, body: XmlNode, apiVersion: number): Reply {
    return operation === 'retrieve' ? this.retrieve(body, apiVersion) : this.checkRetrieveStatus(body);
  }

  private retrieve(body: XmlNode, urlVersion: number): Reply {
    // The WSDL names the parameter retrieveRequest; jsforce (and so source-deploy-retrieve and sf) sends it as
    // `request`, which real orgs accept: both are read.
    const request = children(body, 'retrieveRequest')[0] ?? children(body, 'request')[0];
    const version = Number(textOf(children(request, 'apiVersion')[0])) || urlVersion;
    const singlePackage = textOf(children(request, 'singlePackage')[0]).trim() === 'true';
    if (children(request, 'packageNames').length > 0 || children(request, 'specificFiles').length > 0)
      throw sfFault('INVALID_OPERATION', 'This emulator retrieves unpackaged members only');
    const members = children(children(request, 'unpackaged')[0], 'types').flatMap((t) => {
      const type = textOf(children(t, 'name')[0]).trim();
      typeDefinition(type, version);
      return children(t, 'members').map((m) => ({ type, fullName: textOf(m).trim() }));
    });
    if (members.length > MAX_FILES)
      throw sfFault('LIMIT_EXCEEDED', `Cannot retrieve more than ${MAX_FILES} files in one retrieve`);
    const job: RetrieveJob = { id: this.org.newId('RetrieveRequest'), status: 'Pending', files: [], messages: [] };
    this.jobs.set(job.id, job);
    // Salesforce queues the retrieve and answers at once; the zip is built before a later poll sees it done.
    void this.build(job, members, version, singlePackage).catch((e: unknown) => {
      Object.assign(job, {
        status: 'Failed',
        errorStatusCode: 'UNKNOWN_EXCEPTION',
        errorMessage: `emulator error: ${(e as Error).stack ?? String(e)}`,
      });
    });
    return soapResponse('retrieve', `<result><done>false</done><id>${job.id}</id><state>Queued</state></result>`);
  }

  private async build(
    job: RetrieveJob,
    members: Array<{ type: string; fullName: string }>,
    version: number,
    singlePackage: boolean,
  ): Promise<void> {
    Object.assign(job, { status: 'InProgress' });
    const root = singlePackage ? '' : 'unpackaged/';
    const zip = new JSZip();
    const byType = new Map<string, string[]>();
    for (const { type, fullName } of members) {
      const body = this.components.read(type, fullName);
      if (!body) {
        job.messages.push({
          fileName: `${root}package.xml`,
          problem: `Entity of type '${type}' named '${fullName}' cannot be found`,
        });
        continue;
      }
      const registered = this.registry.getTypeByName(type);
      const fileName = `${root}${registered.directoryName}/${fullName}.${registered.suffix ?? type}`;
      const { fullName: _name, ...fields } = body;
      void _name;
      zip.file(
        fileName,
        `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="${METADATA_NS}">${encode(fields, typeDefinition(type, version), type, version)}</${type}>\n`,
      );
      byType.set(type, [...(byType.get(type) ?? []), fullName]);
      job.files.push({ type, fullName, fileName, id: this.org.component(type, fullName)?.id ?? '' });
    }
    const types = [...byType]
      .map(
        ([name, names]) =>
          `<types>${names.map((n) => `<members>${escapeXml(n)}</members>`).join('')}<name>${name}</name></types>`,
      )
      .join('');
    zip.file(
      `${root}package.xml`,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${METADATA_NS}">${types}<version>${version.toFixed(1)}</version></Package>\n`,
    );
    const zipFile = (await zip.generateAsync({ type: 'nodebuffer' })).toString('base64');
    Object.assign(job, { zipFile, status: 'Succeeded' });
  }

  private checkRetrieveStatus(body: XmlNode): Reply {
    const id = textOf(children(body, 'asyncProcessId')[0]).trim();
    const includeZip = textOf(children(body, 'includeZip')[0]).trim().toLowerCase() !== 'false';
    const job = [...this.jobs.values()].find((j) => j.id === id || j.id.slice(0, 15) === id);
    if (!job) throw sfFault('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    const done = job.status === 'Succeeded' || job.status === 'Failed';
    const admin = this.org.users[0];
    const stamp = new Date(this.org.now()).toISOString();
    const files = done
      ? job.files
          .map(
            (f) =>
              `<fileProperties><createdById>${admin.Id}</createdById><createdByName>${escapeXml(admin.Name)}</createdByName>` +
              `<createdDate>${stamp}</createdDate><fileName>${escapeXml(f.fileName)}</fileName>` +
              `<fullName>${escapeXml(f.fullName)}</fullName><id>${f.id}</id>` +
              `<lastModifiedById>${admin.Id}</lastModifiedById><lastModifiedByName>${escapeXml(admin.Name)}</lastModifiedByName>` +
              `<lastModifiedDate>${stamp}</lastModifiedDate><manageableState>unmanaged</manageableState>` +
              `<type>${f.type}</type></fileProperties>`,
          )
          .join('')
      : '';
    const messages = done
      ? job.messages
          .map(
            (m) =>
              `<messages><fileName>${escapeXml(m.fileName)}</fileName><problem>${escapeXml(m.problem)}</problem></messages>`,
          )
          .join('')
      : '';
    const error = job.errorMessage
      ? `<errorMessage>${escapeXml(job.errorMessage)}</errorMessage><errorStatusCode>${job.errorStatusCode ?? ''}</errorStatusCode>`
      : '';
    const zip = done && includeZip && job.zipFile ? `<zipFile>${job.zipFile}</zipFile>` : '';
    return soapResponse(
      'checkRetrieveStatus',
      `<result><done>${String(done)}</done>${error}${files}<id>${job.id}</id>${messages}` +
        `<status>${job.status}</status><success>${String(job.status === 'Succeeded')}</success>${zip}</result>`,
    );
  }
}
