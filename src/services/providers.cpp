#include "services/providers.h"

#include "crypto/provider/key_file.h"
#include "crypto/soft/keystore.h"
#include "pki/pem.h"
#include "services/roles.h"

namespace medsign::services {
namespace cp = crypto::provider;

namespace {
// The PIN from the configured file, without a trailing newline.
Result<std::string> read_pin(const Config& cfg) {
  if (cfg.providers.pkcs11_pin_file.empty()) return std::string();
  auto path = cfg.resolve(cfg.providers.pkcs11_pin_file);
  auto b = crypto::read_file(path);
  if (!b) return Error(Errc::config_invalid, "providers.pkcs11_pin_file: cannot read " + path.string());
  std::string pin(b->begin(), b->end());
  secure_wipe(b->data(), b->size());
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

// Holds one session of a key with its access right; signs under a mutex and reopens the session once
// when the device answers with an error other than a refusal of the key or scheme.
struct KeySigner {
  std::shared_ptr<cp::Provider> provider;  // outlives the session
  std::mutex mu;
  std::optional<cp::ProviderSigner> signer;
  std::uint32_t index = 0;
  crypto::SignatureAlg alg = crypto::SignatureAlg::sm2_sm3;
  SecretBytes password;

  Status reopen() {
    signer.reset();
    MEDSIGN_ASSIGN(auto s, cp::ProviderSigner::create(*provider, index, alg, as_chars(password.view())));
    signer.emplace(std::move(s));
    return {};
  }
  Result<Bytes> sign(ByteView message) {
    std::lock_guard lk(mu);
    if (!signer) MEDSIGN_TRY(reopen());
    auto sig = signer->sign(message);
    if (sig || sig.error().code != Errc::provider_device_error) return sig;
    MEDSIGN_TRY(reopen());
    return signer->sign(message);
  }
};
}  // namespace

ProviderService::ProviderService(const Config& cfg, AuditLog* audit) : cfg_(cfg), audit_(audit) {}
ProviderService::~ProviderService() = default;

std::vector<std::string> ProviderService::names() const {
  std::vector<std::string> out{"soft"};
  if (!cfg_.providers.sdf_library.empty()) out.push_back("sdf");
  if (!cfg_.providers.pkcs11_module.empty()) out.push_back("pkcs11");
  return out;
}

Result<std::shared_ptr<cp::Provider>> ProviderService::open(const std::string& name) {
  {
    std::lock_guard lk(mu_);
    auto it = open_.find(name);
    if (it != open_.end()) return it->second;
  }
  bool configured = false;
  for (auto& n : names()) configured = configured || n == name;
  if (!configured) {
    std::string m;
    if (name == "sdf" || name == "pkcs11")
      m.append("the ").append(name).append(" provider is not configured (providers.")
          .append(name == "sdf" ? "sdf_library" : "pkcs11_module").append(")");
    else
      m.append("no crypto provider named '").append(name).append("' (soft, sdf or pkcs11)");
    return Error(Errc::not_found, m);
  }
  cp::ProviderConfig pc;
  MEDSIGN_ASSIGN(pc.kind, cp::parse_provider_kind(name));
  pc.data_dir = cfg_.data_dir.string();
  if (pc.kind == cp::ProviderKind::sdf) pc.library = cfg_.providers.sdf_library;
  if (pc.kind == cp::ProviderKind::pkcs11) {
    pc.library = cfg_.providers.pkcs11_module;
    pc.token = cfg_.providers.pkcs11_token;
    if (cfg_.providers.pkcs11_slot >= 0) pc.slot = static_cast<unsigned long>(cfg_.providers.pkcs11_slot);
    MEDSIGN_ASSIGN(pc.pin, read_pin(cfg_));
  }
  auto opened = cp::open_provider(pc);
  secure_wipe(pc.pin.data(), pc.pin.size());
  if (!opened) return opened.error();
  std::shared_ptr<cp::Provider> p(std::move(*opened));
  // Kept only once a session opens, so a wrong PIN or an absent device is retried on the next call.
  MEDSIGN_ASSIGN(auto s, p->open_session());
  s.reset();
  std::lock_guard lk(mu_);
  auto [it, inserted] = open_.emplace(name, p);
  return it->second;
}

Result<std::unique_ptr<cp::Session>> ProviderService::session(const std::string& name) {
  MEDSIGN_ASSIGN(auto p, open(name));
  auto s = p->open_session();
  if (!s) {
    std::lock_guard lk(mu_);
    open_.erase(name);  // reopen next time (device reset, PIN file changed)
  }
  return s;
}

std::vector<ProviderStatus> ProviderService::status() {
  std::vector<ProviderStatus> out;
  for (auto& name : names()) {
    ProviderStatus st;
    st.name = name;
    if (name == "soft") {
      st.library = (cfg_.data_dir / "keys" / "provider").string();
    } else if (name == "sdf") {
      st.library = cfg_.providers.sdf_library;
      st.labels = false;
    } else {
      st.library = cfg_.providers.pkcs11_module;
      st.token = cfg_.providers.pkcs11_token;
      if (cfg_.providers.pkcs11_slot >= 0) st.token = std::string("slot ").append(std::to_string(cfg_.providers.pkcs11_slot));
      st.key_passwords = false;
    }
    auto p = open(name);
    auto keys = p ? this->keys(name) : Result<std::vector<cp::KeyInfo>>(p.error());
    if (p)
      for (auto a : (*p)->key_algorithms()) st.algorithms.emplace_back(crypto::key_alg_name(a));
    if (keys) {
      st.reachable = true;
      st.key_count = keys->size();
    } else {
      st.error_code = std::string(keys.error().code_name());
      st.error = keys.error().detail.empty() ? keys.error().to_string() : keys.error().detail;
    }
    out.push_back(std::move(st));
  }
  return out;
}

Result<std::vector<cp::KeyInfo>> ProviderService::keys(const std::string& name) {
  MEDSIGN_ASSIGN(auto s, session(name));
  return s->list_keys();
}

Result<cp::KeyInfo> ProviderService::key(const std::string& name, std::uint32_t index) {
  MEDSIGN_ASSIGN(auto s, session(name));
  return s->key_info(index);
}

void ProviderService::audit(const Actor& by, const std::string& target, const Status& st, const std::string& detail) {
  if (!audit_) return;
  (void)audit_->record({by.name, std::string(role_name(by.role)), "provider.key_generate", target,
                        st ? "success" : "failure", by.source,
                        st ? detail : std::string(detail).append(": ").append(st.error().to_string())});
}

Result<cp::KeyInfo> ProviderService::generate(const std::string& name, const ProviderKeyRequest& req, const Actor& by) {
  auto target_of = [&](std::uint32_t index) {
    std::string t = name;
    if (index) t.append("/").append(std::to_string(index));
    if (!req.label.empty()) t.append(" '").append(req.label).append("'");
    return t;
  };
  std::string target = target_of(req.index);
  auto run = [&]() -> Result<cp::KeyInfo> {
    if (req.algorithm.empty()) return Error(Errc::missing_field, "algorithm: sm2, ecdsa-p256, ecdsa-p384, rsa-2048, ...");
    MEDSIGN_ASSIGN(crypto::KeyAlg alg, crypto::parse_key_alg(req.algorithm));
    if (req.index > cp::kMaxKeyIndex)
      return Error(Errc::invalid_argument, std::string("index: 1 to ").append(std::to_string(cp::kMaxKeyIndex)).append(" (0 = the lowest free)"));
    if (!req.label.empty()) MEDSIGN_TRY(cp::check_label(req.label));
    if (name == "sdf" && !req.label.empty())
      return Error(Errc::invalid_argument, "label: GM/T 0018 (sdf) keys have indexes only");
    if (name == "pkcs11" && !req.password.empty())
      return Error(Errc::invalid_argument,
                   "password: pkcs11 keys have no access password of their own; the token PIN protects them");
    MEDSIGN_ASSIGN(auto p, open(name));
    if (!p->supports(alg))
      return Error(Errc::algorithm_unsupported, std::string("the ").append(name).append(" provider cannot generate ")
                                                    .append(crypto::key_alg_name(alg)).append(" keys"));
    MEDSIGN_ASSIGN(auto s, session(name));
    return s->generate_key(alg, {req.index, req.label, req.password});
  };
  auto k = run();
  if (k) target = target_of(k->index);
  std::string detail = std::string("algorithm ").append(req.algorithm);
  if (!req.password.empty()) detail.append(", access password set");
  audit(by, target, k ? Status{} : Status(k.error()), detail);
  return k;
}

Result<Bytes> ProviderService::public_key_der(const std::string& name, std::uint32_t index) {
  MEDSIGN_ASSIGN(auto s, session(name));
  return s->export_public_key(index);
}

Result<std::string> ProviderService::public_key_pem(const std::string& name, std::uint32_t index) {
  MEDSIGN_ASSIGN(Bytes der, public_key_der(name, index));
  return pki::pem_encode("PUBLIC KEY", der);
}

Result<cms::SignFunction> ProviderService::sign_function(const std::string& name, std::uint32_t index,
                                                         crypto::SignatureAlg alg, const std::string& password) {
  auto ks = std::make_shared<KeySigner>();
  MEDSIGN_ASSIGN(ks->provider, open(name));
  ks->index = index;
  ks->alg = alg;
  {
    ByteView pw = as_bytes(password);
    ks->password = SecretBytes(Bytes(pw.begin(), pw.end()));
  }
  MEDSIGN_TRY(ks->reopen());  // checks the key, the scheme and the password now
  return cms::SignFunction([ks](ByteView tbs) { return ks->sign(tbs); });
}

}  // namespace medsign::services
