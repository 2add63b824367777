import { expect } from 'chai';
import { metadataXml } from '../../src/org/deploy.js';
import { FIELD_ORDER } from '../../src/org/field-order.js';
import { mergeConnectedApp } from '../../src/apps/connected-app.js';
import { inWsdlOrder } from '../../src/org/order.js';

const desired = {
  name: 'Vendor_App',
  label: 'Vendor App',
  contactEmail: 'admin@acme.com',
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  scopes: ['Api', 'RefreshToken'],
  callbackUrl: 'http://localhost:1717/OauthRedirect',
  permissionSet: 'Vendor_App_Access',
};

/** Whether the keys follow the type's sequence (keys the sequence does not know are skipped). */
const inSequence = (type: string, keys: string[]): boolean => {
  const positions = keys.map((k) => FIELD_ORDER[type].indexOf(k)).filter((p) => p !== -1);
  return positions.every((p, i) => i === 0 || positions[i - 1] <= p);
};

describe('writes in the WSDL order', () => {
  it("puts the fields a merge adds to an existing Connected App in their place, not after its scopes (ActiFi's guide, docs/research/vendor-guides.md)", () => {
    // A vendor's app as read: OAuth settings without a certificate or "admin approved", no permission sets.
    const read = {
      fullName: 'Vendor_App',
      contactEmail: 'vendor@acme.com',
      label: 'Vendor App',
      oauthConfig: {
        callbackUrl: 'https://vendor.example/callback',
        consumerKey: '3MVG9Vendor.Key_001',
        scopes: ['Api', 'Web'],
      },
      oauthPolicy: { ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'infinite' },
    };
    const merged = mergeConnectedApp(read, desired);
    const oauthKeys = Object.keys(merged.oauthConfig as object);
    expect(inSequence('ConnectedAppOauthConfig', oauthKeys), oauthKeys.join()).to.equal(false);
    const ordered = inWsdlOrder('ConnectedApp', merged);
    expect(Object.keys(ordered.oauthConfig as object)).to.deep.equal([
      'callbackUrl',
      'certificate',
      'consumerKey',
      'isAdminApproved',
      'scopes',
    ]);
    expect(Object.keys(ordered)).to.deep.equal([
      'fullName',
      'contactEmail',
      'label',
      'oauthConfig',
      'oauthPolicy',
      'permissionSetName',
    ]);
  });

  it('keeps a field it does not know after the field it followed', () => {
    const ordered = inWsdlOrder('ExtlClntAppConfigurablePolicies', {
      label: 'x',
      isEnabled: true,
      fromNewerApi: true,
      externalClientApplication: 'A',
      fullName: 'A_plcy',
    });
    expect(Object.keys(ordered)).to.deep.equal([
      'fullName',
      'externalClientApplication',
      'isEnabled',
      'fromNewerApi',
      'label',
    ]);
  });

  it('writes deployed files in the WSDL order, where isDPopEnabled precedes isDeviceFlowEnabled (not the alphabet of localeCompare)', () => {
    const xml = metadataXml('ExtlClntAppGlobalOauthSettings', {
      fullName: 'A_glbl',
      isDeviceFlowEnabled: false,
      externalClientApplication: 'A',
      isDPopEnabled: false,
      callbackUrl: 'x',
    });
    const elements = [...xml.matchAll(/<(\w+)>/g)].map((m) => m[1]);
    expect(elements).to.deep.equal([
      'callbackUrl',
      'externalClientApplication',
      'isDPopEnabled',
      'isDeviceFlowEnabled',
    ]);
  });
});
