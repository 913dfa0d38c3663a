#include "services/tsa.h"

#include <sstream>

#include "common/clock.h"
#include "common/logging.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/dev_ca.h"
#include "services/tsa_admin.h"

namespace medsign::services {

namespace {
crypto::SignatureAlg signature_alg_of(crypto::KeyType t) {
  return t == crypto::KeyType::sm2          ? crypto::SignatureAlg::sm2_sm3
         : t == crypto::KeyType::ecdsa_p256 ? crypto::SignatureAlg::ecdsa_p256_sha256
                                            : crypto::SignatureAlg::rsa_pkcs1_sha256;
}
}  // namespace

Result<cms::SignFunction> sign_function_for(const crypto::EvpKey& key) {
  // The unsealed key moves into the crypto layer's Signer (SM2 through our fast SM2, with Z of the default ID).
  crypto::SignatureAlg alg = signature_alg_of(key.type());
  MEDSIGN_ASSIGN(SecretBytes der, key.private_der());
  MEDSIGN_ASSIGN(auto pair, crypto::KeyPair::from_pkcs8(der.view()));
  MEDSIGN_ASSIGN(auto signer, crypto::Signer::create(alg, pair));
  return cms::SignFunction([signer](ByteView tbs) { return signer.sign(tbs); });
}

Result<std::string> issue_dev_tsa_certificate(const crypto::SoftKeyStore& keys, const std::string& unit,
                                              const crypto::EvpKey& key) {
  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, keys.get("dev-ca"));
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  crypto::CertSpec spec;
  spec.common_name = "MedSign TSA " + unit;
  spec.organization = "MedSign";
  spec.profile = crypto::CertProfile::timestamping;
  spec.days = 1825;
  return crypto::issue_certificate(key, spec, ca_key, ca_pem);
}

Result<tsp::TimestampUnit> assemble_tsa_unit(const std::string& unit, const std::string& pem,
                                             const std::vector<pki::Certificate>& dev_ca, crypto::SignatureAlg alg,
                                             cms::SignFunction sign) {
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  if (certs.empty()) return Error(Errc::config_invalid, "TSA unit " + unit + " has no certificate");
  tsp::TimestampUnit u;
  u.name = unit;
  u.certificate = certs.front();
  for (std::size_t i = 1; i < certs.size(); ++i) u.chain.push_back(certs[i].der());
  if (certs.size() == 1)  // no chain stored with the certificate: certified by the development CA
    for (auto& c : dev_ca) u.chain.push_back(c.der());
  const bool sm2 = alg == crypto::SignatureAlg::sm2_sm3;
  u.signature = sm2 ? cms::SignatureAlgorithm::sm2
                    : alg == crypto::SignatureAlg::rsa_pkcs1_sha256 ? cms::SignatureAlgorithm::rsa_pkcs1
                                                                    : cms::SignatureAlgorithm::ecdsa;
  u.digest = sm2 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256;
  u.sign = std::move(sign);
  return u;
}

Status create_dev_tsa_unit(crypto::SoftKeyStore& keys, const std::string& unit, crypto::KeyType type) {
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::generate(type));
  MEDSIGN_ASSIGN(std::string pem, issue_dev_tsa_certificate(keys, unit, key));
  MEDSIGN_TRY(keys.put("tsa-" + unit, key));
  return keys.put_certificate("tsa-" + unit, pem);
}

namespace {
// Every unit of the key store: key "tsa-<unit>" with its certificate (and chain) in the PEM file.
// With provider units (keys/tsa-<unit>.ref): loaded through providers, or listed in unavailable with the reason.
Result<std::map<std::string, tsp::TimestampUnit>> load_units(const crypto::SoftKeyStore& keys, ProviderService* providers,
                                                             std::map<std::string, Error>& unavailable) {
  std::map<std::string, tsp::TimestampUnit> units;
  MEDSIGN_ASSIGN(std::string ca_pem, keys.certificate("dev-ca"));
  MEDSIGN_ASSIGN(auto ca, pki::Certificate::parse_pem(ca_pem));
  for (auto& name : keys.names()) {
    if (name.rfind("tsa-", 0) != 0) continue;
    std::string unit = name.substr(4);
    MEDSIGN_ASSIGN(crypto::EvpKey key, keys.get(name));
    MEDSIGN_ASSIGN(std::string pem, keys.certificate(name));
    MEDSIGN_ASSIGN(cms::SignFunction sign, sign_function_for(key));
    MEDSIGN_ASSIGN(units[unit], assemble_tsa_unit(unit, pem, ca, signature_alg_of(key.type()), std::move(sign)));
  }
  for (auto& unit : tsa_unit_names(keys)) {
    if (units.count(unit) || !unit_in_provider(keys, unit)) continue;
    auto u = providers ? load_provider_unit(keys, unit, *providers)
                       : Result<tsp::TimestampUnit>(Error(Errc::unavailable, "TSA unit '" + unit +
                                                                                 "' has its key in a crypto provider "
                                                                                 "that is not open yet"));
    if (!u) {
      if (providers) log::warn("TSA unit unavailable", {{"unit", unit}, {"error", u.error().to_string()}});
      unavailable[unit] = u.error();
      continue;
    }
    units[unit] = std::move(*u);
  }
  return units;
}
}  // namespace

