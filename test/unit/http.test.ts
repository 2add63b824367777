import { expect } from 'chai';
import { proxyFromEnv } from '../../src/connection/http.js';

describe("the proxy the plugin's own requests take", () => {
  it("is the one jsforce sends sf's requests through: https_proxy, http_proxy, HTTPS_PROXY, HTTP_PROXY, first set wins", () => {
    expect(proxyFromEnv({})).to.equal(undefined);
    expect(proxyFromEnv({ HTTP_PROXY: 'http://d:3128' })).to.equal('http://d:3128');
    expect(proxyFromEnv({ HTTP_PROXY: 'http://d:3128', HTTPS_PROXY: 'http://c:3128' })).to.equal('http://c:3128');
    expect(proxyFromEnv({ HTTPS_PROXY: 'http://c:3128', http_proxy: 'http://b:3128' })).to.equal('http://b:3128');
    expect(
      proxyFromEnv({ http_proxy: 'http://b:3128', https_proxy: 'http://a:3128', HTTP_PROXY: 'http://d:3128' }),
    ).to.equal('http://a:3128');
    // Set but empty, as jsforce reads it: no proxy, the later variables not consulted.
    expect(proxyFromEnv({ https_proxy: '', HTTPS_PROXY: 'http://c:3128' })).to.equal(undefined);
  });
});
