import { Messages } from '@salesforce/core';
import { appLabelProblem, appNameProblem, permissionSetLabelFor, permissionSetNameProblem } from '../apps/names.js';
import { parseScopes, REQUIRED_SCOPES } from '../apps/scopes.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { AppTypeChoice } from './plan.js';
import type { Flow, SetupRequest } from './apply.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'setup');

/** What the user asked for, as given on the command line. */
export type SetupInput = {
  name: string;
  label?: string;
  contactEmail?: string;
  username?: string;
  permissionSet?: string;
  /** Assign an existing permission set setup did not create (--use-existing-permission-set). */
  useExistingPermissionSet?: boolean;
  scopes: string;
  consumerKey?: string;
  callbackUrl: string;
  appType: AppTypeChoice;
  /** The flows to configure; default the JWT bearer flow. */
  flows?: Flow[];
  createUser?: boolean;
  /** The target org's user: the default integration user and contact. */
  adminUsername: string;
};

/**
 * What a consumer key Salesforce will take looks like: the keys it generates hold letters, digits, '.' and '_'
 * (`3MVG9PG9sFc71i9niSy3spF8Y.qLj20SmyCy_6T3…` in retrieved apps) and some end in base64 padding
 * (`3MVG9vVKBifrxMjZTfLHEjlAtOG19L_Smg3IgrOF2AcjIzIL8GwDURUOAvyqL5PhNM3IQY.iPEg==`, a Connected App retrieved from a
 * production org); keys other tools chose hold '+' and '/' (sfdx-hardis). A pipeline re-creating its app after a
 * sandbox refresh brings the key it holds.
 */
const CONSUMER_KEY = /^[A-Za-z0-9._+/=]{8,256}$/;

/** The app's label, within Salesforce's length: the permission set's label is made from it. */
const checkedLabel = (label: string): string => {
  const problem = appLabelProblem(label);
  if (problem) throw messages.createError('error.InvalidAppLabel', [label, problem], [], EXIT_CODES.localInput);
  return label;
};

/**
 * Checks and completes the request before anything is read or written: API names Salesforce would reject,
 * unknown scopes and malformed consumer keys end the run here. The certificate comes later, from the
 * key material.
 */
export const buildSetupRequest = (input: SetupInput): Omit<SetupRequest, 'certificatePem'> => {
  const { name } = input;
  const nameProblem = appNameProblem(name);
  if (nameProblem) throw messages.createError('error.InvalidAppName', [name, nameProblem], [], EXIT_CODES.localInput);
  const permissionSet = input.permissionSet ?? `${name}_Access`;
  const permissionSetProblem = permissionSetNameProblem(permissionSet);
  if (permissionSetProblem)
    throw messages.createError(
      'error.InvalidPermissionSetName',
      [permissionSet, permissionSetProblem],
      [],
      EXIT_CODES.localInput,
    );
  if (input.consumerKey !== undefined && !CONSUMER_KEY.test(input.consumerKey)) {
    throw messages.createError('error.InvalidConsumerKey', [input.consumerKey], [], EXIT_CODES.localInput);
  }
  const label = checkedLabel(input.label ?? name.replace(/_/g, ' '));
  const flows: Flow[] = input.flows && input.flows.length > 0 ? [...new Set(input.flows)] : ['jwt'];
  const username = input.username ?? input.adminUsername;
  // The client credentials flow runs as one user, whose token every call gets: never the admin by default.
  if (flows.includes('client-credentials') && !input.username)
    throw messages.createError('error.ClientCredentialsNeedUser', [], [], EXIT_CODES.localInput);
  if (input.createUser && !input.username)
    throw messages.createError('error.CreateUserNeedsUsername', [], [], EXIT_CODES.localInput);
  return {
    name,
    label,
    contactEmail: input.contactEmail ?? (input.adminUsername.includes('@') ? input.adminUsername : 'admin@example.com'),
    scopes: [...new Set([...parseScopes(input.scopes), ...REQUIRED_SCOPES])],
    callbackUrl: input.callbackUrl,
    permissionSet,
    permissionSetLabel: permissionSetLabelFor(label),
    ...(input.consumerKey ? { consumerKey: input.consumerKey } : {}),
    username,
    appType: input.appType,
    flows,
    ...(flows.includes('client-credentials') ? { clientCredentialsUser: username } : {}),
    ...(input.createUser ? { createUser: true } : {}),
    ...(input.useExistingPermissionSet ? { useExistingPermissionSet: true } : {}),
  };
};
