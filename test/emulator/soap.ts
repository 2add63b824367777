import { XMLParser } from 'fast-xml-parser';
import { xml, type Reply } from './http.js';

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

/** A parsed XML element: text, or child elements by local name (repeated ones as arrays), attributes as `@name`. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

export type Envelope = { sessionId: string | undefined; operation: string; body: XmlNode };

export class SoapFault extends Error {
  public constructor(
    public readonly faultcode: string,
    public readonly faultstring: string,
  ) {
    super(faultstring);
  }
}

/**
 * The order of an element's children, kept under this key: the Metadata API validates every body against
 * the WSDL, whose types are sequences, so the order is part of what is checked.
 */
export const ORDER = '@order';

type OrderedEntry = Record<string, unknown>;

const parserOf = (trimValues: boolean): XMLParser =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues,
    processEntities: true,
    preserveOrder: true,
  });

/** fast-xml-parser's ordered form → an XmlNode, the children's names in document order under `@order`. */
const toNode = (entries: OrderedEntry[], attributes: Record<string, string> | undefined): XmlNode => {
  const node: { [name: string]: XmlNode | XmlNode[] } = {};
  const order: string[] = [];
  let text = '';
  for (const entry of entries) {
    if ('#text' in entry) {
      text += String(entry['#text']);
      continue;
    }
    const name = Object.keys(entry).find((k) => k !== ':@');
    if (name === undefined) continue;
    order.push(name);
    const child = toNode(entry[name] as OrderedEntry[], entry[':@'] as Record<string, string> | undefined);
    const previous = node[name];
    node[name] = previous === undefined ? child : Array.isArray(previous) ? [...previous, child] : [previous, child];
  }
  if (order.length === 0 && attributes === undefined) return text;
  Object.assign(node, attributes);
  // Whitespace between child elements is layout, not content.
  if (text.length > 0 && (order.length === 0 || text.trim().length > 0)) node['#text'] = text;
  if (order.length > 0) node[ORDER] = order;
  return node;
};

const parsers = { trimmed: parserOf(true), kept: parserOf(false) };

/**
 * Parses an XML document into its root elements by local name, each element's children in document order
 * under `@order`. Throws fast-xml-parser's error on malformed XML.
 */
export const parseXml = (text: string, { trim }: { trim: boolean }): Record<string, XmlNode> => {
  const entries = (trim ? parsers.trimmed : parsers.kept).parse(text, true) as OrderedEntry[];
  const root = toNode(entries, undefined);
  return typeof root === 'string' ? {} : (root as Record<string, XmlNode>);
};

/** Reads a SOAP 1.1 request: the SessionHeader's session Id and the Body's one operation element. */
export const parseEnvelope = (text: string): Envelope => {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(text, { trim: false });
  } catch (e) {
    throw new SoapFault('soapenv:Client', `Unable to parse the request: ${(e as Error).message}`);
  }
  const envelope = doc.Envelope as Record<string, unknown> | undefined;
  const body = envelope?.Body as Record<string, XmlNode> | undefined;
  if (!envelope || !body || typeof body !== 'object') {
    throw new SoapFault('soapenv:Client', 'The request is not a SOAP envelope');
  }
  const operations = Object.keys(body).filter((k) => !k.startsWith('@'));
  if (operations.length !== 1) throw new SoapFault('soapenv:Client', 'The SOAP body must hold exactly one operation');
  const header = envelope.Header as Record<string, unknown> | undefined;
  const sessionHeader = header?.SessionHeader as Record<string, unknown> | undefined;
  const sessionId = typeof sessionHeader?.sessionId === 'string' ? sessionHeader.sessionId.trim() : undefined;
  return { sessionId, operation: operations[0], body: body[operations[0]] };
};

/** The operation name a request log shows, without failing on a body that is not SOAP. */
export const soapOperationOf = (text: string): string | null => {
  const m = /<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z0-9_]+)/.exec(text);
  return m ? m[1] : null;
};

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const envelope = (body: string): string =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  `xmlns="${METADATA_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

export const soapResponse = (operation: string, resultsXml: string): Reply =>
  xml(200, envelope(`<${operation}Response>${resultsXml}</${operation}Response>`));

/** Salesforce answers faults with HTTP 500, `sf:CODE` fault codes, and `CODE: text` fault strings. */
export const soapFault = (fault: SoapFault): Reply =>
  xml(
    500,
    envelope(
      `<soapenv:Fault><faultcode>${escapeXml(fault.faultcode)}</faultcode>` +
        `<faultstring>${escapeXml(fault.faultstring)}</faultstring></soapenv:Fault>`,
    ),
  );

export const sfFault = (code: string, text: string): SoapFault => new SoapFault(`sf:${code}`, `${code}: ${text}`);

/** Child elements of a node as a list, whether the XML had none, one or several. */
export const children = (node: XmlNode | undefined, name: string): XmlNode[] => {
  if (node === undefined || typeof node === 'string') return [];
  const v = node[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
};

export const textOf = (node: XmlNode | undefined): string => {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  const t = node['#text'];
  return typeof t === 'string' ? t : '';
};
