// Client transports for RFC 3161 requests: HTTP (POST application/timestamp-query) and the RFC 3161 §3.3
// TCP socket protocol (length, flag, DER). Used by libmedsign-tsp and `medsign ts query`.
#pragma once

#include <string>

#include "common/bytes.h"

namespace medsign::sdk {

// Sends a DER TimeStampReq to `url` and returns the DER TimeStampResp.
//   http://host[:port]/path   (port 80 by default)
//   tcp://host[:port]         (port 3318 by default)
// Errors: invalid_argument for a bad URL, unavailable when the server cannot be reached, does not
// answer within timeout_ms, or answers with something other than a TimeStampResp.
Result<Bytes> exchange(const std::string& url, ByteView request, int timeout_ms = 10000);

}  // namespace medsign::sdk
