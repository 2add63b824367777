/**
 * `npm run --silent emulator -- [--port N] [--propagation-ms N] [--allow-connected-app-creation]
 * [--consumer-secret-api-access] [--metadata-secrets-protection] [--client-secret-rest-access] [--seed-apps] [--sandbox] [--integration-licenses N] [--dev-hub] [--allow-password-flow] [--fault-rate R --fault-seed S]
 * [--latency-ms N [--metadata-latency-ms N]]`: starts a loopback org, prints one JSON line when it is
 * ready, and serves until SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { Emulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'propagation-ms': { type: 'string', default: '0' },
    'allow-connected-app-creation': { type: 'boolean', default: false },
    'consumer-secret-api-access': { type: 'boolean', default: false },
    'metadata-secrets-protection': { type: 'boolean', default: false },
    'client-secret-rest-access': { type: 'boolean', default: false },
    'seed-apps': { type: 'boolean', default: false },
    sandbox: { type: 'boolean', default: false },
    'integration-licenses': { type: 'string', default: '5' },
    'dev-hub': { type: 'boolean', default: false },
    // An org created before Summer '23, which still allows the username-password flow.
    'allow-password-flow': { type: 'boolean', default: false },
    'fault-rate': { type: 'string', default: '0' },
    'fault-seed': { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '0' },
    'metadata-latency-ms': { type: 'string' },
  },
  strict: true,
});

const number = (name: string, text: string, max = Number.POSITIVE_INFINITY): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > max) {
    process.stderr.write(
      `--${name} must be ${max < Number.POSITIVE_INFINITY ? `a number from 0 to ${max}` : 'a non-negative number'}, got ${text}\n`,
    );
    process.exit(2);
  }
  return n;
};

const emulator = new Emulator({
  port: number('port', values.port),
  propagationMs: number('propagation-ms', values['propagation-ms']),
  allowConnectedAppCreation: values['allow-connected-app-creation'],
  consumerSecretApiAccess: values['consumer-secret-api-access'],
  metadataSecretsProtection: values['metadata-secrets-protection'],
  clientSecretRestAccess: values['client-secret-rest-access'],
  seedApps: values['seed-apps'],
  sandbox: values.sandbox,
  integrationLicenses: number('integration-licenses', values['integration-licenses']),
  devHub: values['dev-hub'],
  passwordFlowBlocked: !values['allow-password-flow'],
  faultRate: number('fault-rate', values['fault-rate'], 1),
  faultSeed: number('fault-seed', values['fault-seed']),
  latencyMs: number('latency-ms', values['latency-ms']),
  ...(values['metadata-latency-ms'] === undefined
    ? {}
    : { metadataLatencyMs: number('metadata-latency-ms', values['metadata-latency-ms']) }),
});

const ready = await emulator.start();
process.stdout.write(`${JSON.stringify(ready)}\n`);

const shutdown = (): void => {
  void emulator.stop().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
