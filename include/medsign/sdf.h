/* GM/T 0018-2012 SDF (crypto device application interface): the structures, identifiers, error codes and
 * functions MedSign uses, as the standard defines them. A vendor's library that implements these
 * functions is loaded by the `sdf` crypto provider with dlopen; MedSign ships libmedsign-softsdf.so, an
 * implementation over its software key store (docs/PROVIDERS.md).
 *
 * Conventions of the standard kept here:
 *   - every function returns 0 (SDR_OK) or an SDR_* code;
 *   - structures are byte-packed; big integers are big-endian and right-aligned in their fields
 *     (a 256-bit SM2 coordinate occupies the last 32 bytes of a 64-byte field), `bits` gives the size;
 *   - ECC functions use SM2 (SGD_SM2_1 to sign, SGD_SM2_3 to encrypt); a key index holds one key pair,
 *     exported by ExportSignPublicKey and ExportEncPublicKey alike;
 *   - RSAref_MAX_BITS is 2048 as in the standard, so RSA keys through this interface are at most 2048 bits.
 */
#ifndef MEDSIGN_SDF_H
#define MEDSIGN_SDF_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- GM/T 0006 identifiers ---- */
#define SGD_SM1_ECB 0x00000101
#define SGD_SM4_ECB 0x00000401
#define SGD_SM4_CBC 0x00000402
#define SGD_RSA 0x00010000
#define SGD_SM2 0x00020100
#define SGD_SM2_1 0x00020200 /* signature */
#define SGD_SM2_2 0x00020400 /* key exchange */
#define SGD_SM2_3 0x00020800 /* encryption */
#define SGD_SM3 0x00000001
#define SGD_SHA1 0x00000002
#define SGD_SHA256 0x00000004

/* ---- structures (pack(1) as in the standard) ---- */
#define RSAref_MAX_BITS 2048
#define RSAref_MAX_LEN ((RSAref_MAX_BITS + 7) / 8)
#define RSAref_MAX_PBITS ((RSAref_MAX_BITS + 1) / 2)
#define RSAref_MAX_PLEN ((RSAref_MAX_PBITS + 7) / 8)
#define ECCref_MAX_BITS 512
#define ECCref_MAX_LEN ((ECCref_MAX_BITS + 7) / 8)

#pragma pack(push, 1)
typedef struct DeviceInfo_st {
  unsigned char IssuerName[40];
  unsigned char DeviceName[16];
  unsigned char DeviceSerial[16];
  unsigned int DeviceVersion;
  unsigned int StandardVersion;
  unsigned int AsymAlgAbility[2];
  unsigned int SymAlgAbility;
  unsigned int HashAlgAbility;
  unsigned int BufferSize;
} DEVICEINFO;

typedef struct RSArefPublicKey_st {
  unsigned int bits;
  unsigned char m[RSAref_MAX_LEN];
  unsigned char e[RSAref_MAX_LEN];
} RSArefPublicKey;

typedef struct ECCrefPublicKey_st {
  unsigned int bits;
  unsigned char x[ECCref_MAX_LEN];
  unsigned char y[ECCref_MAX_LEN];
} ECCrefPublicKey;

typedef struct ECCrefPrivateKey_st {
  unsigned int bits;
  unsigned char K[ECCref_MAX_LEN];
} ECCrefPrivateKey;

/* C1 = (x, y), C3 = M, C2 = C[0..L). C is declared with one byte: allocate ECCCipher_SIZE(L) bytes. */
typedef struct ECCCipher_st {
  unsigned char x[ECCref_MAX_LEN];
  unsigned char y[ECCref_MAX_LEN];
  unsigned char M[32];
  unsigned int L;
  unsigned char C[1];
} ECCCipher;
#define ECCCipher_SIZE(len) (sizeof(ECCCipher) - 1 + ((len) > 0 ? (len) : 1))

typedef struct ECCSignature_st {
  unsigned char r[ECCref_MAX_LEN];
  unsigned char s[ECCref_MAX_LEN];
} ECCSignature;
#pragma pack(pop)

/* ---- error codes ---- */
#define SDR_OK 0x0
#define SDR_BASE 0x01000000
#define SDR_UNKNOWERR (SDR_BASE + 0x00000001)
#define SDR_NOTSUPPORT (SDR_BASE + 0x00000002)
#define SDR_COMMFAIL (SDR_BASE + 0x00000003)
#define SDR_HARDFAIL (SDR_BASE + 0x00000004)
#define SDR_OPENDEVICE (SDR_BASE + 0x00000005)
#define SDR_OPENSESSION (SDR_BASE + 0x00000006)
#define SDR_PARDENY (SDR_BASE + 0x00000007)
#define SDR_KEYNOTEXIST (SDR_BASE + 0x00000008)
#define SDR_ALGNOTSUPPORT (SDR_BASE + 0x00000009)
#define SDR_ALGMODNOTSUPPORT (SDR_BASE + 0x0000000A)
#define SDR_PKOPERR (SDR_BASE + 0x0000000B)
#define SDR_SKOPERR (SDR_BASE + 0x0000000C)
#define SDR_SIGNERR (SDR_BASE + 0x0000000D)
#define SDR_VERIFYERR (SDR_BASE + 0x0000000E)
#define SDR_SYMOPERR (SDR_BASE + 0x0000000F)
#define SDR_STEPERR (SDR_BASE + 0x00000010)
#define SDR_FILESIZEERR (SDR_BASE + 0x00000011)
#define SDR_FILENOEXIST (SDR_BASE + 0x00000012)
#define SDR_FILEOFSERR (SDR_BASE + 0x00000013)
#define SDR_KEYTYPEERR (SDR_BASE + 0x00000014)
#define SDR_KEYERR (SDR_BASE + 0x00000015)
#define SDR_ENCDATAERR (SDR_BASE + 0x00000016)
#define SDR_RANDERR (SDR_BASE + 0x00000017)
#define SDR_PRKRERR (SDR_BASE + 0x00000018)
#define SDR_MACERR (SDR_BASE + 0x00000019)
#define SDR_FILEEXSITS (SDR_BASE + 0x0000001A)
#define SDR_FILEWERR (SDR_BASE + 0x0000001B)
#define SDR_NOBUFFER (SDR_BASE + 0x0000001C)
#define SDR_INARGERR (SDR_BASE + 0x0000001D)
#define SDR_OUTARGERR (SDR_BASE + 0x0000001E)

