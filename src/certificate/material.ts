import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { Lifecycle, Messages } from '@salesforce/core';
import { pluralKey } from '../output/plural.js';
import { exists } from '../output/files.js';
import { certificateForKey, DEFAULT_SUBJECT, generateKeyAndCertificate } from './generate.js';
import { describeCertificate, storedCertificate, type CertificateInfo } from './inspect.js';
import { keyPairPaths } from './files.js';
import {
  assertCertificateAcceptable,
  assertCertificateUsable,
  localError,
  parsePrivateKey,
  readCertificate,
  readKeyText,
  type KeySource,
} from './keys.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'certificate');

/** A reused certificate this close to its end is warned about, as audit warns (its --warn-days default). */
export const EXPIRY_WARNING_DAYS = 30;

const warnIfExpiresSoon = async (certificate: X509Certificate, path: string, now: Date): Promise<void> => {
  const days = Math.floor((new Date(certificate.validTo).getTime() - now.getTime()) / 86_400_000);
  if (days >= 0 && days < EXPIRY_WARNING_DAYS) {
    await Lifecycle.getInstance().emitWarning(
      messages.getMessage(pluralKey('warning.CertificateExpiresSoon', days), [
        path,
        new Date(certificate.validTo).toISOString(),
        days,
      ]),
    );
  }
};

/**
 * The key and certificate setup uploads and logs in with, and the files it still has to write. Nothing is
 * written here: a dry run plans with the same material, and a real run writes the files first.
 */
export type KeyMaterial = {
  origin: 'generated' | 'reused' | 'brought';
  keyFile: string | undefined;
  /** Undefined for a key from a variable: nothing of the pair is written, the certificate lives in the app alone. */
  certificateFile: string | undefined;
  /** The certificate was made this run for a brought key (none was given): the app's may serve in its place. */
  certificateMade?: boolean;
  key: KeyObject | undefined;
  privateKeyPem: string | undefined;
  certificatePem: string;
  certificate: CertificateInfo;
  pendingFiles: PendingFile[];
};

/** A file of the pair still to write, and which of the two it is (said in the plan). */
export type PendingFile = { path: string; text: string; mode: number; what: 'private key' | 'certificate' };

export type KeyMaterialRequest = {
  outputDir: string;
  privateKeyFile?: string;
  /** The environment variable holding the key (PEM, or PEM in base64), as a CI's secret gives it; never written. */
  privateKeyVariable?: string;
  /** A new pair made in memory and written nowhere (its key goes only to a CI's secret store). */
  inMemory?: boolean;
  certificateFile?: string;
  certDays: number;
  force: boolean;
  now: Date;
};

const readKey = async (path: string): Promise<{ key: KeyObject; pem: string }> => readKeyFrom({ kind: 'file', path });

const readKeyFrom = async (source: KeySource): Promise<{ key: KeyObject; pem: string }> => {
  const pem = await readKeyText(source);
  return { key: parsePrivateKey(pem, source), pem };
};

/** A brought certificate must outlive the validity asked for, so setup does not hand over one about to lapse. */
const assertLastsLongEnough = (certificate: X509Certificate, path: string, request: KeyMaterialRequest): void => {
  const notAfter = new Date(certificate.validTo);
  const needed = new Date(request.now.getTime() + request.certDays * 86_400_000);
  if (notAfter < needed)
    throw localError('CertificateExpiresTooSoon', [path, notAfter.toISOString(), request.certDays]);
};

/**
 * - `--private-key-file` and `--certificate-file`: both checked (RSA ≥ 2048, matching, valid long enough).
 * - `--private-key-file` alone: a certificate is made for it, into the output folder.
 * - `--certificate-file` alone: uploaded as is; the login cannot be verified without the key.
 * - neither: the key pair an earlier run left in the output folder is reused if whole and matching, so a
 * re-run changes nothing; a new pair is generated if there is none, or with --force.
 */
