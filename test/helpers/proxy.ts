// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { SALESFORCE_LOGIN_HOSTS } from '../emulator/oauth.js';
import { tempDir } from './temp.js';

x509.cryptoProvider.set(webcrypto);

/**
 * A corporate proxy between sf and Salesforce, as HTTPS_PROXY names one: it forwards plain HTTP requests
 * (absolute URLs) and tunnels CONNECTs. A CONNECT to one of Salesforce's generic login hosts
 * (login.salesforce.com, test.salesforce.com) is answered by the emulator, which plays them: the proxy ends
 * the TLS with a certificate from its own CA (sf trusts it through NODE_EXTRA_CA_CERTS, as behind a
 * TLS-inspecting proxy) and hands the request on under its host name. Anything else is refused (403), as a
 * proxy that lets only Salesforce through does. There is no network here, so a request that does not take
 * the proxy cannot reach those hosts at all.
 */
export type RunningProxy = {
  url: string;
  /** What went through it, in order: `CONNECT host:port` or `GET http://…`. */
  seen: string[];
  /** The environment that sends sf through it and makes sf trust its certificates. */
  env: Record<string, string>;
  stop: () => Promise<void>;
};

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A CA, and a server certificate it signed for the generic login hosts. */
const certificates = async (): Promise<{ caPem: string; certPem: string; keyPem: string }> => {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3_600_000);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=jwtapp test proxy CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${SALESFORCE_LOGIN_HOSTS[0]}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        SALESFORCE_LOGIN_HOSTS.map((value) => ({ type: 'dns' as const, value })),
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: createPrivateKey({
      key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey)),
      format: 'der',
      type: 'pkcs8',
    })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  };
};

const pipeBoth = (a: Socket, b: Socket): void => {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
};

/** Starts the proxy in front of an emulator (its URL: http://127.0.0.1:port). */
export const startProxy = async (emulatorUrl: string): Promise<RunningProxy> => {
  const emulator = new URL(emulatorUrl);
  const { caPem, certPem, keyPem } = await certificates();
  const dir = await tempDir('jwtapp-proxy-');
  const caFile = join(dir, 'proxy-ca.pem');
  await writeFile(caFile, caPem);
  const seen: string[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method ?? 'GET'} ${req.url ?? ''}`);
    const target = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
    if (!target || target.host !== emulator.host) {
      res.writeHead(403).end();
      return;
    }
    const forward = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url ?? ''}`);
    const [host, port] = (req.url ?? '').split(':');
    const generic = SALESFORCE_LOGIN_HOSTS.includes(host.toLowerCase()) && port === '443';
    if (!generic && `${host}:${port}` !== emulator.host) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = netConnect(Number(emulator.port), emulator.hostname);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      // A generic login host: the TLS ends here, the request goes on in plain HTTP under its Host header.
      const inner = generic ? new TLSSocket(client, { isServer: true, cert: certPem, key: keyPem }) : client;
      pipeBoth(inner, upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    seen,
    env: { HTTPS_PROXY: url, NODE_EXTRA_CA_CERTS: caFile },
    stop: async (): Promise<void> => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
