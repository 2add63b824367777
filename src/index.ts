export type { CertGenerateResult } from './commands/jwtapp/cert/generate.js';
export type { SetupResult } from './commands/jwtapp/setup.js';
export type { VerifyResult } from './commands/jwtapp/verify.js';
export type { TokenResult } from './commands/jwtapp/token.js';
export { generateKeyAndCertificate, certificateForKey } from './certificate/generate.js';
export { describeCertificate, type CertificateInfo } from './certificate/inspect.js';
export { checkLoginFromInput, type LoginReport } from './oauth/verify.js';
export type { SetupChange } from './setup/render.js';
