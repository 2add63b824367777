import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';
import { packedPlugin, REPO_ROOT, runSf, sfHome } from '../helpers/sf.js';
import { tempDir } from '../helpers/temp.js';

/** The built plugin, linked into the current @salesforce/cli, runs its commands through the real `sf`. */
describe('the plugin inside the real sf', () => {
  const nut = nutBench({ emulator: false });

  it('is listed by sf plugins as a linked plugin', async () => {
    const run = await nut.sf(['plugins', '--json']);
    expect(run.status).to.equal(0);
    const plugins = run.json as unknown as Array<{ name: string; type: string }>;
    expect(plugins.find((p) => p.name === '@jwtapp/plugin-jwtapp')).to.include({ type: 'link' });
  });

  it('runs sf jwtapp cert generate and writes a 0600 key with a matching certificate', async () => {
    const run = await nut.sf(['jwtapp', 'cert', 'generate', '--output-dir', 'certs', '--days', '30', '--json']);
    expect(run.status, run.stderr).to.equal(0);
    const result = run.json?.result as { keyFile: string; certificateFile: string; sha256Fingerprint: string };
    expect(result.keyFile).to.equal(join(nut.home, 'certs', 'server.key'));
    expect((await stat(result.keyFile)).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(await readFile(result.certificateFile, 'utf8'));
    expect(cert.fingerprint256).to.equal(result.sha256Fingerprint);
    expect(run.stdout).not.to.include('PRIVATE KEY');
  });

  it('shows the command in sf help', async () => {
    const run = await nut.sf(['jwtapp', 'cert', 'generate', '--help']);
    expect(run.status).to.equal(0);
    expect(run.stdout).to.include('Generate an RSA private key and a self-signed certificate');
    // The exit codes of the plugin's one table that this command can end with.
    expect(run.stdout).to.match(/EXIT CODES[\s\S]*3\s+A local input is wrong/);
  });

  it("prints every command's --help from the manifest, without importing the command", async () => {
    // A copy of the packed plugin whose command modules throw when imported: oclif imports a command for
    // --help only when a flag computes its default's help text, and that import costs 0.3-0.8 s of start-up.
    const copy = await tempDir('jwtapp-help-only-');
    await cp(await packedPlugin(), copy, { recursive: true });
    const commands = join(copy, 'lib', 'commands');
    const files = (await readdir(commands, { recursive: true })).filter((f) => f.endsWith('.js'));
    for (const file of files) {
      // eslint-disable-next-line no-await-in-loop
      await writeFile(join(commands, file), "throw new Error('command module imported');\n");
    }
    const helpHome = sfHome();
    const link = await runSf(['plugins', 'link', copy, '--no-install'], { home: helpHome });
    expect(link.status, link.stderr).to.equal(0);
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { summary: string }>;
    };
    expect(Object.keys(manifest.commands)).to.have.length(files.length);
    for (const [id, command] of Object.entries(manifest.commands)) {
      // eslint-disable-next-line no-await-in-loop
      const run = await runSf([...id.split(':'), '--help'], { home: helpHome });
      expect(run.status, `${id}: ${run.stderr}`).to.equal(0);
      expect(run.stdout, id).to.include(command.summary.split('\n')[0].slice(0, 40));
      expect(run.stderr, id).not.to.include('command module imported');
    }
  });
});
