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

export const describeCertificate = (pem: string): CertificateInfo => {
  const cert = new X509Certificate(pem);
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
