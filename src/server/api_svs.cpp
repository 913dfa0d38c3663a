// The signing and verification service over REST (/api/v1/svs/...).
//
// Business calls (sign, verify, hash, random, certificates) authenticate the calling application with HTTP
// Basic (application id : secret) from an allowed address and are answered once their svs_log row has
// committed: they are async routes (router.h), so no thread waits on the log. Files are stream routes.
//
// Administration (applications, keys, the signing log) uses the console session: operators manage,
// auditors read the log.
#include "asn1/der_time.h"
#include "common/clock.h"
#include "crypto/algorithms/hash.h"
#include "crypto/soft/key_seal.h"
#include "server/api.h"
#include "services/svs_protocol.h"
#include "svs/hash_state.h"
#include "svs/message.h"

namespace medsign::server {
namespace {

using nlohmann::json;
using services::Permission;

// ---- request helpers ----

Result<services::Caller> app_caller(services::SvsService& svs, const RequestContext& ctx) {
  std::string h = ctx.header("Authorization");
  if (h.rfind("Basic ", 0) != 0) {
    return Error(Errc::unauthenticated, "business calls need HTTP Basic authentication with the application id and secret");
  }
  auto raw = base64_decode(std::string_view(h).substr(6));
  if (!raw) return Error(Errc::unauthenticated, "the Basic credentials are not Base64");
  std::string cred(raw->begin(), raw->end());
  auto colon = cred.find(':');
  if (colon == std::string::npos) return Error(Errc::unauthenticated, "the Basic credentials lack ':'");
  return svs.authenticate(cred.substr(0, colon), cred.substr(colon + 1), ctx.remote_addr);
}

Result<Bytes> b64_field(const json& j, const char* name, bool required = true) {
  if (!j.contains(name) || j[name].is_null()) {
    if (required) return Error(Errc::missing_field, std::string(name) + ": Base64 required");
    return Bytes{};
  }
  if (!j[name].is_string()) return Error(Errc::invalid_argument, std::string(name) + " must be a Base64 string");
  auto b = base64_decode(j[name].get<std::string>());
  if (!b) return Error(Errc::invalid_argument, std::string(name) + " is not valid Base64");
  return std::move(b).value();
}

std::string str_field(const json& j, const char* name, std::string fallback = {}) {
  if (!j.contains(name)) return fallback;
  if (j[name].is_string()) return j[name].get<std::string>();
  if (j[name].is_number_integer()) return std::to_string(j[name].get<long long>());
  return fallback;
}

Result<int> level_field(const json& j) {
  if (!j.contains("verify_level")) return 1;
  if (!j["verify_level"].is_number_integer()) return Error(Errc::invalid_argument, "verify_level must be 0, 1 or 2");
  int v = j["verify_level"].get<int>();
  if (v < 0 || v > 2) return Error(Errc::invalid_argument, "verify_level must be 0, 1 or 2");
  return v;
}

// A certificate given as Base64 DER or as PEM text, or the certificate of one of the server's keys.
Result<std::shared_ptr<const pki::Certificate>> cert_field(services::SvsService& svs, const json& j) {
  if (j.contains("certificate") && j["certificate"].is_string()) {
    const std::string& c = j["certificate"].get_ref<const std::string&>();
    if (c.find("-----BEGIN") != std::string::npos) {
      MEDSIGN_ASSIGN(pki::Certificate cert, pki::Certificate::parse(as_bytes(c)));
      return std::make_shared<const pki::Certificate>(std::move(cert));
    }
    auto der = base64_decode(c);
    if (!der) return Error(Errc::invalid_argument, "certificate is neither PEM nor Base64 DER");
    return svs.parse_certificate(*der);
  }
  std::string key = str_field(j, "key");
  if (key.empty()) return Error(Errc::missing_field, "certificate (PEM or Base64 DER) or key required");
  MEDSIGN_ASSIGN(auto k, svs.find_key(key));
  return std::make_shared<const pki::Certificate>(k->certificate);
}

json verdict_json(const services::SvsVerdict& v) {
  return {{"valid", v.ok},
          {"code", v.code},
          {"code_name", std::string(svs::resp_code_name(v.code))},
          {"reason", v.reason}};
}

json cert_summary(const pki::Certificate& c) {
  return {{"subject", c.subject().to_string()},
          {"issuer", c.issuer().to_string()},
          {"serial", c.serial_hex()},
          {"not_before", iso8601_millis(c.not_before_ms())},
          {"not_after", iso8601_millis(c.not_after_ms())}};
}

// ---- running hashes (the Init/Update/Final families over REST) ----

Result<svs::HashState> state_field(const json& j) {
  MEDSIGN_ASSIGN(Bytes raw, b64_field(j, "hash_state"));
  auto st = svs::HashState::parse(raw);
  if (!st) return Error(Errc::invalid_argument, "hash_state: " + st.error().detail);
  return st;
}

svs::StateHash state_hash_for(crypto::SignatureAlg a) {
  return crypto::signature_hash(a) == crypto::HashAlg::sm3 ? svs::StateHash::sm3 : svs::StateHash::sha256;
}

Status check_state_alg(const svs::HashState& st, svs::StateHash want) {
  if (st.algorithm() != want) {
    return Error(Errc::invalid_argument, std::string("hash_state is ") + (st.algorithm() == svs::StateHash::sm3 ? "SM3" : "SHA-256") +
                                             " but the key needs " + (want == svs::StateHash::sm3 ? "SM3" : "SHA-256"));
  }
  return {};
}

// Runs `op`, logs the call, answers once the row has committed. `op` returns the JSON answer and sets the
// log fields; an Error answers with the catalogue error (and is logged as a failure).
struct Outcome {
  std::string key;
  Bytes data;  // what the log's SM3 covers
  std::string result = "success";
  std::string detail;
};
using Op = std::function<Result<json>(const services::Caller&, const json& body, Outcome& log)>;

void business(services::SvsService& svs, RequestContext& ctx, const char* operation, const Op& op, AsyncDone done) {
  auto caller = app_caller(svs, ctx);
  if (!caller) return done(error_response(caller.error(), ctx.request_id));
  auto body = parse_json_body(ctx);
  if (!body) return done(error_response(body.error(), ctx.request_id));
  Outcome log;
  auto r = op(*caller, *body, log);
  if (!r) {
    log.result = "failure";
    log.detail = r.error().detail;
  }
  auto answer = std::make_shared<HttpResponse>(r ? json_response(200, *r) : error_response(r.error(), ctx.request_id));
  svs.record(*caller, operation, log.key, log.data, log.result, log.detail,
             [answer, done = std::move(done), rid = ctx.request_id](const Status& st) {
               if (!st) return done(error_response(Error(Errc::storage_error, "the signing log could not be written"), rid));
               done(std::move(*answer));
             });
}

// ---- business operations ----

Result<json> op_sign_data(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  log.key = str_field(j, "key");
  if (log.key.empty()) return Error(Errc::missing_field, "key: index or name of the signing key");
  std::string pw = str_field(j, "key_password");
  Bytes sig;
  if (j.contains("hash_state")) {
    MEDSIGN_ASSIGN(svs::HashState st, state_field(j));
    MEDSIGN_ASSIGN(auto key, svs.find_key(log.key));
    MEDSIGN_TRY(check_state_alg(st, state_hash_for(key->alg)));
    log.data = st.digest();
    MEDSIGN_ASSIGN(sig, svs.sign_digest(c, log.key, log.data, pw));
  } else if (j.contains("digest")) {
    MEDSIGN_ASSIGN(log.data, b64_field(j, "digest"));
    MEDSIGN_ASSIGN(sig, svs.sign_digest(c, log.key, log.data, pw));
  } else {
    MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
    MEDSIGN_ASSIGN(sig, svs.sign_data(c, log.key, log.data, pw));
  }
  MEDSIGN_ASSIGN(auto k, svs.find_key(log.key));
  return json{{"signature", base64_encode(sig)},
              {"algorithm", std::string(crypto::signature_alg_name(k->alg))},
              {"key_index", k->index},
              {"certificate_serial", k->certificate.serial_hex()}};
}

Result<json> op_verify_data(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(auto cert_ptr, cert_field(svs, j));
  const pki::Certificate& cert = *cert_ptr;
  MEDSIGN_ASSIGN(Bytes sig, b64_field(j, "signature"));
  MEDSIGN_ASSIGN(int level, level_field(j));
  services::SvsVerdict v;
  if (j.contains("hash_state")) {
    MEDSIGN_ASSIGN(svs::HashState st, state_field(j));
    MEDSIGN_TRY(check_state_alg(st, cert.key_type() == pki::KeyType::sm2 ? svs::StateHash::sm3 : svs::StateHash::sha256));
    log.data = st.digest();
    v = svs.verify_digest(cert, log.data, sig, level, unix_millis(), &c);
  } else if (j.contains("digest")) {
    MEDSIGN_ASSIGN(log.data, b64_field(j, "digest"));
    v = svs.verify_digest(cert, log.data, sig, level, unix_millis(), &c);
  } else {
    MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
    v = svs.verify_data(cert, log.data, sig, level, unix_millis(), &c);
  }
  log.key = cert.serial_hex();
  if (!v.ok) {
    log.result = "invalid";
    log.detail = v.reason;
  }
  json out = verdict_json(v);
  out["certificate"] = cert_summary(cert);
  return out;
}

Result<json> op_sign_message(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  log.key = str_field(j, "key");
  if (log.key.empty()) return Error(Errc::missing_field, "key: index or name of the signing key");
  services::SignMessageOptions o;
  o.detached = j.value("detached", false);
  o.include_chain = j.value("include_chain", true);
  o.signed_attributes = j.value("signed_attributes", true);
  if (j.contains("hash_state")) {
    MEDSIGN_ASSIGN(svs::HashState st, state_field(j));
    MEDSIGN_ASSIGN(auto key, svs.find_key(log.key));
    MEDSIGN_TRY(check_state_alg(st, state_hash_for(key->alg)));
    o.content_digest = st.digest();
  } else if (j.contains("digest")) {
    MEDSIGN_ASSIGN(o.content_digest, b64_field(j, "digest"));
  }
  if (o.content_digest) {
    o.detached = true;
    log.data = *o.content_digest;
  } else {
    MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
  }
  MEDSIGN_ASSIGN(Bytes p7, svs.sign_message(c, log.key, log.data, str_field(j, "key_password"), o, unix_millis()));
  return json{{"signed_message", base64_encode(p7)}, {"detached", o.detached}};
}

Result<json> op_verify_message(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(log.data, b64_field(j, "signed_message"));
  MEDSIGN_ASSIGN(Bytes data, b64_field(j, "data", false));
  MEDSIGN_ASSIGN(int level, level_field(j));
  bool detached = j.contains("data");
  services::SvsMessageVerdict v;
  if (j.contains("hash_state") || j.contains("digest")) {
    // Detached content known by its digest: SM3 for 32 bytes from an SM3 state, else by the state/size.
    cms::ContentDigest cd;
    if (j.contains("hash_state")) {
      MEDSIGN_ASSIGN(svs::HashState st, state_field(j));
      cd.algorithm = st.algorithm() == svs::StateHash::sm3 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256;
      cd.value = st.digest();
    } else {
      MEDSIGN_ASSIGN(cd.value, b64_field(j, "digest"));
      std::string alg = str_field(j, "digest_algorithm", "sm3");
      if (alg == "sm3") cd.algorithm = cms::DigestAlgorithm::sm3;
      else if (alg == "sha256") cd.algorithm = cms::DigestAlgorithm::sha256;
      else return Error(Errc::invalid_argument, "digest_algorithm must be sm3 or sha256");
    }
    v = svs.verify_message_digest(log.data, cd, level, unix_millis(), &c);
  } else {
    v = svs.verify_message(log.data, detached ? std::optional<ByteView>(data) : std::nullopt, level, unix_millis(), &c);
  }
  if (!v.verdict.ok) {
    log.result = "invalid";
    log.detail = v.verdict.reason;
  }
  json out = verdict_json(v.verdict);
  if (v.signer) {
    out["signer"] = cert_summary(*v.signer);
    log.key = v.signer->serial_hex();
  }
  if (v.signing_time_ms) out["signing_time"] = iso8601_millis(*v.signing_time_ms);
  if (v.content && j.value("return_content", false)) out["content"] = base64_encode(*v.content);
  return out;
}

Result<json> op_hash(const json& j, Outcome& log) {
  std::string alg = str_field(j, "algorithm", "sm3");
  MEDSIGN_ASSIGN(crypto::HashAlg a, crypto::parse_hash(alg));
  MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
  log.key = alg;
  return json{{"algorithm", alg}, {"digest", base64_encode(crypto::hash(a, log.data))}};
}

// POST /api/v1/svs/hash-init {algorithm: sm3|sha256, data, public_key?, signer_id?} -> {hash_state}
Result<json> op_hash_init(const json& j, Outcome& log) {
  std::string alg = str_field(j, "algorithm", "sm3");
  std::int64_t method = 0;
  if (alg == "sm3") method = 0x00020201;
  else if (alg == "sha256") method = 0x00010004;
  else return Error(Errc::invalid_argument, "algorithm must be sm3 or sha256");
  MEDSIGN_ASSIGN(Bytes pub, b64_field(j, "public_key", false));
  std::string id = str_field(j, "signer_id");
  if (!pub.empty() && alg != "sm3") return Error(Errc::invalid_argument, "public_key (for Z) needs algorithm sm3");
  MEDSIGN_ASSIGN(log.data, b64_field(j, "data", false));
  MEDSIGN_ASSIGN(svs::HashState st,
                 services::start_hash(method, pub.empty() ? std::nullopt : std::optional<ByteView>(pub),
                                      id.empty() ? std::nullopt : std::optional<ByteView>(as_bytes(id))));
  st.update(log.data);
  log.key = alg;
  return json{{"hash_state", base64_encode(st.encode())}, {"algorithm", alg}, {"bytes", st.count()}};
}

// POST /api/v1/svs/hash-update {hash_state, data} -> {hash_state}
Result<json> op_hash_update(const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(svs::HashState st, state_field(j));
  MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
  st.update(log.data);
  std::string alg = st.algorithm() == svs::StateHash::sm3 ? "sm3" : "sha256";
  log.key = alg;
  return json{{"hash_state", base64_encode(st.encode())}, {"algorithm", alg}, {"bytes", st.count()},
              {"digest", base64_encode(st.digest())}};
}

// POST /api/v1/svs/envelope/encrypt {data, certificates: [PEM or Base64 DER], keys: [index or name]}
Result<json> op_envelope_encrypt(services::SvsService& svs, const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(log.data, b64_field(j, "data"));
  std::vector<pki::Certificate> to;
  if (j.contains("certificates")) {
    if (!j["certificates"].is_array()) return Error(Errc::invalid_argument, "certificates must be a list");
    for (const auto& c : j["certificates"]) {
      MEDSIGN_ASSIGN(auto cert, cert_field(svs, json{{"certificate", c}}));
      to.push_back(*cert);
    }
  }
  if (j.contains("keys")) {
    if (!j["keys"].is_array()) return Error(Errc::invalid_argument, "keys must be a list of key indexes or names");
    for (const auto& k : j["keys"]) {
      MEDSIGN_ASSIGN(auto cert, cert_field(svs, json{{"key", k}}));
      to.push_back(*cert);
    }
  }
  if (to.empty()) return Error(Errc::missing_field, "certificates or keys: at least one recipient");
  for (const auto& c : to) log.key += (log.key.empty() ? "" : ",") + c.serial_hex();
  MEDSIGN_ASSIGN(Bytes env, svs.envelope_encrypt(log.data, to));
  return json{{"envelope", base64_encode(env)}, {"recipients", to.size()}};
}

// POST /api/v1/svs/envelope/decrypt {envelope, key, key_password}
Result<json> op_envelope_decrypt(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  log.key = str_field(j, "key");
  if (log.key.empty()) return Error(Errc::missing_field, "key: index or name of the decryption key");
  MEDSIGN_ASSIGN(log.data, b64_field(j, "envelope"));
  MEDSIGN_ASSIGN(SecretBytes plain, svs.envelope_decrypt(c, log.key, log.data, str_field(j, "key_password")));
  return json{{"data", base64_encode(plain.view())}};
}

Result<json> op_random(const json& j, Outcome&) {
  int n = j.value("length", 32);
  if (n < 1 || n > 4096) return Error(Errc::invalid_argument, "length must be 1..4096");
  return json{{"random", base64_encode(crypto::random_bytes(static_cast<std::size_t>(n)))}};
}

Result<json> op_certificate(services::SvsService& svs, const json& j, Outcome& log) {
  log.key = str_field(j, "key");
  MEDSIGN_ASSIGN(auto k, svs.find_key(log.key));
  json out = cert_summary(k->certificate);
  out["certificate"] = base64_encode(k->certificate.der());
  out["pem"] = k->certificate.to_pem();
  out["key_index"] = k->index;
  return out;
}

Result<json> op_parse_certificate(services::SvsService& svs, const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(auto cert_ptr, cert_field(svs, j));
  const pki::Certificate& cert = *cert_ptr;
  log.key = cert.serial_hex();
  return cert.to_json();
}

Result<json> op_validate_certificate(services::SvsService& svs, const services::Caller& c, const json& j, Outcome& log) {
  MEDSIGN_ASSIGN(auto cert_ptr, cert_field(svs, j));
  const pki::Certificate& cert = *cert_ptr;
  MEDSIGN_ASSIGN(int level, level_field(j));
  log.key = cert.serial_hex();
  auto v = svs.check_certificate_for(&c, cert, level, unix_millis());
  if (!v.ok) {
    log.result = "invalid";
    log.detail = v.reason;
  }
  json out = verdict_json(v);
  out["certificate"] = cert_summary(cert);
  return out;
}

struct BusinessRoute {
  const char* path;
  const char* operation;
  std::function<Result<json>(services::SvsService&, const services::Caller&, const json&, Outcome&)> op;
};

const std::vector<BusinessRoute>& business_routes() {
  static const std::vector<BusinessRoute> routes = {
      {"/api/v1/svs/sign-data", "sign_data", op_sign_data},
      {"/api/v1/svs/verify-data", "verify_data", op_verify_data},
      {"/api/v1/svs/sign-message", "sign_message", op_sign_message},
      {"/api/v1/svs/verify-message", "verify_message", op_verify_message},
      {"/api/v1/svs/hash", "hash",
       [](services::SvsService&, const services::Caller&, const json& j, Outcome& l) { return op_hash(j, l); }},
      {"/api/v1/svs/hash-init", "hash_init",
       [](services::SvsService&, const services::Caller&, const json& j, Outcome& l) { return op_hash_init(j, l); }},
      {"/api/v1/svs/hash-update", "hash_update",
       [](services::SvsService&, const services::Caller&, const json& j, Outcome& l) { return op_hash_update(j, l); }},
      {"/api/v1/svs/envelope/encrypt", "envelope_encrypt",
       [](services::SvsService& s, const services::Caller&, const json& j, Outcome& l) {
         return op_envelope_encrypt(s, j, l);
       }},
      {"/api/v1/svs/envelope/decrypt", "envelope_decrypt", op_envelope_decrypt},
      {"/api/v1/svs/random", "random",
       [](services::SvsService&, const services::Caller&, const json& j, Outcome& l) { return op_random(j, l); }},
      {"/api/v1/svs/certificate", "export_certificate",
       [](services::SvsService& s, const services::Caller&, const json& j, Outcome& l) { return op_certificate(s, j, l); }},
      {"/api/v1/svs/parse-certificate", "parse_certificate",
       [](services::SvsService& s, const services::Caller&, const json& j, Outcome& l) {
         return op_parse_certificate(s, j, l);
       }},
      {"/api/v1/svs/validate-certificate", "validate_certificate", op_validate_certificate},
  };
  return routes;
}

void run_business(services::SvsService& svs, const BusinessRoute& br, RequestContext& ctx, AsyncDone done) {
  business(svs, ctx, br.operation,
           [&svs, &br](const services::Caller& c, const json& j, Outcome& l) { return br.op(svs, c, j, l); },
           std::move(done));
}

// ---- administration ----

json app_json(const services::SvsApp& a) {
  json allow = json::array();
  for (const auto& c : a.allow) allow.push_back(c.to_string());
  return {{"id", a.id},         {"name", a.name},       {"allow", allow},
          {"keys", a.keys},     {"policy", a.policy},   {"enabled", a.enabled},
          {"created_at", iso8601_millis(a.created_at_ms)}};
}

Result<services::NewApp> app_spec(const json& j) {
  services::NewApp s;
  s.name = j.value("name", "");
  if (j.contains("allow")) {
    if (!j["allow"].is_array()) return Error(Errc::invalid_argument, "allow must be a list of addresses or CIDR prefixes");
    s.allow.clear();
    for (const auto& a : j["allow"]) {
      if (!a.is_string()) return Error(Errc::invalid_argument, "allow entries must be strings");
      s.allow.push_back(a.get<std::string>());
    }
  }
  if (j.contains("keys")) {
    if (!j["keys"].is_array()) return Error(Errc::invalid_argument, "keys must be a list of key indexes");
    for (const auto& k : j["keys"]) {
      if (!k.is_number_integer()) return Error(Errc::invalid_argument, "keys entries must be key indexes");
      s.keys.push_back(k.get<int>());
    }
  }
  s.policy = j.value("policy", "");
  return s;
}

Result<BodySink> sign_file(services::SvsService& svs, RequestContext& ctx);
Result<BodySink> verify_file(services::SvsService& svs, RequestContext& ctx);

HttpResponse unavailable(const RequestContext& ctx) {
  return error_response(Error(Errc::unavailable, "the signing service is not enabled on this node"), ctx.request_id);
}

}  // namespace

namespace api {

void register_svs(Router& r, ApiContext& api) {
  register_svs_forms(r, api);
  // Business routes: answered once the call's log row has committed (no access-log line: svs_log has them).
  for (const auto& br : business_routes()) {
    r.add_async(http::verb::post, br.path, [&api, &br](RequestContext& ctx, AsyncDone done) {
      if (!api.svs) return done(unavailable(ctx));
      run_business(*api.svs, br, ctx, std::move(done));
    }, AsyncRouteOptions{false});
  }
  // Files of any size, hashed as they arrive.
  for (auto [path, fn] : {std::pair{"/api/v1/svs/sign-file", &sign_file}, std::pair{"/api/v1/svs/verify-file", &verify_file}}) {
    r.add_stream(http::verb::post, path, [&api, fn = fn](RequestContext& ctx) -> Result<BodySink> {
      if (!api.svs) return Error(Errc::unavailable, "the signing service is not enabled on this node");
      return fn(*api.svs, ctx);
    });
  }

  r.add(http::verb::get, "/api/v1/svs/apps", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.svs) return unavailable(ctx);
    json apps = json::array();
    for (const auto& app : api.svs->list_apps()) apps.push_back(app_json(app));
    return json_response(200, {{"apps", apps}});
  });
  r.add(http::verb::post, "/api/v1/svs/apps", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.svs) return unavailable(ctx);
    auto j = parse_json_body(ctx);
    if (!j) return error_response(j.error(), ctx.request_id);
    auto spec = app_spec(*j);
    if (!spec) return error_response(spec.error(), ctx.request_id);
    auto c = api.svs->add_app(*spec, a->actor);
    if (!c) return error_response(c.error(), ctx.request_id);
    json out = app_json(c->app);
    out["secret"] = c->secret;
    return json_response(201, out);
  });
  r.add(http::verb::get, "/api/v1/svs/apps/{id}", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.svs) return unavailable(ctx);
    auto app = api.svs->get_app(ctx.path_params["id"]);
    if (!app) return error_response(app.error(), ctx.request_id);
    return json_response(200, app_json(*app));
  });
  r.add(http::verb::put, "/api/v1/svs/apps/{id}", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.svs) return unavailable(ctx);
    auto j = parse_json_body(ctx);
    if (!j) return error_response(j.error(), ctx.request_id);
    auto spec = app_spec(*j);
    if (!spec) return error_response(spec.error(), ctx.request_id);
    auto st = api.svs->update_app(ctx.path_params["id"], *spec, a->actor);
    if (!st) return error_response(st.error(), ctx.request_id);
    return json_response(200, app_json(api.svs->get_app(ctx.path_params["id"]).value()));
  });
  for (const char* action : {"enable", "disable", "rotate-secret"}) {
    r.add(http::verb::post, std::string("/api/v1/svs/apps/{id}/") + action, [&api, action](RequestContext& ctx) {
      auto a = authorize(api, ctx, Permission::operate_business);
      if (!a) return error_response(a.error(), ctx.request_id);
      if (!api.svs) return unavailable(ctx);
      const std::string id = ctx.path_params["id"];
      if (std::string_view(action) == "rotate-secret") {
        auto c = api.svs->rotate_secret(id, a->actor);
        if (!c) return error_response(c.error(), ctx.request_id);
        json out = app_json(c->app);
        out["secret"] = c->secret;
        return json_response(200, out);
      }
      auto st = api.svs->set_app_enabled(id, std::string_view(action) == "enable", a->actor);
      if (!st) return error_response(st.error(), ctx.request_id);
      return json_response(200, app_json(api.svs->get_app(id).value()));
    });
  }
  r.add(http::verb::get, "/api/v1/svs/keys", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, Permission::operate_business);
    if (!a) return error_response(a.error(), ctx.request_id);
    if (!api.svs) return unavailable(ctx);
    json keys = json::array();
    for (const auto& k : api.svs->keys()) {
      json c = cert_summary(k.certificate);
      keys.push_back({{"index", k.index},
                      {"name", k.name},
                      {"algorithm", std::string(crypto::signature_alg_name(k.alg))},
                      {"access_code", k.has_access_code},
                      {"certificate", c}});
    }
    return json_response(200, {{"keys", keys}});
  });
  r.add(http::verb::get, "/api/v1/svs/log", [&api](RequestContext& ctx) {
    auto a = authorize(api, ctx, std::nullopt);
    if (!a) return error_response(a.error(), ctx.request_id);
    auto role = a->actor.role;
    if (!services::allowed(role, Permission::operate_business) && !services::allowed(role, Permission::read_audit)) {
      return error_response(Error(Errc::forbidden, "operators and auditors may read the signing log"), ctx.request_id);
    }
    if (!api.svs) return unavailable(ctx);
    services::SvsLogQuery q;
    q.app_id = ctx.query_or("app", "");
    q.operation = ctx.query_or("operation", "");
    q.result = ctx.query_or("result", "");
    for (const char* k : {"from", "to"}) {
      std::string v = ctx.query_or(k, "");
      if (v.empty()) continue;
      std::int64_t ms = parse_iso8601_millis(v);
      if (ms < 0) return error_response(Error(Errc::invalid_argument, std::string(k) + " must be an ISO 8601 UTC time"), ctx.request_id);
      (k[0] == 'f' ? q.from_ms : q.to_ms) = ms;
    }
    try {
      q.limit = std::stoi(ctx.query_or("limit", "100"));
      q.offset = std::stoi(ctx.query_or("offset", "0"));
    } catch (const std::exception&) {
      return error_response(Error(Errc::invalid_argument, "limit and offset must be numbers"), ctx.request_id);
    }
    auto rows = api.svs->query_log(q);
    if (!rows) return error_response(rows.error(), ctx.request_id);
    json out = json::array();
    for (const auto& row : *rows) {
      out.push_back({{"id", row.id},
                     {"time", iso8601_millis(row.ts_ms)},
                     {"app", row.app_id},
                     {"operation", row.operation},
                     {"key", row.key},
                     {"data_sm3", row.data_sm3},
                     {"result", row.result},
                     {"detail", row.detail},
                     {"source", row.source}});
    }
    return json_response(200, {{"entries", out}});
  });
}

}  // namespace api
}  // namespace medsign::server

