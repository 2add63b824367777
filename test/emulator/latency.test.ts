import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { adminConnection } from '../helpers/org.js';

/** A real org's round trip, played on loopback: every answer held back, SOAP longer than REST, and logged. */
describe('emulator: latency', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator({ latencyMs: 40 });
  });
  after(() => emu.stop());

  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };

  it('holds each REST answer --latency-ms and each Metadata API answer twice that, and logs it', async () => {
    const conn = await adminConnection(emu);
    await emu.clearRequests();
    const rest = await timed(async () => conn.query('SELECT Id FROM User LIMIT 1'));
    const soap = await timed(() => conn.metadata.read('ConnectedApp', ['Nothing_Here']));
    expect(rest).to.be.at.least(40);
    expect(soap).to.be.at.least(80);
    expect((await emu.requests()).map((r) => r.latencyMs)).to.deep.equal([40, 80]);
  });

  it('changes while it runs, and 0 answers at once', async () => {
    const conn = await adminConnection(emu);
    await emu.setLatency(0);
    await emu.clearRequests();
    await conn.query('SELECT Id FROM User LIMIT 1');
    await emu.setLatency(10, 25);
    await conn.metadata.read('ConnectedApp', ['Nothing_Here']);
    expect((await emu.requests()).map((r) => r.latencyMs)).to.deep.equal([0, 25]);
  });
});
