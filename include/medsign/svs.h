/* libmedsign-svs: a client of the MedSign signing and verification server (GM/T 0029-2014 /
 * GB/T 38629-2020) over the Annex A DER message protocol (TCP port 6029), for C and C++.
 *
 * Handles: SVS_Open takes a list of servers, "host:port,host:port" (port 6029 when left out; IPv6 as
 * "[::1]:6029"), and returns a handle that may be shared by any number of threads. Each server has a
 * pool of persistent TCP connections (SVS_Options.pool_size); a call takes one connection for its
 * request and answer and gives it back. Servers are tried in the order listed: one that refuses a
 * connection, breaks it or does not answer within the request timeout is marked down for
 * SVS_Options.retry_after_ms and the call goes on to the next server; a call fails only when no listed
 * server answers (SVS_ERROR_CONNECT, or SVS_ERROR_TIMEOUT when the last one tried timed out). A pooled
 * connection found broken is dropped and the request retried once on a new connection. docs/SDK.md.
 *
 * Buffers: on input *len is the size of the buffer, on output the length written. When the buffer is
 * NULL the function sets the length needed and returns 0 (the request is still made); when it is too
 * small it sets the length needed and returns SVS_ERROR_BUFFER_TOO_SMALL.
 *
 * Results: 0 (GM_SUCCESS), a response code of the server (GM_* below, GM/T 0029 Annex D) or an SDK code
 * (SVS_ERROR_*). SVS_GetErrorString names any of them; SVS_GetLastErrorText tells why the calling
 * thread's last call failed.
 *
 * Booleans are int (0 false, anything else true). Certificates are DER. Signatures: SM2 as the DER
 * SM2Signature, RSA as the PKCS#1 v1.5 block. Signed messages are DER CMS/PKCS#7 SignedData (GM/T 0010
 * for SM2). */
#ifndef MEDSIGN_SVS_H
#define MEDSIGN_SVS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MEDSIGN_SVS_BUILD)
#define SVS_API __attribute__((visibility("default")))
#else
#define SVS_API
#endif

/* GM/T 0006 signature methods (STANDARDS.md 2.2). */
#ifndef SGD_SM3_SM2
#define SGD_SM3_SM2 0x00020201
#define SGD_SM3_RSA 0x00010001
#define SGD_SHA1_RSA 0x00010002
#define SGD_SHA256_RSA 0x00010004
#endif

/* SVS_ParseCert infoType (SGD_CERT_*). */
#define SGD_CERT_VERSION 0x00000001
#define SGD_CERT_SERIAL 0x00000002
#define SGD_CERT_ISSUER 0x00000005
#define SGD_CERT_VALID_TIME 0x00000006
#define SGD_CERT_SUBJECT 0x00000007
#define SGD_CERT_DER_PUBLIC_KEY 0x00000008
#define SGD_CERT_DER_EXTENSIONS 0x00000009
#define SGD_EXT_AUTHORITYKEYIDENTIFIER_INFO 0x00000011
#define SGD_EXT_SUBJECTKEYIDENTIFIER_INFO 0x00000012
#define SGD_EXT_KEYUSAGE_INFO 0x00000013
#define SGD_EXT_PRIVATEKEYUSAGEPERIOD_INFO 0x00000014
#define SGD_EXT_CERTIFICATEPOLICIES_INFO 0x00000015
#define SGD_EXT_POLICYMAPPINGS_INFO 0x00000016
#define SGD_EXT_BASICCONSTRAINTS_INFO 0x00000017
#define SGD_EXT_POLICYCONSTRAINTS_INFO 0x00000018
#define SGD_EXT_EXTKEYUSAGE_INFO 0x00000019
#define SGD_EXT_CRLDISTRIBUTIONPOINTS_INFO 0x0000001A
#define SGD_CERT_ISSUER_CN 0x00000021
#define SGD_CERT_ISSUER_O 0x00000022
#define SGD_CERT_ISSUER_OU 0x00000023
#define SGD_CERT_SUBJECT_CN 0x00000031
#define SGD_CERT_SUBJECT_O 0x00000032
#define SGD_CERT_SUBJECT_OU 0x00000033
#define SGD_CERT_SUBJECT_EMAIL 0x00000034
#define SGD_CERT_NOTBEFORE_TIME 0x00000035
#define SGD_CERT_NOTAFTER_TIME 0x00000036

/* SVS_VerifySignedData / SVS_VerifySignedDataFinal: what certOrSN holds. */
#define SVS_CERT_TYPE_CERT 1 /* the signer's certificate (DER) */
#define SVS_CERT_TYPE_SN 2   /* the serial number (big-endian octets) of a server key's certificate */

/* verifyLevel: 0 validity period, 1 + chain to a trust anchor, 2 + revocation. */
#define SVS_VERIFY_TIME 0
#define SVS_VERIFY_CHAIN 1
#define SVS_VERIFY_CRL 2

