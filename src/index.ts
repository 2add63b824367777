export type { CertGenerateResult } from './commands/jwtapp/cert/generate.js';
export { generateKeyAndCertificate, certificateForKey } from './certificate/generate.js';
export { describeCertificate, type CertificateInfo } from './certificate/inspect.js';
