import { expect } from 'chai';
import { FakeClock, startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection, configureJwtApp, testKey } from '../helpers/org.js';
import { postToken } from '../helpers/token.js';

const PROPAGATION_MS = 2 * 60_000;

/** Connect REST's staged credentials of an External Client App (docs/emulator.md, "Staged credentials"). */
describe("the emulator's staged credentials", () => {
  let clock: FakeClock;
  let emu: RunningEmulator;
  let base: string;
  let token: string;
  let primary: { key: string; secret: string };

  const call = async (
    method: string,
    path = '',
    body?: unknown,
    version = '66.0',
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${emu.url}/services/data/v${version}${base}/staged${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const login = async (pair: { key: string; secret: string }): Promise<string> => {
    const answer = await postToken(emu.url, {
      // eslint-disable-next-line camelcase
      grant_type: 'client_credentials',
      // eslint-disable-next-line camelcase
      client_id: pair.key,
      // eslint-disable-next-line camelcase
      client_secret: pair.secret,
    });
    return answer.status === 200 ? 'ok' : answer.body.error;
  };
  type Staged = { stagedCredentials: Array<{ id: string; key: string; secret: string; state: string; url: string }> };

  before(async () => {
    clock = new FakeClock();
    emu = await startEmulator({ clientSecretRestAccess: true, propagationMs: PROPAGATION_MS, now: clock.now });
    token = emu.ready.admin.accessToken;
    const conn = await adminConnection(emu);
    await configureJwtApp(conn, {
      name: 'Staged_App',
      certificatePem: (await testKey()).certificatePem,
      username: emu.ready.integrationUser.username,
      clientCredentialsUser: emu.ready.integrationUser.username,
    });
    clock.advance(PROPAGATION_MS);
    const app = (await emu.state()).apps.find((a) => a.name === 'Staged_App');
    primary = { key: String(app?.consumerKey), secret: String(app?.consumerSecret) };
    const consumers = await conn.request<{ consumers: Array<{ id: string }> }>(
      `/services/data/v66.0/apps/oauth/credentials/${String(app?.id)}`,
    );
    base = `/apps/oauth/credentials/${String(app?.id)}/${consumers.consumers[0].id}`;
  });
  after(() => emu.stop());

  it('answers 404 while nothing is staged, and not at all before API 65.0', async () => {
    expect((await call('GET')).status).to.equal(404);
    expect((await call('POST', '', {}, '64.0')).status).to.equal(404);
  });

  it('stages a second pair that logs in beside the primary one once propagated; one staged pair per consumer', async () => {
    const staged = await call('POST', '', {});
    expect(staged.status).to.equal(201);
    const [pair] = (staged.body as Staged).stagedCredentials;
    expect(pair).to.include({ state: 'active' });
    expect(pair.key).to.match(/^3MVG9/);
    expect(await login(pair)).to.equal('invalid_client_id');
    clock.advance(PROPAGATION_MS);
    expect(await login(pair)).to.equal('ok');
    expect(await login(primary)).to.equal('ok');
    expect((await call('POST', '', {})).status).to.equal(400);
    expect(((await call('GET')).body as Staged).stagedCredentials[0].id).to.equal(pair.id);
  });

  it('rotates: the staged pair becomes the primary one, the former primary stays usable in the slot, rotated', async () => {
    const [pair] = ((await call('GET')).body as Staged).stagedCredentials;
    expect((await call('PATCH', `/${pair.id}`, { command: 'promote' })).status).to.equal(400);
    const rotated = await call('PATCH', `/${pair.id}`, { command: 'rotate' });
    expect(rotated.status).to.equal(200);
    expect((rotated.body as Staged).stagedCredentials[0]).to.include({ key: primary.key, state: 'rotated' });
    // While the change propagates and after: both pairs log in, never neither.
    expect([await login(pair), await login(primary)]).to.deep.equal(['ok', 'ok']);
    clock.advance(PROPAGATION_MS);
    expect([await login(pair), await login(primary)]).to.deep.equal(['ok', 'ok']);
    expect((await emu.state()).apps.find((a) => a.name === 'Staged_App')?.consumerKey).to.equal(pair.key);
    expect((await call('PATCH', `/${pair.id}`, { command: 'rotate' })).status).to.equal(400);
  });

  it('revokes the rotated pair at once with DELETE; the rotated pair also ends after 30 days', async () => {
    const [slot] = ((await call('GET')).body as Staged).stagedCredentials;
    expect((await call('DELETE', `/${slot.id}`)).status).to.equal(204);
    expect(await login(primary)).to.equal('invalid_client_id');
    expect((await call('GET')).status).to.equal(404);
    // A new rotation's former primary lasts 30 days.
    const [next] = ((await call('POST', '', {})).body as Staged).stagedCredentials;
    clock.advance(PROPAGATION_MS);
    const current = {
      key: String((await emu.state()).apps.find((a) => a.name === 'Staged_App')?.consumerKey),
      secret: '',
    };
    current.secret = String((await emu.state()).apps.find((a) => a.name === 'Staged_App')?.consumerSecret);
    await call('PATCH', `/${next.id}`, { command: 'rotate' });
    clock.advance(PROPAGATION_MS);
    expect(await login(current)).to.equal('ok');
    clock.advance(30 * 86_400_000);
    expect(await login(current)).to.equal('invalid_client_id');
    expect(await login(next)).to.equal('ok');
    expect((await call('GET')).status).to.equal(404);
  });
});
