import { FIELD_ORDER, NESTED_TYPES } from './field-order.js';

/** A component's fields (metadata.ts's MetadataRecord, named here without importing it back). */
type MetadataRecord = Record<string, unknown>;

/**
 * A component with its fields, and the fields of every value nested in it, in the order the Metadata API
 * requires: a real org validates each SOAP body and deployed file against the WSDL, whose types are
 * sequences, and refuses an element out of place ("Element {…}X invalid at this location in type Y",
 * sfdx-hardis#1681). A merge adds fields at the end of what was read, so every write goes through here.
 *
 * A field this plugin's copy of the WSDL does not know (an org on a newer API version returned it) keeps
 * its place after the known field it followed, so it is sent back where the org put it.
 */
export const inWsdlOrder = (type: string, record: MetadataRecord): MetadataRecord => {
  const sequence = FIELD_ORDER[type];
  if (!sequence) return record;
  const nested = NESTED_TYPES[type] ?? {};
  let anchor = -1;
  const placed = Object.keys(record).map((key, read) => {
    const position = sequence.indexOf(key);
    if (position !== -1) anchor = position;
    return { key, position: position === -1 ? anchor + 0.5 : position, read };
  });
  placed.sort((a, b) => a.position - b.position || a.read - b.read);
  return Object.fromEntries(
    placed.map(({ key }) => {
      const value = record[key];
      const inner = nested[key];
      if (!inner) return [key, value];
      return [key, Array.isArray(value) ? value.map((v) => orderedValue(inner, v)) : orderedValue(inner, value)];
    }),
  );
};

const orderedValue = (type: string, value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? inWsdlOrder(type, value as MetadataRecord)
    : value;
