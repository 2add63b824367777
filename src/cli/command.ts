/**
 * The one door every command goes out through. plugin-org's SandboxCommandBase owns its `catch` the same way
 * (https://github.com/salesforcecli/plugin-org/blob/main/src/shared/sandboxCommandBase.ts); what every command
 * answers alike is in command-errors.ts.
 */
import { SfCommand } from '@salesforce/sf-plugins-core';
import { asCommandError } from './command-errors.js';

export abstract class JwtappCommand<T> extends SfCommand<T> {
  /** Errors every command answers alike: an expired sf session, a flag value out of range (see asCommandError). */
  protected catch(error: Error): Promise<never> {
    return super.catch(asCommandError(error, this.argv));
  }
}
