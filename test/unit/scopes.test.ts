import { expect } from 'chai';
import { hasScopes, mergeScopes, normaliseScopes, parseScopes } from '../../src/apps/scopes.js';

describe('scopes', () => {
  it('reads OAuth scope names and Metadata API names alike, in any case', () => {
    expect(parseScopes('api,refresh_token,offline_access')).to.deep.equal(['Api', 'RefreshToken']);
    expect(parseScopes('Api, RefreshToken OpenID')).to.deep.equal(['Api', 'RefreshToken', 'OpenID']);
    expect(parseScopes('API,openid,CUSTOM_PERMISSIONS')).to.deep.equal(['Api', 'OpenID', 'CustomPermissions']);
  });

  it('refuses an unknown scope, naming it', () => {
    expect(() => parseScopes('api,superpowers'))
      .to.throw('"superpowers" is not an OAuth scope')
      .with.property('name', 'UnknownScopeError');
  });

  it('refuses an empty list', () => {
    expect(() => parseScopes(' , '))
      .to.throw()
      .with.property('name', 'NoScopesError');
  });

  it("compares scopes in the form Salesforce stores them (Kantiv's guide, docs/research/vendor-guides.md)", () => {
    const asked = parseScopes('id, profile, email, address, phone, api, openid, refresh_token');
    expect(normaliseScopes(asked)).to.deep.equal(['Basic', 'Api', 'OpenID', 'RefreshToken']);
    expect(hasScopes(['Basic', 'Api', 'OpenID', 'RefreshToken'], asked)).to.equal(true);
    expect(hasScopes(['Api'], ['Api', 'RefreshToken'])).to.equal(false);
  });

  it('adds the wanted scopes to the existing ones and removes none', () => {
    expect(mergeScopes(['Web', 'Chatter'], ['Api', 'RefreshToken'])).to.deep.equal([
      'Web',
      'Chatter',
      'Api',
      'RefreshToken',
    ]);
    expect(mergeScopes(['Api', 'RefreshToken'], ['Api', 'OfflineAccess'])).to.deep.equal(['Api', 'RefreshToken']);
  });
});