Result<tsp::TimestampUnit> make_ephemeral_tsa_unit(const std::string& name, crypto::KeyType type) {
  MEDSIGN_ASSIGN(crypto::EvpKey ca_key, crypto::EvpKey::generate(crypto::KeyType::ecdsa_p256));
  crypto::CertSpec ca_spec;
  ca_spec.common_name = "MedSign throwaway TSA CA";
  ca_spec.profile = crypto::CertProfile::root_ca;
  MEDSIGN_ASSIGN(std::string ca_pem, crypto::issue_certificate(ca_key, ca_spec, ca_key, ""));
  MEDSIGN_ASSIGN(crypto::EvpKey key, crypto::EvpKey::generate(type));
  crypto::CertSpec spec;
  spec.common_name = "MedSign TSA " + name;
  spec.profile = crypto::CertProfile::timestamping;
  MEDSIGN_ASSIGN(std::string pem, crypto::issue_certificate(key, spec, ca_key, ca_pem));
  MEDSIGN_ASSIGN(auto certs, pki::Certificate::parse_pem(pem));
  MEDSIGN_ASSIGN(auto ca, pki::Certificate::parse_pem(ca_pem));
  if (certs.empty() || ca.empty()) return Error(Errc::internal, "throwaway TSA certificate missing");
  tsp::TimestampUnit u;
  u.name = name;
  u.certificate = certs.front();
  u.chain.push_back(ca.front().der());
  bool sm2 = type == crypto::KeyType::sm2;
  u.signature = sm2 ? cms::SignatureAlgorithm::sm2
                    : type == crypto::KeyType::rsa2048 ? cms::SignatureAlgorithm::rsa_pkcs1 : cms::SignatureAlgorithm::ecdsa;
  u.digest = sm2 ? cms::DigestAlgorithm::sm3 : cms::DigestAlgorithm::sha256;
  MEDSIGN_ASSIGN(u.sign, sign_function_for(key));
  return u;
}

Result<std::unique_ptr<TsaService>> TsaService::open(const TsaSettings& cfg, const crypto::SoftKeyStore& keys,
                                                     store::Database& db,
                                                     std::function<std::optional<std::string>()> clock_problem) {
  std::unique_ptr<TsaService> s(new TsaService());
  MEDSIGN_ASSIGN(s->units_, load_units(keys, nullptr, s->unavailable_));
  s->default_unit_ = cfg.default_unit;
  if (cfg.enabled && !s->units_.count(cfg.default_unit) && !s->unavailable_.count(cfg.default_unit))
    return Error(Errc::config_invalid, "tsa.default_unit: no TSA unit named '" + cfg.default_unit + "' (keys/tsa-" +
                                           cfg.default_unit + ".key)");
  tsp::IssuerPolicy pol;
  auto policy = asn1::Oid::from_string(cfg.policy);
  if (!policy) return Error(Errc::config_invalid, "tsa.policy: '" + cfg.policy + "' is not an OID");
  pol.policy = *policy;
  std::stringstream ss(cfg.accepted_policies);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    auto o = asn1::Oid::from_string(item);
    if (!o) return Error(Errc::config_invalid, "tsa.accepted_policies: '" + item + "' is not an OID");
    pol.accepted_policies.push_back(*o);
  }
  pol.accuracy = {0, cfg.accuracy_ms, 0};
  pol.node_id = static_cast<std::uint16_t>(cfg.node_id);
  pol.include_tsa_name = cfg.include_tsa_name;
  s->issuer_ = std::make_unique<tsp::TimestampIssuer>(std::move(pol), std::move(clock_problem));
  for (auto& [name, u] : s->units_) {
    auto st = s->issuer_->prepare(u);
    if (!st) log::warn("TSA unit without a token template; tokens use the generic encoder",
                       {{"unit", name}, {"error", st.error().to_string()}});
  }
  s->index_ = std::make_unique<TokenImprintIndex>(db);
  MEDSIGN_TRY(s->index_->recover());
  store::GroupCommitWriter::Options log_opts;
  log_opts.after_batch = [index = s->index_.get()](std::vector<store::Params>& rows) { index->committed(rows); };
  // Columns in the order TokenImprintIndex::Columns expects (serial 0, gen_time 2, imprint 5).
  s->log_ = std::make_unique<store::GroupCommitWriter>(
      db,
      "INSERT INTO tsa_tokens (serial, unit, gen_time, policy, hash_algorithm, imprint, nonce, requester, token) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      log_opts);
  return s;
}

