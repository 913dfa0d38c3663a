// The signing and verification service (GM/T 0029): business applications, the server's signing keys,
// and the operations every transport (REST, the Annex A binary protocol, the Annex B/C HTTP forms) calls.
//
// Applications: each calling system (HIS, EMR, LIS, PACS, ...) is registered with an id, a secret (shown
// once; only its HMAC is stored), an address allow-list (CIDR), the signing keys it may use and the
// verification policy that applies. REST calls authenticate with HTTP Basic (id:secret) from an allowed
// address; the binary protocol and the HTTP forms, which carry no credentials, identify the application by
// its source address (the most specific allow-list entry wins; ties go to the application registered
// first).
//
// Signing keys: numbered by key index as GM/T 0029 clients address them (table svs_keys), each naming a
// key of the key store with its certificate; an optional access code (keyValue) is checked when set.
//
// Every business call is written to svs_log (application, operation, key, SM3 of the data, result code,
// detail, source, time) through the group-commit writer; the answer goes out once its row has committed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cms/enveloped_data.h"
#include "cms/signed_data.h"
#include "crypto/algorithms/pk.h"
#include "crypto/soft/keystore.h"
#include "pki/certificate.h"
#include "pki/crl_store.h"
#include "pki/validation_cache.h"
#include "services/accounts.h"
#include "services/audit_log.h"
#include "services/pki_policy.h"
#include "store/database.h"
#include "store/group_commit.h"

namespace medsign::services {

// An address prefix of an allow-list ("10.1.0.0/16", "127.0.0.1", "::1/128").
struct Cidr {
  std::array<std::uint8_t, 16> addr{};  // IPv4 as ::ffff:a.b.c.d
  int prefix = 128;
  static Result<Cidr> parse(std::string_view text);
  bool contains(const std::array<std::uint8_t, 16>& a) const;
  std::string to_string() const;
};
// "1.2.3.4" or "::1" (IPv4-mapped IPv6 too) as 16 bytes. nullopt when not an address.
std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text);

struct SvsApp {
  std::string id;  // "app-" + 16 hex
  std::string name;
  std::vector<Cidr> allow;
  std::vector<int> keys;  // key indexes it may sign with; empty = none
  std::string policy;     // verification policy name ("" = the default)
  bool enabled = true;
  std::int64_t created_at_ms = 0;
};

struct NewApp {
  std::string name;
  std::vector<std::string> allow = {"127.0.0.1/32", "::1/128"};
  std::vector<int> keys;
  std::string policy;
};

struct AppCredentials {
  SvsApp app;
  std::string secret;  // shown once
};

struct SvsKey {
  int index = 0;
  std::string name;  // key store name
  crypto::SignatureAlg alg = crypto::SignatureAlg::sm2_sm3;
  pki::Certificate certificate;
  std::vector<Bytes> chain;  // issuer certificates (DER), nearest first
  bool has_access_code = false;
};

// Who is calling: the application and the address.
struct Caller {
  std::string app_id;
  std::string source;
};

// Result of a verification: ok, or the GM/T 0029 Annex D code with the reason.
struct SvsVerdict {
  bool ok = false;
  std::uint32_t code = 0;  // svs::RespCode
  std::string reason;
};

struct SvsMessageVerdict {
  SvsVerdict verdict;
  std::optional<pki::Certificate> signer;
  std::optional<std::int64_t> signing_time_ms;
  std::optional<Bytes> content;
};

struct SignMessageOptions {
  bool detached = false;
  bool include_chain = true;
  bool signed_attributes = true;
  // Sign a digest of the content computed elsewhere (the Init/Update/Final family, hashFlag, streamed
  // files): the message is detached, with signed attributes; `data` is then ignored. SM3 for SM2 keys,
  // SHA-256 for RSA keys.
  std::optional<Bytes> content_digest;
};

struct SvsLogRow {
  std::int64_t id = 0, ts_ms = 0;
  std::string app_id, operation, key, data_sm3, result, detail, source;
};
struct SvsLogQuery {
  std::string app_id, operation, result;
  std::int64_t from_ms = 0, to_ms = 0;
  int limit = 100, offset = 0;
};

// Thrown into SvsError-carrying Results: the Annex D code for a failed operation.
std::uint32_t svs_code_for(const Error& e);