// ---- streamed files: POST /api/v1/svs/sign-file, /api/v1/svs/verify-file ----
//
// The raw file is the body; parameters are in the query. The body is hashed as it arrives (256 KiB at a
// time), so a file of any size takes constant memory. The log row covers the file's digest.
namespace medsign::server {
namespace {

// Base64 from a query string: '+' may have become ' ', and base64url is accepted too.
Result<Bytes> query_b64(const RequestContext& ctx, const char* name) {
  std::string v = ctx.query_or(name, "");
  for (char& c : v) {
    if (c == ' ' || c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (v.size() % 4 != 0) v += '=';
  auto b = base64_decode(v);
  if (!b) return Error(Errc::invalid_argument, std::string(name) + " is not valid Base64");
  return std::move(b).value();
}

crypto::HashAlg hash_of(cms::DigestAlgorithm d) {
  switch (d) {
    case cms::DigestAlgorithm::sm3: return crypto::HashAlg::sm3;
    case cms::DigestAlgorithm::sha384: return crypto::HashAlg::sha384;
    case cms::DigestAlgorithm::sha512: return crypto::HashAlg::sha512;
    default: return crypto::HashAlg::sha256;
  }
}

struct FileJob {
  services::Caller caller;
  std::optional<crypto::Hasher> hasher;
  std::uint64_t bytes = 0;
};

Result<BodySink> sign_file(services::SvsService& svs, RequestContext& ctx) {
  auto caller = app_caller(svs, ctx);
  if (!caller) return caller.error();
  std::string key = ctx.query_or("key", "");
  if (key.empty()) return Error(Errc::missing_field, "key: index or name of the signing key (query parameter)");
  std::string format = ctx.query_or("format", "signature");
  if (format != "signature" && format != "cms") return Error(Errc::invalid_argument, "format must be signature or cms");
  MEDSIGN_ASSIGN(auto k, svs.find_key(key));
  auto job = std::make_shared<FileJob>();
  job->caller = *caller;
  crypto::HashAlg h = crypto::signature_hash(k->alg);
  job->hasher.emplace(h);
  if (format == "signature" && k->alg == crypto::SignatureAlg::sm2_sm3) {
    MEDSIGN_ASSIGN(Bytes z, services::sm2_z(k->certificate.public_key().der));
    job->hasher->update(z);
  }
  BodySink sink;
  sink.chunk = [job](ByteView b) -> Status {
    job->hasher->update(b);
    job->bytes += b.size();
    return {};
  };
  sink.end = [&svs, &ctx, job, key, format](AsyncDone done) {
    Bytes digest = job->hasher->finish();
    std::string pw = ctx.header("X-Key-Password");
    Result<json> out = Error(Errc::internal, "");
    if (format == "signature") {
      auto sig = svs.sign_digest(job->caller, key, digest, pw);
      if (sig) out = json{{"signature", base64_encode(*sig)}};
      else out = sig.error();
    } else {
      services::SignMessageOptions o;
      o.content_digest = digest;
      auto p7 = svs.sign_message(job->caller, key, {}, pw, o, unix_millis());
      if (p7) out = json{{"signed_message", base64_encode(*p7)}, {"detached", true}};
      else out = p7.error();
    }
    if (out) {
      (*out)["bytes"] = job->bytes;
      if (auto k2 = svs.find_key(key)) {
        (*out)["algorithm"] = std::string(crypto::signature_alg_name((*k2)->alg));
        (*out)["key_index"] = (*k2)->index;
      }
    }
    auto answer = std::make_shared<HttpResponse>(out ? json_response(200, *out) : error_response(out.error(), ctx.request_id));
    svs.record(job->caller, format == "signature" ? "sign_file" : "sign_file_cms", key, digest,
               out ? "success" : "failure", out ? std::to_string(job->bytes) + " bytes" : out.error().detail,
               [answer, done, rid = ctx.request_id](const Status& st) {
                 if (!st) return done(error_response(Error(Errc::storage_error, "the signing log could not be written"), rid));
                 done(std::move(*answer));
               });
  };
  return sink;
}

Result<BodySink> verify_file(services::SvsService& svs, RequestContext& ctx) {
  auto caller = app_caller(svs, ctx);
  if (!caller) return caller.error();
  int level = 1;
  if (auto l = ctx.query_or("verify_level", "1"); l == "0" || l == "1" || l == "2") level = l[0] - '0';
  else return Error(Errc::invalid_argument, "verify_level must be 0, 1 or 2");
  auto job = std::make_shared<FileJob>();
  job->caller = *caller;
  BodySink sink;
  sink.chunk = [job](ByteView b) -> Status {
    job->hasher->update(b);
    job->bytes += b.size();
    return {};
  };
  if (!ctx.query_or("signed_message", "").empty()) {
    MEDSIGN_ASSIGN(Bytes p7, query_b64(ctx, "signed_message"));
    MEDSIGN_ASSIGN(cms::SignedData sd, cms::parse_signed_data(p7));
    if (sd.signers.empty()) return Error(Errc::invalid_argument, "signed_message has no signer");
    if (sd.content) return Error(Errc::invalid_argument, "signed_message carries its content: use verify-message");
    cms::DigestAlgorithm d = sd.signers.front().digest;
    job->hasher.emplace(hash_of(d));
    sink.end = [&svs, &ctx, job, p7, d, level](AsyncDone done) {
      cms::ContentDigest cd{d, job->hasher->finish()};
      auto v = svs.verify_message_digest(p7, cd, level, unix_millis(), &job->caller);
      json out = verdict_json(v.verdict);
      out["bytes"] = job->bytes;
      if (v.signer) out["signer"] = cert_summary(*v.signer);
      if (v.signing_time_ms) out["signing_time"] = iso8601_millis(*v.signing_time_ms);
      auto answer = std::make_shared<HttpResponse>(json_response(200, out));
      svs.record(job->caller, "verify_file_cms", v.signer ? v.signer->serial_hex() : "", cd.value,
                 v.verdict.ok ? "success" : "invalid", v.verdict.reason,
                 [answer, done, rid = ctx.request_id](const Status& st) {
                   if (!st) return done(error_response(Error(Errc::storage_error, "the signing log could not be written"), rid));
                   done(std::move(*answer));
                 });
    };
    return sink;
  }
  MEDSIGN_ASSIGN(Bytes sig, query_b64(ctx, "signature"));
  if (sig.empty()) return Error(Errc::missing_field, "signature or signed_message (Base64 query parameter) required");
  json params = json::object();
  if (!ctx.query_or("key", "").empty()) params["key"] = ctx.query_or("key", "");
  if (!ctx.query_or("certificate", "").empty()) {
    MEDSIGN_ASSIGN(Bytes der, query_b64(ctx, "certificate"));
    params["certificate"] = base64_encode(der);
  }
  MEDSIGN_ASSIGN(auto cert_ptr, cert_field(svs, params));
  const pki::Certificate& cert = *cert_ptr;
  MEDSIGN_ASSIGN(crypto::SignatureAlg alg, [&]() -> Result<crypto::SignatureAlg> {
    switch (cert.key_type()) {
      case pki::KeyType::sm2: return crypto::SignatureAlg::sm2_sm3;
      case pki::KeyType::rsa: return crypto::SignatureAlg::rsa_pkcs1_sha256;
      case pki::KeyType::ecdsa_p256: return crypto::SignatureAlg::ecdsa_p256_sha256;
      case pki::KeyType::ecdsa_p384: return crypto::SignatureAlg::ecdsa_p384_sha384;
      default: return Error(Errc::invalid_argument, "the certificate's key type cannot verify signatures here");
    }
  }());
  job->hasher.emplace(crypto::signature_hash(alg));
  if (alg == crypto::SignatureAlg::sm2_sm3) {
    MEDSIGN_ASSIGN(Bytes z, services::sm2_z(cert.public_key().der));
    job->hasher->update(z);
  }
  sink.end = [&svs, &ctx, job, cert, sig, level](AsyncDone done) {
    Bytes digest = job->hasher->finish();
    auto v = svs.verify_digest(cert, digest, sig, level, unix_millis(), &job->caller);
    json out = verdict_json(v);
    out["bytes"] = job->bytes;
    out["certificate"] = cert_summary(cert);
    auto answer = std::make_shared<HttpResponse>(json_response(200, out));
    svs.record(job->caller, "verify_file", cert.serial_hex(), digest, v.ok ? "success" : "invalid", v.reason,
               [answer, done, rid = ctx.request_id](const Status& st) {
                 if (!st) return done(error_response(Error(Errc::storage_error, "the signing log could not be written"), rid));
                 done(std::move(*answer));
               });
  };
  return sink;
}

}  // namespace

}  // namespace medsign::server
