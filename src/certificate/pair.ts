import { assertWritable, writeKeyPair } from './files.js';
import { openKeyFolder } from './folder.js';
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
  parseSubject(options.subject);
  // The folder is private (0700) and held while the pair is written, as setup and rotate hold it.
  const folder = await openKeyFolder(options.outputDir, { waitMs: 0 });
  const paths = { keyFile: folder.keyFile, certificateFile: folder.certificateFile };
  let generated: Awaited<ReturnType<typeof generateKeyAndCertificate>>;
  try {
    await assertWritable(paths, options.force);
    generated = await generateKeyAndCertificate(options.keySize, { subject: options.subject, days: options.days });
    await writeKeyPair(paths, generated, options.force);
  } finally {
    await folder.release();
  }
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