class SvsService {
 public:
  static Result<std::unique_ptr<SvsService>> open(const crypto::SoftKeyStore& keys, store::Database& db,
                                                  AuditLog* audit);
  ~SvsService();

  // ---- Applications (operator actions, audited) ----
  Result<AppCredentials> add_app(const NewApp& spec, const Actor& actor);
  std::vector<SvsApp> list_apps() const;
  Result<SvsApp> get_app(const std::string& id) const;
  Status set_app_enabled(const std::string& id, bool enabled, const Actor& actor);
  Result<AppCredentials> rotate_secret(const std::string& id, const Actor& actor);
  Status update_app(const std::string& id, const NewApp& spec, const Actor& actor);

  // ---- Authentication ----
  // Errors: unauthenticated (unknown app, wrong secret, disabled), forbidden (address not allowed).
  Result<Caller> authenticate(const std::string& app_id, const std::string& secret, const std::string& source) const;
  // The application whose allow-list holds `source` most specifically (ties: the one registered first).
  // forbidden when none.
  Result<Caller> caller_for_address(const std::string& source) const;

  // ---- Keys ----
  std::vector<SvsKey> keys() const;
  // By index, or by name when `ref` is not a number.
  Result<std::shared_ptr<const SvsKey>> find_key(const std::string& ref) const;
  // Reads the registered keys again (after register_key).
  Status reload_keys(const crypto::SoftKeyStore& keys) { return load_keys(keys); }
  // Registers a key store key under an index (operator action, audited).
  Status register_key(int index, const std::string& name, const std::string& access_code, const Actor& actor);

  // ---- Operations (pure; the transports log them with record()) ----
  // Errors: forbidden when the key is not permitted for the app, invalid_credentials for a wrong access
  // code, not_found for an unknown key.
  Result<Bytes> sign_data(const Caller& c, const std::string& key, ByteView data, std::string_view access_code) const;
  // Signs a digest the caller computed (SM2: e = SM3(Z||M) with the key's Z; RSA/ECDSA: the hash).
  Result<Bytes> sign_digest(const Caller& c, const std::string& key, ByteView digest, std::string_view access_code) const;
  // verify_level: 0 validity period, 1 + chain to a trust anchor, 2 + revocation.
  // With a caller whose application names a verification policy, levels 1 and 2 are that policy's
  // decision (its projects, lists and revocation rules); otherwise the server's own anchors decide.
  // A certificate a caller sent (DER), parsed, from a bounded cache: the same certificates come with
  // request after request. Errors: those of pki::Certificate::parse_der.
  Result<std::shared_ptr<const pki::Certificate>> parse_certificate(ByteView der) const;
  SvsVerdict verify_data(const pki::Certificate& cert, ByteView data, ByteView signature, int verify_level,
                         std::int64_t now_ms, const Caller* caller = nullptr) const;
  SvsVerdict verify_digest(const pki::Certificate& cert, ByteView digest, ByteView signature, int verify_level,
                           std::int64_t now_ms, const Caller* caller = nullptr) const;
  Result<Bytes> sign_message(const Caller& c, const std::string& key, ByteView data, std::string_view access_code,
                             const SignMessageOptions& o, std::int64_t now_ms) const;
  SvsMessageVerdict verify_message(ByteView signed_message, std::optional<ByteView> detached, int verify_level,
                                   std::int64_t now_ms, const Caller* caller = nullptr) const;
  // A detached message known only by the digest of its content (each signer's messageDigest is compared).
  SvsMessageVerdict verify_message_digest(ByteView signed_message, const cms::ContentDigest& digest, int verify_level,
                                          std::int64_t now_ms, const Caller* caller = nullptr) const;
  // The digest the CMS messageDigest of a key's messages uses (SM3 for SM2, else the signature's hash).
  Result<cms::DigestAlgorithm> message_digest_algorithm(const std::string& key) const;
  // The certificate checks of verify_level against the trust anchors of the key store (development CA
  // and the chains of the server's keys).
  SvsVerdict check_certificate(const pki::Certificate& cert, int verify_level, std::int64_t now_ms) const;
  // The same for a caller: its application's named policy when it has one.
  SvsVerdict check_certificate_for(const Caller* caller, const pki::Certificate& cert, int verify_level,
                                   std::int64_t now_ms) const;
  // The node's trust policies (services/pki_policy.h); set before serving.
  void set_policies(std::shared_ptr<const PkiPolicyService> policies) { policies_ = std::move(policies); }
  Result<Bytes> export_certificate(const std::string& identification) const;

