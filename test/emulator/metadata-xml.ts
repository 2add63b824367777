import {
  COMPLEX_TYPES,
  DOCUMENTED_VALUES,
  FIELD_MIN_API_VERSION,
  RETIRED_FIELDS,
  METADATA_TYPES,
  MIN_API_VERSION,
  type FieldType,
  type TypeDefinition,
} from './metadata-types.js';
import { escapeXml, METADATA_NS, ORDER, sfFault, SoapFault, textOf, type XmlNode } from './soap.js';
import type { MetadataBody, MetadataValue } from './org.js';

/*
 * Metadata components as the SOAP Metadata API carries them: each type's definition (of the API version asked
 * for), XML to plain data and back, what a definition alone says of a body (its required fields, its documented
 * values), and how a save is answered: a SaveResult with errors for a component refused, a SOAP fault for a call
 * refused as a whole.
 */

/** The Metadata API's per-call limit for the CRUD operations. */
const MAX_COMPONENTS_PER_CALL = 10;

export type SaveError = { statusCode: string; message: string; fields?: string[] };
export type SaveOutcome = { fullName: string; errors: SaveError[]; created?: boolean };

/** A component's save refused: thrown by a rule, answered as the errors of its SaveResult. */
export class SaveRefused extends Error {
  public constructor(public readonly error: SaveError) {
    super(error.message);
  }
}

export const refuse = (statusCode: string, message: string, fields?: string[]): never => {
  throw new SaveRefused({ statusCode, message, fields });
};

const FOLDERS: Record<string, [string, string]> = {
  ConnectedApp: ['connectedApps', 'connectedApp'],
  ExternalClientApplication: ['externalClientApps', 'eca'],
  ExtlClntAppOauthSettings: ['extlClntAppOauthSettings', 'ecaOauth'],
  ExtlClntAppGlobalOauthSettings: ['extlClntAppGlobalOauthSets', 'ecaGlblOauth'],
  ExtlClntAppOauthConfigurablePolicies: ['extlClntAppOauthPolicies', 'ecaOauthPlcy'],
  ExtlClntAppConfigurablePolicies: ['extlClntAppPolicies', 'ecaPlcy'],
  PermissionSet: ['permissionsets', 'permissionset'],
};

export const fileNameOf = (type: string, fullName: string): string => {
  const [folder, suffix] = FOLDERS[type] ?? [type, type];
  return `${folder}/${fullName}.${suffix}`;
};

