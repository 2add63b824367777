import { expect } from 'chai';
import {
  certificateDer,
  describeCertificate,
  sameCertificate,
  storedCertificate,
} from '../../src/certificate/inspect.js';
import { otherKey, testKey } from '../helpers/org.js';

/** The form retrieved Connected Apps hold: the base64 body alone, on one line (test/corpus/connected-apps). */
const bodyOnly = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

describe('certificates in the forms an org stores them', () => {
  it('reads the base64 body alone, one line, as the same certificate as its PEM', async () => {
    const { certificatePem } = await testKey();
    expect(storedCertificate(bodyOnly(certificatePem)).fingerprint256).to.equal(
      storedCertificate(certificatePem).fingerprint256,
    );
    expect(describeCertificate(bodyOnly(certificatePem))).to.deep.equal(describeCertificate(certificatePem));
  });

  it('compares certificates as DER: PEM and body-only are the same, another certificate is not', async () => {
    const { certificatePem } = await testKey();
    const other = (await otherKey()).certificatePem;
    expect(sameCertificate(certificatePem, bodyOnly(certificatePem))).to.equal(true);
    expect(
      sameCertificate(certificatePem.replace(/\n/g, '\r\n'), bodyOnly(certificatePem).replace(/(.{64})/g, '$1\n')),
    ).to.equal(true);
    expect(sameCertificate(bodyOnly(certificatePem), bodyOnly(other))).to.equal(false);
    expect(sameCertificate(undefined, bodyOnly(certificatePem))).to.equal(false);
    expect(sameCertificate(undefined, undefined)).to.equal(true);
  });

  it('finds no certificate in text that is not one', () => {
    expect(certificateDer('not a certificate')).to.equal(undefined);
    expect(certificateDer('aGVsbG8gd29ybGQ=')).to.equal(undefined);
    expect(() => storedCertificate('aGVsbG8gd29ybGQ=')).to.throw();
  });
});