export const resolveKeyMaterial = async (request: KeyMaterialRequest): Promise<KeyMaterial> => {
  const { now } = request;
  const paths = keyPairPaths(request.outputDir);

  if (request.certificateFile) {
    const certificate = await readCertificate(request.certificateFile);
    const certificatePem = certificate.toString();
    const brought = request.privateKeyVariable
      ? await readKeyFrom({ kind: 'env', variable: request.privateKeyVariable })
      : request.privateKeyFile
        ? await readKey(request.privateKeyFile)
        : undefined;
    if (brought) await assertCertificateUsable(brought.key, certificate, request.certificateFile, now);
    else {
      // Alone, it is checked as a pair's certificate is: setup never uploads one it could not have made.
      await assertCertificateAcceptable(certificate, request.certificateFile, now);
      if (new Date(certificate.validTo) <= now)
        throw localError('CertificateExpired', [request.certificateFile, new Date(certificate.validTo).toISOString()]);
    }
    assertLastsLongEnough(certificate, request.certificateFile, request);
    return {
      origin: 'brought',
      keyFile: request.privateKeyFile,
      certificateFile: request.certificateFile,
      key: brought?.key,
      privateKeyPem: brought?.pem,
      certificatePem,
      certificate: describeCertificate(certificatePem),
      pendingFiles: [],
    };
  }

  if (request.privateKeyVariable) {
    const brought = await readKeyFrom({ kind: 'env', variable: request.privateKeyVariable });
    const certificatePem = await certificateForKey(brought.key, {
      subject: DEFAULT_SUBJECT,
      days: request.certDays,
      notBefore: now,
    });
    return {
      origin: 'brought',
      keyFile: undefined,
      certificateFile: undefined,
      certificateMade: true,
      key: brought.key,
      privateKeyPem: brought.pem,
      certificatePem,
      certificate: describeCertificate(certificatePem),
      pendingFiles: [],
    };
  }

  if (request.privateKeyFile) {
    const brought = await readKey(request.privateKeyFile);
    const reusable = await reusableCertificate(paths.certificateFile, brought.key, request);
    const certificatePem =
      reusable ??
      (await certificateForKey(brought.key, { subject: DEFAULT_SUBJECT, days: request.certDays, notBefore: now }));
    if (!reusable && !request.force && (await exists(paths.certificateFile))) {
      throw localError('FilesExist', [paths.certificateFile]);
    }
    return {
      origin: 'brought',
      keyFile: request.privateKeyFile,
      certificateFile: paths.certificateFile,
      certificateMade: !reusable,
      key: brought.key,
      privateKeyPem: brought.pem,
      certificatePem,
      certificate: describeCertificate(certificatePem),
      pendingFiles: reusable
        ? []
        : [{ path: paths.certificateFile, text: certificatePem, mode: 0o644, what: 'certificate' }],
    };
  }

  if (request.inMemory) return generatedPair(request, undefined);

  const [keyExists, certExists] = await Promise.all([exists(paths.keyFile), exists(paths.certificateFile)]);
  if (!request.force && (keyExists || certExists)) {
    if (!keyExists || !certExists)
      throw localError('IncompleteKeyPair', [keyExists ? paths.keyFile : paths.certificateFile, request.outputDir]);
    const previous = await readKey(paths.keyFile);
    const certificate = await readCertificate(paths.certificateFile);
    // Reused, it is what the app already holds: an expired one still logs in (Salesforce does not check its
    // dates), so a routine re-run warns and goes on rather than stop the pipeline; so does one about to expire.
    await assertCertificateUsable(previous.key, certificate, paths.certificateFile, now, 'warn');
    await warnIfExpiresSoon(certificate, paths.certificateFile, now);
    const certificatePem = certificate.toString();
    return {
      origin: 'reused',
      ...paths,
      key: previous.key,
      privateKeyPem: previous.pem,
      certificatePem,
      certificate: describeCertificate(certificatePem),
      pendingFiles: [],
    };
  }
  return generatedPair(request, paths);
};

/** A new pair: to be written into the folder's files, or (no paths: --key-in-ci-only) kept in memory only. */
const generatedPair = async (
  request: KeyMaterialRequest,
  paths: { keyFile: string; certificateFile: string } | undefined,
): Promise<KeyMaterial> => {
  const generated = await generateKeyAndCertificate(2048, {
    subject: DEFAULT_SUBJECT,
    days: request.certDays,
    notBefore: request.now,
  });
  return {
    origin: 'generated',
    keyFile: paths?.keyFile,
    certificateFile: paths?.certificateFile,
    key: createPrivateKey(generated.privateKeyPem),
    privateKeyPem: generated.privateKeyPem,
    certificatePem: generated.certificatePem,
    certificate: generated.certificate,
    pendingFiles: paths
      ? [
          { path: paths.keyFile, text: generated.privateKeyPem, mode: 0o600, what: 'private key' },
          { path: paths.certificateFile, text: generated.certificatePem, mode: 0o644, what: 'certificate' },
        ]
      : [],
  };
};

/** The certificate an earlier run made for this key, if it still fits. */
const reusableCertificate = async (
  path: string,
  key: KeyObject,
  request: KeyMaterialRequest,
): Promise<string | undefined> => {
  if (request.force || !(await exists(path))) return undefined;
  try {
    const certificate = await readCertificate(path);
    if (!certificate.checkPrivateKey(key) || new Date(certificate.validTo) <= request.now) return undefined;
    return certificate.toString();
  } catch {
    return undefined;
  }
};

/**
 * The certificate the app already holds, in place of one made this run for a brought key, when it is that key's
 * and still valid: a pipeline's runner keeps no files between runs, and without this every run of the same key
 * would upload a new certificate. A folder's file still to be written then holds the app's certificate.
 */
export const keepHeldCertificate = async (
  material: KeyMaterial,
  held: string | undefined,
  now: Date,
): Promise<KeyMaterial> => {
  if (!material.certificateMade || !material.key || !held) return material;
  let certificate: X509Certificate;
  try {
    certificate = storedCertificate(held);
  } catch {
    return material;
  }
  if (!certificate.checkPrivateKey(material.key) || new Date(certificate.validTo) <= now) return material;
  const certificatePem = certificate.toString();
  await warnIfExpiresSoon(certificate, 'the app holds', now);
  return {
    ...material,
    certificateMade: false,
    certificatePem,
    certificate: describeCertificate(certificatePem),
    pendingFiles: material.pendingFiles.map((f) => (f.what === 'certificate' ? { ...f, text: certificatePem } : f)),
  };
};
