// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { registerSecret } from '../output/redact.js';
import { describeCertificate, type CertificateInfo } from './inspect.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

x509.cryptoProvider.set(webcrypto);

export const KEY_SIZES = [2048, 3072, 4096] as const;
export type KeySize = (typeof KEY_SIZES)[number];

/** A validity that forces a yearly rotation rather than the 100 years of Onify's guide (docs/research/vendor-guides.md). */
export const DEFAULT_VALIDITY_DAYS = 365;
export const DEFAULT_SUBJECT = 'CN=jwtapp';

export type CertificateRequest = {
  subject: string;
  days: number;
  /** When the certificate starts to be valid; now unless a test moves the clock. */
  notBefore?: Date;
};

export type KeyAndCertificate = {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), what `sf org login jwt` and most JWT libraries read. */
  privateKeyPem: string;
  certificatePem: string;
  certificate: CertificateInfo;
};

const signingAlgorithm = (modulusLength: number): webcrypto.RsaHashedKeyGenParams => ({
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength,
});

/** An RSA key and a self-signed SHA-256 certificate for it, as `openssl req -x509 -sha256 -newkey rsa:N` makes. */
export const generateKeyAndCertificate = async (
  keySize: KeySize,
  request: CertificateRequest,
): Promise<KeyAndCertificate> => {
  const keys = await webcrypto.subtle.generateKey(signingAlgorithm(keySize), true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
  registerSecret(privateKeyPem);
  const certificatePem = await selfSign(keys, keySize, request);
  return { privateKeyPem, certificatePem, certificate: describeCertificate(certificatePem) };
};

/** A new self-signed certificate for a key the user already has (`--private-key-file`). */
export const certificateForKey = async (privateKey: KeyObject, request: CertificateRequest): Promise<string> => {
  const modulusLength = privateKey.asymmetricKeyDetails?.modulusLength ?? 2048;
  const algorithm = signingAlgorithm(modulusLength);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const keys: webcrypto.CryptoKeyPair = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
  return selfSign(keys, modulusLength, request);
};

const selfSign = async (
  keys: webcrypto.CryptoKeyPair,
  modulusLength: number,
  request: CertificateRequest,
): Promise<string> => {
  const name = parseSubject(request.subject);
  const notBefore = request.notBefore ?? new Date();
  const notAfter = new Date(notBefore.getTime() + request.days * 86_400_000);
  // A positive 128-bit serial (RFC 5280 allows up to 20 octets, and it must not be negative).
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(modulusLength),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return certificate.toString('pem') + '\n';
};

/** `CN=jwtapp, O=Acme` → an X.500 name; anything else is refused before a key is made. */
export const parseSubject = (subject: string): x509.Name => {
  const trimmed = subject.trim();
  if (!/^[A-Za-z][A-Za-z0-9.]*=/.test(trimmed))
    throw messages.createError('error.InvalidSubject', [subject], [], EXIT_CODES.localInput);
  try {
    return new x509.Name(trimmed);
  } catch {
    throw messages.createError('error.InvalidSubject', [subject], [], EXIT_CODES.localInput);
  }
};
