import type { AppKind, AppKindHandler } from './app.js';
import { connectedApps } from './connected-app.js';
import { externalClientApps } from './external-client-app.js';

/** Both app kinds, each carrying its own branching: callers pick one by kind and never cast. */
export const APP_KINDS: Record<AppKind, AppKindHandler> = {
  'connected-app': connectedApps,
  'external-client-app': externalClientApps,
};
