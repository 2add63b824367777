/**
 * Test files as test/unit/leftovers.test.ts runs them, in a mocha run of their own (FIXTURE picks them): one
 * that makes its folders with tempDir, one that leaves private keys behind, one that is stopped mid-test.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { tempDir } from './temp.js';

// Not a real key: enough of one for the scan, which looks for a PEM header followed by base64. Its labels are
// put together here, so that no file in the repository holds a private key's PEM header.
const LABEL = ['PRIVATE', 'KEY'].join(' ');
const PEM = `-----BEGIN ${LABEL}-----\n${'A'.repeat(64)}\n-----END ${LABEL}-----\n`;

// Top-level await: mocha imports this file as it imports the test files that use ESM-only code, while it
// requires env.ts; both must share one list of temp folders.
await new Promise<void>((resolve) => process.stdout.write(`run root: ${tmpdir()}\n`, () => resolve()));

if (process.env.FIXTURE === 'clean') {
  let made = '';
  describe('a file that makes its folder with tempDir', () => {
    it('writes a key there', async () => {
      made = await tempDir('jwtapp-fixture-');
      await writeFile(join(made, 'server.key'), PEM, { mode: 0o600 });
    });
  });
  describe('the file after it', () => {
    it('finds that folder removed', () => {
      expect(made).to.not.equal('');
      expect(existsSync(made)).to.equal(false);
    });
  });
}

if (process.env.FIXTURE === 'leaves') {
  describe('a file that leaves keys behind', () => {
    it('writes a key file and a dotenv file holding a key, outside tempDir', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'jwtapp-fixture-left-'));
      await writeFile(join(dir, 'server.key'), PEM, { mode: 0o600 });
      await writeFile(join(dir, 'ci.env'), `SF_JWT_KEY="${PEM.replaceAll('\n', '\\n')}"\n`, { mode: 0o600 });
    });
  });
}

if (process.env.FIXTURE === 'stopped') {
  describe('a file that is stopped mid-test', () => {
    it('waits', async () => {
      await writeFile(join(await mkdtemp(join(tmpdir(), 'jwtapp-fixture-stopped-')), 'server.key'), PEM, {
        mode: 0o600,
      });
      process.stdout.write('waiting\n');
      await new Promise((resolve) => setTimeout(resolve, 60_000));
    });
  });
}
