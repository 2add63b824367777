import { Flags } from '@salesforce/sf-plugins-core';
import { Messages } from '@salesforce/core';
import { DEFAULT_SUBJECT, KEY_SIZES, type KeySize } from '../../../certificate/generate.js';
import { writeNewKeyPair, type GeneratedKeyPair } from '../../../certificate/pair.js';
import { exitCodesHelp } from '../../../cli/exit-codes-help.js';
import { JwtappCommand } from '../../../cli/command.js';
import { outputDirFlag, validityDaysFlag } from '../../../cli/flags.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('@jwtapp/plugin-jwtapp', 'jwtapp.cert.generate');

export type CertGenerateResult = GeneratedKeyPair;

export default class CertGenerate extends JwtappCommand<CertGenerateResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp('ok', 'invalidFlags', 'localInput');

  public static readonly flags = {
    'output-dir': outputDirFlag(messages),
    days: validityDaysFlag(messages, 'days'),
    'key-size': Flags.option({
      summary: messages.getMessage('flags.key-size.summary'),
      options: KEY_SIZES.map(String) as ['2048', '3072', '4096'],
      default: '2048',
    })(),
    subject: Flags.string({
      summary: messages.getMessage('flags.subject.summary'),
      default: DEFAULT_SUBJECT,
    }),
    force: Flags.boolean({
      summary: messages.getMessage('flags.force.summary'),
      default: false,
    }),
  };

  public async run(): Promise<CertGenerateResult> {
    const { flags } = await this.parse(CertGenerate);
    const result = await writeNewKeyPair({
      outputDir: flags['output-dir'],
      keySize: Number(flags['key-size']) as KeySize,
      days: flags.days,
      subject: flags.subject,
      force: flags.force,
    });
    this.logSuccess(messages.getMessage('success', [result.keySize]));
    this.log(messages.getMessage('info.keyFile', [result.keyFile]));
    this.log(messages.getMessage('info.certificateFile', [result.certificateFile]));
    this.log(messages.getMessage('info.fingerprint', [result.sha256Fingerprint]));
    this.log(messages.getMessage('info.validity', [result.notBefore, result.notAfter]));
    return result;
  }
}