  // ---- Digital envelopes (CMS EnvelopedData) ----
  // Encrypts to every recipient: GM/T 0010 with SM4-CBC when a recipient has an SM2 key (then all must),
  // else RFC 5652 with AES-256-CBC and RSAES-OAEP (SHA-256) key transport.
  Result<Bytes> envelope_encrypt(ByteView content, std::span<const pki::Certificate> recipients) const;
  // Opens an envelope addressed to one of the server's keys. Errors: as usable_key (forbidden, not_found,
  // invalid_credentials); forbidden when the key's certificate does not allow keyEncipherment; not_found
  // when the envelope is not addressed to it; decrypt_failed; bad_encoding for a malformed envelope.
  Result<SecretBytes> envelope_decrypt(const Caller& c, const std::string& key, ByteView envelope,
                                       std::string_view access_code) const;

  // ---- Log ----
  // Appends a row; `done` runs once it has committed (on the writer's thread).
  void record(const Caller& c, std::string_view operation, std::string_view key, ByteView data, std::string result,
              std::string detail, std::function<void(Status)> done);
  Status record_and_wait(const Caller& c, std::string_view operation, std::string_view key, ByteView data,
                         std::string result, std::string detail);
  Result<std::vector<SvsLogRow>> query_log(const SvsLogQuery& q) const;
  store::GroupCommitWriter::Stats log_stats() const { return log_->stats(); }

 private:
  SvsService(store::Database& db, AuditLog* audit) : db_(db), audit_(audit) {}
  struct LoadedKey {
    SvsKey info;
    crypto::Signer signer;
    cms::SignFunction cms_sign;
    cms::KeyDecryptFunction decrypt_key;
    Bytes access_hash;  // HMAC-SM3 of the access code; empty when none
  };
  struct AppEntry {
    SvsApp app;
    Bytes secret_hash;
  };
  Status load_apps();
  Status load_keys(const crypto::SoftKeyStore& keys);
  Result<std::shared_ptr<const LoadedKey>> usable_key(const Caller& c, const std::string& key,
                                                     std::string_view access_code) const;
  Bytes mac(std::string_view purpose, std::string_view value) const;
  void audit(const Actor& a, std::string action, std::string target, std::string result, std::string detail);
  Status store_app(const AppEntry& e, bool insert);
  SvsMessageVerdict verify_checked(const cms::SignedData& sd,
                                   const Result<std::vector<cms::SignerVerification>>& checks, int verify_level,
                                   std::int64_t now_ms, const Caller* caller) const;

  store::Database& db_;
  AuditLog* audit_;
  SecretBytes mac_key_;
  mutable std::shared_mutex mu_;
  std::map<std::string, AppEntry> apps_;
  std::map<int, std::shared_ptr<const LoadedKey>> keys_;  // shared: callers keep theirs across a reload
  // Certificate checks: level 1 (chain) and level 2 (chain + CRLs) policies over the anchors of the key
  // store, a cache of validated chains, and a cache of verifiers (with their per-key tables) by public key.
  pki::VerificationPolicy chain_policy_, crl_policy_;
  std::shared_ptr<const PkiPolicyService> policies_;
  pki::CrlStore crls_;
  mutable pki::ValidationCache validations_{8192};
  mutable std::mutex verifiers_mu_;
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Keyed by the SPKI DER; looked up with a view of the certificate's bytes (no copy per call).
  mutable std::unordered_map<std::string, crypto::Verifier, KeyHash, std::equal_to<>> verifiers_;
  Result<crypto::Verifier> verifier_for(const pki::Certificate& cert) const;
  // Certificates callers send (the same few, request after request), parsed once; keyed by their DER.
  mutable std::mutex certificates_mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const pki::Certificate>, KeyHash, std::equal_to<>> certificates_;
  std::unique_ptr<store::GroupCommitWriter> log_;
};

// Creates the development signing keys "sm2-sign" (index 1) and "rsa-sign" (index 2) and the encryption
// keys "sm2-enc" (index 3) and "rsa-enc" (index 4, keyEncipherment) with certificates from the development CA, and a development application "dev-app" allowed from loopback that may use
// both. Returns the application's credentials (kept sealed in the data dir by init).
Status create_dev_signing_keys(crypto::SoftKeyStore& keys);

}  // namespace medsign::services
