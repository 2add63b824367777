import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { testKey } from '../helpers/org.js';
import { jwtLogin, type TokenAnswer } from '../helpers/token.js';
import { Emulator, type EmulatorOptions } from './server.js';
import { OAUTH_ERRORS } from './oauth.js';

/** An HTTP status, or 0 for a connection dropped without an answer. */
const statusOf = (call: Promise<Response>): Promise<number> =>
  call.then(
    (r) => r.status,
    () => 0,
  );

/** API calls of several kinds, one at a time: the seed fixes the order of faults, so order matters. */
const apiCalls = async (emu: RunningEmulator, count: number): Promise<number[]> => {
  const auth = { authorization: `Bearer ${emu.ready.admin.accessToken}` };
  const calls = [
    (): Promise<Response> => fetch(`${emu.url}/services/data`),
    (): Promise<Response> =>
      fetch(`${emu.url}/services/data/v68.0/query?q=SELECT+Id+FROM+Organization`, { headers: auth }),
    (): Promise<Response> => fetch(`${emu.url}/services/oauth2/userinfo`, { headers: auth }),
    (): Promise<Response> =>
      fetch(`${emu.url}/services/Soap/m/68.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader xmlns="http://soap.sforce.com/2006/04/metadata"><sessionId>${emu.ready.admin.accessToken}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><listMetadata xmlns="http://soap.sforce.com/2006/04/metadata"><queries><type>PermissionSet</type></queries></listMetadata></soapenv:Body></soapenv:Envelope>`,
      }),
  ];
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    // eslint-disable-next-line no-await-in-loop
    statuses.push(await statusOf(calls[i % calls.length]()));
  }
  return statuses;
};

const withEmulator = async <T>(options: EmulatorOptions, use: (emu: RunningEmulator) => Promise<T>): Promise<T> => {
  const emu = await startEmulator(options);
  try {
    return await use(emu);
  } finally {
    await emu.stop();
  }
};

/** A JWT the token endpoint must read to refuse: an issuer no app has. */
const unknownAppLogin = async (emu: RunningEmulator): Promise<TokenAnswer> =>
  jwtLogin(
    emu.url,
    {
      iss: 'NoSuchApp0001',
      sub: emu.ready.integrationUser.username,
      aud: emu.url,
      exp: Math.floor(Date.now() / 1000) + 60,
    },
    (await testKey()).privateKeyPem,
  );

describe("the emulator's fault injection", () => {
  it('fails every API call at rate 1, with a 503 SERVER_UNAVAILABLE or a dropped connection', async () => {
    await withEmulator({ faultRate: 1, faultSeed: 11 }, async (emu) => {
      const statuses = await apiCalls(emu, 24);
      expect(
        statuses.filter((s) => s !== 503 && s !== 0),
        String(statuses),
      ).to.deep.equal([]);
      expect(statuses).to.include(503).and.to.include(0);
      expect((await emu.requests()).map((r) => r.status)).to.deep.equal(statuses);
      let answered: Response | undefined;
      for (let i = 0; i < 24 && !answered; i++) {
        // eslint-disable-next-line no-await-in-loop
        answered = await fetch(`${emu.url}/services/data`).catch(() => undefined);
      }
      expect(answered?.status).to.equal(503);
      expect(await answered?.json()).to.deep.equal([
        { message: 'Service Unavailable', errorCode: 'SERVER_UNAVAILABLE' },
      ]);
    });
  });

  it('keeps the token endpoint and the /__emulator/ calls working at rate 1', async () => {
    await withEmulator({ faultRate: 1, faultSeed: 11 }, async (emu) => {
      for (let i = 0; i < 8; i++) {
        // eslint-disable-next-line no-await-in-loop
        expect(await unknownAppLogin(emu)).to.deep.equal({ status: 400, body: OAUTH_ERRORS.invalidClientId });
      }
      const state = await fetch(`${emu.url}/__emulator/state`);
      expect(state.status).to.equal(200);
      expect(await state.json()).to.include({ orgId: emu.ready.orgId });
      expect((await emu.requests()).map((r) => r.status)).to.deep.equal(Array.from({ length: 8 }, () => 400));
      expect((await fetch(`${emu.url}/__emulator/requests`, { method: 'DELETE' })).status).to.equal(204);
    });
  });

  it('gives the same sequence of faults for the same seed, and another for another seed', async () => {
    const sequence = (seed: number): Promise<number[]> =>
      withEmulator({ faultRate: 0.5, faultSeed: seed }, (emu) => apiCalls(emu, 24));
    const first = await sequence(7);
    expect(await sequence(7)).to.deep.equal(first);
    expect(await sequence(8)).to.not.deep.equal(first);
    expect(first).to.include(200);
    expect(first.filter((s) => s !== 200)).to.not.deep.equal([]);
  });

  it('leaves the sequence of API faults alone when token calls come in between', async () => {
    const plain = await withEmulator({ faultRate: 0.5, faultSeed: 5 }, (emu) => apiCalls(emu, 12));
    const interleaved = await withEmulator({ faultRate: 0.5, faultSeed: 5 }, async (emu) => {
      const before = await apiCalls(emu, 6);
      await unknownAppLogin(emu);
      await unknownAppLogin(emu);
      return [...before, ...(await apiCalls(emu, 6))];
    });
    expect(interleaved).to.deep.equal(plain);
  });

  it('never fails a call at rate 0, nor by default', async () => {
    for (const options of [{ faultRate: 0, faultSeed: 7 }, {}]) {
      // eslint-disable-next-line no-await-in-loop
      const statuses = await withEmulator(options, (emu) => apiCalls(emu, 24));
      expect(statuses).to.deep.equal(Array.from({ length: 24 }, () => 200));
    }
  });

  it('refuses a fault rate outside 0 to 1', () => {
    expect(() => new Emulator({ faultRate: 1.5 })).to.throw('--fault-rate must be between 0 and 1, got 1.5');
    expect(() => new Emulator({ faultRate: -0.1 })).to.throw('--fault-rate must be between 0 and 1');
  });

  it('echoes the request where a canned body says {request}: a form in JSON, a header in text', async () => {
    await withEmulator({}, async (emu) => {
      await emu.answerNext({
        status: 400,
        contentType: 'application/json',
        body: '{"error":"invalid_request","error_description":"{request}"}',
        path: '/services/oauth2/token',
      });
      const refused = await fetch(`${emu.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=abc&client_secret=S3cr3t"quoted',
      });
      expect(refused.status).to.equal(400);
      const answer = (await refused.json()) as { error: string; error_description: string };
      expect(answer.error).to.equal('invalid_request');
      expect(answer.error_description).to.match(/^POST \/services\/oauth2\/token\n/);
      expect(answer.error_description).to.include('content-type: application/x-www-form-urlencoded');
      expect(
        answer.error_description.endsWith(
          '\n\ngrant_type=client_credentials&client_id=abc&client_secret=S3cr3t"quoted',
        ),
      ).to.equal(true);

      await emu.answerNext({ status: 500, contentType: 'text/plain', body: 'upstream failed: {request}', count: 1 });
      const failed = await fetch(`${emu.url}/services/data/v68.0/limits`, {
        headers: { authorization: 'Bearer the-session-id' },
      });
      expect(failed.status).to.equal(500);
      expect(await failed.text()).to.match(
        /^upstream failed: GET \/services\/data\/v68\.0\/limits\n[\s\S]*authorization: Bearer the-session-id/,
      );
      // Only `count` answers: the next call is served.
      expect((await fetch(`${emu.url}/services/data`)).status).to.equal(200);
    });
  });
});
