import { stripVTControlCharacters } from 'node:util';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';
import { adminConnection, metadataOf } from '../helpers/org.js';

type UseJson = { application: string; username: string; attempts: number; fix: string };
type ReportJson = { daysLeft: number; orgs: Array<{ org: string; allowed: boolean; uses: UseJson[] }> };

/**
 * The username-password flow's retirement through the real sf: a Connected App logged in to with the flow is
 * found by `password-flow report` (human and --json), the setting is refused off while it is used, the printed
 * fix moves it, and once the window holds no such login `password-flow block` turns the flow off and `allow` back on.
 */
describe('sf jwtapp password-flow through the real sf', () => {
  let ahead = 0;
  const nut = nutBench({ emulator: { allowConnectedAppCreation: true, now: () => Date.now() + ahead } });

  before(async () => {
    const conn = await adminConnection(nut.emu);
    await metadataOf(conn).create('ConnectedApp', {
      fullName: 'Nut_Legacy',
      label: 'Nut Legacy',
      contactEmail: 'owner@example.com',
      oauthConfig: { callbackUrl: 'https://vendor.example.com/callback', scopes: ['Api', 'RefreshToken'] },
    });
    await metadataOf(conn).update('OauthOidcSettings', { fullName: 'OauthOidc', blockOAuthUnPwFlow: false });
    const app = (await nut.emu.state()).apps.find((a) => a.name === 'Nut_Legacy');
    const set = await fetch(`${nut.emu.url}/__emulator/users/password`, {
      method: 'POST',
      body: JSON.stringify({ username: nut.integration, password: 'Nut-Password-1' }),
    });
    const { securityToken } = (await set.json()) as { securityToken: string };
    const login = await fetch(`${nut.emu.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: String(app?.consumerKey),
        client_secret: String(app?.consumerSecret),
        username: nut.integration,
        password: `Nut-Password-1${securityToken}`,
      }),
    });
    expect(login.status).to.equal(200);
  });

  it('reports the app and user, refuses to block the flow, moves them with the printed fix, then blocks and allows it', async () => {
    const human = await nut.sf(['jwtapp', 'password-flow', 'report', '--target-org', 'emu']);
    expect(human.status, human.stderr).to.equal(0);
    const screen = stripVTControlCharacters(human.stdout);
    expect(screen).to.match(/The username-password flow stops working for Connected Apps on 2027-02-20, in \d+ days\./);
    expect(screen).to.include('The org still allows the flow');
    expect(screen).to.include('Nut_Legacy').and.include(nut.integration);
    const fix = `sf jwtapp setup --target-org emu --name Nut_Legacy --app-type connected-app --username ${nut.integration}`;
    expect(screen).to.include(fix);

    const json = await nut.sf(['jwtapp', 'password-flow', 'report', '--target-org', 'emu', '--json']);
    const report = json.json?.result as ReportJson;
    expect(report.orgs[0].uses.map((u) => [u.application, u.username, u.attempts, u.fix])).to.deep.equal([
      ['Nut Legacy', nut.integration, 1, fix],
    ]);

    const refused = await nut.sf(['jwtapp', 'password-flow', 'block', '--target-org', 'emu', '--json']);
    expect(refused.status).to.equal(4);
    expect(refused.json?.name).to.equal('StillUsedError');

    const moved = await nut.sf([...fix.split(' ').slice(1), '--output-dir', 'certs', '--json']);
    expect(moved.status, moved.stdout + moved.stderr).to.equal(0);
    expect((moved.json?.result as { verification: { success: boolean } }).verification.success).to.equal(true);

    ahead = 31 * 86_400_000;
    const blocked = await nut.sf(['jwtapp', 'password-flow', 'block', '--target-org', 'emu']);
    expect(blocked.status, blocked.stderr).to.equal(0);
    expect(blocked.stdout).to.include('"Allow OAuth Username-Password Flows" is off');
    expect((await nut.emu.state()).passwordFlowBlocked).to.equal(true);
    const allowed = await nut.sf(['jwtapp', 'password-flow', 'allow', '--target-org', 'emu', '--json']);
    expect(allowed.json?.result).to.deep.include({ changed: true, allowed: true });
    expect((await nut.emu.state()).passwordFlowBlocked).to.equal(false);
  });
});
