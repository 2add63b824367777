import {
  Emulator,
  type EmulatorOptions,
  type EmulatorState,
  type ReadyLine,
  type RequestLogEntry,
} from '../emulator/server.js';
import { writesIn } from './writes.js';

export type { EmulatorState } from '../emulator/server.js';

export type RunningEmulator = {
  emulator: Emulator;
  ready: ReadyLine;
  url: string;
  /** GET /__emulator/state, read over HTTP like any outside tool would. */
  state: () => Promise<EmulatorState>;
  /** GET /__emulator/requests. */
  requests: () => Promise<RequestLogEntry[]>;
  clearRequests: () => Promise<void>;
  /** The writes in the request log, in order (what counts as one: writes.ts). */
  writes: () => Promise<string[]>;
  /** The next call of this operation (`deploy`, `delete:PermissionSetAssignment`, …), after `after` more, is refused with this problem. */
  refuseNext: (operation: string, problem: string, after?: number) => Promise<void>;
  /** POST /__emulator/faults: the share of calls that fail from now on (0 ends the outage). */
  setFaultRate: (rate: number) => Promise<void>;
  /** POST /__emulator/latency: the round trip of every answer from now on (Metadata API: twice it unless given). */
  setLatency: (ms: number, metadataMs?: number) => Promise<void>;
  /** POST /__emulator/answers: the next `count` calls (-1: all) get this raw reply, as a proxy or a cut connection gives. */
  answerNext: (reply: {
    status: number;
    contentType?: string;
    body?: string;
    location?: string;
    count?: number;
    path?: string;
  }) => Promise<void>;
  /** POST /__emulator/sessions/expire: the session times out, as an idle one does. */
  expireSession: (accessToken: string) => Promise<void>;
  /**
   * POST /__emulator/sandbox/refresh: this sandbox becomes a new copy of `production`, as a sandbox create or
   * refresh makes it; `ready` then names the new org, its users and the admin's new session.
   */
  refreshFrom: (production: RunningEmulator, sandboxName: string) => Promise<ReadyLine>;
  stop: () => Promise<void>;
};

/** Starts an emulator in this process on a free loopback port; tests talk to it over real HTTP. */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const emulator = new Emulator(options);
  return emulatorAt(await emulator.start(), () => emulator.stop(), emulator);
};

/** An emulator reached through its control endpoints, in this process or another. */
export const emulatorAt = (
  ready: ReadyLine,
  stop: () => Promise<void>,
  emulator: Emulator = undefined as never,
): RunningEmulator => {
  const url = ready.instanceUrl;
  const requests = async (): Promise<RequestLogEntry[]> =>
    (await (await fetch(`${url}/__emulator/requests`)).json()) as RequestLogEntry[];
  return {
    emulator,
    ready,
    url,
    state: async () => (await (await fetch(`${url}/__emulator/state`)).json()) as EmulatorState,
    requests,
    writes: async () => writesIn(await requests()),
    clearRequests: async (): Promise<void> => {
      await fetch(`${url}/__emulator/requests`, { method: 'DELETE' });
    },
    refuseNext: async (operation: string, problem: string, after = 0): Promise<void> => {
      await fetch(`${url}/__emulator/refusals`, {
        method: 'POST',
        body: JSON.stringify({ operation, problem, after }),
      });
    },
    answerNext: async (reply): Promise<void> => {
      await fetch(`${url}/__emulator/answers`, { method: 'POST', body: JSON.stringify(reply) });
    },
    expireSession: async (accessToken: string): Promise<void> => {
      await fetch(`${url}/__emulator/sessions/expire`, { method: 'POST', body: JSON.stringify({ accessToken }) });
    },
    refreshFrom: async (production: RunningEmulator, sandboxName: string): Promise<ReadyLine> => {
      const response = await fetch(`${url}/__emulator/sandbox/refresh`, {
        method: 'POST',
        body: JSON.stringify({ production: production.url, name: sandboxName }),
      });
      if (!response.ok) throw new Error(`sandbox refresh refused: ${await response.text()}`);
      return Object.assign(ready, (await response.json()) as ReadyLine);
    },
    setLatency: async (ms: number, metadataMs?: number): Promise<void> => {
      await fetch(`${url}/__emulator/latency`, { method: 'POST', body: JSON.stringify({ ms, metadataMs }) });
    },
    setFaultRate: async (rate: number): Promise<void> => {
      await fetch(`${url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ rate }) });
    },
    stop,
  };
};

/** A clock tests can move: the emulator's propagation delay is measured on it, not on real time. */
export class FakeClock {
  public constructor(public current = Date.now()) {}
  public readonly now = (): number => this.current;
  public advance(ms: number): void {
    this.current += ms;
  }
}

/** The org as a user would notice it: apps and their certificates, grants, users. Request logs and sessions are not the org. */
export const orgOf = (state: EmulatorState): unknown => ({
  apps: state.apps.map((a) => ({ name: a.name, certificate: a.certificate, enabled: a.enabled, scopes: a.scopes })),
  externalClientApps: state.externalClientApps,
  connectedApps: state.connectedApps,
  permissionSets: state.permissionSets,
  setupEntityAccess: state.setupEntityAccess,
  permissionSetAssignments: state.permissionSetAssignments,
  users: state.users,
});

/**
 * While `run` runs, every token request is refused as Salesforce refuses a login from outside the user's trusted
 * IP ranges (`invalid_grant` "ip restricted", a refusal no wait explains): a new key or secret that does not work.
 */
export const withLoginsRefused = async <T>(emu: RunningEmulator, run: () => Promise<T>): Promise<T> => {
  await emu.answerNext({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ error: 'invalid_grant', error_description: 'ip restricted' }),
    path: '/services/oauth2/token',
    count: -1,
  });
  try {
    return await run();
  } finally {
    await emu.answerNext({ status: 200, count: 0 });
  }
};
