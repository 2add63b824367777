import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { Lifecycle, SfError } from '@salesforce/core';
import { REDACTED, redact, redactError, redactValue, registerSecret } from '../../src/output/redact.js';
import { describeOutage } from '../../src/retry/outage.js';
import { asCommandError } from '../../src/cli/command-errors.js';
import { diagnose } from '../../src/oauth/diagnosis.js';
import { signAssertion } from '../../src/oauth/jwt.js';

const context = {
  loginUrl: 'https://acme.my.salesforce.com',
  clientId: '3MVG9clientid',
  username: 'ci@acme.com',
  audience: 'https://login.salesforce.com',
};

describe('redacting the secrets of a run from what it says', () => {
  it('hides a registered secret wherever it appears: as it is, URL-encoded, JSON-escaped', () => {
    const secret = 'Zx9+/secret=with&odd"chars-0123456789';
    registerSecret(secret);
    for (const text of [
      `plain ${secret} end`,
      `client_secret=${encodeURIComponent(secret)}&x=1`,
      JSON.stringify({ echoed: secret }),
    ]) {
      const out = redact(text);
      expect(out, text).not.to.include(secret);
      expect(out, text).not.to.include(encodeURIComponent(secret));
      expect(out, text).to.include(REDACTED);
    }
  });

  it('hides what is shaped like a secret although the run never held it', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const shapes = [
      'grant_type=client_credentials&client_id=3MVGabc&client_secret=ABCDEF0123456789ABCDEF',
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=abc.def.ghi',
      '{"access_token":"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoKr5gUxRKm.nNhZMjbB8I3rNnB","refresh_token":"5Aep861abcdefghijklmnop"}',
      'authorization: Bearer 00D5g000004ABCD!AQ4AQFakeFakeFake-with-dash_and.dot',
      '<soapenv:Header><SessionHeader><sessionId>some-opaque-session-value-123</sessionId></SessionHeader>',
      `the key: ${pem}`,
      `{"message":"${JSON.stringify('client_secret=ABCDEF0123456789ABCDEF').slice(1, -1)}"}`,
      '[{"message":"{\\"access_token\\":\\"abcdefghijklmnopqrstu\\"}"}]',
    ];
    const secrets = [
      'ABCDEF0123456789ABCDEF',
      'abc.def.ghi',
      '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog',
      'nNhZMjbB8I3rNnB',
      '5Aep861abcdefghijklmnop',
      'FakeFakeFake-with-dash',
      'some-opaque-session-value-123',
      pem.split('\n')[3],
      'abcdefghijklmnopqrstu',
    ];
    for (const text of shapes) {
      const out = redact(text);
      for (const s of secrets) expect(out, text).not.to.include(s);
    }
    // Ordinary words, and an error's code in a --json result, are left alone.
    const result = {
      error: { name: 'ClientIdInvalidError', code: 'invalid_client_id', description: 'client identifier invalid' },
    };
    expect(redactValue(result)).to.deep.equal(result);
    expect(redact('Check the OAuth settings of the app; the JWT bearer flow needs a certificate.')).to.equal(
      'Check the OAuth settings of the app; the JWT bearer flow needs a certificate.',
    );
  });

  it('an assertion the run signed is hidden even where nothing names it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const assertion = signAssertion({ iss: 'x', sub: 'y', aud: 'z', exp: 1 }, privateKey);
    expect(redact(`echo: ${assertion.split('.')[2]}`)).not.to.include(assertion.split('.')[2]);
  });

  it('a token endpoint answer quoting the request: its diagnosis holds no secret', () => {
    const body =
      'Bad gateway: POST /services/oauth2/token\n\ngrant_type=client_credentials&client_id=3MVGabc&client_secret=FEDCBA9876543210FEDCBA';
    const d = diagnose({ kind: 'http-error', status: 502, body, serverDate: undefined }, context);
    expect(d.description).to.include('POST /services/oauth2/token').and.not.include('FEDCBA9876543210FEDCBA');
  });

  it('an outage cut to 200 characters: the cut never leaves part of a secret', () => {
    const error = new SfError(
      `${'x'.repeat(150)} authorization: Bearer 00D5g000004ABCD!AQ4AQ${'t'.repeat(80)}`,
      'ERROR_HTTP_503',
    );
    const text = describeOutage(error);
    expect(text).not.to.include('AQ4AQttt');
    expect(text).not.to.include('00D5g000004ABCD');
  });

  it("every command's error leaves redacted: message, stack, data, actions and cause", () => {
    const token = '00D5g000004WXYZ!AQ4AQsessionSecretValue.123';
    const raw = Object.assign(
      new SfError(`POST /services/data\nauthorization: Bearer ${token}`, 'INVALID_REQUEST', [`retry with ${token}`]),
      {
        data: { errorCode: 'INVALID_REQUEST', message: `Bearer ${token}` },
        cause: new Error(`<sessionId>${token}</sessionId>`),
      },
    );
    const out = asCommandError(raw, []);
    const seen = JSON.stringify({
      message: out.message,
      stack: out.stack,
      data: (out as SfError).data,
      actions: (out as SfError).actions,
      cause: String((out.cause as Error).message),
    });
    expect(seen).not.to.include('sessionSecretValue');
    expect(out.name).to.equal('INVALID_REQUEST');
  });

  it("a key cut short in an error's data is hidden, and the data stays what it was", () => {
    // A PEM header put together here: no file in the repository holds one.
    const data = {
      errorCode: 'X',
      message: `echo: -----BEGIN ${['PRIVATE', 'KEY'].join(' ')}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7`,
      list: ['Bearer 00D000000000001!AQ0123456789abcdef'],
    };
    const out = redactValue(data);
    expect(out.errorCode).to.equal('X');
    expect(JSON.stringify(out))
      .not.to.include('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7')
      .and.not.include('AQ0123456789abcdef');
  });

  it('redactError keeps the class and exit code', () => {
    const e = redactError(new SfError('client_secret=ABCDEF0123456789ABCDEF', 'Named', [], 4));
    expect(e).to.be.instanceOf(SfError);
    expect(e.exitCode).to.equal(4);
    expect(e.message).to.equal(`client_secret=${REDACTED}`);
  });

  it('every warning of the run, whoever emits it, is redacted before sf shows it', async () => {
    const seen: string[] = [];
    const lifecycle = Lifecycle.getInstance();
    lifecycle.onWarning((w) => {
      seen.push(w);
      return Promise.resolve();
    });
    registerSecret('a-consumer-secret-registered-0123');
    await lifecycle.emitWarning(
      'The refresh tokens were not revoked: the server said a-consumer-secret-registered-0123 was wrong',
    );
    expect(seen.join('\n')).to.include(REDACTED).and.not.include('a-consumer-secret-registered-0123');
  });
});
