/* libmedsign-tsp: the GM/T 0033-2014 timestamp interface (STF_) of MedSign, for C and C++.
 *
 * Server: STF_CreateTSResponse sends the request to the TSA named by MSTF_SetServer, else by the
 * environment variable MEDSIGN_TSA_URL (read by STF_InitEnvironment), else http://127.0.0.1:8080/tsa.
 *   http://host[:port]/path   HTTP POST application/timestamp-query
 *   tcp://host[:port]         RFC 3161 socket protocol (default port 3318)
 *
 * Buffers: on input *puiXxxLength is the size of the buffer, on output the length written. When the
 * buffer is NULL or too small the function sets the length needed and returns STF_TS_NOT_ENOUGH_MEMORY
 * (a NULL buffer with a length query returns STF_TS_OK). Text values (issuer name, time, names in
 * STF_GetTSDetail) are NUL-terminated: the length needed counts the NUL, the length returned does not.
 * Times are GeneralizedTime text in UTC, e.g. "20261127093000.123Z".
 *
 * Handles are not shared between threads; different handles may be used concurrently. docs/TSA.md. */
#ifndef MEDSIGN_STF_H
#define MEDSIGN_STF_H

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned char SGD_UINT8;
typedef unsigned int SGD_UINT32;

#if defined(MEDSIGN_STF_BUILD)
#define STF_API __attribute__((visibility("default")))
#else
#define STF_API
#endif

/* GM/T 0006 algorithm identifiers (STANDARDS.md 2.2). */
#define SGD_SM3 0x00000001
#define SGD_SHA1 0x00000002
#define SGD_SHA256 0x00000004
#define SGD_SM3_SM2 0x00020201
#define SGD_SM3_RSA 0x00010001
#define SGD_SHA1_RSA 0x00010002
#define SGD_SHA256_RSA 0x00010004

/* STF_CreateTSRequest uiReqType */
#define STF_REQ_WITH_CERT 0
#define STF_REQ_WITHOUT_CERT 1

/* STF_GetTSDetail items (1..12); the GM/T 0006 numbering 0x201..0x20C is accepted too. */
#define STF_TIME_OF_STAMP 0x00000001
#define STF_CN_OF_TSSIGNER 0x00000002
#define STF_ORIGINAL_DATA 0x00000003
#define STF_CERT_OF_TSSERVER 0x00000004
#define STF_CERTCHAIN_OF_TSSERVER 0x00000005
#define STF_SOURCE_OF_TIME 0x00000006
#define STF_TIME_PRECISION 0x00000007
#define STF_RESPONSE_TYPE 0x00000008
#define STF_SUBJECT_COUNTRY_OF_TSSIGNER 0x00000009
#define STF_SUBJECT_ORGNIZATION_OF_TSSIGNER 0x0000000A
#define STF_SUBJECT_CITY_OF_TSSIGNER 0x0000000B
#define STF_SUBJECT_EMAIL_OF_TSSIGNER 0x0000000C

/* Error codes (GM/T 0033 Annex A). */
#define STF_TS_OK 0
#define STF_TS_ERROR_BASE 0x04000000
#define STF_TS_INDATA_TOOLONG 0x04000001
#define STF_TS_NOT_ENOUGH_MEMORY 0x04000002
#define STF_TS_SERVER_ERROR 0x04000003
#define STF_TS_MALFORMAT 0x04000004
#define STF_TS_INVALID_ITEM 0x04000005
#define STF_TS_INVALID_SIGNATURE 0x04000006
#define STF_TS_INVALID_ALG 0x04000007
#define STF_TS_INVALID_REQUEST 0x04000008
#define STF_TS_INVALID_DATAFORMAT 0x04000009
#define STF_TS_TIME_NOT_AVAILABLE 0x0400000A
#define STF_TS_UNACCEPTED_POLICY 0x0400000B
#define STF_TS_UNACCEPTED_EXTENSION 0x0400000C
#define STF_TS_ADDINFO_NOT_AVAILBLE 0x0400000D
#define STF_TS_SYSTEM_FAILURE 0x0400000E