/* SVS_ValidateCert *state */
#define SVS_CERT_STATE_GOOD 0
#define SVS_CERT_STATE_REVOKED 1
#define SVS_CERT_STATE_UNKNOWN 2

/* Response codes of the server (GM/T 0029 Annex D). */
#define GM_SUCCESS 0
#define GM_ERROR_BASE 0x04000000           /* also: the caller's address is not registered */
#define GM_ERROR_CERT_ID 0x04000001        /* bad certificate identifier */
#define GM_ERROR_CERT_INFO_TYPE 0x04000002 /* bad certificate info type */
#define GM_ERROR_SERVER_CONNECT 0x04000003 /* CRL/OCSP source unreachable */
#define GM_ERROR_SIGN_METHOD 0x04000004    /* signature method does not fit */
#define GM_ERROR_KEY_INDEX 0x04000005      /* bad private-key index */
#define GM_ERROR_KEY_VALUE 0x04000006      /* bad private-key access code */
#define GM_ERROR_CERT 0x04000007           /* certificate not trusted / not on the server */
#define GM_ERROR_CERT_DECODE 0x04000008    /* certificate does not decode */
#define GM_ERROR_CERT_INVALID_AF 0x04000009 /* certificate expired */
#define GM_ERROR_CERT_INVALID_BF 0x0400000A /* certificate not yet valid */
#define GM_ERROR_CERT_REMOVED 0x0400000B   /* certificate revoked */
#define GM_INVALID_SIGNATURE 0x0400000C    /* signature invalid */
#define GM_INVALID_DATA_FORMAT 0x0400000D  /* data format error */
#define GM_SYSTEM_FAILURE 0x0400000E       /* internal error of the server */

/* SDK codes (no server sends these). */
#define SVS_ERROR_PARAM 0x04000101            /* bad argument (NULL handle or pointer, bad server list) */
#define SVS_ERROR_CONNECT 0x04000102          /* no listed server could be reached */
#define SVS_ERROR_TIMEOUT 0x04000103          /* no answer within the request timeout */
#define SVS_ERROR_BUFFER_TOO_SMALL 0x04000104 /* output buffer too small; *len = length needed */
#define SVS_ERROR_PROTOCOL 0x04000105         /* the server's answer is not a fitting SVSRespond */
#define SVS_ERROR_MEMORY 0x04000106           /* out of memory */
#define SVS_ERROR_TLS 0x04000107              /* TLS set-up or certificate check failed */
#define SVS_ERROR_TOO_LARGE 0x04000108        /* input larger than a message may be */

typedef struct SVS_Options {
  unsigned int connect_timeout_ms; /* per connection attempt; 0: 3000 */
  unsigned int request_timeout_ms; /* per request on one server (send and answer); 0: 10000 */
  unsigned int pool_size;          /* connections per server, at most; 0: 4 */
  unsigned int retry_after_ms;     /* how long a failed server is passed over; 0: 5000 */
  const char *tls_ca_file;         /* NULL: plain TCP; else TLS, the server certificate checked
                                      against this PEM file (CA certificates) */
  const char *tls_server_name;     /* TLS: the name the certificate must carry; NULL: the host */
} SVS_Options;

/* servers: "host:port[,host:port...]"; options may be NULL (all defaults). No connection is made
 * until the first call. */
SVS_API int SVS_Open(const char *servers, const SVS_Options *options, void **handle);
/* Closes every pooled connection. REQUIRES: no call on the handle is running. */
SVS_API int SVS_Close(void *handle);

/* The name and meaning of a code ("GM_INVALID_SIGNATURE: signature invalid"); never NULL. */
SVS_API const char *SVS_GetErrorString(int code);
/* Why the calling thread's last call failed (English, "" after success); never NULL. */
SVS_API const char *SVS_GetLastErrorText(void);

/* The certificate of a server key; certId: the key index ("1") or the key name. */
SVS_API int SVS_ExportCert(void *h, const char *certId, unsigned char *cert, unsigned int *certLen);
/* One item of a certificate (SGD_CERT_*): text for names, numbers and times (not NUL-terminated),
 * DER for keys and extensions. */
SVS_API int SVS_ParseCert(void *h, int infoType, const unsigned char *cert, unsigned int certLen,
                          unsigned char *info, unsigned int *infoLen);
/* Checks a certificate with the server's policy, revocation included: 0 with *state GOOD, 0 with
 * *state REVOKED, or the failure's code (expired, untrusted, ...). */
SVS_API int SVS_ValidateCert(void *h, const unsigned char *cert, unsigned int certLen, int ocsp, int *state);

/* Signs data with the server key keyIndex. keyPassword: the key's access code, NULL or "" if none. */
SVS_API int SVS_SignData(void *h, int method, unsigned int keyIndex, const char *keyPassword,
                         const unsigned char *data, unsigned int dataLen, unsigned char *signature,
                         unsigned int *signatureLen);
