import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Token, { type TokenResult } from '../../src/commands/jwtapp/token.js';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, testKey, type JwtAppFixture } from '../helpers/org.js';
import { runCommand } from '../helpers/command.js';
import { tempDir } from '../helpers/temp.js';

describe('sf jwtapp token', () => {
  let emu: RunningEmulator;
  let app: JwtAppFixture;
  let keyFile: string;
  let integration: string;

  before(async () => {
    emu = await startEmulator();
    integration = emu.ready.integrationUser.username;
    const key = await testKey();
    keyFile = join(await tempDir('jwtapp-token-'), 'server.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    app = await configureJwtApp(await adminConnection(emu), {
      name: 'Token_App',
      certificatePem: key.certificatePem,
      username: integration,
    });
  });
  after(() => emu.stop());

  it('prints the access token alone on stdout, and it works as a bearer token', async () => {
    const run = await runCommand<TokenResult>(Token, [
      '-r',
      emu.url,
      '-o',
      integration,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
    ]);
    expect(run.exitCode, run.stderr).to.equal(0);
    const token = run.stdout.trim();
    expect(token).to.match(/^00D[A-Za-z0-9]{12}!\S+$/);
    expect(run.stderr).to.include(`Instance URL: ${emu.url}`);
    const response = await fetch(
      `${emu.url}/services/data/v68.0/query?q=SELECT+Username+FROM+User+WHERE+Username='${integration}'`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(response.status).to.equal(200);
  });

  it('gives the token, instance URL, scopes, user and org with --json', async () => {
    const run = await runCommand<TokenResult>(Token, [
      '-r',
      emu.url,
      '-o',
      integration,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '--json',
    ]);
    expect(run.exitCode).to.equal(0);
    expect(run.json?.result).to.include({
      instanceUrl: emu.url,
      username: integration,
      orgId: emu.ready.orgId,
      tokenType: 'Bearer',
    });
    expect(run.json?.result?.accessToken).to.match(/^00D/);
    expect(run.json?.result?.scopes).to.deep.equal(['api', 'refresh_token']);
  });

  it('explains a refused login the way verify does, printing no token', async () => {
    const run = await runCommand<TokenResult>(Token, [
      '-r',
      emu.url,
      '-o',
      emu.ready.admin.username,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '--json',
    ]);
    expect(run.exitCode).to.equal(4);
    expect(run.json?.name).to.equal('UserNotAdminApprovedError');
    expect(run.stdout).not.to.match(/00D[A-Za-z0-9]{12}!/);
  });

  it('explains an External Client App reached through the generic login host with the My Domain fix', async () => {
    const run = await runCommand<TokenResult>(Token, [
      '-r',
      emu.ready.loginUrl,
      '-o',
      integration,
      '-i',
      app.consumerKey,
      '-f',
      keyFile,
      '--json',
    ]);
    expect(run.exitCode).to.equal(4);
    expect(run.json?.name).to.equal('AppNotInstalledError');
    expect(String((run.json as { actions?: string[] } | undefined)?.actions?.[0])).to.include(
      "Use the org's My Domain URL",
    );
  });
});
