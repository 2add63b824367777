import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { beginPairSwitch, repairInterruptedSwitch } from '../../src/certificate/switch.js';
import { keyMatchesCertificate } from '../../src/certificate/keys.js';
import type { KeyFolder } from '../../src/certificate/folder.js';
import { otherKey, testKey } from '../helpers/org.js';
import { tempDir } from '../helpers/temp.js';

/**
 * A key switch interrupted between its two writes (the new key written, the certificate not yet): the next run's
 * repair must leave a key and certificate that belong together, the pair the app holds.
 */
describe('repairing an interrupted key switch', () => {
  it('puts the previous pair back when the run died after the new key and before the new certificate', async () => {
    const dir = await tempDir('jwtapp-switch-');
    const folder: KeyFolder = {
      dir,
      keyFile: join(dir, 'server.key'),
      certificateFile: join(dir, 'server.crt'),
      release: () => Promise.resolve(),
    };
    const old = await testKey();
    const fresh = await otherKey();
    await writeFile(folder.keyFile, old.privateKeyPem, { mode: 0o600 });
    await writeFile(folder.certificateFile, old.certificatePem, { mode: 0o644 });
    await beginPairSwitch(
      folder,
      'Acme_App',
      [
        { path: folder.keyFile, text: fresh.privateKeyPem, mode: 0o600 },
        { path: folder.certificateFile, text: fresh.certificatePem, mode: 0o644 },
      ],
      new Date(),
    );
    // Killed before the certificate was written: the old one is still there, beside the new key.
    await writeFile(folder.certificateFile, old.certificatePem, { mode: 0o644 });

    // The app still holds the old certificate (the upload comes after the switch).
    expect(await repairInterruptedSwitch(folder, old.certificatePem)).to.equal('rolled-back');
    const key = createPrivateKey(await readFile(folder.keyFile, 'utf8'));
    const certificate = new X509Certificate(await readFile(folder.certificateFile, 'utf8'));
    expect(keyMatchesCertificate(key, certificate)).to.equal(true);
    expect(await readFile(folder.keyFile, 'utf8')).to.equal(old.privateKeyPem);
  });
});