STF_API SGD_UINT32 STF_InitEnvironment(void **phTSHandle);
STF_API SGD_UINT32 STF_ClearEnvironment(void *hTSHandle);
/* pucInData: the data to time-stamp (hashed here with uiHashAlgID: SGD_SM3 or SGD_SHA256). pucTSExt
 * must be empty: the MedSign TSA accepts no request extensions. */
STF_API SGD_UINT32 STF_CreateTSRequest(void *hTSHandle, SGD_UINT8 *pucInData, SGD_UINT32 uiInDataLength,
                                       SGD_UINT32 uiReqType, SGD_UINT8 *pucTSExt, SGD_UINT32 uiTSExtLength,
                                       SGD_UINT32 uiHashAlgID, SGD_UINT8 *pucTSRequest,
                                       SGD_UINT32 *puiTSRequestLength);
/* uiSignatureAlgID: 0 for the server's default unit; SGD_SM3_SM2 or an RSA identifier ask for that kind
 * of unit (with a URL whose path is exactly /tsa, the unit path /tsa/sm2 or /tsa/rsa is used) and the
 * token is checked to be signed so. A rejection from the TSA is returned in the buffer too, with the
 * STF_TS_ code of its failure info. */
STF_API SGD_UINT32 STF_CreateTSResponse(void *hTSHandle, SGD_UINT8 *pucTSRequest, SGD_UINT32 uiTSRequestLength,
                                        SGD_UINT32 uiSignatureAlgID, SGD_UINT8 *pucTSResponse,
                                        SGD_UINT32 *puiTSResponseLength);
/* pucTSResponse: a TimeStampResp or a bare TimeStampToken (DER). uiHashAlgID / uiSignatureAlgID: 0 for
 * any, else they must match the token. pucTSCert: the TSA certificate (DER or PEM); when given the token
 * must be signed by exactly this certificate; NULL uses the certificate in the token. */
STF_API SGD_UINT32 STF_VerifyTSValidity(void *hTSHandle, SGD_UINT8 *pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                        SGD_UINT32 uiHashAlgID, SGD_UINT32 uiSignatureAlgID, SGD_UINT8 *pucTSCert,
                                        SGD_UINT32 uiTSCertLength);
/* Issuer name: the common name of the TSA certificate (or of the TSA name in the token). */
STF_API SGD_UINT32 STF_GetTSInfo(void *hTSHandle, SGD_UINT8 *pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                 SGD_UINT8 *pucIssuerName, SGD_UINT32 *puiIssuerNameLength, SGD_UINT8 *pucTime,
                                 SGD_UINT32 *puiTimeLength);
/* Items: TIME_OF_STAMP text; CN_OF_TSSIGNER text; ORIGINAL_DATA the hashed message (binary);
 * CERT_OF_TSSERVER DER; CERTCHAIN_OF_TSSERVER the DER certificates of the token, concatenated, signer
 * first; SOURCE_OF_TIME the TSA name (text, RFC 4514 style); TIME_PRECISION accuracy in seconds as text
 * ("0.010"; empty when absent); RESPONSE_TYPE the PKIStatus as text ("0" granted); SUBJECT_* attributes
 * of the signer certificate as text (empty when absent). */
STF_API SGD_UINT32 STF_GetTSDetail(void *hTSHandle, SGD_UINT8 *pucTSResponse, SGD_UINT32 uiTSResponseLength,
                                   SGD_UINT32 uiItemNumber, SGD_UINT8 *pucItemValue, SGD_UINT32 *puiItemValueLength);

/* MedSign extensions. */
/* Sets the TSA URL of this handle (see above); timeout in milliseconds (0: 10000). */
STF_API SGD_UINT32 MSTF_SetServer(void *hTSHandle, const char *pszUrl, SGD_UINT32 uiTimeoutMs);
/* Digest of data: SGD_SM3 or SGD_SHA256 (32 bytes). */
STF_API SGD_UINT32 MSTF_Digest(SGD_UINT32 uiHashAlgID, const SGD_UINT8 *pucData, SGD_UINT32 uiDataLength,
                               SGD_UINT8 *pucDigest, SGD_UINT32 *puiDigestLength);
/* Why the last call on this handle failed (English, NUL-terminated; "" after success). */
STF_API const char *MSTF_GetLastErrorText(void *hTSHandle);

#ifdef __cplusplus
}
#endif

#endif