/* ---- device management ---- */
int SDF_OpenDevice(void **phDeviceHandle);
int SDF_CloseDevice(void *hDeviceHandle);
int SDF_OpenSession(void *hDeviceHandle, void **phSessionHandle);
int SDF_CloseSession(void *hSessionHandle);
int SDF_GetDeviceInfo(void *hSessionHandle, DEVICEINFO *pstDeviceInfo);
int SDF_GenerateRandom(void *hSessionHandle, unsigned int uiLength, unsigned char *pucRandom);
int SDF_GetPrivateKeyAccessRight(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucPassword,
                                 unsigned int uiPwdLength);
int SDF_ReleasePrivateKeyAccessRight(void *hSessionHandle, unsigned int uiKeyIndex);

/* ---- key management ---- */
int SDF_ExportSignPublicKey_RSA(void *hSessionHandle, unsigned int uiKeyIndex, RSArefPublicKey *pucPublicKey);
int SDF_ExportEncPublicKey_RSA(void *hSessionHandle, unsigned int uiKeyIndex, RSArefPublicKey *pucPublicKey);
int SDF_ExportSignPublicKey_ECC(void *hSessionHandle, unsigned int uiKeyIndex, ECCrefPublicKey *pucPublicKey);
int SDF_ExportEncPublicKey_ECC(void *hSessionHandle, unsigned int uiKeyIndex, ECCrefPublicKey *pucPublicKey);
/* Generates an SM2 key pair and returns both halves to the caller (the key is not stored in the device). */
int SDF_GenerateKeyPair_ECC(void *hSessionHandle, unsigned int uiAlgID, unsigned int uiKeyBits,
                            ECCrefPublicKey *pucPublicKey, ECCrefPrivateKey *pucPrivateKey);

/* ---- asymmetric operations ---- */
int SDF_InternalPublicKeyOperation_RSA(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucDataInput,
                                       unsigned int uiInputLength, unsigned char *pucDataOutput,
                                       unsigned int *puiOutputLength);
int SDF_InternalPrivateKeyOperation_RSA(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucDataInput,
                                        unsigned int uiInputLength, unsigned char *pucDataOutput,
                                        unsigned int *puiOutputLength);
int SDF_ExternalVerify_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey,
                           unsigned char *pucDataInput, unsigned int uiInputLength, ECCSignature *pucSignature);
int SDF_InternalSign_ECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned char *pucData,
                         unsigned int uiDataLength, ECCSignature *pucSignature);
int SDF_InternalVerify_ECC(void *hSessionHandle, unsigned int uiIPKIndex, unsigned char *pucData,
                           unsigned int uiDataLength, ECCSignature *pucSignature);
int SDF_ExternalEncrypt_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey,
                            unsigned char *pucData, unsigned int uiDataLength, ECCCipher *pucEncData);
int SDF_InternalEncrypt_ECC(void *hSessionHandle, unsigned int uiIPKIndex, unsigned int uiAlgID,
                            unsigned char *pucData, unsigned int uiDataLength, ECCCipher *pucEncData);
int SDF_InternalDecrypt_ECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned int uiAlgID,
                            ECCCipher *pucEncData, unsigned char *pucData, unsigned int *puiDataLength);

/* ---- hash (SGD_SM3 with a public key and ID prepends the SM2 Z value) ---- */
int SDF_HashInit(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey, unsigned char *pucID,
                 unsigned int uiIDLength);
int SDF_HashUpdate(void *hSessionHandle, unsigned char *pucData, unsigned int uiDataLength);
int SDF_HashFinal(void *hSessionHandle, unsigned char *pucHash, unsigned int *puiHashLength);

/* ---- MedSign extension, optional: a device's management tool normally creates its keys. Generates a key
 * pair inside the device at uiKeyIndex (SGD_SM2 with 256 bits, or SGD_RSA with 2048 bits), protected by
 * the given access password (uiPwdLength 0: none). SDR_FILEEXSITS when the index is taken. ---- */
int SDF_GenerateInternalKeyPair(void *hSessionHandle, unsigned int uiKeyIndex, unsigned int uiAlgID,
                                unsigned int uiKeyBits, unsigned char *pucPassword, unsigned int uiPwdLength);

#ifdef __cplusplus
}
#endif
#endif /* MEDSIGN_SDF_H */
