/**
 * What an error carries to `--json`, in the two places sf-plugins-core reads (SfCommandError.from,
 * https://github.com/salesforcecli/sf-plugins-core/blob/main/src/SfCommandError.ts): `data`, the error's own
 * details (what a run left in the org, the calls it retried, a permission set's grants), and `result`, what the
 * command would have returned: the run's partial result, attached by the run that owns it. Both merge, so a
 * detail added on the way out never drops one added before.
 */
import type { SfError } from '@salesforce/core';
import { isJsonMap, type AnyJson, type JsonMap } from '@salesforce/ts-types';

/** The error with these details added to its `data`. */
export const withData = <E extends SfError>(error: E, data: JsonMap): E => {
  error.setData({ ...(isJsonMap(error.data) ? error.data : {}), ...data });
  return error;
};

/** The error with the run's result attached as its `--json` `result`, merged over one it already carries. */
export const withResult = <E extends Error, R extends object>(error: E, result: R): E & { result: R } => {
  const carried = (error as { result?: AnyJson }).result;
  return Object.assign(error, { result: { ...(isJsonMap(carried) ? carried : {}), ...result } as R });
};
