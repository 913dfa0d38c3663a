// A load generator for the signing service: N keep-alive connections over REST (HTTP/1.1 JSON with the
// application's Basic credentials) or the GM/T 0029 binary protocol, each sending its next request as soon
// as the previous answer arrives (or, with pipeline N, sending N requests in one write and the next N once
// all N are answered), for a fixed time. Every answer is checked (HTTP 200 and "valid": true for
// verifications; respValue 0 for the binary protocol). Latencies are per request.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"

namespace medsign::server::svs_load {

struct Options {
  std::string url;     // http://host:port (REST)
  std::string binary;  // host:port of the GM/T 0029 TCP transport
  std::string op = "verify";  // verify | sign
  std::string key = "1";      // key index or name on the server
  std::string app_id, secret;
  int verify_level = 1;
  int connections = 32;
  int pipeline = 1;    // requests sent together on a connection (HTTP/1.1 pipelining, GM/T 0029 pipelining)
  double seconds = 10;
  int threads = 1;
  std::size_t data_size = 32;
};

struct Report {
  std::string target, op, key;
  int connections = 0, pipeline = 1;
  double seconds = 0;
  std::uint64_t ok = 0, errors = 0;
  double requests_per_s = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
  std::string first_error;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

Result<Report> run(const Options& o);

// The in-process crypto bound the load is compared with: `threads` threads signing or verifying 32 bytes
// with a fresh key of the given type for `seconds`, through the same crypto::Signer / Verifier (per-key
// state kept, as the service keeps it per signer) the service uses. alg: sm2 | ecdsa | rsa.
struct Bound {
  std::string op, alg;
  int threads = 0;
  double seconds = 0, ops_per_s = 0;
  nlohmann::json to_json() const;
};
Result<Bound> crypto_bound(const std::string& op, const std::string& alg, int threads, double seconds);

}  // namespace medsign::server::svs_load
