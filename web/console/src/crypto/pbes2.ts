// Decrypts an OpenSSL "ENCRYPTED PRIVATE KEY" (PKCS#8 EncryptedPrivateKeyInfo with PBES2:
// PBKDF2-HMAC-SHA1/SHA-256 + AES-CBC) using WebCrypto. Returns the PrivateKeyInfo DER.
import { DerReader, TAG, oidToString, integerValue } from './asn1';
import { buf } from './encoding';

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
const AES_CBC: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
};

export class WrongPinError extends Error {
  constructor() {
    super('wrong PIN');
  }
}

export async function decryptPkcs8(encrypted: Uint8Array, pin: string): Promise<Uint8Array> {
  const top = new DerReader(encrypted).sequence();
  const alg = top.sequence();
  if (oidToString(alg.read(TAG.OID).value) !== OID_PBES2) throw new Error('only PBES2-encrypted keys are supported');
  const params = alg.sequence();
  const kdf = params.sequence();
  if (oidToString(kdf.read(TAG.OID).value) !== OID_PBKDF2) throw new Error('only PBKDF2 is supported');
  const kdfParams = kdf.sequence();
  const salt = kdfParams.read(TAG.OCTET_STRING).value;
  const iterations = integerValue(kdfParams.read(TAG.INTEGER).value);
  let hash = 'SHA-1';
  if (!kdfParams.done && kdfParams.peekTag() === TAG.INTEGER) kdfParams.read(TAG.INTEGER); // keyLength
  if (!kdfParams.done) {
    const prf = kdfParams.sequence();
    const h = PRF[oidToString(prf.read(TAG.OID).value)];
    if (!h) throw new Error('unsupported PBKDF2 PRF');
    hash = h;
  }
  const enc = params.sequence();
  const keyLen = AES_CBC[oidToString(enc.read(TAG.OID).value)];
  if (!keyLen) throw new Error('only AES-CBC encryption is supported');
  const iv = enc.read(TAG.OCTET_STRING).value;
  const ciphertext = top.read(TAG.OCTET_STRING).value;

  const subtle = crypto.subtle;
  const base = await subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey']);
  const key = await subtle.deriveKey(
    { name: 'PBKDF2', salt: buf(salt), iterations, hash },
    base,
    { name: 'AES-CBC', length: keyLen * 8 },
    false,
    ['decrypt'],
  );
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: buf(iv) }, key, buf(ciphertext)));
  } catch {
    // A wrong PIN yields a wrong AES key, which almost always shows as bad padding.
    throw new WrongPinError();
  }
}
