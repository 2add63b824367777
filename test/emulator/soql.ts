/**
 * The SOQL subset the plugin and the sf CLI send: field lists with parent relationships
 * (`PermissionSet.Name`), WHERE with `=`, `!=`, `IN`, `AND`, `OR` and parentheses, ORDER BY, LIMIT.
 * Anything else is refused the way Salesforce refuses it, so a query that works here is valid SOQL.
 */
import type { SObjectRow } from './org.js';

export type ObjectDefinition = {
  name: string;
  fields: string[];
  /** Fields of type dateTime: compared with dateTime literals (unquoted) and date literals (LAST_N_DAYS:n). */
  dateTimeFields?: string[];
  /** The only fields a WHERE may name, where the object restricts them (LoginHistory); all when absent. */
  filterable?: string[];
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
/** A dateTime literal (`2026-11-04T00:00:00Z`) or a date literal (`LAST_N_DAYS:30`), as the instant it stands for. */
type Instant = { kind: 'instant'; literal: string; range: (now: number) => [number, number] };
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';
type Condition =
  | { kind: 'compare'; field: string; op: Operator; value: Value | Instant }
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
    } else if ((c === '!' || c === '<' || c === '>') && soql[i + 1] === '=') {
      tokens.push({ type: 'punct', text: `${c}=` });
      i += 2;
    } else if (c === '<' || c === '>') {
      tokens.push({ type: 'punct', text: c });
      i++;
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

const OPERATORS: Operator[] = ['=', '!=', '<', '<=', '>', '>='];
/** SOQL's dateTime literal: `YYYY-MM-DDThh:mm:ss` with `Z` or an offset (SOQL Date Formats and Date Literals). */
const DATETIME_LITERAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

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
    if (op.type !== 'punct' || !OPERATORS.includes(op.text as Operator)) {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${op.text}'`);
    }
    return { kind: 'compare', field, op: op.text as Operator, value: this.comparand() };
  }

  /** A value, or a dateTime or date literal (unquoted, as SOQL writes them). */
  private comparand(): Value | Instant {
    const t = this.tokens[this.pos];
    if (t?.type === 'word' && DATETIME_LITERAL.test(t.text)) {
      this.pos++;
      const at = Date.parse(t.text);
      return { kind: 'instant', literal: t.text, range: () => [at, at] };
    }
    const days = t?.type === 'word' ? /^LAST_N_DAYS:(\d+)$/i.exec(t.text) : null;
    if (days) {
      this.pos++;
      // "Starts 00:00:00 of the current day and continues for the past n days" (SOQL Date Formats and Date
      // Literals), in the org's time zone: UTC here.
      const n = Number(days[1]);
      return {
        kind: 'instant',
        literal: t.text,
        range: (now): [number, number] => {
          const start = new Date(now);
          start.setUTCHours(0, 0, 0, 0);
          return [start.getTime() - n * 86_400_000, now];
        },
      };
    }
    return this.value();
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
  now: number = Date.now(),
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
        const { path, value } = resolve(root, row, cond.field);
        const dateTime = (root.dateTimeFields ?? []).includes(path[path.length - 1]) && path.length === 1;
        if (isInstant(cond.value) || dateTime) return compareInstant(path, value, cond, dateTime, now);
        if (cond.op !== '=' && cond.op !== '!=') return compareOrdered(value, cond.op, cond.value);
        const equal = sameValue(value, cond.value);
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
  for (const f of fieldsOf(query.where)) {
    const [name] = resolve(root, undefined, f).path;
    if (root.filterable && !root.filterable.includes(name))
      throw new SoqlError('INVALID_FIELD', `field '${name}' can not be filtered in query call`);
  }
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

const fieldsOf = (cond: Condition | undefined): string[] => {
  if (!cond) return [];
  return 'field' in cond ? [cond.field] : [...fieldsOf(cond.left), ...fieldsOf(cond.right)];
};

const isInstant = (v: Value | Instant): v is Instant => typeof v === 'object' && v !== null;

const ordered = (x: number | string, op: Operator, y: number | string): boolean =>
  op === '<'
    ? x < y
    : op === '<='
      ? x <= y
      : op === '>'
        ? x > y
        : op === '>='
          ? x >= y
          : op === '='
            ? x === y
            : x !== y;

const compareOrdered = (a: Value, op: Operator, b: Value | Instant): boolean => {
  if (a === null || b === null || isInstant(b)) return false;
  if (typeof a === 'number' && typeof b === 'number') return ordered(a, op, b);
  return ordered(String(a).toLowerCase(), op, String(b).toLowerCase());
};

/**
 * A dateTime field against a dateTime or date literal. A quoted value, or a literal against a field of another
 * type, is refused as Salesforce refuses it (INVALID_FIELD: "value of filter criterion for field 'X' must be of
 * type dateTime and should not be enclosed in quotes").
 */
const compareInstant = (
  path: string[],
  value: Value,
  cond: { field: string; op: Operator; value: Value | Instant },
  dateTime: boolean,
  now: number,
): boolean => {
  const field = path[path.length - 1];
  if (!dateTime || !isInstant(cond.value)) {
    throw new SoqlError(
      'INVALID_FIELD',
      dateTime
        ? `value of filter criterion for field '${field}' must be of type dateTime and should not be enclosed in quotes`
        : `value of filter criterion for field '${field}' must be of type string and should be enclosed in quotes`,
    );
  }
  if (value === null) return false;
  const at = Date.parse(String(value));
  // A date literal is a range (LAST_N_DAYS:n: from midnight n days ago to now): `=` is within it, `>` after
  // its end, `>=` from its start on (SOQL Date Formats and Date Literals); a dateTime literal is one instant.
  const [start, end] = cond.value.range(now);
  switch (cond.op) {
    case '=':
      return at >= start && at <= end;
    case '!=':
      return at < start || at > end;
    case '<':
      return at < start;
    case '<=':
      return at <= end;
    case '>':
      return at > end;
    case '>=':
      return at >= start;
  }
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
