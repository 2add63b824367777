/**
 * The SOQL subset the plugin and the sf CLI send: field lists with parent relationships
 * (`PermissionSet.Name`), WHERE with `=`, `!=`, `IN`, `AND`, `OR` and parentheses, ORDER BY, LIMIT.
 * Anything else is refused the way Salesforce refuses it, so a query that works here is valid SOQL.
 */
import type { SObjectRow } from './org.js';

export type ObjectDefinition = {
  name: string;
  fields: string[];
  /** Parent relationships: `PermissionSet` → the row of PermissionSet whose Id is this row's PermissionSetId. */
  parents?: Record<string, { field: string; object: string }>;
  rows: () => SObjectRow[];
};

export class SoqlError extends Error {
  public constructor(
    public readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_TYPE' | 'INVALID_FIELD',
    message: string,
  ) {
    super(message);
  }
}

type Value = string | number | boolean | null;
type Condition =
  | { kind: 'compare'; field: string; op: '=' | '!='; value: Value }
  | { kind: 'in'; field: string; negated: boolean; values: Value[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition };

export type Query = {
  fields: string[];
  object: string;
  where?: Condition;
  orderBy?: { field: string; descending: boolean };
  limit?: number;
};

type Token = { type: 'word' | 'string' | 'number' | 'punct'; text: string };

const tokenize = (soql: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      while (i < soql.length && soql[i] !== "'") {
        if (soql[i] === '\\' && i + 1 < soql.length) i++;
        text += soql[i++];
      }
      if (i >= soql.length)
        throw new SoqlError('MALFORMED_QUERY', 'unexpected token: end of query (unterminated string)');
      i++;
      tokens.push({ type: 'string', text });
    } else if (c === '!' && soql[i + 1] === '=') {
      tokens.push({ type: 'punct', text: '!=' });
      i += 2;
    } else if ('=(),'.includes(c)) {
      tokens.push({ type: 'punct', text: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.\-:]+/.exec(soql.slice(i));
      if (!m) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${c}'`);
      tokens.push({ type: /^-?\d+(\.\d+)?$/.test(m[0]) ? 'number' : 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
};

class Parser {
  private pos = 0;
  public constructor(private readonly tokens: Token[]) {}

  public parse(): Query {
    this.keyword('SELECT');
    const fields = [this.identifier()];
    while (this.peekPunct(',')) {
      this.pos++;
      fields.push(this.identifier());
    }
    this.keyword('FROM');
    const query: Query = { fields, object: this.identifier() };
    if (this.peekKeyword('WHERE')) {
      this.pos++;
      query.where = this.orExpression();
    }
    if (this.peekKeyword('ORDER')) {
      this.pos++;
      this.keyword('BY');
      const field = this.identifier();
      let descending = false;
      if (this.peekKeyword('ASC') || this.peekKeyword('DESC')) descending = this.next().text.toUpperCase() === 'DESC';
      query.orderBy = { field, descending };
    }
    if (this.peekKeyword('LIMIT')) {
      this.pos++;
      const n = this.next();
      if (n.type !== 'number') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${n.text}'`);
      query.limit = Number(n.text);
    }
    if (this.pos < this.tokens.length) {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${this.tokens[this.pos].text}'`);
    }
    return query;
  }

  private orExpression(): Condition {
    let left = this.andExpression();
    while (this.peekKeyword('OR')) {
      this.pos++;
      left = { kind: 'or', left, right: this.andExpression() };
    }
    return left;
  }

  private andExpression(): Condition {
    let left = this.term();
    while (this.peekKeyword('AND')) {
      this.pos++;
      left = { kind: 'and', left, right: this.term() };
    }
    return left;
  }

  private term(): Condition {
    if (this.peekPunct('(')) {
      this.pos++;
      const inner = this.orExpression();
      this.punct(')');
      return inner;
    }
    const field = this.identifier();
    const negated = this.peekKeyword('NOT');
    if (negated) this.pos++;
    if (this.peekKeyword('IN')) {
      this.pos++;
      this.punct('(');
      const values = [this.value()];
      while (this.peekPunct(',')) {
        this.pos++;
        values.push(this.value());
      }
      this.punct(')');
      return { kind: 'in', field, negated, values };
    }
    const op = this.next();
    if (op.type !== 'punct' || (op.text !== '=' && op.text !== '!=')) {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${op.text}'`);
    }
    return { kind: 'compare', field, op: op.text, value: this.value() };
  }

  private value(): Value {
    const t = this.next();
    if (t.type === 'string') return t.text;
    if (t.type === 'number') return Number(t.text);
    const word = t.text.toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`);
  }

  private identifier(): string {
    const t = this.next();
    if (t.type !== 'word') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`);
    return t.text;
  }

  private keyword(word: string): void {
    const t = this.next();
    if (t.type !== 'word' || t.text.toUpperCase() !== word) {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`);
    }
  }

  private punct(p: string): void {
    const t = this.next();
    if (t.type !== 'punct' || t.text !== p) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.text}'`);
  }

  private peekKeyword(word: string): boolean {
    const t = this.tokens[this.pos];
    return t?.type === 'word' && t.text.toUpperCase() === word;
  }

  private peekPunct(p: string): boolean {
    const t = this.tokens[this.pos];
    return t?.type === 'punct' && t.text === p;
  }

  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new SoqlError('MALFORMED_QUERY', 'unexpected token: end of query');
    return t;
  }
}

export const parseSoql = (soql: string): Query => new Parser(tokenize(soql)).parse();

export type QueryRecord = { attributes: { type: string; url: string } } & Record<string, unknown>;

/** Runs a parsed query over the emulator's objects, with Salesforce's refusals for unknown names. */
export const runQuery = (
  soql: string,
  objects: ObjectDefinition[],
  recordUrl: (object: string, id: string) => string,
): QueryRecord[] => {
  const query = parseSoql(soql);
  const lookup = (name: string): ObjectDefinition | undefined =>
    objects.find((o) => o.name.toLowerCase() === name.toLowerCase());
  const root = lookup(query.object);
  if (!root) {
    throw new SoqlError(
      'INVALID_TYPE',
      `sObject type '${query.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }

  /** Resolves `A.B.Field` on a row to [canonical path, value], refusing names the object does not have. */
  const resolve = (
    def: ObjectDefinition,
    row: SObjectRow | undefined,
    path: string,
  ): { path: string[]; value: Value } => {
    const [head, ...rest] = path.split('.');
    if (rest.length === 0) {
      const field = def.fields.find((f) => f.toLowerCase() === head.toLowerCase());
      if (!field) {
        throw new SoqlError(
          'INVALID_FIELD',
          `No such column '${head}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      return { path: [field], value: row ? (row[field] ?? null) : null };
    }
    const relName = Object.keys(def.parents ?? {}).find((r) => r.toLowerCase() === head.toLowerCase());
    const rel = relName ? def.parents?.[relName] : undefined;
    const parentDef = rel ? lookup(rel.object) : undefined;
    if (!relName || !rel || !parentDef) {
      throw new SoqlError(
        'INVALID_FIELD',
        `Didn't understand relationship '${head}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const parentId = row?.[rel.field];
    const parentRow = parentId ? parentDef.rows().find((r) => r.Id === parentId) : undefined;
    const inner = resolve(parentDef, parentRow, rest.join('.'));
    return { path: [relName, ...inner.path], value: parentRow ? inner.value : null };
  };

  const matches = (row: SObjectRow, cond: Condition | undefined): boolean => {
    if (!cond) return true;
    switch (cond.kind) {
      case 'and':
        return matches(row, cond.left) && matches(row, cond.right);
      case 'or':
        return matches(row, cond.left) || matches(row, cond.right);
      case 'compare': {
        const equal = sameValue(resolve(root, row, cond.field).value, cond.value);
        return cond.op === '=' ? equal : !equal;
      }
      case 'in': {
        const found = cond.values.some((v) => sameValue(resolve(root, row, cond.field).value, v));
        return cond.negated ? !found : found;
      }
    }
  };

  // Validate every name before reading rows, as Salesforce does even when no row matches.
  for (const f of query.fields) resolve(root, undefined, f);
  if (query.orderBy) resolve(root, undefined, query.orderBy.field);
  matches({}, query.where);

  let rows = root.rows().filter((row) => matches(row, query.where));
  if (query.orderBy) {
    const { field, descending } = query.orderBy;
    rows = [...rows].sort((a, b) => {
      const x = String(resolve(root, a, field).value ?? '');
      const y = String(resolve(root, b, field).value ?? '');
      return descending ? y.localeCompare(x) : x.localeCompare(y);
    });
  }
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);

  return rows.map((row) => {
    const record: QueryRecord = { attributes: { type: root.name, url: recordUrl(root.name, String(row.Id)) } };
    for (const f of query.fields) {
      const { path, value } = resolve(root, row, f);
      setPath(record, path, value, root, row, lookup, recordUrl);
    }
    return record;
  });
};

const sameValue = (a: Value, b: Value): boolean => {
  if (typeof a === 'string' && typeof b === 'string') {
    // Salesforce Ids compare in 15 or 18 characters; other strings compare case-insensitively.
    return a.toLowerCase() === b.toLowerCase() || (a.length === 18 && b.length === 15 && a.startsWith(b));
  }
  return a === b;
};

/**
 * Puts a resolved value into the record being built, nesting parent relationships as Salesforce does.
 * It fills in the record it is given: that record is this module's own, made a few lines above.
 */
/* eslint-disable no-param-reassign */
const setPath = (
  record: Record<string, unknown>,
  path: string[],
  value: Value,
  def: ObjectDefinition,
  row: SObjectRow,
  lookup: (name: string) => ObjectDefinition | undefined,
  recordUrl: (object: string, id: string) => string,
): void => {
  if (path.length === 1) {
    record[path[0]] = value;
    return;
  }
  const rel = def.parents?.[path[0]];
  const parentDef = rel ? lookup(rel.object) : undefined;
  const parentId = rel ? row[rel.field] : null;
  const parentRow = parentDef && parentId ? parentDef.rows().find((r) => r.Id === parentId) : undefined;
  if (!parentDef || !parentRow) {
    record[path[0]] = null;
    return;
  }
  const existing = record[path[0]];
  const child =
    typeof existing === 'object' && existing !== null
      ? (existing as Record<string, unknown>)
      : { attributes: { type: parentDef.name, url: recordUrl(parentDef.name, String(parentRow.Id)) } };
  record[path[0]] = child;
  setPath(child, path.slice(1), value, parentDef, parentRow, lookup, recordUrl);
};
/* eslint-enable no-param-reassign */
