import { expect } from 'chai';
import { SfError } from '@salesforce/core';
import { withData, withResult } from '../../src/output/error-payload.js';

describe('what an error carries to --json', () => {
  it('adds details to data without dropping those it had: an outage, then what the undo left in the org', () => {
    const outage = new SfError('Salesforce did not answer', 'OrgUnavailableError').setData({
      retries: [{ operation: 'deploy', attempts: 5 }],
      leftInOrg: [],
    });
    const error = withData(outage, { leftInOrg: ['the permission set Acme_Access'] });
    expect(error).to.equal(outage);
    expect(error.data).to.deep.equal({
      retries: [{ operation: 'deploy', attempts: 5 }],
      leftInOrg: ['the permission set Acme_Access'],
    });
  });

  it("attaches the run's result, merged over one the error already carries", () => {
    const error = withResult(
      withResult(new SfError('refused', 'UserNotAdminApprovedError'), { status: 'created', app: 'Acme' }),
      { verification: { success: false } },
    );
    expect(error.result).to.deep.equal({ status: 'created', app: 'Acme', verification: { success: false } });
  });
});
