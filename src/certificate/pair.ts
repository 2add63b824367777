import { assertWritable, keyPairPaths, writeKeyPair } from './files.js';
import { generateKeyAndCertificate, parseSubject, type KeySize } from './generate.js';

/** A key pair written to a folder: what `sf jwtapp cert generate` reports. Never the key itself. */
export type GeneratedKeyPair = {
  keyFile: string;
  certificateFile: string;
  subject: string;
  keySize: number;
  sha256Fingerprint: string;
  notBefore: string;
  notAfter: string;
};

/**
 * An RSA key (0600) and a self-signed certificate written to a folder. The subject and the files are
 * checked before the key is made, so a refused run leaves nothing behind.
 */
export const writeNewKeyPair = async (options: {
  outputDir: string;
  keySize: KeySize;
  days: number;
  subject: string;
  force: boolean;
}): Promise<GeneratedKeyPair> => {
  const paths = keyPairPaths(options.outputDir);
  parseSubject(options.subject);
  await assertWritable(paths, options.force);
  const generated = await generateKeyAndCertificate(options.keySize, { subject: options.subject, days: options.days });
  await writeKeyPair(paths, generated, options.force);
  const { certificate } = generated;
  return {
    ...paths,
    subject: certificate.subject,
    keySize: certificate.keySize ?? options.keySize,
    sha256Fingerprint: certificate.sha256Fingerprint,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
};
