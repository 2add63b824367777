import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { linkPlugin, runSf, sfHome } from '../helpers/sf.js';

/** The built plugin, linked into the current @salesforce/cli, runs its commands through the real `sf`. */
describe('the plugin inside the real sf', () => {
  let home: string;

  before(async () => {
    home = sfHome();
    await linkPlugin(home);
  });

  it('is listed by sf plugins as a linked plugin', async () => {
    const run = await runSf(['plugins', '--json'], { home });
    expect(run.status).to.equal(0);
    const plugins = run.json as unknown as Array<{ name: string; type: string }>;
    expect(plugins.find((p) => p.name === '@jwtapp/plugin-jwtapp')).to.include({ type: 'link' });
  });

  it('runs sf jwtapp cert generate and writes a 0600 key with a matching certificate', async () => {
    const run = await runSf(['jwtapp', 'cert', 'generate', '--output-dir', 'certs', '--days', '30', '--json'], { home });
    expect(run.status, run.stderr).to.equal(0);
    const result = run.json?.result as { keyFile: string; certificateFile: string; sha256Fingerprint: string };
    expect(result.keyFile).to.equal(join(home, 'certs', 'server.key'));
    expect((await stat(result.keyFile)).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(await readFile(result.certificateFile, 'utf8'));
    expect(cert.fingerprint256).to.equal(result.sha256Fingerprint);
    expect(run.stdout).not.to.include('PRIVATE KEY');
  });

  it('shows the command in sf help', async () => {
    const run = await runSf(['jwtapp', 'cert', 'generate', '--help'], { home });
    expect(run.status).to.equal(0);
    expect(run.stdout).to.include('Generate an RSA private key and a self-signed certificate');
    // The exit codes of the plugin's one table that this command can end with.
    expect(run.stdout).to.match(/EXIT CODES[\s\S]*3\s+A local input is wrong/);
  });
});
