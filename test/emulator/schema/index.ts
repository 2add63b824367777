import { existsSync, readFileSync } from 'node:fs';
import { generateSchema, SCHEMA_FILE, typesPackage, writeSchema, type MetadataSchema } from './generate.js';

export type { FieldType, TypeDefinition, MetadataSchema } from './generate.js';

/**
 * The schema generated from `@salesforce/types` at build time; generated here when the build has not
 * made it yet, or made it from another version of the package than the one installed.
 */
const load = (): MetadataSchema => {
  const { source } = typesPackage();
  if (existsSync(SCHEMA_FILE)) {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as MetadataSchema;
    if (schema.source === source) return schema;
  }
  const schema = generateSchema();
  writeSchema(schema);
  return schema;
};

export const SCHEMA: MetadataSchema = load();
