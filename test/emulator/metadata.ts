import type { OrgState, User } from './org.js';
import {
  children,
  escapeXml,
  METADATA_NS,
  sfFault,
  SoapFault,
  soapResponse,
  textOf,
  type Envelope,
  type XmlNode,
} from './soap.js';
import { decode, encode, errorsXml, fileNameOf, limitComponents, typeDefinition } from './metadata-xml.js';
import type { ComponentStore } from './components.js';
import type { Reply } from './http.js';
import { DeployApi } from './deploy.js';
import { RetrieveApi } from './retrieve.js';

/**
 * The SOAP Metadata API (`/services/Soap/m/NN.N`): CRUD of the app, ECA and permission set types, list, deploy
 * and retrieve.
 * Its calls are decoded and answered here (the XML: metadata-xml.ts); the components are the store's (components.ts).
 */
export class MetadataApi {
  private readonly deploys: DeployApi;
  private readonly retrieves: RetrieveApi;

  public constructor(
    private readonly org: OrgState,
    private readonly components: ComponentStore,
  ) {
    this.deploys = new DeployApi(org, components);
    this.retrieves = new RetrieveApi(org, components);
  }

  public handle(envelope: Envelope, apiVersion: number, user: User): Reply {
    // The Metadata API as a whole needs "Modify All Data" or "Modify Metadata".
    if (!this.org.isAdmin(user)) {
      throw sfFault(
        'INSUFFICIENT_ACCESS',
        'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
      );
    }
    const op = envelope.operation;
    const body = envelope.body;
    switch (op) {
      case 'createMetadata':
      case 'updateMetadata':
      case 'upsertMetadata':
        return this.save(op, children(body, 'metadata'), apiVersion);
      case 'readMetadata':
        return this.read(textOf(children(body, 'type')[0]), children(body, 'fullNames').map(textOf), apiVersion);
      case 'deleteMetadata':
        return this.delete(textOf(children(body, 'type')[0]), children(body, 'fullNames').map(textOf), apiVersion);
      case 'listMetadata':
        return this.list(children(body, 'queries'), apiVersion);
      case 'deploy':
      case 'checkDeployStatus':
        return this.deploys.handle(envelope, apiVersion, user);
      case 'retrieve':
      case 'checkRetrieveStatus':
        return this.retrieves.handle(op, body, apiVersion);
      default:
        throw new SoapFault('soapenv:Client', `No operation available for request {${METADATA_NS}}${op}`);
    }
  }

  // ---- writes -------------------------------------------------------------------

  private save(
    op: 'createMetadata' | 'updateMetadata' | 'upsertMetadata',
    nodes: XmlNode[],
    apiVersion: number,
  ): Reply {
    limitComponents(nodes.length);
    const types = new Set(nodes.map((n) => (typeof n === 'string' ? '' : String(n['@type'] ?? ''))));
    const [type] = [...types];
    if (types.size !== 1 || !type) {
      throw sfFault('INVALID_TYPE', 'All components in one call must be of the same type, given as xsi:type');
    }
    const definition = typeDefinition(type, apiVersion);
    // Parse all before saving any: a malformed element fails the whole call, as a SOAP fault does.
    const bodies = nodes.map((n) => decode(n, definition, type, apiVersion));
    const outcomes = bodies.map((body) => this.components.saveOne(op, type, body));
    const results = outcomes
      .map((o) => {
        const created = op === 'upsertMetadata' ? `<created>${String(o.created ?? false)}</created>` : '';
        return `<result>${created}${errorsXml(o.errors)}<fullName>${escapeXml(o.fullName)}</fullName><success>${String(o.errors.length === 0)}</success></result>`;
      })
      .join('');
    return soapResponse(op, results);
  }

  // ---- reads --------------------------------------------------------------------

  private read(type: string, fullNames: string[], apiVersion: number): Reply {
    limitComponents(fullNames.length);
    const definition = typeDefinition(type, apiVersion);
    const records = fullNames
      .map((name) => {
        const body = this.components.read(type, name);
        return body
          ? `<records xsi:type="${type}">${encode(body, definition, type, apiVersion)}</records>`
          : '<records xsi:nil="true"/>';
      })
      .join('');
    return soapResponse('readMetadata', `<result>${records}</result>`);
  }

  private delete(type: string, fullNames: string[], apiVersion: number): Reply {
    limitComponents(fullNames.length);
    typeDefinition(type, apiVersion);
    const results = fullNames
      .map((name) => {
        const errors = this.components.deleteOne(type, name);
        return `<result>${errorsXml(errors)}<fullName>${escapeXml(name)}</fullName><success>${String(errors.length === 0)}</success></result>`;
      })
      .join('');
    return soapResponse('deleteMetadata', results);
  }

  private list(queries: XmlNode[], apiVersion: number): Reply {
    if (queries.length > 3) throw sfFault('INVALID_QUERY', 'listMetadata takes at most 3 queries');
    const admin = this.org.users[0];
    const props = queries.flatMap((q) => {
      const type = textOf(children(q, 'type')[0]);
      typeDefinition(type, apiVersion);
      return this.components.list(type).map((e) => {
        const stamp = e.modified || new Date(this.org.now()).toISOString();
        return (
          '<result>' +
          `<createdById>${admin.Id}</createdById><createdByName>${escapeXml(admin.Name)}</createdByName>` +
          `<createdDate>${e.created || stamp}</createdDate><fileName>${escapeXml(fileNameOf(type, e.fullName))}</fileName>` +
          `<fullName>${escapeXml(e.fullName)}</fullName><id>${e.id}</id>` +
          `<lastModifiedById>${admin.Id}</lastModifiedById><lastModifiedByName>${escapeXml(admin.Name)}</lastModifiedByName>` +
          `<lastModifiedDate>${stamp}</lastModifiedDate><manageableState>unmanaged</manageableState>` +
          `<type>${type}</type></result>`
        );
      });
    });
    return soapResponse('listMetadata', props.join(''));
  }
}
