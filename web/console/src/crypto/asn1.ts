// A small bounds-checked DER reader: every read either succeeds and advances, or throws and leaves the
// cursor where it was. Enough for PKCS#8, PBES2 parameters and EC private keys.

export interface Tlv {
  tag: number;
  /** Contents octets (a view into the input). */
  value: Uint8Array;
}

export class DerReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  peekTag(): number {
    if (this.done) throw new Error('DER: unexpected end of input');
    return this.buf[this.pos];
  }

  read(expectedTag?: number): Tlv {
    const b = this.buf;
    let p = this.pos;
    if (p + 2 > b.length) throw new Error('DER: truncated header');
    const tag = b[p++];
    if ((tag & 0x1f) === 0x1f) throw new Error('DER: high tag numbers are not supported');
    let len = b[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || p + n > b.length) throw new Error('DER: bad length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++];
    }
    if (p + len > b.length) throw new Error('DER: value runs past the end');
    if (expectedTag !== undefined && tag !== expectedTag)
      throw new Error(`DER: expected tag 0x${expectedTag.toString(16)}, got 0x${tag.toString(16)}`);
    this.pos = p + len;
    return { tag, value: b.subarray(p, p + len) };
  }

  sequence(): DerReader {
    return new DerReader(this.read(0x30).value);
  }
}

export const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, SEQUENCE: 0x30 };

export function oidToString(v: Uint8Array): string {
  if (v.length === 0) throw new Error('DER: empty OID');
  const parts: number[] = [Math.floor(v[0] / 40), v[0] % 40];
  let acc = 0;
  for (let i = 1; i < v.length; i++) {
    acc = acc * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

export function integerValue(v: Uint8Array): number {
  let n = 0;
  for (const x of v) n = n * 256 + x;
  return n;
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | out.length, ...out];
}

function derUnsignedInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = Array.from(bytes.subarray(i));
  if (v[0] & 0x80) v.unshift(0);
  return [TAG.INTEGER, ...derLength(v.length), ...v];
}

/** DER SEQUENCE { INTEGER r, INTEGER s } from the two big-endian halves of a raw signature. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const body = [...derUnsignedInteger(raw.subarray(0, half)), ...derUnsignedInteger(raw.subarray(half))];
  return new Uint8Array([TAG.SEQUENCE, ...derLength(body.length), ...body]);
}
