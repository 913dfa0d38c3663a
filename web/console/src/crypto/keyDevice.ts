// The browser's stand-in for a smart key: a development soft key (encrypted PKCS#8) unlocked with its PIN
// and held in memory only. Signs challenges with the conventions of docs/SECURITY.md:
// SM2 = SM3 with Z(ID "1234567812345678"), DER(r,s); ECDSA P-256 = SHA-256, DER; RSA = PKCS#1 v1.5 SHA-256.
import { sm2 } from 'sm-crypto';
import { DerReader, TAG, oidToString, ecdsaRawToDer } from './asn1';
import { buf, bytesToHex, pemBody } from './encoding';
import { decryptPkcs8 } from './pbes2';

export type KeyAlgorithm = 'sm2' | 'ecdsa-p256' | 'rsa-2048';

export interface KeyDevice {
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const OID_EC = '1.2.840.10045.2.1';
const OID_SM2 = '1.2.156.10197.1.301';
const OID_P256 = '1.2.840.10045.3.1.7';
const OID_RSA = '1.2.840.113549.1.1.1';
export const SM2_USER_ID = '1234567812345678';

interface EcKey {
  d: Uint8Array;
  publicPoint?: Uint8Array;
}

function parseEcPrivateKey(der: Uint8Array): EcKey {
  const seq = new DerReader(der).sequence();
  seq.read(TAG.INTEGER);
  const d = seq.read(TAG.OCTET_STRING).value;
  let publicPoint: Uint8Array | undefined;
  while (!seq.done) {
    const t = seq.read();
    if (t.tag === 0xa1) {
      const bits = new DerReader(t.value).read(TAG.BIT_STRING).value;
      publicPoint = bits.subarray(1); // skip the unused-bits octet
    }
  }
  return { d, publicPoint };
}

function sm2Device(label: string, key: EcKey): KeyDevice {
  const dHex = bytesToHex(key.d).padStart(64, '0');
  const pubHex = key.publicPoint ? bytesToHex(key.publicPoint) : sm2.getPublicKeyFromPrivateKey(dHex);
  return {
    label,
    algorithm: 'sm2',
    async sign(data) {
      const rawHex = sm2.doSignature(Array.from(data), dHex, { hash: true, publicKey: pubHex, userId: SM2_USER_ID });
      const raw = new Uint8Array(64);
      for (let i = 0; i < 64; i++) raw[i] = parseInt(rawHex.substr(i * 2, 2), 16);
      return ecdsaRawToDer(raw);
    },
  };
}

async function webCryptoDevice(label: string, pkcs8: Uint8Array, algorithm: KeyAlgorithm): Promise<KeyDevice> {
  const params =
    algorithm === 'ecdsa-p256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await crypto.subtle.importKey('pkcs8', buf(pkcs8), params, false, ['sign']);
  return {
    label,
    algorithm,
    async sign(data) {
      if (algorithm === 'ecdsa-p256') {
        const raw = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, buf(data));
        return ecdsaRawToDer(new Uint8Array(raw));
      }
      return new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, buf(data)));
    },
  };
}

/** Unlocks a soft key file with its PIN. Throws WrongPinError when the PIN does not decrypt it. */
export async function openSoftKey(label: string, pemText: string, pin: string): Promise<KeyDevice> {
  const pkcs8 = await decryptPkcs8(pemBody(pemText, 'ENCRYPTED PRIVATE KEY'), pin);
  const info = new DerReader(pkcs8).sequence();
  info.read(TAG.INTEGER);
  const alg = info.sequence();
  const algOid = oidToString(alg.read(TAG.OID).value);
  const param = !alg.done && alg.peekTag() === TAG.OID ? oidToString(alg.read(TAG.OID).value) : '';
  const privateKey = info.read(TAG.OCTET_STRING).value;
  if (algOid === OID_SM2 || (algOid === OID_EC && param === OID_SM2))
    return sm2Device(label, parseEcPrivateKey(privateKey));
  if (algOid === OID_EC && param === OID_P256) return webCryptoDevice(label, pkcs8, 'ecdsa-p256');
  if (algOid === OID_RSA) return webCryptoDevice(label, pkcs8, 'rsa-2048');
  throw new Error(`unsupported key algorithm ${algOid} ${param}`);
}
