import { XMLParser } from 'fast-xml-parser';
import { xml, type Reply } from './http.js';

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

/** A parsed XML element: text, or child elements by local name (repeated ones as arrays), attributes as `@name`. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

export type Envelope = { sessionId: string | undefined; operation: string; body: XmlNode };

export class SoapFault extends Error {
  public constructor(public readonly faultcode: string, public readonly faultstring: string) {
    super(faultstring);
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
});

/** Reads a SOAP 1.1 request: the SessionHeader's session Id and the Body's one operation element. */
export const parseEnvelope = (text: string): Envelope => {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text, true) as Record<string, unknown>;
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
        `<faultstring>${escapeXml(fault.faultstring)}</faultstring></soapenv:Fault>`
    )
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
