import { X509Certificate } from 'node:crypto';

/** What a user needs to know of a certificate, read with node:crypto. */
export type CertificateInfo = {
  subject: string;
  /** SHA-256 fingerprint, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint: string;
  notBefore: string;
  notAfter: string;
  keySize: number | undefined;
  keyType: string | undefined;
  serialNumber: string;
};

/**
 * The DER bytes of a certificate in any of the text forms an org or a user gives: PEM with its BEGIN/END
 * lines, or the base64 body alone (retrieved Connected Apps hold `<certificate>MIIC…</certificate>`, one
 * line), wrapped or not. Undefined when the text is neither.
 */
export const certificateDer = (text: string): Buffer | undefined => {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  const body = (pem ? pem[1] : text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  const der = Buffer.from(body, 'base64');
  // A DER certificate is a SEQUENCE (0x30); anything else is not one, whatever its base64 says.
  return der.length > 0 && der[0] === 0x30 ? der : undefined;
};

/** The certificate an org returned, in whichever form it stores it; throws when it is not one. */
export const storedCertificate = (text: string): X509Certificate => new X509Certificate(certificateDer(text) ?? text);

/**
 * Whether two texts hold the same certificate, compared as DER: the same certificate uploaded as PEM and
 * returned as its body alone is the same. Two absent certificates are the same; text that is not a
 * certificate is compared as text.
 */
export const sameCertificate = (a: string | undefined, b: string | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  const [derA, derB] = [certificateDer(a), certificateDer(b)];
  return derA && derB ? derA.equals(derB) : a.trim() === b.trim();
};

/** What a certificate says, in whichever text form it comes. */
export const describeCertificate = (text: string): CertificateInfo => {
  const cert = storedCertificate(text);
  const details = cert.publicKey.asymmetricKeyDetails;
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    sha256Fingerprint: cert.fingerprint256,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    keySize: details?.modulusLength,
    keyType: cert.publicKey.asymmetricKeyType,
    serialNumber: cert.serialNumber,
  };
};

/** The hash a certificate is signed with (`SHA-256`), read with a maintained X.509 library; node:crypto does not say. */
export const signatureHashOf = async (text: string): Promise<string | undefined> => {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const algorithm = new x509.X509Certificate(storedCertificate(text).raw).signatureAlgorithm as {
    hash?: { name?: string };
  };
  return algorithm.hash?.name;
};
