/* sign_verify: signs "hello" with key index 1 of a MedSign signing server and verifies the signature,
 * through libmedsign-svs (include/medsign/svs.h) over the GM/T 0029 binary protocol.
 *
 * Usage:
 *   make run                                   # in one terminal: a development server, port 6029
 *   build/bin/sign_verify_example              # in another: signs and verifies against 127.0.0.1:6029
 *   build/bin/sign_verify_example 10.1.2.3:6029,10.1.2.4:6029   # several servers: fail-over
 *
 * The server must know the caller's address: `medsign init` registers the development application for
 * loopback with keys 1 (SM2) and 2 (RSA); other addresses need `medsign app add NAME --key 1 --allow ADDR`.
 *
 * Build your own program the same way:
 *   cc -I include my_program.c -L build/lib -lmedsign-svs -Wl,-rpath,$PWD/build/lib
 *
 * Exit status: 0 when the signature verified, 1 otherwise (the reason on stderr). */
#include <stdio.h>
#include <string.h>

#include "medsign/svs.h"

static int report(const char *what, int rc) {
  fprintf(stderr, "%s: %s (%s)\n", what, SVS_GetErrorString(rc), SVS_GetLastErrorText());
  return 1;
}

int main(int argc, char **argv) {
  const char *servers = argc > 1 ? argv[1] : "127.0.0.1:6029";
  const unsigned char data[] = "hello";
  const unsigned int data_len = (unsigned int)strlen((const char *)data);
  unsigned char signature[512];
  unsigned int signature_len = sizeof signature;
  unsigned char cert[4096];
  unsigned int cert_len = sizeof cert;
  unsigned int i;
  void *h = NULL;
  int rc;
  SVS_Options options;

  memset(&options, 0, sizeof options);
  options.connect_timeout_ms = 2000;
  options.request_timeout_ms = 5000;
  options.pool_size = 2;
  rc = SVS_Open(servers, &options, &h);
  if (rc != GM_SUCCESS) return report("SVS_Open", rc);

  rc = SVS_SignData(h, SGD_SM3_SM2, 1, NULL, data, data_len, signature, &signature_len);
  if (rc != GM_SUCCESS) {
    report("SVS_SignData", rc);
    SVS_Close(h);
    return 1;
  }
  printf("signature (%u bytes): ", signature_len);
  for (i = 0; i < signature_len; ++i) printf("%02x", signature[i]);
  printf("\n");

  /* The certificate of key 1, then the verification with it (level 1: validity and chain). */
  rc = SVS_ExportCert(h, "1", cert, &cert_len);
  if (rc != GM_SUCCESS) {
    report("SVS_ExportCert", rc);
    SVS_Close(h);
    return 1;
  }
  rc = SVS_VerifySignedData(h, SVS_CERT_TYPE_CERT, cert, cert_len, data, data_len, signature, signature_len,
                            SVS_VERIFY_CHAIN);
  if (rc != GM_SUCCESS) {
    report("SVS_VerifySignedData", rc);
    SVS_Close(h);
    return 1;
  }
  printf("verified: the signature of \"%s\" is valid\n", (const char *)data);
  SVS_Close(h);
  return 0;
}
