import { RegistryAccess } from '@salesforce/source-deploy-retrieve';
import JSZip from 'jszip';
import type { MetadataBody, OrgState, User } from './org.js';
import { decode, typeDefinition } from './metadata-xml.js';
import type { ComponentStore } from './components.js';
import { COMPLEX_TYPES, ECA_TYPES } from './metadata-types.js';
import {
  children,
  escapeXml,
  parseXml,
  SoapFault,
  sfFault,
  soapResponse,
  textOf,
  type Envelope,
  type XmlNode,
} from './soap.js';
import type { Reply } from './http.js';

/**
 * The Metadata API's `deploy` and `checkDeployStatus` (SOAP), as Salesforce answers them to jsforce and
 * source-deploy-retrieve: a zip of a package.xml and metadata-format files, processed in the background,
 * all-or-nothing under rollbackOnError, polled until done. Sources in docs/emulator.md.
 */

type DeployStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'SucceededPartial' | 'Failed';

type DeployMessage = {
  changed: boolean;
  deleted?: boolean;
  componentType: string;
  created: boolean;
  fileName: string;
  fullName: string;
  id?: string;
  problem?: string;
  problemType?: 'Error' | 'Warning';
  success: boolean;
};

type DeployJob = {
  id: string;
  createdBy: User;
  createdDate: string;
  startDate?: string;
  completedDate?: string;
  options: DeployOptions;
  status: DeployStatus;
  errorMessage?: string;
  errorStatusCode?: string;
  successes: DeployMessage[];
  failures: DeployMessage[];
};

type DeployOptions = {
  checkOnly: boolean;
  ignoreWarnings: boolean;
  rollbackOnError: boolean;
  singlePackage: boolean;
  purgeOnDelete: boolean;
  testLevel: string | undefined;
  runTests: string[];
};

/** Salesforce deploys a package's components in dependency order: an app before the components that name it. */
const DEPLOY_ORDER: readonly string[] = [
  'ExternalClientAppSettings',
  'PermissionSet',
  'ConnectedApp',
  ...ECA_TYPES,
  'BlacklistedConsumer',
];

const registry = new RegistryAccess();

const optionsOf = (node: XmlNode | undefined): DeployOptions => {
  const known = COMPLEX_TYPES.DeployOptions.fields;
  const options: DeployOptions = {
    checkOnly: false,
    ignoreWarnings: false,
    // The server's default is false; clients (source-deploy-retrieve, sf) send true.
    rollbackOnError: false,
    singlePackage: false,
    purgeOnDelete: false,
    testLevel: undefined,
    runTests: [],
  };
  if (node === undefined || typeof node === 'string') return options;
  for (const name of Object.keys(node)) {
    if (name.startsWith('@') || name === '#text') continue;
    if (!known[name]) {
      throw new SoapFault(
        'soapenv:Client',
        `Element {http://soap.sforce.com/2006/04/metadata}${name} invalid at this location in type DeployOptions`,
      );
    }
  }
  const flag = (name: keyof DeployOptions): boolean | undefined => {
    const value = children(node, name)[0];
    if (value === undefined) return undefined;
    const text = textOf(value).trim().toLowerCase();
    if (text !== 'true' && text !== 'false')
      throw new SoapFault('soapenv:Client', `'${textOf(value)}' is not a valid value for the type xsd:boolean`);
    return text === 'true';
  };
  for (const name of ['checkOnly', 'ignoreWarnings', 'rollbackOnError', 'singlePackage', 'purgeOnDelete'] as const) {
    const value = flag(name);
    if (value !== undefined) options[name] = value;
  }
  const level = children(node, 'testLevel')[0];
  if (level !== undefined) {
    const text = textOf(level).trim();
    const field = known.testLevel;
    if (typeof field === 'object' && 'enum' in field && !field.values.includes(text)) {
      throw new SoapFault('soapenv:Client', `'${text}' is not a valid value for the enum 'TestLevel'`);
    }
    options.testLevel = text;
  }
  options.runTests = children(node, 'runTests').map(textOf);
  return options;
};

