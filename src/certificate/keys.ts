import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Lifecycle, Messages } from '@salesforce/core';
import { EXIT_CODES } from '../exit-codes.js';
import { registerSecret } from '../output/redact.js';
import { signatureHashOf, storedCertificate } from './inspect.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

/** Salesforce accepts RSA keys of 2048 bits and more for signed JWTs. */
export const MIN_KEY_SIZE = 2048;

/** Where key material came from, for messages: a file path or an environment variable. */
export type KeySource = { kind: 'file'; path: string } | { kind: 'env'; variable: string };

const describeSource = (source: KeySource): string =>
  source.kind === 'file' ? source.path : `the environment variable ${source.variable}`;

/** An error of a local input (a file, a key, a certificate): exit 3, nothing was sent to Salesforce. */
export const localError = (name: string, tokens: Array<string | number>): Error =>
  messages.createError(`error.${name}`, tokens, [], EXIT_CODES.localInput);

/**
 * A private key others may read is reported, as ssh reports an "UNPROTECTED PRIVATE KEY FILE" (it is used
 * all the same: CI containers often mount secrets 0644). Not on Windows, whose modes say nothing of it.
 */
const warnIfUnprotected = async (path: string): Promise<void> => {
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.KeyFileUnprotected', [path, (mode & 0o777).toString(8).padStart(4, '0'), path]),
    );
  }
};

/** Reads a key file, or an environment variable holding the key's contents (as CI secrets do). */
export const readKeyText = async (source: KeySource): Promise<string> => {
  if (source.kind === 'file') {
    let text: string;
    try {
      text = await readFile(source.path, 'utf8');
    } catch (e) {
      throw localError('KeyFileUnreadable', [source.path, (e as NodeJS.ErrnoException).code ?? (e as Error).message]);
    }
    await warnIfUnprotected(source.path);
    registerSecret(text);
    return text;
  }
  const value = process.env[source.variable];
  if (!value?.trim()) throw localError('KeyVariableEmpty', [source.variable]);
  registerSecret(value);
  // CI secret stores often flatten the PEM's line breaks into literal "\n"; GitLab masks only one-line values, so
  // pipelines keep the key there base64-encoded.
  const pem = value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : fromBase64Pem(value);
  registerSecret(pem);
  return pem;
};

/** The PEM a base64 value encodes, or the value as it is when it encodes none (then refused as not PEM). */
const fromBase64Pem = (value: string): string => {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return value;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('-----BEGIN') ? decoded : value;
};

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;
/** A private key block anywhere in the text: a PEM file may hold the certificate first, then the key. */
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

/**
 * The private key that signs JWTs, refused before any request when it cannot work: not PEM, a certificate
 * or public key in its place, encrypted, not RSA, or too small.
 */
export const parsePrivateKey = (file: string, source: KeySource): KeyObject => {
  const where = describeSource(source);
  const block = PRIVATE_KEY_BLOCK.exec(file);
  const text = block ? block[0] : file;
  const label = block ? block[1] : PEM_LABEL.exec(text)?.[1];
  if (!label) throw localError('NotPem', [where]);
  if (label === 'CERTIFICATE') throw localError('CertificateGivenAsKey', [where]);
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') throw localError('PublicKeyGivenAsKey', [where]);
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw localError('EncryptedKey', [where]);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (e) {
    throw localError('UnreadableKey', [where, (e as Error).message]);
  }
  if (key.asymmetricKeyType !== 'rsa') throw localError('NotRsaKey', [where, key.asymmetricKeyType ?? 'unknown']);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_SIZE) throw localError('KeyTooSmall', [where, bits, MIN_KEY_SIZE]);
  return key;
};

export const readCertificate = async (path: string): Promise<X509Certificate> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw localError('CertificateFileUnreadable', [path, (e as NodeJS.ErrnoException).code ?? (e as Error).message]);
  }
  try {
    // The certificate's block wherever it is in the file (a PEM file may hold the key first), or its body alone.
    return storedCertificate(text);
  } catch {
    throw localError('NotCertificate', [path]);
  }
};

/** Certificates signed with these hashes are refused: SHA-1 has been broken for signatures since 2017. */
const WEAK_HASHES = ['SHA-1', 'MD5'];

/**
 * What the certificate itself must be for Salesforce to check RS256 JWTs against it, whatever the key beside it:
 * an RSA key of 2048 bits or more, signed with SHA-256 or better, already valid. Setup never makes one
 * otherwise, and checks a brought one the same.
 */
export const assertCertificateAcceptable = async (
  certificate: X509Certificate,
  path: string,
  now: Date,
): Promise<void> => {
  const keyType = certificate.publicKey.asymmetricKeyType ?? 'unknown';
  if (keyType !== 'rsa') throw localError('CertificateNotRsa', [path, keyType]);
  const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_SIZE) throw localError('CertificateKeyTooSmall', [path, bits, MIN_KEY_SIZE]);
  const hash = await signatureHashOf(certificate.toString());
  if (hash && WEAK_HASHES.includes(hash.toUpperCase())) throw localError('CertificateWeakSignature', [path, hash]);
  const notBefore = new Date(certificate.validFrom);
  if (notBefore.getTime() > now.getTime()) throw localError('CertificateNotYetValid', [path, notBefore.toISOString()]);
};

export const keyMatchesCertificate = (key: KeyObject, certificate: X509Certificate): boolean =>
  certificate.checkPrivateKey(key);

/**
 * Refuses a certificate that does not belong to the key, or that is not valid yet. An expired one is
 * refused where it would be uploaded (`expired: 'refuse'`) and only warned about where a login is checked:
 * Salesforce does not check an uploaded certificate's dates (salesforce.stackexchange.com q/313488).
 */
export const assertCertificateUsable = async (
  key: KeyObject,
  certificate: X509Certificate,
  path: string,
  now: Date,
  expired: 'refuse' | 'warn' = 'refuse',
): Promise<void> => {
  if (!keyMatchesCertificate(key, certificate)) throw localError('KeyCertificateMismatch', [path]);
  await assertCertificateAcceptable(certificate, path, now);
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    if (expired === 'refuse') throw localError('CertificateExpired', [path, notAfter.toISOString()]);
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage('warning.CertificateExpired', [path, notAfter.toISOString()]),
    );
  }
};

export type SigningKeyInput = { keyFile?: string; keyVariable?: string; certificateFile?: string; now: Date };

/**
 * The key that signs the JWT, with every local check done before any request: readable, PEM, an RSA
 * private key of 2048 bits or more, unencrypted; matching the certificate and the certificate valid,
 * when one is given.
 */
export const loadSigningKey = async (input: SigningKeyInput): Promise<KeyObject> => {
  const source: KeySource = input.keyFile
    ? { kind: 'file', path: input.keyFile }
    : { kind: 'env', variable: input.keyVariable ?? '' };
  const key = parsePrivateKey(await readKeyText(source), source);
  if (input.certificateFile) {
    await assertCertificateUsable(
      key,
      await readCertificate(input.certificateFile),
      input.certificateFile,
      input.now,
      'warn',
    );
  }
  return key;
};
