import { expect } from 'chai';
import { SfError } from '@salesforce/core';
import type { Connection } from '@salesforce/core';
import { isTransient, MAX_ATTEMPTS, retryIdempotent, RetryLog } from '../../src/retry/outage.js';
import { retry } from '../../src/retry/retry.js';
import { resilientConnection } from '../../src/connection/resilient.js';
import { redirectError } from '../../src/connection/redirects.js';
import { FakeClock } from '../helpers/emulator.js';
import { useFakeClock } from '../helpers/time.js';

describe('riding out an outage', () => {
  const fake = new FakeClock();
  useFakeClock(fake);

  it("tells an outage from Salesforce's verdict", () => {
    const dropped = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(isTransient(dropped)).to.equal(true);
    expect(isTransient(new SfError('Service Unavailable', 'SERVER_UNAVAILABLE'))).to.equal(true);
    expect(isTransient(new SfError('[{"message":"Service Unavailable"}]', 'ERROR_HTTP_503'))).to.equal(true);
    expect(isTransient(new Error('Metadata API request failed', { cause: new TypeError('fetch failed') }))).to.equal(
      true,
    );
    expect(isTransient(new SfError('duplicate value found', 'DUPLICATE_VALUE'))).to.equal(false);
    expect(isTransient(new SfError('Session expired or invalid', 'INVALID_SESSION_ID'))).to.equal(false);
    expect(
      isTransient(new SfError('insufficient access rights on object id', 'INSUFFICIENT_ACCESS_OR_READONLY')),
    ).to.equal(false);
  });

  it('tries an idempotent call again after an outage, logs it, and waits a little longer each time', async () => {
    const log = new RetryLog();
    let calls = 0;
    const start = fake.now();
    const answer = await retryIdempotent(
      'metadata.read',
      () => {
        calls++;
        return calls < 3 ? Promise.reject(new TypeError('fetch failed')) : Promise.resolve('read');
      },
      log,
    );
    expect(answer).to.equal('read');
    expect(calls).to.equal(3);
    expect(log.calls.map((c) => c.operation)).to.deep.equal(['metadata.read', 'metadata.read']);
    expect(fake.now() - start).to.be.within(250 + 500, 500 + 1000);
  });

  it("returns Salesforce's verdict at once, and gives up after MAX_ATTEMPTS outages", async () => {
    let calls = 0;
    const refused = await retryIdempotent('q', () => {
      calls++;
      return Promise.reject(new SfError('bad', 'INVALID_FIELD'));
    }).catch((e: Error) => e);
    expect(refused.name).to.equal('INVALID_FIELD');
    expect(calls).to.equal(1);
    calls = 0;
    const down = await retryIdempotent('q', () => {
      calls++;
      return Promise.reject(new SfError('Service Unavailable', 'SERVER_UNAVAILABLE'));
    }).catch((e: Error) => e);
    expect(down.name).to.equal('SERVER_UNAVAILABLE');
    expect(calls).to.equal(MAX_ATTEMPTS);
  });
});

describe('the one retry loop', () => {
  const fake = new FakeClock();
  useFakeClock(fake);

  it('stops at the deadline, its last pause cut to the time left, and returns the last outcome', async () => {
    const start = fake.now();
    const pauses: number[] = [];
    const outcome = await retry((n) => Promise.resolve(n), {
      policy: { deadlineMs: 5000, backoff: { initialMs: 2000, factor: 2, maxMs: 20_000 } },
      again: () => true,
      onRetry: (_, next) => pauses.push(next.delayMs),
    });
    expect(fake.now() - start).to.equal(5000);
    expect(outcome).to.equal(pauses.length + 1);
    expect(pauses.reduce((a, b) => a + b, 0)).to.equal(5000);
  });

  it('makes one attempt when the deadline is 0, and none more after a final outcome', async () => {
    let calls = 0;
    await retry(() => Promise.resolve(++calls), {
      policy: { deadlineMs: 0, backoff: { initialMs: 1, factor: 1, maxMs: 1 } },
      again: () => true,
    });
    expect(calls).to.equal(1);
    await retry(() => Promise.resolve(++calls), {
      policy: { attempts: 5, backoff: { initialMs: 1, factor: 1, maxMs: 1 } },
      again: (n) => n < 3,
    });
    expect(calls).to.equal(3);
  });
});

