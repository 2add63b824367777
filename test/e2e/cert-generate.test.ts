import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import CertGenerate, { type CertGenerateResult } from '../../src/commands/jwtapp/cert/generate.js';
import { runCommand } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

describe('sf jwtapp cert generate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('jwtapp-cert-');
  });

  it('writes a 0600 private key and a SHA-256 self-signed certificate for it', async () => {
    const run = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', dir, '--json']);
    expect(run.exitCode).to.equal(0);
    const result = run.json?.result as CertGenerateResult;
    expect(result.keyFile).to.equal(join(dir, 'server.key'));
    expect(result.certificateFile).to.equal(join(dir, 'server.crt'));
    expect((await stat(result.keyFile)).mode & 0o777).to.equal(0o600);

    const keyPem = await readFile(result.keyFile, 'utf8');
    expect(keyPem.split('\n')[0]).to.equal(`-----BEGIN ${'PRIVATE'} KEY-----`);
    const cert = new X509Certificate(await readFile(result.certificateFile, 'utf8'));
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).to.equal(true);
    expect(cert.verify(cert.publicKey)).to.equal(true);
    expect(cert.subject).to.equal('CN=jwtapp');
    expect(cert.fingerprint256).to.equal(result.sha256Fingerprint);
    expect(createPublicKey(keyPem).asymmetricKeyDetails?.modulusLength).to.equal(2048);
    expect(result.keySize).to.equal(2048);
  });

  it('makes the certificate valid for 365 days by default', async () => {
    const run = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', dir, '--json']);
    const { notBefore, notAfter } = run.json?.result as CertGenerateResult;
    const days = (Date.parse(notAfter) - Date.parse(notBefore)) / 86_400_000;
    expect(days).to.equal(365);
  });

  it('honours --days, --key-size and --subject', async () => {
    const run = await runCommand<CertGenerateResult>(CertGenerate, [
      '--output-dir',
      dir,
      '--days',
      '30',
      '--key-size',
      '3072',
      '--subject',
      'CN=ci-bot, O=Acme',
      '--json',
    ]);
    expect(run.exitCode).to.equal(0);
    const result = run.json?.result as CertGenerateResult;
    const cert = new X509Certificate(await readFile(result.certificateFile, 'utf8'));
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(3072);
    expect(cert.subject.split('\n')).to.deep.equal(['CN=ci-bot', 'O=Acme']);
    expect((Date.parse(result.notAfter) - Date.parse(result.notBefore)) / 86_400_000).to.equal(30);
  });

  it('never prints the private key, in human or JSON output', async () => {
    const human = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', dir]);
    expect(human.exitCode).to.equal(0);
    expect(human.stdout).to.include('server.key').and.include('SHA-256');
    expect(human.stdout + human.stderr).not.to.include('PRIVATE KEY');
    const json = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', join(dir, 'j'), '--json']);
    expect(json.stdout).not.to.include('PRIVATE KEY');
  });

  it('refuses to overwrite an existing key and leaves it untouched', async () => {
    await writeFile(join(dir, 'server.key'), 'precious', { mode: 0o600 });
    const run = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', dir, '--json']);
    expect(run.exitCode).to.equal(3);
    expect(run.json?.name).to.equal('FilesExistError');
    expect(run.json?.message).to.include(join(dir, 'server.key'));
    expect(run.json?.actions?.join(' ')).to.include('--force');
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal('precious');
    await stat(join(dir, 'server.crt')).then(
      () => expect.fail('no certificate should have been written'),
      () => undefined,
    );
  });

  it('replaces existing files with --force and keeps the key at 0600', async () => {
    await writeFile(join(dir, 'server.key'), 'old', { mode: 0o644 });
    const run = await runCommand<CertGenerateResult>(CertGenerate, ['--output-dir', dir, '--force', '--json']);
    expect(run.exitCode).to.equal(0);
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.match(/BEGIN PRIVATE KEY/);
    expect((await stat(join(dir, 'server.key'))).mode & 0o777).to.equal(0o600);
  });

  it('refuses a subject that is not a distinguished name, writing nothing', async () => {
    const run = await runCommand<CertGenerateResult>(CertGenerate, [
      '--output-dir',
      dir,
      '--subject',
      'jwtapp',
      '--json',
    ]);
    expect(run.exitCode).to.equal(3);
    expect(run.json?.name).to.equal('InvalidSubjectError');
    expect(run.json?.actions?.join(' ')).to.include('CN=');
    await stat(join(dir, 'server.key')).then(
      () => expect.fail('no key should have been written'),
      () => undefined,
    );
  });

  it('refuses a key size Salesforce would not take', async () => {
    const run = await runCommand<CertGenerateResult>(CertGenerate, [
      '--output-dir',
      dir,
      '--key-size',
      '1024',
      '--json',
    ]);
    expect(run.exitCode).to.equal(2);
    expect(run.json?.message).to.include('Expected --key-size=1024 to be one of: 2048, 3072, 4096');
  });
});
