import { expect } from 'chai';
import { SfError } from '@salesforce/core';
import { isTransient, MAX_ATTEMPTS, retryIdempotent, RetryLog } from '../../src/retry/outage.js';
import { redirectError } from '../../src/connection/redirects.js';
import { FakeClock } from '../helpers/emulator.js';
import { useFakeClock } from '../helpers/time.js';

describe('riding out an outage', () => {
  const fake = new FakeClock();
  useFakeClock(fake);

  it('tells an outage from Salesforce\'s verdict', () => {
    const dropped = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(isTransient(dropped)).to.equal(true);
    expect(isTransient(new SfError('Service Unavailable', 'SERVER_UNAVAILABLE'))).to.equal(true);
    expect(isTransient(new SfError('[{"message":"Service Unavailable"}]', 'ERROR_HTTP_503'))).to.equal(true);
    expect(isTransient(new Error('Metadata API request failed', { cause: new TypeError('fetch failed') }))).to.equal(true);
    expect(isTransient(new SfError('duplicate value found', 'DUPLICATE_VALUE'))).to.equal(false);
    expect(isTransient(new SfError('Session expired or invalid', 'INVALID_SESSION_ID'))).to.equal(false);
    expect(isTransient(new SfError('insufficient access rights on object id', 'INSUFFICIENT_ACCESS_OR_READONLY'))).to.equal(false);
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
      log
    );
    expect(answer).to.equal('read');
    expect(calls).to.equal(3);
    expect(log.calls.map((c) => c.operation)).to.deep.equal(['metadata.read', 'metadata.read']);
    expect(fake.now() - start).to.be.within(250 + 500, 500 + 1000);
  });

  it('returns Salesforce\'s verdict at once, and gives up after MAX_ATTEMPTS outages', async () => {
    let calls = 0;
    const refused = await retryIdempotent('q', () => {
      calls++;
      return Promise.reject(new SfError('bad', 'INVALID_FIELD'));
    }).catch((e: Error) => e);
    expect((refused).name).to.equal('INVALID_FIELD');
    expect(calls).to.equal(1);
    calls = 0;
    const down = await retryIdempotent('q', () => {
      calls++;
      return Promise.reject(new SfError('Service Unavailable', 'SERVER_UNAVAILABLE'));
    }).catch((e: Error) => e);
    expect((down).name).to.equal('SERVER_UNAVAILABLE');
    expect(calls).to.equal(MAX_ATTEMPTS);
  });
});

describe('an API call answered with a redirect', () => {
  it('is a moved domain when the same path is asked for on another host, with the login that fixes it', () => {
    const error = redirectError('https://acme.my.salesforce.com/services/data/v62.0/query?q=x', 'https://acme-new.my.salesforce.com/services/data/v62.0/query?q=x') as SfError;
    expect({ name: error.name, exitCode: error.exitCode }).to.deep.equal({ name: 'DomainMovedError', exitCode: 4 });
    expect(error.actions?.join(' ')).to.include('sf org login web --instance-url https://acme-new.my.salesforce.com');
  });

  it("is something in Salesforce's place when it points elsewhere, named without the location's query", () => {
    const error = redirectError('https://acme.my.salesforce.com/services/Soap/m/62.0', '/?ec=302&startURL=%2Fsecret') as SfError;
    expect(error.name).to.equal('RedirectedAwayError');
    expect(error.message).to.include('https://acme.my.salesforce.com/').and.not.include('startURL');
    expect(error.actions?.join(' ')).to.include('run without HTTPS_PROXY and HTTP_PROXY: sf does not read NO_PROXY');
  });
});
