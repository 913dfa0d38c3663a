/* The STF_ API from C, through include/medsign/stf.h and libmedsign-tsp only. The TSA comes from the
 * environment: MEDSIGN_TSA_URL (default unit, SM2), MEDSIGN_TSA_URL_ECDSA, MEDSIGN_TSA_TCP (optional).
 * Prints one line per failed check; exit status 0 when all pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medsign/stf.h"

static int failures = 0;
#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                        \
    }                                                                    \
  } while (0)
#define CHECK_RC(expr, want)                                                             \
  do {                                                                                   \
    SGD_UINT32 rc_ = (expr);                                                             \
    if (rc_ != (SGD_UINT32)(want)) {                                                     \
      fprintf(stderr, "%s:%d: %s = 0x%08X, want 0x%08X (%s)\n", __FILE__, __LINE__, #expr, rc_, \
              (SGD_UINT32)(want), MSTF_GetLastErrorText(h));                             \
      failures++;                                                                        \
    }                                                                                    \
  } while (0)

static SGD_UINT8 data[] = "patient 0042: discharge summary";

/* Obtains a response for `data` from the handle's server; returns its length. */
static SGD_UINT32 stamp(void *h, SGD_UINT32 hash, SGD_UINT32 sig, SGD_UINT8 *resp, SGD_UINT32 size) {
  SGD_UINT8 req[512];
  SGD_UINT32 req_len = sizeof req, resp_len = size;
  CHECK_RC(STF_CreateTSRequest(h, data, sizeof data - 1, STF_REQ_WITH_CERT, NULL, 0, hash, req, &req_len), STF_TS_OK);
  CHECK_RC(STF_CreateTSResponse(h, req, req_len, sig, resp, &resp_len), STF_TS_OK);
  return resp_len;
}

