declare module 'sm-crypto' {
  interface SignOptions {
    der?: boolean;
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  export const sm2: {
    doSignature(msg: string | number[], privateKeyHex: string, opts?: SignOptions): string;
    doVerifySignature(msg: string | number[], sigHex: string, publicKeyHex: string, opts?: SignOptions): boolean;
    getPublicKeyFromPrivateKey(privateKeyHex: string): string;
  };
}