export class DeployApi {
  private readonly jobs = new Map<string, DeployJob>();

  public constructor(
    private readonly org: OrgState,
    private readonly components: ComponentStore,
  ) {}

  public handle(envelope: Envelope, apiVersion: number, user: User): Reply {
    if (envelope.operation === 'deploy') return this.deploy(envelope.body, apiVersion, user);
    return this.checkDeployStatus(envelope.body);
  }

  private deploy(body: XmlNode, apiVersion: number, user: User): Reply {
    const options = optionsOf(children(body, 'DeployOptions')[0]);
    if (!this.org.options.sandbox) {
      // Production's rules, enforced before the deploy is queued, whatever the package holds.
      if (options.testLevel === 'NoTestRun') {
        throw sfFault('INVALID_OPERATION', 'testLevel of NoTestRun cannot be used in production organizations');
      }
      if (!options.rollbackOnError)
        throw sfFault('INVALID_OPERATION', 'rollbackOnError option must be true on a production org');
      if (options.purgeOnDelete)
        throw sfFault('INVALID_OPERATION', 'purgeOnDelete option can only be used on a non-active org');
    }
    const zip = textOf(children(body, 'ZipFile')[0]).trim();
    const job: DeployJob = {
      id: this.org.newId('DeployRequest'),
      createdBy: user,
      createdDate: this.stamp(),
      options,
      status: 'Pending',
      successes: [],
      failures: [],
    };
    this.jobs.set(job.id, job);
    // Salesforce queues the deploy and answers at once; the work happens before a later poll sees it done.
    void this.run(job, zip, apiVersion).catch((e: unknown) => {
      this.update(job, {
        status: 'Failed',
        errorStatusCode: 'UNKNOWN_EXCEPTION',
        errorMessage: `emulator error: ${(e as Error).stack ?? String(e)}`,
        completedDate: this.stamp(),
      });
    });
    return soapResponse('deploy', `<result><done>false</done><id>${job.id}</id><state>Queued</state></result>`);
  }

  private async run(job: DeployJob, zipBase64: string, urlVersion: number): Promise<void> {
    let zip: JSZip;
    try {
      zip = await JSZip.loadAsync(Buffer.from(zipBase64, 'base64'));
    } catch {
      this.finish(job, [], [packageFailure('package.xml', 'Unable to read the zip file')]);
      return;
    }
    this.update(job, { status: 'InProgress', startDate: this.stamp() });
    const files = new Map<string, string>();
    for (const entry of Object.values(zip.files)) {
      // eslint-disable-next-line no-await-in-loop
      if (!entry.dir) files.set(entry.name, await entry.async('string'));
    }
    const root = job.options.singlePackage
      ? ''
      : ([...files.keys()].find((f) => /^[^/]+\/package\.xml$/.test(f))?.replace(/package\.xml$/, '') ?? '');
    const manifest = files.get(`${root}package.xml`);
    if (manifest === undefined) {
      this.finish(job, [], [packageFailure('package.xml', 'No package.xml found')]);
      return;
    }
    const { members, version, problem } = parseManifest(manifest);
    if (problem) {
      this.finish(job, [], [packageFailure(`${root}package.xml`, problem)]);
      return;
    }
    const successes: DeployMessage[] = [packageSuccess(`${root}package.xml`)];
    const { components, failures } = readComponents(members, root, files, version ?? urlVersion);
    const restore = this.org.snapshot();
    this.applyDeletions(destructiveMembers(root, files), successes, failures);
    this.applyComponents(components, successes, failures);
    const refused = this.org.takeRefusal('deploy');
    if (refused && components.length > 0) {
      const [first] = components;
      failures.push(failure(first.type, String(first.body.fullName), first.fileName, refused));
    }
    if (job.options.checkOnly || (failures.length > 0 && job.options.rollbackOnError)) restore();
    this.finish(job, successes, failures);
  }

