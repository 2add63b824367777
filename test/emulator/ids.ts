/**
 * Salesforce record Ids: a 3-character key prefix that names the object, a 12-character body, and the
 * 3-character case-safe suffix that turns the 15-character Id into the 18-character one the APIs return.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Key prefixes of the objects the emulator stores (the real ones, so Ids look and sort like Salesforce's). */
export const KEY_PREFIX = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  UserLicense: '100',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  SetupEntityAccess: '0J0',
  ConnectedApplication: '0H4',
  ExternalClientApplication: '0xI',
  MetadataComponent: '0Xx',
  DeployRequest: '0Af',
  // sf project retrieve start prints "Retrieve ID: 09S…" (forcedotcom/cli issue threads quote such Ids).
  RetrieveRequest: '09S',
  LoginHistory: '0Ya',
  // sf org create scratch prints "ScratchOrgInfo 2SR…" Ids (forcedotcom/cli issue threads quote them).
  ScratchOrgInfo: '2SR',
} as const;

export type KeyPrefixedObject = keyof typeof KEY_PREFIX;

/** The case-safe suffix: one character per 5 Ids characters, each bit set where the character is upper case. */
export const caseSafeSuffix = (id15: string): string => {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
};

/** Makes Ids that are unique within one emulator run. The pod marker keeps runs' Ids apart in logs. */
export class IdFactory {
  private counter = 0;

  public constructor(private readonly pod: string) {}

  public next(object: KeyPrefixedObject): string {
    this.counter += 1;
    let n = this.counter;
    let body = '';
    while (body.length < 9) {
      body = BASE62.charAt(n % 62) + body;
      n = Math.floor(n / 62);
    }
    const id15 = `${KEY_PREFIX[object]}${this.pod}${body}`;
    return id15 + caseSafeSuffix(id15);
  }
}

/** Accepts a 15- or 18-character Id and returns the 18-character form, or undefined if it is not an Id. */
export const toId18 = (id: string): string | undefined => {
  if (/^[a-zA-Z0-9]{18}$/.test(id)) return id;
  if (/^[a-zA-Z0-9]{15}$/.test(id)) return id + caseSafeSuffix(id);
  return undefined;
};
