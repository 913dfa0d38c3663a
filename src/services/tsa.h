// The timestamp authority service: the TSA units of this node (one per key "tsa-<unit>" in the key store,
// with its certificate), issuing through tsp::TimestampIssuer, and the log of every issued token (written
// with group commit; a token is answered only once its log row has committed).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "common/config.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/keystore.h"
#include "store/group_commit.h"
#include "services/tsa_index.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::services {

class ProviderService;

class TsaService {
 public:
  // Loads every unit from the key store. clock_problem: see TimestampIssuer.
  // Stops the token log (every queued token committed) and merges what the imprint index holds.
  ~TsaService();
  TsaService(const TsaService&) = delete;
  TsaService& operator=(const TsaService&) = delete;

  static Result<std::unique_ptr<TsaService>> open(const TsaSettings& cfg, const crypto::SoftKeyStore& keys,
                                                  store::Database& db,
                                                  std::function<std::optional<std::string>()> clock_problem);

  // Answers a DER TimeStampReq with the named unit ("" = the default unit). not_found for an unknown unit.
  Result<tsp::IssueResult> issue(const std::string& unit, ByteView request, const std::string& requester);
  // The same without blocking on the log: `done` runs once the token's log row has committed (on the log
  // writer's thread), or at once (on the caller's thread) for a rejection or an error.
  using IssueCallback = std::function<void(Result<tsp::IssueResult>)>;
  void issue_async(const std::string& unit, ByteView request, const std::string& requester, IssueCallback done);

  std::vector<std::string> unit_names() const;
  const tsp::TimestampUnit* unit(const std::string& name) const;
  const std::string& default_unit() const { return default_unit_; }
  // The unit's certificate followed by its CA chain, as PEM.
  Result<std::string> chain_pem(const std::string& unit) const;
  store::GroupCommitWriter::Stats log_stats() const { return log_->stats(); }
  // Re-reads the units from the key store after a key or certificate changed (services/tsa_admin.h).
  // Units are replaced in place and never removed, so pointers from unit() stay valid; issue() holds the
  // lock shared, so a token is never signed by a half-updated unit.
  Status reload(const crypto::SoftKeyStore& keys);
  // Units whose key is in a crypto provider (keys/tsa-<unit>.ref, services/tsa_admin.h) sign through these
  // providers; until set (or while their provider fails) such a unit answers with the reason. Call reload()
  // afterwards. REQUIRES: before the service is serving, or followed by reload().
  void set_providers(std::shared_ptr<ProviderService> providers) { providers_ = std::move(providers); }

 private:
  TsaService() = default;
  std::map<std::string, tsp::TimestampUnit> units_;
  std::unique_ptr<TokenImprintIndex> index_;  // before log_: the log's writer feeds it until it stops
  mutable std::shared_mutex units_mu_;
  std::string default_unit_;
  std::unique_ptr<tsp::TimestampIssuer> issuer_;
  std::unique_ptr<store::GroupCommitWriter> log_;
  std::shared_ptr<ProviderService> providers_;
  std::map<std::string, Error> unavailable_;  // provider units that could not be loaded, with the reason

  Result<const tsp::TimestampUnit*> find(const std::string& unit) const;
  static store::Params log_row(const std::string& unit, const tsp::IssueResult& r, const std::string& requester);
  static tsp::IssueResult log_failure();
};

// A TSA unit certificate for `key`, issued by the development CA of the key store (PEM).
Result<std::string> issue_dev_tsa_certificate(const crypto::SoftKeyStore& keys, const std::string& unit,
                                              const crypto::EvpKey& key);
// A unit from its certificate PEM (the certificate, optionally followed by its chain; with none, the
// development CA `dev_ca` is the chain) and the scheme and function that sign for it.
Result<tsp::TimestampUnit> assemble_tsa_unit(const std::string& unit, const std::string& pem,
                                             const std::vector<pki::Certificate>& dev_ca, crypto::SignatureAlg alg,
                                             cms::SignFunction sign);
// Creates the key and certificate of a TSA unit in the key store, certified by the development CA.
Status create_dev_tsa_unit(crypto::SoftKeyStore& keys, const std::string& unit, crypto::KeyType type);
// A unit with a fresh key certified by a fresh throwaway CA (chain = that CA), for benchmarks and tests.
Result<tsp::TimestampUnit> make_ephemeral_tsa_unit(const std::string& name, crypto::KeyType type);
// A SignFunction for a key: SM2 through crypto/sm2 (SM2 with Z), RSA/ECDSA through OpenSSL with SHA-256.
Result<cms::SignFunction> sign_function_for(const crypto::EvpKey& key);

}  // namespace medsign::services