export const limitComponents = (count: number): void => {
  if (count > MAX_COMPONENTS_PER_CALL) {
    throw sfFault(
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COMPONENTS_PER_CALL} records in this operation`,
    );
  }
};

export const typeDefinition = (type: string, apiVersion: number): TypeDefinition => {
  const definition = METADATA_TYPES[type];
  if (!definition || apiVersion < (MIN_API_VERSION[type] ?? 0)) {
    throw sfFault(
      'INVALID_TYPE',
      `Unknown type name '${type}' specified in the request at API version ${apiVersion.toFixed(1)}`,
    );
  }
  return definition;
};

const isNil = (node: XmlNode): boolean => typeof node === 'object' && node['@nil'] === 'true';

const invalidElement = (name: string, typeName: string): SoapFault =>
  new SoapFault('soapenv:Client', `Element {${METADATA_NS}}${name} invalid at this location in type ${typeName}`);

/** XML element → plain data of the field types, refusing what the WSDL (of that API version) does not allow. */
export const decode = (
  node: XmlNode,
  definition: TypeDefinition,
  typeName: string,
  apiVersion: number,
): MetadataBody => {
  const body: MetadataBody = {};
  if (typeof node === 'string') return body;
  checkOrder(node, definition, typeName);
  for (const [name, raw] of Object.entries(node)) {
    if (name.startsWith('@') || name === '#text') continue;
    const field = definition.fields[name];
    if (
      !field ||
      apiVersion < (FIELD_MIN_API_VERSION[typeName]?.[name] ?? 0) ||
      apiVersion > (RETIRED_FIELDS[typeName]?.[name]?.until ?? Infinity)
    ) {
      throw invalidElement(name, typeName);
    }
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => !isNil(v));
    if (typeof field === 'object' && 'list' in field) {
      body[name] = values.map((v) => decodeValue(v, field.list, name, apiVersion));
    } else {
      if (values.length > 1) throw invalidElement(name, typeName);
      if (values.length === 1) body[name] = decodeValue(values[0], field, name, apiVersion);
    }
  }
  return body;
};

/**
 * The WSDL's types are sequences: each element must come after the ones before it in its type, a repeated
 * element's values together. Salesforce refuses anything else with the same fault as an unknown element
 * (sfdx-hardis#1681 for `isNamedUserJwtEnabled`; "Error parsing file: Element {…}types invalid at this
 * location in type EmailServicesFunction" and ExpressionSetDefinition's "strict child-element order" in
 * public projects). The first element found before one it should follow is the one named.
 */
const checkOrder = (node: Exclude<XmlNode, string>, definition: TypeDefinition, typeName: string): void => {
  const sequence = Object.keys(definition.fields);
  const order = node[ORDER];
  let reached = -1;
  for (const name of Array.isArray(order) ? order : []) {
    const position = sequence.indexOf(String(name));
    if (position === -1) continue; // An unknown element is refused by name where the fields are read.
    if (position < reached) throw invalidElement(String(name), typeName);
    reached = position;
  }
};

const decodeValue = (node: XmlNode, field: FieldType, name: string, apiVersion: number): MetadataValue => {
  if (field === 'string') return textOf(node);
  if (field === 'boolean') {
    const t = textOf(node).trim();
    if (t !== 'true' && t !== 'false' && t !== '1' && t !== '0') {
      throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the type xsd:boolean`);
    }
    return t === 'true' || t === '1';
  }
  if (field === 'number') {
    // `@salesforce/types` has one `number` for the WSDL's xsd:int and xsd:double.
    const t = textOf(node).trim();
    if (!/^-?\d+(\.\d+)?$/.test(t))
      throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the type xsd:int`);
    return Number(t);
  }
  if ('enum' in field) {
    const t = textOf(node).trim();
    if (!field.values.includes(t)) {
      throw new SoapFault('soapenv:Client', `'${t}' is not a valid value for the enum '${field.enum}'`);
    }
    return t;
  }
  if ('complex' in field) return decode(node, COMPLEX_TYPES[field.complex], field.complex, apiVersion);
  throw new SoapFault('soapenv:Client', `Element ${name} cannot be a list here`);
};

/** Plain data → XML elements in WSDL order, without the fields the API version does not have yet. */
export const encode = (
  body: MetadataBody,
  definition: TypeDefinition,
  typeName = '',
  apiVersion = Number.POSITIVE_INFINITY,
): string =>
  Object.entries(definition.fields)
    .map(([name, field]) => {
      const value = body[name];
      if (
        value === undefined ||
        apiVersion < (FIELD_MIN_API_VERSION[typeName]?.[name] ?? 0) ||
        apiVersion > (RETIRED_FIELDS[typeName]?.[name]?.until ?? Infinity)
      )
        return '';
      const values = Array.isArray(value) ? value : [value];
      const inner = typeof field === 'object' && 'list' in field ? field.list : field;
      return values.map((v) => `<${name}>${encodeValue(v, inner)}</${name}>`).join('');
    })
    .join('');

const encodeValue = (value: MetadataValue, field: FieldType): string => {
  if (typeof field === 'object' && 'complex' in field && typeof value === 'object' && !Array.isArray(value)) {
    return encode(value, COMPLEX_TYPES[field.complex]);
  }
  return escapeXml(String(value));
};

export const errorsXml = (errors: SaveError[]): string =>
  errors
    .map(
      (e) =>
        `<errors>${(e.fields ?? []).map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}` +
        `<message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`,
    )
    .join('');

/** The first required field missing, nested complex fields included (`oauthConfig.callbackUrl`). */
export const missingRequired = (body: MetadataBody, definition: TypeDefinition, prefix = ''): string | undefined => {
  for (const field of definition.required) {
    if (body[field] === undefined || body[field] === '') return `${prefix}${field}`;
  }
  for (const [name, field] of Object.entries(definition.fields)) {
    const value = body[name];
    const inner = typeof field === 'object' && 'list' in field ? field.list : field;
    if (typeof inner !== 'object' || !('complex' in inner) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const nested = asBody(v);
      const missing = nested ? missingRequired(nested, COMPLEX_TYPES[inner.complex], `${prefix}${name}.`) : undefined;
      if (missing) return missing;
    }
  }
  return undefined;
};

/** A value Salesforce's documentation does not list for a string field that has a documented set. */
export const undocumentedValue = (
  body: MetadataBody,
  typeName: string,
  prefix = '',
): { field: string; value: string } | undefined => {
  const definition = COMPLEX_TYPES[typeName];
  for (const [name, value] of Object.entries(body)) {
    const allowed = DOCUMENTED_VALUES[typeName]?.[name];
    if (allowed && typeof value === 'string' && !allowed.test(value)) return { field: `${prefix}${name}`, value };
    const field = definition?.fields[name];
    const inner = typeof field === 'object' && 'list' in field ? field.list : field;
    if (typeof inner !== 'object' || !('complex' in inner)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const nested = asBody(v);
      const found = nested ? undocumentedValue(nested, inner.complex, `${prefix}${name}.`) : undefined;
      if (found) return found;
    }
  }
  return undefined;
};

export const asBody = (v: MetadataValue | undefined): MetadataBody | undefined =>
  typeof v === 'object' && !Array.isArray(v) ? v : undefined;

export const asStrings = (v: MetadataValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : typeof v === 'string' ? [v] : [];
