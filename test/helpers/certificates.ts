import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/**
 * Self-signed certificates setup must never upload, made with a maintained X.509 library as a user's tools
 * would make them: an EC key, a 1024-bit RSA key, a SHA-1 signature, a validity that starts tomorrow.
 */
export const refusedCertificate = async (kind: 'ec' | 'rsa1024' | 'sha1' | 'future'): Promise<string> => {
  const algorithm =
    kind === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          hash: kind === 'sha1' ? 'SHA-1' : 'SHA-256',
          publicExponent: new Uint8Array([1, 0, 1]),
          modulusLength: kind === 'rsa1024' ? 1024 : 2048,
        };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const day = 86_400_000;
  const notBefore = kind === 'future' ? new Date(Date.now() + day) : new Date(Date.now() - day);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${kind}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 400 * day),
    signingAlgorithm: algorithm,
    keys,
  });
  return `${certificate.toString('pem')}\n`;
};