TsaService::~TsaService() {
  log_.reset();
  if (index_) {
    auto st = index_->merge();
    if (!st) log::warn("timestamp imprint index: final merge failed; the next start indexes the tokens again",
                       {{"error", st.error().to_string()}});
  }
}

Result<const tsp::TimestampUnit*> TsaService::find(const std::string& unit_name) const {
  const std::string& name = unit_name.empty() ? default_unit_ : unit_name;
  auto it = units_.find(name);
  if (it == units_.end()) {
    auto down = unavailable_.find(name);
    if (down != unavailable_.end()) return down->second;
    return Error(Errc::not_found, "no TSA unit named '" + name + "'");
  }
  return &it->second;
}

store::Params TsaService::log_row(const std::string& unit, const tsp::IssueResult& r, const std::string& requester) {
  auto& t = *r.tst;
  return {hex_encode(t.serial), unit, t.gen_time_ms, t.policy.to_string(),
          std::string(cms::digest_name(t.imprint.algorithm)), hex_encode(t.imprint.hashed_message),
          t.nonce ? hex_encode(*t.nonce) : std::string(), requester, r.token};
}

tsp::IssueResult TsaService::log_failure() {
  auto rej = tsp::encode_rejection(tsp::FailInfo::system_failure, "the token could not be logged");
  tsp::IssueResult failed;
  failed.fail_info = tsp::FailInfo::system_failure;
  if (rej) failed.response = std::move(*rej);
  return failed;
}

Result<tsp::IssueResult> TsaService::issue(const std::string& unit_name, ByteView request, const std::string& requester) {
  std::shared_lock lock(units_mu_);  // against reload()
  MEDSIGN_ASSIGN(const tsp::TimestampUnit* unit, find(unit_name));
  tsp::IssueResult r = issuer_->respond(*unit, request, unix_millis());
  if (r.granted && !log_->append_and_wait(log_row(unit->name, r, requester))) return log_failure();
  return r;
}

void TsaService::issue_async(const std::string& unit_name, ByteView request, const std::string& requester,
                             IssueCallback done) {
  std::shared_lock lock(units_mu_);  // against reload()
  auto unit = find(unit_name);
  if (!unit) return done(unit.error());
  auto r = std::make_shared<tsp::IssueResult>(issuer_->respond(**unit, request, unix_millis()));
  if (!r->granted) return done(std::move(*r));
  log_->append(log_row((*unit)->name, *r, requester), [r, done = std::move(done)](const Status& st) {
    if (!st) return done(log_failure());
    done(std::move(*r));
  });
}

std::vector<std::string> TsaService::unit_names() const {
  std::shared_lock lock(units_mu_);
  std::vector<std::string> out;
  for (auto& [n, u] : units_) out.push_back(n);
  return out;
}

const tsp::TimestampUnit* TsaService::unit(const std::string& name) const {
  std::shared_lock lock(units_mu_);
  auto it = units_.find(name);
  return it == units_.end() ? nullptr : &it->second;
}

Result<std::string> TsaService::chain_pem(const std::string& name) const {
  auto u = unit(name);
  if (!u) return Error(Errc::not_found, "no TSA unit named '" + name + "'");
  std::shared_lock lock(units_mu_);
  std::string out = u->certificate.to_pem();
  for (auto& c : u->chain) {
    MEDSIGN_ASSIGN(auto cert, pki::Certificate::parse_der(c));
    out += cert.to_pem();
  }
  return out;
}

Status TsaService::reload(const crypto::SoftKeyStore& keys) {
  std::map<std::string, Error> unavailable;
  MEDSIGN_ASSIGN(auto fresh, load_units(keys, providers_.get(), unavailable));
  for (auto& [name, u] : fresh) {
    auto st = issuer_->prepare(u);
    if (!st) log::warn("TSA unit without a token template; tokens use the generic encoder",
                       {{"unit", name}, {"error", st.error().to_string()}});
  }
  std::unique_lock lock(units_mu_);
  for (auto& [name, u] : fresh) units_[name] = std::move(u);
  for (auto& [name, e] : unavailable)
    if (!units_.count(name)) unavailable_.insert_or_assign(name, e);
  for (auto& [name, u] : units_) unavailable_.erase(name);
  return {};
}

}  // namespace medsign::services
