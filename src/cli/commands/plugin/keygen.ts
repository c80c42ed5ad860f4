import { writeFile } from 'node:fs/promises';
import { Command, Flags } from '@oclif/core';
import { generateSigningKeyPair } from '../../../plugins/repository/signature.js';

/** Creates an Ed25519 key pair for signing repository indexes. */
export default class PluginKeygen extends Command {
  static override summary = 'Create an Ed25519 key pair for signing index.yaml (PREFIX.key, PREFIX.pub)';
  static override description =
    'PREFIX.key is the PKCS#8 PEM private key for `plugin index --sign-key` (mode 0600; keep it secret). PREFIX.pub is the PEM public key; the base64 form printed on stdout is what `publicKeys` in a repository config takes.';
  static override examples = ['<%= config.bin %> plugin keygen --output release'];

  static override flags = {
    output: Flags.string({ required: true, description: 'path prefix of the two files' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginKeygen);
    const pair = generateSigningKeyPair();
    // wx: never overwrite an existing key.
    try {
      await writeFile(`${flags.output}.key`, pair.privatePem, { mode: 0o600, flag: 'wx' });
      await writeFile(`${flags.output}.pub`, pair.publicPem, { mode: 0o644, flag: 'wx' });
    } catch (err) {
      this.error(`cannot write the key files: ${(err as Error).message}`, { exit: 1 });
    }
    this.log(pair.publicBase64);
  }
}
