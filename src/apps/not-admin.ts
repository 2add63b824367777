import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { isInsufficientAccess } from '../org/metadata.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'apps');

/** A Metadata API call refused for want of "Modify All Data" / "Modify Metadata": apps' NotAdmin; anything else as it was. */
export const asNotAdmin = (e: unknown): never => {
  if (isInsufficientAccess(e)) throw messages.createError('error.NotAdmin', [], [], EXIT_CODES.orgRefused);
  throw e;
};