describe('a resilient connection', () => {
  const fake = new FakeClock();
  useFakeClock(fake);

  /** A stand-in for jsforce's Connection: its reads fail with an outage `failures` times, then answer. */
  const connection = (failures: number): { conn: Connection; calls: () => number } => {
    let calls = 0;
    const answer = (value: string): Promise<string> =>
      ++calls <= failures ? Promise.reject(new TypeError('fetch failed')) : Promise.resolve(value);
    const conn = {
      accessToken: undefined,
      request: () => answer('batch'),
      metadata: { read: () => answer('read'), create: () => answer('created') },
    };
    return { conn: conn as unknown as Connection, calls: () => calls };
  };
  const batch = {
    method: 'POST',
    url: '/services/data/v62.0/composite/batch',
    body: JSON.stringify({ batchRequests: [{ method: 'GET', url: 'v62.0/query?q=x' }] }),
  };

  it("leaves the caller's connection as it was: its own request and Metadata API calls are not retried", async () => {
    const { conn } = connection(1);
    const metadata = conn.metadata;
    const before = { ...conn, metadata: { ...conn.metadata } };
    const wrapped = resilientConnection(conn, new RetryLog());
    expect(wrapped).to.not.equal(conn);
    expect(conn.metadata).to.equal(metadata);
    expect({ ...conn, metadata: { ...conn.metadata } }).to.deep.equal(before);
    expect(Object.keys(conn)).to.deep.equal(['accessToken', 'request', 'metadata']);
    expect(await conn.metadata.read('ConnectedApp', 'X').catch((e: Error) => e.name)).to.equal('TypeError');
  });

  it('retries its reads, never its writes, and records every retry in each log it was given, once', async () => {
    const run = new RetryLog();
    const own = new RetryLog();
    const first = connection(2);
    const twice = resilientConnection(resilientConnection(first.conn, run), own);
    expect(await twice.request(batch as never)).to.equal('batch');
    expect(first.calls()).to.equal(3);
    expect(run.calls.map((c) => c.operation)).to.deep.equal(['composite/batch', 'composite/batch']);
    expect(own.calls).to.deep.equal(run.calls);

    // A read that outlasts the retries is tried MAX_ATTEMPTS times in all, not once per wrapper.
    const down = connection(100);
    const wrapped = resilientConnection(resilientConnection(down.conn, new RetryLog()), new RetryLog());
    expect(await wrapped.metadata.read('ConnectedApp', 'X').catch((e: Error) => e.name)).to.equal('TypeError');
    expect(down.calls()).to.equal(MAX_ATTEMPTS);

    const write = connection(1);
    const log = new RetryLog();
    expect(
      await resilientConnection(write.conn, log)
        .metadata.create('ConnectedApp', {} as never)
        .catch((e: Error) => e.name),
    ).to.equal('TypeError');
    expect({ calls: write.calls(), logged: log.calls.length }).to.deep.equal({ calls: 1, logged: 0 });
  });
});

describe('an API call answered with a redirect', () => {
  it('is a moved domain when the same path is asked for on another host, with the login that fixes it', () => {
    const error = redirectError(
      'https://acme.my.salesforce.com/services/data/v62.0/query?q=x',
      'https://acme-new.my.salesforce.com/services/data/v62.0/query?q=x',
    ) as SfError;
    expect({ name: error.name, exitCode: error.exitCode }).to.deep.equal({ name: 'DomainMovedError', exitCode: 4 });
    expect(error.actions?.join(' ')).to.include('sf org login web --instance-url https://acme-new.my.salesforce.com');
  });

  it("is something in Salesforce's place when it points elsewhere, named without the location's query", () => {
    const error = redirectError(
      'https://acme.my.salesforce.com/services/Soap/m/62.0',
      '/?ec=302&startURL=%2Fsecret',
    ) as SfError;
    expect(error.name).to.equal('RedirectedAwayError');
    expect(error.message).to.include('https://acme.my.salesforce.com/').and.not.include('startURL');
    expect(error.actions?.join(' ')).to.include('run without HTTPS_PROXY and HTTP_PROXY: sf does not read NO_PROXY');
  });
});