/* type: SVS_CERT_TYPE_CERT (certOrSN = certificate DER) or SVS_CERT_TYPE_SN; 0 when the signature
 * verifies and the certificate passes verifyLevel, else GM_INVALID_SIGNATURE or the certificate's
 * code. */
SVS_API int SVS_VerifySignedData(void *h, int type, const unsigned char *certOrSN, unsigned int certOrSNLen,
                                 const unsigned char *data, unsigned int dataLen, const unsigned char *signature,
                                 unsigned int signatureLen, int verifyLevel);

/* Multi-part signing: Init hashes the first part (for SM3 methods with the signer's public key and ID,
 * for the Z value; NULL for the server's default), each Update hashes one more part into the
 * intermediate value, Final signs it. The intermediate value (hash) is opaque to the caller. */
SVS_API int SVS_SignDataInit(void *h, int method, const unsigned char *signerPublicKey, unsigned int signerPublicKeyLen,
                             const unsigned char *signerId, unsigned int signerIdLen, const unsigned char *data,
                             unsigned int dataLen, unsigned char *hash, unsigned int *hashLen);
SVS_API int SVS_SignDataUpdate(void *h, int method, const unsigned char *hash, unsigned int hashLen,
                               const unsigned char *data, unsigned int dataLen, unsigned char *newHash,
                               unsigned int *newHashLen);
SVS_API int SVS_SignDataFinal(void *h, int method, unsigned int keyIndex, const char *keyPassword,
                              const unsigned char *hash, unsigned int hashLen, unsigned char *signature,
                              unsigned int *signatureLen);
SVS_API int SVS_VerifySignedDataInit(void *h, int method, const unsigned char *signerPublicKey,
                                     unsigned int signerPublicKeyLen, const unsigned char *signerId,
                                     unsigned int signerIdLen, const unsigned char *data, unsigned int dataLen,
                                     unsigned char *hash, unsigned int *hashLen);
SVS_API int SVS_VerifySignedDataUpdate(void *h, int method, const unsigned char *hash, unsigned int hashLen,
                                       const unsigned char *data, unsigned int dataLen, unsigned char *newHash,
                                       unsigned int *newHashLen);
SVS_API int SVS_VerifySignedDataFinal(void *h, int method, int type, const unsigned char *certOrSN,
                                      unsigned int certOrSNLen, const unsigned char *hash, unsigned int hashLen,
                                      const unsigned char *signature, unsigned int signatureLen, int verifyLevel);

/* A CMS SignedData over data. originalText: attached (the data inside); 0: detached.
 * certificateChain: include the chain; authenticationAttributes: signed attributes (content type,
 * message digest, signing time). hashFlag (data is a digest) and crl are passed on as given. */
SVS_API int SVS_SignMessage(void *h, int method, unsigned int keyIndex, const char *keyPassword,
                            const unsigned char *data, unsigned int dataLen, unsigned char *signedMessage,
                            unsigned int *signedMessageLen, int hashFlag, int originalText, int certificateChain,
                            int crl, int authenticationAttributes);
/* data: the content of a detached message (NULL/0 for an attached one). */
SVS_API int SVS_VerifySignedMessage(void *h, const unsigned char *data, unsigned int dataLen,
                                    const unsigned char *signedMessage, unsigned int signedMessageLen, int hashFlag,
                                    int originalText, int certificateChain, int crl, int authenticationAttributes);
SVS_API int SVS_SignMessageInit(void *h, int method, const unsigned char *signerPublicKey,
                                unsigned int signerPublicKeyLen, const unsigned char *signerId, unsigned int signerIdLen,
                                const unsigned char *data, unsigned int dataLen, unsigned char *hash,
                                unsigned int *hashLen);
SVS_API int SVS_SignMessageUpdate(void *h, int method, const unsigned char *hash, unsigned int hashLen,
                                  const unsigned char *data, unsigned int dataLen, unsigned char *newHash,
                                  unsigned int *newHashLen);
SVS_API int SVS_SignMessageFinal(void *h, int method, unsigned int keyIndex, const char *keyPassword,
                                 const unsigned char *hash, unsigned int hashLen, unsigned char *signedMessage,
                                 unsigned int *signedMessageLen);
SVS_API int SVS_VerifySignedMessageInit(void *h, int method, const unsigned char *signerPublicKey,
                                        unsigned int signerPublicKeyLen, const unsigned char *signerId,
                                        unsigned int signerIdLen, const unsigned char *data, unsigned int dataLen,
                                        unsigned char *hash, unsigned int *hashLen);
SVS_API int SVS_VerifySignedMessageUpdate(void *h, int method, const unsigned char *hash, unsigned int hashLen,
                                          const unsigned char *data, unsigned int dataLen, unsigned char *newHash,
                                          unsigned int *newHashLen);
SVS_API int SVS_VerifySignedMessageFinal(void *h, int method, const unsigned char *hash, unsigned int hashLen,
                                         const unsigned char *signedMessage, unsigned int signedMessageLen);

#ifdef __cplusplus
}
#endif

#endif
