import { join } from 'node:path';
import { expect } from 'chai';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';
import { nutBench } from '../helpers/nut.js';

/**
 * Behind a corporate proxy sf reaches Salesforce through HTTPS_PROXY. The plugin's own requests (the token
 * endpoint, the identity read) must take the same route, or `sf jwtapp verify` finds the org unreachable
 * where `sf org login jwt` logs in. The proxy here is the only way to login.salesforce.com (played by the
 * emulator); there is no network, so a request that bypasses it fails.
 */
describe('sf jwtapp behind an HTTPS proxy, through the real sf', () => {
  // An org with a Connected App: the generic login host serves those (not External Client Apps).
  const nut = nutBench({ emulator: { allowConnectedAppCreation: true } });
  let proxy: RunningProxy;
  let integration: string;

  before(async () => {
    proxy = await startProxy(nut.emu.url);
    integration = nut.integration;
  });
  after(() => proxy.stop());

  it('sets up an app with its login check sent through the proxy, then verifies it at login.salesforce.com', async () => {
    const setup = await nut.sf(
      [
        'jwtapp',
        'setup',
        '-o',
        'emu',
        '--name',
        'Proxied_App',
        '--username',
        integration,
        '--app-type',
        'connected-app',
        '--json',
      ],
      { env: proxy.env },
    );
    expect(setup.status, setup.stdout).to.equal(0);
    // The login check is the plugin's own request; jsforce's went through the proxy already.
    expect(proxy.seen).to.include(`POST ${nut.emu.url}/services/oauth2/token`);
    const { clientId } = setup.json?.result as { clientId: string };

    await nut.emu.clearRequests();
    const args = [
      'jwtapp',
      'verify',
      '-o',
      integration,
      '-i',
      clientId,
      '-f',
      join(nut.home, 'server.key'),
      '-r',
      'https://login.salesforce.com',
      '--json',
    ];
    const verify = await nut.sf(args, { env: proxy.env });
    expect(verify.status, verify.stdout).to.equal(0);
    expect(verify.json?.result).to.include({
      success: true,
      username: integration,
      loginUrl: 'https://login.salesforce.com',
      orgId: nut.emu.ready.orgId,
    });
    expect(proxy.seen).to.include('CONNECT login.salesforce.com:443');
    const tokens = (await nut.emu.requests()).filter((r) => r.path === '/services/oauth2/token');
    expect(tokens.map((r) => `${r.host} ${r.status}`)).to.deep.equal(['login.salesforce.com 200']);

    // Without the proxy there is no route to login.salesforce.com here: what the proxy made possible.
    const direct = await nut.sf(args);
    expect(direct.status).to.equal(5);
    expect(direct.json?.name).to.equal('LoginUrlUnreachableError');
  });
});
