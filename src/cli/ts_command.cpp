// `medsign ts query|verify|parse`: an RFC 3161 / GB/T 20520 client (any TSA, over HTTP or TCP).
#include <iostream>

#include "cli/commands.h"
#include "common/clock.h"
#include "crypto/soft/keystore.h"
#include "sdk/tsp/transport.h"
#include "services/tsa_log.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::cli {
namespace {
struct Options {
  std::string in, out, request_out, digest_hex, alg = "sm3", policy, url, tcp, data_file, ca_file, cert_file;
  bool no_cert = false, no_nonce = false, json = false;
  int timeout_ms = 10000;
} g;

Result<cms::DigestAlgorithm> parse_alg(const std::string& s) {
  for (auto d : {cms::DigestAlgorithm::sm3, cms::DigestAlgorithm::sha256, cms::DigestAlgorithm::sha384,
                 cms::DigestAlgorithm::sha512})
    if (cms::digest_name(d) == s) return d;
  return Error(Errc::invalid_argument, "--alg: sm3, sha256, sha384 or sha512");
}

// The token of a file holding a TimeStampResp or a bare token, and the response status.
Result<std::pair<Bytes, tsp::TimeStampResponse>> read_token(const std::string& file) {
  MEDSIGN_ASSIGN(Bytes b, crypto::read_file(file));
  auto resp = tsp::parse_response(b);
  if (resp) {
    if (!resp->token) {
      std::string why = "the response is a rejection";
      if (resp->fail_info) why.append(" (").append(tsp::fail_info_name(*resp->fail_info)).append(")");
      for (auto& t : resp->status_text) why.append(": ").append(t);
      return Error(Errc::bad_request, why);
    }
    Bytes token = *resp->token;
    return std::make_pair(std::move(token), std::move(*resp));
  }
  tsp::TimeStampResponse granted;
  granted.status = tsp::PkiStatus::granted;
  return std::make_pair(std::move(b), std::move(granted));
}

Result<std::vector<pki::Certificate>> read_certs(const std::string& file) {
  MEDSIGN_ASSIGN(Bytes b, crypto::read_file(file));
  if (!b.empty() && b[0] == 0x30) {
    MEDSIGN_ASSIGN(auto c, pki::Certificate::parse_der(b));
    return std::vector<pki::Certificate>{c};
  }
  return pki::Certificate::parse_pem(as_chars(b));
}

// Whether `leaf` chains to one of `anchors` through `pool`, checking each signature.
Status chains_to(const pki::Certificate& leaf, const std::vector<pki::Certificate>& pool,
                 const std::vector<pki::Certificate>& anchors) {
  const pki::Certificate* cur = &leaf;
  for (int depth = 0; depth < 8; ++depth) {
    for (auto& a : anchors)
      if (a.der() == cur->der() || (a.subject() == cur->issuer() && cur->verify_signature(a).ok())) return {};
    const pki::Certificate* next = nullptr;
    for (auto& c : pool)
      if (c.der() != cur->der() && c.subject() == cur->issuer() && cur->verify_signature(c).ok()) next = &c;
    if (!next) break;
    cur = next;
  }
  return Error(Errc::bad_signature, "the TSA certificate does not chain to a CA of the CA file");
}

int query() {
  if (g.url.empty() == g.tcp.empty()) return report(Error(Errc::invalid_argument, "give exactly one of --url and --tcp"));
  auto alg = parse_alg(g.alg);
  if (!alg) return report(alg.error());
  tsp::TimeStampRequest req;
  if (!g.digest_hex.empty()) {
    auto d = hex_decode(g.digest_hex);
    if (!d) return report(Error(Errc::invalid_argument, "--digest: expected hexadecimal"));
    req.imprint = {*alg, *d};
  } else {
    if (g.in.empty()) return report(Error(Errc::invalid_argument, "give --in FILE or --digest HEX"));
    auto data = crypto::read_file(g.in);
    if (!data) return report(data.error());
    req.imprint = {*alg, cms::digest(*alg, *data)};
  }
  req.cert_req = !g.no_cert;
  if (!g.no_nonce) {
    Bytes nonce = crypto::sha256(as_bytes(std::to_string(unix_millis()) + g.in));
    nonce.resize(8);
    nonce[0] = static_cast<std::uint8_t>((nonce[0] & 0x7f) | 0x01);
    req.nonce = nonce;
  }
  if (!g.policy.empty()) {
    auto o = asn1::Oid::from_string(g.policy);
    if (!o) return report(Error(Errc::invalid_argument, "--policy: not an OID"));
    req.policy = *o;
  }
  auto der = tsp::encode_request(req);
  if (!der) return report(der.error());
  if (!g.request_out.empty())
    if (auto st = crypto::write_file_atomic(g.request_out, *der, 0644); !st) return report(st.error());
  std::string url = g.url.empty() ? "tcp://" + g.tcp : g.url;
  auto resp = sdk::exchange(url, *der, g.timeout_ms);
  if (!resp) return report(resp.error());
  auto parsed = tsp::parse_response(*resp);
  if (!parsed) return report(Error(Errc::bad_encoding, "the TSA's answer is not a TimeStampResp"));
  if (!g.out.empty())
    if (auto st = crypto::write_file_atomic(g.out, *resp, 0644); !st) return report(st.error());
  if (!parsed->token) {
    std::cout << "rejected" << (parsed->fail_info ? ": " + std::string(tsp::fail_info_name(*parsed->fail_info)) : "")
              << "\n";
    return kExitFailed;
  }
  auto v = tsp::verify_token(*parsed->token, {}, &req.imprint, req.nonce ? &*req.nonce : nullptr);
  if (!v) return report(Error(Errc::bad_encoding, "not a timestamp token: " + v.error().detail));
  std::string note;
  if (!v->ok && !v->signer) {  // no certificate in the token (--no-cert): check what can be checked
    bool same = v->tst.imprint.algorithm == req.imprint.algorithm &&
                v->tst.imprint.hashed_message == req.imprint.hashed_message && v->tst.nonce == req.nonce;
    if (!same) return report(Error(Errc::bad_signature, "the token does not answer this request"));
    note = " (signature not checked: the token carries no certificate)";
  } else if (!v->ok) {
    return report(Error(Errc::bad_signature, v->problem));
  }
  std::cout << "granted: serial " << hex_encode(v->tst.serial) << ", " << iso8601_millis(v->tst.gen_time_ms)
            << (g.out.empty() ? "" : ", response written to " + g.out) << note << "\n";
  return kExitOk;
}

int verify() {
  auto t = read_token(g.in);
  if (!t) return report(t.error());
  std::vector<pki::Certificate> given;
  if (!g.cert_file.empty()) {
    auto c = read_certs(g.cert_file);
    if (!c) return report(c.error());
    given = *c;
  }
  auto first = tsp::verify_token(t->first, given);
  if (!first) return report(Error(Errc::bad_encoding, "not a timestamp token: " + first.error().detail));
  std::optional<tsp::MessageImprint> expected;
  if (!g.digest_hex.empty()) {
    auto d = hex_decode(g.digest_hex);
    if (!d) return report(Error(Errc::invalid_argument, "--digest: expected hexadecimal"));
    expected = tsp::MessageImprint{first->tst.imprint.algorithm, *d};
  } else if (!g.data_file.empty()) {
    auto data = crypto::read_file(g.data_file);
    if (!data) return report(data.error());
    expected = tsp::MessageImprint{first->tst.imprint.algorithm, cms::digest(first->tst.imprint.algorithm, *data)};
  }
  auto v = tsp::verify_token(t->first, given, expected ? &*expected : nullptr);
  std::string problem = v->ok ? "" : v->problem;
  if (problem.empty() && !g.ca_file.empty()) {
    auto anchors = read_certs(g.ca_file);
    if (!anchors) return report(anchors.error());
    auto sd = cms::parse_signed_data(t->first);
    std::vector<pki::Certificate> pool = given;
    if (sd) pool.insert(pool.end(), sd->certificates.begin(), sd->certificates.end());
    if (auto st = chains_to(*v->signer, pool, *anchors); !st) problem = st.error().detail;
  }
  if (!problem.empty()) {
    std::cout << "Verification: FAILED: " << problem << "\n";
    return kExitFailed;
  }
  std::cout << "Verification: OK\n";
  return kExitOk;
}

int parse() {
  auto t = read_token(g.in);
  if (!t) return report(t.error());
  auto details = services::token_details(t->first);
  if (!details) return report(details.error());
  auto& j = *details;
  j["status"] = static_cast<int>(t->second.status);
  if (g.json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Status: " << (t->second.status == tsp::PkiStatus::granted ? "granted" : "granted with modifications")
            << "\nSerial number: " << j["serial"].get<std::string>() << "\nTime stamp: " << j["gen_time"].get<std::string>()
            << "\nPolicy OID: " << j["policy"].get<std::string>()
            << "\nHash algorithm: " << j["hash_algorithm"].get<std::string>()
            << "\nMessage imprint: " << j["imprint"].get<std::string>()
            << "\nNonce: " << (j["nonce"].get<std::string>().empty() ? "unspecified" : j["nonce"].get<std::string>());
  if (j.contains("accuracy"))
    std::cout << "\nAccuracy: " << j["accuracy"]["seconds"] << " s, " << j["accuracy"]["millis"] << " ms, "
              << j["accuracy"]["micros"] << " us";
  std::cout << "\nOrdering: " << (j["ordering"].get<bool>() ? "yes" : "no");
  std::cout << "\nTSA: " << (j.contains("tsa") ? j["tsa"].get<std::string>() : "unspecified");
  if (j.contains("signer"))
    std::cout << "\nSigner: " << j["signer"]["subject"].get<std::string>() << " ("
              << j["signer"]["algorithm"].get<std::string>() << ")";
  std::cout << "\nSignature: " << (j["signature_valid"].get<bool>() ? "valid" : "INVALID: " + j["problem"].get<std::string>())
            << "\n";
  return kExitOk;
}
}  // namespace

void register_ts_command(CLI::App& app) {
  auto* ts = app.add_subcommand("ts", "RFC 3161 timestamp client: query a TSA, verify and parse responses");
  ts->require_subcommand(1);

  auto* q = ts->add_subcommand("query", "Build a request for a file (or digest) and obtain a response");
  q->add_option("--in", g.in, "File to time-stamp");
  q->add_option("--digest", g.digest_hex, "Hash of the data (hex) instead of --in");
  q->add_option("--alg", g.alg, "sm3, sha256, sha384 or sha512")->capture_default_str();
  q->add_option("--policy", g.policy, "Requested policy OID");
  q->add_flag("--no-cert", g.no_cert, "Do not ask for the TSA certificate in the token");
  q->add_flag("--no-nonce", g.no_nonce, "Send no nonce");
  q->add_option("--url", g.url, "HTTP TSA, e.g. http://127.0.0.1:8080/tsa");
  q->add_option("--tcp", g.tcp, "RFC 3161 TCP TSA, HOST:PORT");
  q->add_option("--timeout-ms", g.timeout_ms)->capture_default_str();
  q->add_option("--out", g.out, "Write the TimeStampResp here");
  q->add_option("--request-out", g.request_out, "Also write the TimeStampReq here");
  q->callback([] { set_exit_code(query()); });

  auto* v = ts->add_subcommand("verify", "Verify a response or token against data or a digest and a CA file");
  v->add_option("--in", g.in, "TimeStampResp or TimeStampToken (DER)")->required();
  v->add_option("--data", g.data_file, "The time-stamped file");
  v->add_option("--digest", g.digest_hex, "Hash of the data (hex), in the token's algorithm");
  v->add_option("--ca", g.ca_file, "Trusted CA certificates (PEM); the TSA certificate must chain to one");
  v->add_option("--cert", g.cert_file, "TSA certificate (PEM or DER) when the token carries none");
  v->callback([] { set_exit_code(verify()); });

  auto* p = ts->add_subcommand("parse", "Print the fields of a response or token");
  p->add_option("--in", g.in, "TimeStampResp or TimeStampToken (DER)")->required();
  p->add_flag("--json", g.json, "Print JSON");
  p->callback([] { set_exit_code(parse()); });
}

}  // namespace medsign::cli
