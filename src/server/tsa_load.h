// A load generator for the timestamp authority: N keep-alive connections (HTTP/1.1 or HTTPS POST of
// application/timestamp-query, or the RFC 3161 TCP socket protocol), each sending its next request (or, with
// pipeline N, its next N requests in one write) as soon as the previous answers arrive, for a fixed time; or N
// UDP sockets with one query outstanding each (RFC 3161 over UDP, one TimeStampReq per datagram), where a
// datagram not answered within the timeout counts as an error and the socket goes on with the next query.
// Every answer is parsed and must be granted; a sample of tokens (those asked with certReq) is verified with
// tsp::verify_token against the request's imprint and nonce. Over UDP the certificate does not fit in a
// datagram: every token's TSTInfo must carry the query's nonce and imprint (answers to earlier, timed-out
// queries are recognised by their nonce and skipped), and sampled tokens are verified only against a
// certificate given as tsa_cert. Latencies are per request, from the first byte written to the last byte read.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "cms/algorithms.h"
#include "crypto/soft/evp_key.h"

namespace medsign::server::tsa_load {

struct Options {
  std::string url;   // http://host:port[/path] (path default /tsa, or /tsa/<unit> with unit)
  std::string tcp;   // host:port of the RFC 3161 TCP transport (its unit is the server's choice)
  std::string udp;   // host:port of the RFC 3161 UDP transport
  std::string unit;
  std::string ca_file;    // https: PEM trust anchors for the server certificate (empty = the system store)
  bool insecure = false;  // https: check neither the certificate nor the host name
  std::string tsa_cert;   // PEM certificate of the TSA unit: verifies sampled tokens asked without certReq (UDP)
  int pipeline = 1;       // HTTP(S) and TCP: requests written together per connection
  int timeout_ms = 1000;  // UDP: how long a query waits for its answer; HTTP(S), TCP: how long after the end
                          // a connection may still wait for its answers before it is given up
  cms::DigestAlgorithm alg = cms::DigestAlgorithm::sha256;
  int connections = 16;
  double seconds = 10;
  int threads = 1;              // client I/O threads
  std::uint64_t verify_every = 500;  // every Nth request asks for certReq and its token is verified (0 = none)
};

struct Report {
  std::string target;
  int connections = 0, pipeline = 1;
  double seconds = 0;
  std::uint64_t tokens = 0, rejections = 0, errors = 0, verified = 0, verify_failures = 0;
  double tokens_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
  std::string first_error;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

Result<Report> run(const Options& o);

// The in-process bound: TimestampIssuer::respond (request parsing, TSTInfo, template, signature) of a
// throwaway unit with a key of this type, on `threads` threads for `seconds`, with no transport and no log.
struct Bound {
  std::string key;
  int threads = 0;
  double seconds = 0, tokens_per_s = 0;
  nlohmann::json to_json() const;
};
Result<Bound> signing_bound(crypto::KeyType key, cms::DigestAlgorithm alg, int threads, double seconds);

}  // namespace medsign::server::tsa_load
