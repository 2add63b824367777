import { Messages } from '@salesforce/core';
import { appKindLabel, type Change } from './plan.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'setup');

const FIELD_NAMES: Record<string, string> = {
  certificate: 'certificate',
  scopes: 'OAuth scopes',
  permittedUsers: 'permitted users',
  permissionSets: 'pre-authorized permission sets',
  clientCredentials: 'client credentials flow',
};

/** One line per change, the same words in the dry-run plan and in the applied run's report. */
export const describeChange = (change: Change): string => {
  switch (change.kind) {
    case 'write-file':
      return messages.getMessage('change.writeFile', [change.what, change.path]);
    case 'create-user':
      return messages.getMessage('change.createUser', [change.username]);
    case 'create-permission-set':
      return messages.getMessage('change.createPermissionSet', [change.name]);
    case 'assign-permission-set':
      return messages.getMessage('change.assignPermissionSet', [change.permissionSet, change.username]);
    case 'create-app':
    case 'update-app':
      return messages.getMessage(change.kind === 'create-app' ? 'change.createApp' : 'change.updateApp', [
        appKindLabel(change.appKind),
        change.name,
        change.fields.map((f) => `${FIELD_NAMES[f.field] ?? f.field}: ${f.to}`).join('; '),
      ]);
  }
};

/** One change setup makes (or, with --dry-run, would make), as its --json result lists it. */
export type SetupChange = {
  kind: Change['kind'];
  /** What it changes: a file's path, a permission set's name, `<permission set> -> <user>`, an app's name. */
  target: string;
  description: string;
};

const targetOf = (change: Change): string => {
  switch (change.kind) {
    case 'write-file':
      return change.path;
    case 'create-user':
      return change.username;
    case 'create-permission-set':
      return change.name;
    case 'assign-permission-set':
      return `${change.permissionSet} -> ${change.username}`;
    case 'create-app':
    case 'update-app':
      return change.name;
  }
};

/** The public form of a planned change: what and where, in words; the plan's internals stay inside. */
export const publicChange = (change: Change): SetupChange => ({
  kind: change.kind,
  target: targetOf(change),
  description: describeChange(change),
});
