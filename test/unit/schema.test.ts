import { expect } from 'chai';
import { SCHEMA, type FieldType } from '../emulator/schema/index.js';
import { mergeExternalClientApp, ECA_PARTS } from '../../src/apps/external-client-app.js';
import { mergeConnectedApp } from '../../src/apps/connected-app.js';
import { deployFailure, metadataXml } from '../../src/org/deploy.js';
import { parseScopes } from '../../src/apps/scopes.js';
import type { DesiredApp } from '../../src/apps/app.js';

/**
 * What the plugin sends, checked against Salesforce's published definitions (`@salesforce/types`, the
 * schema the emulator is generated from): every field exists in its type, every enum value is one the
 * type allows. A field or value Salesforce does not define fails here, before any org sees it.
 */
const problems = (value: unknown, type: string, path = type): string[] => {
  const definition = SCHEMA.types[type];
  if (!definition) return [`${path}: ${SCHEMA.source} has no type ${type}`];
  if (typeof value !== 'object' || value === null) return [`${path}: not a ${type}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([name, v]) => {
    const field = definition.fields[name];
    if (!field) return [`${path}.${name}: ${type} has no such field in ${SCHEMA.source}`];
    return (Array.isArray(v) ? v : [v]).flatMap((item) => valueProblems(item, field, `${path}.${name}`));
  });
};

const valueProblems = (value: unknown, field: FieldType, path: string): string[] => {
  if (typeof field === 'object' && 'list' in field) return valueProblems(value, field.list, path);
  if (typeof field === 'object' && 'enum' in field)
    return field.values.includes(String(value)) ? [] : [`${path}: ${String(value)} is not a ${field.enum}`];
  if (typeof field === 'object' && 'complex' in field) return problems(value, field.complex, path);
  if (field === 'boolean' && typeof value !== 'boolean') return [`${path}: not a boolean`];
  return [];
};

const SCOPE_ENUM = ((): string[] => {
  const scopes = SCHEMA.types.ConnectedAppOauthConfig.fields.scopes;
  if (typeof scopes === 'object' && 'list' in scopes && typeof scopes.list === 'object' && 'enum' in scopes.list)
    return scopes.list.values;
  throw new Error('ConnectedAppOauthConfig.scopes is not a list of an enum');
})();

const desired: DesiredApp = {
  name: 'Acme_App',
  label: 'Acme App',
  contactEmail: 'admin@acme.example',
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  scopes: parseScopes('api,refresh_token,openid,mcp_api,einstein_gpt_api,sfap_api,forgot_password'),
  callbackUrl: 'http://localhost:1717/OauthRedirect',
  permissionSet: 'Acme_App_Access',
};

describe("what the plugin sends, against Salesforce's published metadata types", () => {
  it('generates the schema from the pinned @salesforce/types package', () => {
    expect(SCHEMA.source).to.equal('@salesforce/types@1.9.0');
    expect(SCOPE_ENUM).to.include.members(['Api', 'RefreshToken', 'MCP', 'EinsteinGPT', 'SFAP', 'ForgotPassword']);
  });

  it("writes only fields and values an External Client App's types define, scopes included", () => {
    const app = mergeExternalClientApp(undefined, desired);
    for (const part of ['header', 'oauth', 'global', 'oauthPolicies'] as const) {
      expect(problems(app[part], ECA_PARTS[part].type)).to.deep.equal([]);
    }
    const scopes = String(app.oauth?.commaSeparatedOauthScopes)
      .split(',')
      .map((s) => s.trim());
    expect(scopes.filter((s) => !SCOPE_ENUM.includes(s))).to.deep.equal([]);
  });

  it("writes only fields and values a Connected App's type defines", () => {
    expect(problems(mergeConnectedApp(undefined, desired), 'ConnectedApp')).to.deep.equal([]);
  });

  it('finds a field Salesforce does not define, so this check can fail', () => {
    expect(
      problems(
        { fullName: 'X', externalClientApplication: 'X', isNamedUserJwtEnabled: true },
        'ExtlClntAppOauthConfigurablePolicies',
      ),
    ).to.deep.equal([
      'ExtlClntAppOauthConfigurablePolicies.isNamedUserJwtEnabled: ExtlClntAppOauthConfigurablePolicies has no such field in @salesforce/types@1.9.0',
    ]);
    expect(problems({ permittedUsersPolicyType: 'Everyone' }, 'ExtlClntAppOauthConfigurablePolicies')).to.have.length(
      1,
    );
  });

  it("writes metadata files with the type as root element, in Salesforce's namespace, without fullName", () => {
    const xml = metadataXml('ExtlClntAppOauthSettings', {
      fullName: 'Acme_App_oauth',
      label: 'Acme & Co',
      externalClientApplication: 'Acme_App',
    });
    expect(xml).to.equal(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ExtlClntAppOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        '    <externalClientApplication>Acme_App</externalClientApplication>\n    <label>Acme &amp; Co</label>\n</ExtlClntAppOauthSettings>\n',
    );
  });
});

describe('a refused deploy, explained', () => {
  it('names a consumer key another app has, and anything else as DeployFailedError with every problem', () => {
    const taken = deployFailure({
      status: 'Failed',
      success: false,
      details: {
        componentFailures: [
          {
            componentType: 'ExtlClntAppGlobalOauthSettings',
            fullName: 'A_glbloauth',
            problem: 'This consumer key is already in use.',
            problemType: 'Error',
          },
        ],
      },
    });
    expect(taken.name).to.equal('ConsumerKeyTakenError');
    const refused = deployFailure({
      status: 'Failed',
      success: false,
      details: {
        componentFailures: [
          {
            componentType: 'ExtlClntAppOauthSettings',
            fullName: 'A_oauth',
            problem: "There's a problem with your scope(s): McpApi",
            problemType: 'Error',
          },
          {
            componentType: 'ExternalClientApplication',
            fullName: 'A',
            problem: 'only a warning',
            problemType: 'Warning',
          },
        ],
      },
    });
    expect(refused.name).to.equal('DeployFailedError');
    expect(refused.message)
      .to.include("ExtlClntAppOauthSettings A_oauth: There's a problem with your scope(s): McpApi")
      .and.not.include('only a warning');
    expect(refused.actions?.[0]).to.include('nothing of this app was written');
    expect(
      deployFailure({ status: 'Failed', success: false, errorStatusCode: 'INVALID_OPERATION', errorMessage: 'no' })
        .message,
    ).to.include('INVALID_OPERATION: no');
  });
});