  /** destructiveChanges.xml (and its Pre/Post forms): what the deploy deletes. */
  private applyDeletions(
    deletions: Array<{ typeName: string; member: string; fileName: string }>,
    successes: DeployMessage[],
    failures: DeployMessage[],
  ): void {
    for (const deletion of deletions) {
      const errors =
        deletion.typeName === 'Settings'
          ? [{ statusCode: 'INVALID_OPERATION', message: 'Settings cannot be deleted' }]
          : this.components.deleteOne(deletion.typeName, deletion.member);
      if (errors.length > 0)
        failures.push(
          failure(deletion.typeName, deletion.member, deletion.fileName, errors.map((e) => e.message).join('; ')),
        );
      else
        successes.push({
          changed: false,
          componentType: deletion.typeName,
          created: false,
          deleted: true,
          fileName: deletion.fileName,
          fullName: deletion.member,
          success: true,
        });
    }
  }

  /** Each component saved as an upsert, in the order Salesforce resolves their dependencies. */
  private applyComponents(components: ParsedComponent[], successes: DeployMessage[], failures: DeployMessage[]): void {
    const ordered = [...components].sort((a, b) => DEPLOY_ORDER.indexOf(a.type) - DEPLOY_ORDER.indexOf(b.type));
    const outcomes = this.components.deployAll(ordered);
    for (const [i, component] of ordered.entries()) {
      const outcome = outcomes[i];
      if (outcome.errors.length > 0) {
        failures.push(
          failure(
            component.type,
            outcome.fullName,
            component.fileName,
            outcome.errors.map((e) => e.message).join('; '),
          ),
        );
      } else {
        successes.push({
          changed: !outcome.created,
          componentType: component.type,
          created: outcome.created ?? false,
          fileName: component.fileName,
          fullName: outcome.fullName,
          id: this.org.component(component.type, outcome.fullName)?.id,
          success: true,
        });
      }
    }
  }

  private finish(job: DeployJob, successes: DeployMessage[], failures: DeployMessage[]): void {
    this.update(job, {
      successes,
      failures,
      status:
        failures.length === 0
          ? 'Succeeded'
          : job.options.rollbackOnError || successes.length <= 1
            ? 'Failed'
            : 'SucceededPartial',
      startDate: job.startDate ?? this.stamp(),
      completedDate: this.stamp(),
    });
  }

  /** A job changes as the deploy runs; polls read its latest state. */
  private update(job: DeployJob, change: Partial<DeployJob>): void {
    Object.assign(job, change);
  }