int main(void) {
  void *h = NULL;
  static SGD_UINT8 resp[16384], other[16384], buf[8192];
  SGD_UINT32 len, len2, n, i;
  SGD_UINT8 digest[32];
  SGD_UINT32 digest_len = sizeof digest;
  const char *ecdsa = getenv("MEDSIGN_TSA_URL_ECDSA"), *tcp = getenv("MEDSIGN_TSA_TCP");

  CHECK(STF_InitEnvironment(NULL) == STF_TS_INVALID_REQUEST);
  CHECK_RC(STF_InitEnvironment(&h), STF_TS_OK);
  CHECK(h != NULL);

  /* SM2 token from the default unit: verify, info, every detail in both numberings. */
  len = stamp(h, SGD_SM3, SGD_SM3_SM2, resp, sizeof resp);
  CHECK(len > 500);
  CHECK_RC(STF_VerifyTSValidity(h, resp, len, SGD_SM3, SGD_SM3_SM2, NULL, 0), STF_TS_OK);
  CHECK_RC(STF_VerifyTSValidity(h, resp, len, 0, 0, NULL, 0), STF_TS_OK);
  CHECK_RC(STF_VerifyTSValidity(h, resp, len, SGD_SHA256, 0, NULL, 0), STF_TS_INVALID_ALG);
  CHECK_RC(STF_VerifyTSValidity(h, resp, len, 0, SGD_SHA256_RSA, NULL, 0), STF_TS_INVALID_ALG);
  {
    SGD_UINT8 issuer[128], when[64];
    SGD_UINT32 issuer_len = sizeof issuer, when_len = sizeof when;
    CHECK_RC(STF_GetTSInfo(h, resp, len, issuer, &issuer_len, when, &when_len), STF_TS_OK);
    CHECK(strcmp((char *)issuer, "MedSign TSA sm2") == 0);
    CHECK(issuer_len == strlen("MedSign TSA sm2"));
    CHECK(when_len >= 15 && when[when_len - 1] == 'Z' && strncmp((char *)when, "20", 2) == 0);
    issuer_len = 4;
    when_len = sizeof when;
    CHECK_RC(STF_GetTSInfo(h, resp, len, issuer, &issuer_len, when, &when_len), STF_TS_NOT_ENOUGH_MEMORY);
    CHECK(issuer_len == strlen("MedSign TSA sm2") + 1);
  }
  CHECK_RC(MSTF_Digest(SGD_SM3, data, sizeof data - 1, digest, &digest_len), STF_TS_OK);
  CHECK(digest_len == 32);
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_ORIGINAL_DATA, buf, &len2), STF_TS_OK);
  CHECK(len2 == 32 && memcmp(buf, digest, 32) == 0);
  for (i = 1; i <= 12; i++) {
    static SGD_UINT8 a[8192], b[8192];
    SGD_UINT32 la = sizeof a, lb = sizeof b, need = 0;
    CHECK_RC(STF_GetTSDetail(h, resp, len, i, a, &la), STF_TS_OK);
    CHECK_RC(STF_GetTSDetail(h, resp, len, 0x200 + i, b, &lb), STF_TS_OK);
    CHECK(la == lb && memcmp(a, b, la) == 0);
    CHECK_RC(STF_GetTSDetail(h, resp, len, i, NULL, &need), STF_TS_OK);
    CHECK(need >= la);
  }
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_CN_OF_TSSIGNER, buf, &len2), STF_TS_OK);
  CHECK(strcmp((char *)buf, "MedSign TSA sm2") == 0);
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_SUBJECT_ORGNIZATION_OF_TSSIGNER, buf, &len2), STF_TS_OK);
  CHECK(strcmp((char *)buf, "MedSign") == 0);
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_RESPONSE_TYPE, buf, &len2), STF_TS_OK);
  CHECK(strcmp((char *)buf, "0") == 0);
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_TIME_PRECISION, buf, &len2), STF_TS_OK);
  CHECK(len2 > 0 && buf[0] == '0' && buf[1] == '.');
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_CERT_OF_TSSERVER, buf, &len2), STF_TS_OK);
  CHECK(len2 > 200 && buf[0] == 0x30);
  /* The certificate given wins: the right one verifies, a token of another unit does not. */
  CHECK_RC(STF_VerifyTSValidity(h, resp, len, SGD_SM3, SGD_SM3_SM2, buf, len2), STF_TS_OK);
  len2 = 10;
  CHECK_RC(STF_GetTSDetail(h, resp, len, STF_CERT_OF_TSSERVER, buf, &len2), STF_TS_NOT_ENOUGH_MEMORY);
  len2 = sizeof buf;
  CHECK_RC(STF_GetTSDetail(h, resp, len, 0x0D, buf, &len2), STF_TS_INVALID_ITEM);
  CHECK_RC(STF_GetTSDetail(h, resp, len, 0, buf, &len2), STF_TS_INVALID_ITEM);
  CHECK_RC(STF_GetTSDetail(h, resp, len, 0x20D, buf, &len2), STF_TS_INVALID_ITEM);

  if (ecdsa) {
    SGD_UINT8 cert[4096];
    SGD_UINT32 cert_len = sizeof cert;
    CHECK_RC(MSTF_SetServer(h, ecdsa, 5000), STF_TS_OK);
    n = stamp(h, SGD_SHA256, 0, other, sizeof other);
    CHECK_RC(STF_VerifyTSValidity(h, other, n, SGD_SHA256, 0, NULL, 0), STF_TS_OK);
    CHECK_RC(STF_VerifyTSValidity(h, other, n, 0, SGD_SM3_SM2, NULL, 0), STF_TS_INVALID_ALG);
    CHECK_RC(STF_GetTSDetail(h, other, n, STF_CERT_OF_TSSERVER, cert, &cert_len), STF_TS_OK);
    CHECK_RC(STF_VerifyTSValidity(h, resp, len, 0, 0, cert, cert_len), STF_TS_INVALID_SIGNATURE);
  }
  if (tcp) {
    CHECK_RC(MSTF_SetServer(h, tcp, 5000), STF_TS_OK);
    n = stamp(h, SGD_SM3, 0, other, sizeof other);
    CHECK_RC(STF_VerifyTSValidity(h, other, n, SGD_SM3, 0, NULL, 0), STF_TS_OK);
  }

  /* Bad input: the right code, never a crash. */
  {
    SGD_UINT8 req[512], bad[16384];
    SGD_UINT32 req_len = sizeof req, bad_len;
    SGD_UINT8 junk[] = {0x30, 0x82, 0xff, 0xff, 0x02, 0x01};
    CHECK_RC(STF_VerifyTSValidity(h, junk, sizeof junk, 0, 0, NULL, 0), STF_TS_MALFORMAT);
    CHECK_RC(STF_VerifyTSValidity(h, NULL, 0, 0, 0, NULL, 0), STF_TS_MALFORMAT);
    len2 = sizeof buf;
    CHECK_RC(STF_GetTSDetail(h, junk, sizeof junk, 1, buf, &len2), STF_TS_MALFORMAT);
    len2 = sizeof buf;
    n = sizeof buf;
    CHECK_RC(STF_GetTSInfo(h, junk, sizeof junk, buf, &len2, buf + 4096, &n), STF_TS_MALFORMAT);
    for (i = 1; i < len; i += 37) { /* every truncation is refused */
      SGD_UINT32 rc = STF_VerifyTSValidity(h, resp, i, 0, 0, NULL, 0);
      CHECK(rc == STF_TS_MALFORMAT || rc == STF_TS_INVALID_SIGNATURE);
    }
    memcpy(bad, resp, len);
    bad[len - 1] ^= 0x01; /* inside the signature value */
    CHECK_RC(STF_VerifyTSValidity(h, bad, len, 0, 0, NULL, 0), STF_TS_INVALID_SIGNATURE);
    for (i = 0; i < len; i += 13) { /* flipped bytes anywhere: an error code, no crash */
      SGD_UINT32 rc;
      memcpy(bad, resp, len);
      bad[i] ^= 0x5a;
      rc = STF_VerifyTSValidity(h, bad, len, 0, 0, NULL, 0);
      CHECK(rc == STF_TS_OK || (rc >= STF_TS_INDATA_TOOLONG && rc <= STF_TS_SYSTEM_FAILURE));
      len2 = sizeof buf;
      (void)STF_GetTSDetail(h, bad, len, STF_CERTCHAIN_OF_TSSERVER, buf, &len2);
    }
    CHECK_RC(STF_VerifyTSValidity(h, resp, len, 0, 0, junk, sizeof junk), STF_TS_INVALID_DATAFORMAT);
    CHECK_RC(STF_CreateTSRequest(h, data, 4, STF_REQ_WITH_CERT, NULL, 0, SGD_SHA1, req, &req_len), STF_TS_INVALID_ALG);
    CHECK_RC(STF_CreateTSRequest(h, data, 4, 7, NULL, 0, SGD_SM3, req, &req_len), STF_TS_INVALID_REQUEST);
    CHECK_RC(STF_CreateTSRequest(h, data, 4, 0, junk, sizeof junk, SGD_SM3, req, &req_len), STF_TS_UNACCEPTED_EXTENSION);
    req_len = 8;
    CHECK_RC(STF_CreateTSRequest(h, data, 4, 0, NULL, 0, SGD_SM3, req, &req_len), STF_TS_NOT_ENOUGH_MEMORY);
    CHECK(req_len > 8 && req_len < sizeof req);
    bad_len = sizeof bad;
    CHECK_RC(STF_CreateTSResponse(h, junk, sizeof junk, 0, bad, &bad_len), STF_TS_INVALID_REQUEST);
    CHECK_RC(STF_CreateTSRequest(NULL, data, 4, 0, NULL, 0, SGD_SM3, req, &req_len), STF_TS_INVALID_REQUEST);
    /* Nobody listens on port 1. */
    req_len = sizeof req;
    CHECK_RC(STF_CreateTSRequest(h, data, 4, 0, NULL, 0, SGD_SM3, req, &req_len), STF_TS_OK);
    CHECK_RC(MSTF_SetServer(h, "http://127.0.0.1:1/tsa", 2000), STF_TS_OK);
    bad_len = sizeof bad;
    CHECK_RC(STF_CreateTSResponse(h, req, req_len, 0, bad, &bad_len), STF_TS_SERVER_ERROR);
    CHECK(strlen(MSTF_GetLastErrorText(h)) > 0);
    CHECK_RC(MSTF_SetServer(h, "ftp://x", 0), STF_TS_INVALID_REQUEST);
  }

  CHECK_RC(STF_ClearEnvironment(h), STF_TS_OK);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("stf_c_test: all checks passed\n");
  return 0;
}
