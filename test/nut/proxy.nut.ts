import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { runSf, sfWithAdmin } from '../helpers/sf.js';

/**
 * Behind a corporate proxy sf reaches Salesforce through HTTPS_PROXY. The plugin's own requests (the token
 * endpoint, the identity read) must take the same route, or `sf jwtapp verify` finds the org unreachable
 * where `sf org login jwt` logs in. The proxy here is the only way to login.salesforce.com (played by the
 * emulator); there is no network, so a request that bypasses it fails.
 */
describe('sf jwtapp behind an HTTPS proxy, through the real sf', () => {
  let emu: RunningEmulator;
  let proxy: RunningProxy;
  let home: string;
  let integration: string;

  before(async () => {
    // An org with a Connected App: the generic login host serves those (not External Client Apps).
    emu = await startEmulator({ allowConnectedAppCreation: true });
    proxy = await startProxy(emu.url);
    home = await sfWithAdmin(emu);
    integration = emu.ready.integrationUser.username;
  });
  after(async () => {
    await proxy.stop();
    await emu.stop();
  });

  it('sets up an app with its login check sent through the proxy, then verifies it at login.salesforce.com', async () => {
    const setup = await runSf(['jwtapp', 'setup', '-o', 'emu', '--name', 'Proxied_App', '--username', integration, '--app-type', 'connected-app', '--json'], {
      home,
      env: proxy.env,
    });
    expect(setup.status, setup.stdout).to.equal(0);
    // The login check is the plugin's own request; jsforce's went through the proxy already.
    expect(proxy.seen).to.include(`POST ${emu.url}/services/oauth2/token`);
    const { clientId } = setup.json?.result as { clientId: string };

    await emu.clearRequests();
    const args = ['jwtapp', 'verify', '-o', integration, '-i', clientId, '-f', join(home, 'server.key'), '-r', 'https://login.salesforce.com', '--json'];
    const verify = await runSf(args, { home, env: proxy.env });
    expect(verify.status, verify.stdout).to.equal(0);
    expect(verify.json?.result).to.include({ success: true, username: integration, loginUrl: 'https://login.salesforce.com', orgId: emu.ready.orgId });
    expect(proxy.seen).to.include('CONNECT login.salesforce.com:443');
    const tokens = (await emu.requests()).filter((r) => r.path === '/services/oauth2/token');
    expect(tokens.map((r) => `${r.host} ${r.status}`)).to.deep.equal(['login.salesforce.com 200']);

    // Without the proxy there is no route to login.salesforce.com here: what the proxy made possible.
    const direct = await runSf(args, { home });
    expect(direct.status).to.equal(5);
    expect(direct.json?.name).to.equal('LoginUrlUnreachableError');
  });
});