  private checkDeployStatus(body: XmlNode): Reply {
    const id = textOf(children(body, 'asyncProcessId')[0]).trim();
    const includeDetails = textOf(children(body, 'includeDetails')[0]).trim().toLowerCase() === 'true';
    const job = [...this.jobs.values()].find((j) => j.id === id || j.id.slice(0, 15) === id);
    if (!job) throw sfFault('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    const done = job.status !== 'Pending' && job.status !== 'InProgress';
    // package.xml is reported among the successes but not counted.
    const components = job.successes.filter(
      (m) => m.fileName !== 'package.xml' && !m.fileName.endsWith('/package.xml'),
    );
    const details = includeDetails
      ? `<details>${job.failures.map((m) => message('componentFailures', m, job.createdDate)).join('')}` +
        `${job.successes.map((m) => message('componentSuccesses', m, job.createdDate)).join('')}` +
        '<runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun><totalTime>0.0</totalTime></runTestResult></details>'
      : '';
    const fields =
      `<checkOnly>${String(job.options.checkOnly)}</checkOnly>` +
      (job.completedDate ? `<completedDate>${job.completedDate}</completedDate>` : '') +
      `<createdBy>${job.createdBy.Id.slice(0, 15)}</createdBy><createdByName>${escapeXml(job.createdBy.Name)}</createdByName>` +
      `<createdDate>${job.createdDate}</createdDate>${details}<done>${String(done)}</done>` +
      (job.errorMessage
        ? `<errorMessage>${escapeXml(job.errorMessage)}</errorMessage><errorStatusCode>${job.errorStatusCode ?? ''}</errorStatusCode>`
        : '') +
      `<id>${job.id}</id><ignoreWarnings>${String(job.options.ignoreWarnings)}</ignoreWarnings>` +
      `<lastModifiedDate>${job.completedDate ?? job.startDate ?? job.createdDate}</lastModifiedDate>` +
      `<numberComponentErrors>${job.failures.length}</numberComponentErrors>` +
      `<numberComponentsDeployed>${components.length}</numberComponentsDeployed>` +
      `<numberComponentsTotal>${components.length + job.failures.length}</numberComponentsTotal>` +
      '<numberTestErrors>0</numberTestErrors><numberTestsCompleted>0</numberTestsCompleted><numberTestsTotal>0</numberTestsTotal>' +
      `<rollbackOnError>${String(job.options.rollbackOnError)}</rollbackOnError><runTestsEnabled>false</runTestsEnabled>` +
      (job.startDate ? `<startDate>${job.startDate}</startDate>` : '') +
      `<status>${job.status}</status><success>${String(job.status === 'Succeeded' || job.status === 'SucceededPartial')}</success>`;
    return soapResponse('checkDeployStatus', `<result>${fields}</result>`);
  }

  private stamp(): string {
    return new Date(this.org.now()).toISOString();
  }
}

/** `Settings` members deploy as `<Member>Settings` components. */
const SETTINGS_MEMBER: Record<string, string> = { ExternalClientAppSettings: 'ExternalClientApp' };

const packageSuccess = (fileName: string): DeployMessage => ({
  changed: true,
  componentType: '',
  created: false,
  fileName,
  fullName: 'package.xml',
  success: true,
});

const packageFailure = (fileName: string, problem: string): DeployMessage => ({
  changed: false,
  componentType: '',
  created: false,
  fileName,
  fullName: 'package.xml',
  problem,
  problemType: 'Error',
  success: false,
});

const failure = (componentType: string, fullName: string, fileName: string, problem: string): DeployMessage => ({
  changed: false,
  componentType,
  created: false,
  fileName,
  fullName,
  problem,
  problemType: 'Error',
  success: false,
});

const message = (element: string, m: DeployMessage, createdDate: string): string =>
  `<${element}><changed>${String(m.changed)}</changed><componentType>${escapeXml(m.componentType)}</componentType>` +
  `<created>${String(m.created)}</created><createdDate>${createdDate}</createdDate><deleted>${String(m.deleted ?? false)}</deleted>` +
  `<fileName>${escapeXml(m.fileName)}</fileName><fullName>${escapeXml(m.fullName)}</fullName>` +
  (m.id ? `<id>${m.id}</id>` : '') +
  (m.problem
    ? `<problem>${escapeXml(m.problem)}</problem><problemType>${m.problemType ?? 'Error'}</problemType>`
    : '') +
  `<success>${String(m.success)}</success></${element}>`;

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const parseManifest = (
  text: string,
): { members: Array<{ typeName: string; member: string }>; version: number | undefined; problem?: string } => {
  let parsed: { Package?: { types?: unknown; version?: unknown } };
  try {
    parsed = parseXml(text, { trim: true }) as typeof parsed;
  } catch (e) {
    return { members: [], version: undefined, problem: `package.xml is not valid XML: ${(e as Error).message}` };
  }
  if (!parsed.Package)
    return { members: [], version: undefined, problem: 'The root element of package.xml must be Package' };
  const types = asList(parsed.Package.types as Array<{ name?: string; members?: string | string[] }>);
  const version = parsed.Package.version === undefined ? undefined : Number(parsed.Package.version);
  const members = types.flatMap((t) =>
    asList(t.members).map((member) => ({ typeName: String(t.name ?? ''), member: String(member) })),
  );
  return { members, version };
};

const parseFile = (text: string): Record<string, XmlNode> => {
  try {
    return parseXml(text, { trim: true });
  } catch (e) {
    throw new SoapFault('soapenv:Client', (e as Error).message);
  }
};

type ParsedComponent = { type: string; body: MetadataBody; fileName: string };

/** The members' files, parsed and checked against the WSDL of the package's API version. */
const readComponents = (
  members: Array<{ typeName: string; member: string }>,
  root: string,
  files: Map<string, string>,
  apiVersion: number,
): { components: ParsedComponent[]; failures: DeployMessage[] } => {
  const components: ParsedComponent[] = [];
  const failures: DeployMessage[] = [];
  for (const { typeName, member } of members) {
    const located = locate(typeName, member, root, files);
    if ('problem' in located) {
      failures.push(failure(typeName, member, located.fileName, located.problem));
      continue;
    }
    try {
      typeDefinition(located.type, apiVersion);
      const node = parseFile(located.text)[located.type];
      if (node === undefined)
        throw new SoapFault('soapenv:Client', `The root element of ${located.fileName} must be ${located.type}`);
      components.push({
        type: located.type,
        body: { ...decode(node, COMPLEX_TYPES[located.type], located.type, apiVersion), fullName: member },
        fileName: located.fileName,
      });
    } catch (e) {
      if (!(e instanceof SoapFault)) throw e;
      // A file the WSDL refuses is reported as Salesforce reports it in a deploy: "Error parsing file: Element {…}X
      // invalid at this location in type Y" (public projects quote it for EmailServicesFunction, ListView, NamedCredential).
      failures.push(
        failure(
          typeName,
          member,
          located.fileName,
          e.faultcode === 'soapenv:Client' ? `Error parsing file: ${e.faultstring}` : e.faultstring,
        ),
      );
    }
  }
  return { components, failures };
};

const destructiveMembers = (
  root: string,
  files: Map<string, string>,
): Array<{ typeName: string; member: string; fileName: string }> =>
  ['destructiveChangesPre.xml', 'destructiveChanges.xml', 'destructiveChangesPost.xml'].flatMap((name) => {
    const text = files.get(`${root}${name}`);
    return text === undefined ? [] : parseManifest(text).members.map((m) => ({ ...m, fileName: `${root}${name}` }));
  });

type Located = { type: string; fileName: string; text: string } | { fileName: string; problem: string };

/** The file of a package.xml member, by the folder and suffix Salesforce's registry gives its type. */
const locate = (typeName: string, member: string, root: string, files: Map<string, string>): Located => {
  const notFound = (): Located => ({
    fileName: `${root}package.xml`,
    problem: `An object '${member}' of type ${typeName} was named in package.xml, but was not found in zipped directory`,
  });
  let type: { name: string; directoryName?: string; suffix?: string } | undefined;
  try {
    type = registry.getTypeByName(typeName);
  } catch {
    return { fileName: `${root}package.xml`, problem: `Unknown type name '${typeName}' specified in package.xml` };
  }
  const componentType =
    typeName === 'Settings' ? Object.keys(SETTINGS_MEMBER).find((t) => SETTINGS_MEMBER[t] === member) : type.name;
  if (!componentType || !COMPLEX_TYPES[componentType]) {
    return {
      fileName: `${root}package.xml`,
      problem: `Not available for deploy for this organization: ${typeName} ${member}`,
    };
  }
  const fileName = `${root}${type.directoryName ?? ''}/${member}.${type.suffix ?? ''}`;
  const text = files.get(fileName);
  return text === undefined ? notFound() : { type: componentType, fileName, text };
};
