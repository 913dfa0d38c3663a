#include "crypto/provider/pkcs11_provider.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>

namespace medsign::crypto::provider {
namespace {

struct NamedRv {
  unsigned long rv;
  const char* name;
};
constexpr NamedRv kCkrNames[] = {
    {CKR_OK, "CKR_OK"}, {CKR_CANCEL, "CKR_CANCEL"}, {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"}, {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"}, {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"}, {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID"}, {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"}, {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"}, {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"}, {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"}, {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"}, {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"}, {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"}, {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"}, {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"}, {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"}, {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID"}, {CKR_SIGNATURE_LEN_RANGE, "CKR_SIGNATURE_LEN_RANGE"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"}, {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"}, {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"}, {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"}, {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
};

Error ckr_error(std::string_view fn, ck_rv_t rv) {
  char hex[24];
  std::snprintf(hex, sizeof hex, "0x%08lX", rv);
  std::string detail(fn);
  detail.append(": ").append(ckr_name(rv)).append(" (").append(hex).append(")");
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_LOCKED: return Error(Errc::key_password_wrong, detail);
    case CKR_USER_NOT_LOGGED_IN: return Error(Errc::key_access_denied, detail);
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
    case CKR_KEY_SIZE_RANGE: return Error(Errc::algorithm_unsupported, detail);
    case CKR_ENCRYPTED_DATA_INVALID:
    case CKR_ENCRYPTED_DATA_LEN_RANGE: return Error(Errc::decrypt_failed, detail);
    case CKR_SIGNATURE_INVALID:
    case CKR_SIGNATURE_LEN_RANGE: return Error(Errc::bad_signature, detail);
    case CKR_DATA_LEN_RANGE:
    case CKR_ARGUMENTS_BAD: return Error(Errc::invalid_argument, detail);
    default: return Error(Errc::provider_device_error, detail);
  }
}

constexpr std::uint8_t kOidP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t kOidP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::uint8_t kOidSm2[] = {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// A loaded module, shared by every provider opened on the same path in this process (C_Initialize may
// run once per process).
struct Module {
  void* handle = nullptr;
  std::string path;
  ck_function_list* f = nullptr;
  bool initialized_here = false;
  ~Module() {
    if (f && initialized_here) f->C_Finalize(nullptr);
    if (handle) dlclose(handle);
  }
};

std::mutex g_modules_mu;
std::map<std::string, std::weak_ptr<Module>> g_modules;

Result<std::shared_ptr<Module>> load_module(const std::string& path) {
  std::lock_guard lock(g_modules_mu);
  if (auto m = g_modules[path].lock()) return m;
  auto m = std::make_shared<Module>();
  m->path = path;
  // RTLD_NODELETE: vendor modules stay mapped for the life of the process (many do not survive being
  // unloaded and loaded again, and their static state stays reachable).
  m->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!m->handle) {
    const char* why = dlerror();
    return Error(Errc::provider_library_missing, "cannot load " + path + ": " + (why ? why : "unknown reason"));
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(m->handle, "C_GetFunctionList"));
  if (!get) return Error(Errc::provider_symbol_missing, path + " has no C_GetFunctionList");
  ck_rv_t rv = get(&m->f);
  if (rv != CKR_OK || !m->f) return ckr_error("C_GetFunctionList", rv);
  ck_c_initialize_args args{};
  args.flags = CKF_OS_LOCKING_OK;
  rv = m->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return ckr_error("C_Initialize", rv);
  m->initialized_here = rv == CKR_OK;
  g_modules[path] = m;
  return m;
}

Bytes id_of(std::uint32_t index) {
  return Bytes{static_cast<std::uint8_t>(index >> 24), static_cast<std::uint8_t>(index >> 16),
               static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index)};
}

class Pkcs11Session : public Session {
 public:
  Pkcs11Session(std::shared_ptr<Module> m, ck_session_handle_t h) : m_(std::move(m)), h_(h) {}
  ~Pkcs11Session() override { m_->f->C_CloseSession(h_); }

  Status login(std::string_view pin) {
    std::string p(pin);
    ck_rv_t rv = m_->f->C_Login(h_, CKU_USER, reinterpret_cast<unsigned char*>(p.data()), p.size());
    secure_wipe(p.data(), p.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return ckr_error("C_Login", rv);
    return {};
  }

  Result<KeyInfo> generate_key(KeyAlg alg, const KeyGenOptions& opt) override {
    if (opt.index > kMaxKeyIndex) return Error(Errc::invalid_argument, "key index outside 1.." + std::to_string(kMaxKeyIndex));
    if (alg == KeyAlg::sm2) return Error(Errc::algorithm_unsupported, "PKCS#11 v2.40 defines no SM2 mechanism");
    if (opt.label.size() > 128) return Error(Errc::invalid_argument, "label longer than 128 bytes");
    MEDSIGN_ASSIGN(auto keys, list_keys());
    std::uint32_t index = opt.index;
    for (auto& k : keys) {
      if (!opt.label.empty() && k.label == opt.label) return Error(Errc::conflict, "a key labelled '" + opt.label + "' exists");
      if (index != 0 && k.index == index) return Error(Errc::conflict, "key index " + std::to_string(index) + " is in use");
    }
    if (index == 0) {
      index = 1;
      for (auto& k : keys)  // sorted by index
        if (k.index == index) ++index;
    }
    Bytes id = id_of(index);
    std::string label = opt.label;
    unsigned char yes = 1, no = 0;
    unsigned long bits = alg == KeyAlg::rsa2048 ? 2048 : alg == KeyAlg::rsa3072 ? 3072 : 4096;
    std::uint8_t exponent[] = {0x01, 0x00, 0x01};
    Bytes params(alg == KeyAlg::ecdsa_p256 ? ByteView(kOidP256).begin() : ByteView(kOidP384).begin(),
                 alg == KeyAlg::ecdsa_p256 ? ByteView(kOidP256).end() : ByteView(kOidP384).end());
    const bool rsa = alg != KeyAlg::ecdsa_p256 && alg != KeyAlg::ecdsa_p384;
    std::vector<ck_attribute> pub = {
        {CKA_TOKEN, &yes, sizeof yes}, {CKA_ID, id.data(), id.size()}, {CKA_LABEL, label.data(), label.size()},
        {CKA_VERIFY, &yes, sizeof yes}};
    std::vector<ck_attribute> priv = {
        {CKA_TOKEN, &yes, sizeof yes},      {CKA_ID, id.data(), id.size()},     {CKA_LABEL, label.data(), label.size()},
        {CKA_PRIVATE, &yes, sizeof yes},    {CKA_SENSITIVE, &yes, sizeof yes},  {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes}};
    ck_mechanism mech{};
    if (rsa) {
      mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      pub.push_back({CKA_ENCRYPT, &yes, sizeof yes});
      pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
      pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
      priv.push_back({CKA_DECRYPT, &yes, sizeof yes});
    } else {
      mech.mechanism = CKM_EC_KEY_PAIR_GEN;
      pub.push_back({CKA_EC_PARAMS, params.data(), params.size()});
    }
    ck_object_handle_t hpub = 0, hpriv = 0;
    ck_rv_t rv = m_->f->C_GenerateKeyPair(h_, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hpub, &hpriv);
    if (rv != CKR_OK) return ckr_error("C_GenerateKeyPair", rv);
    return KeyInfo{index, opt.label, alg, 0, true};
  }

  Result<std::vector<KeyInfo>> list_keys() override {
    MEDSIGN_ASSIGN(auto objs, find(CKO_PUBLIC_KEY, nullptr));
    std::vector<KeyInfo> out;
    for (auto o : objs) {
      auto id = attribute(o, CKA_ID);
      if (!id || id->size() != 4) continue;
      std::uint32_t index = (std::uint32_t{(*id)[0]} << 24) | (std::uint32_t{(*id)[1]} << 16) |
                            (std::uint32_t{(*id)[2]} << 8) | (*id)[3];
      auto spki = public_of(o);
      if (!spki) continue;
      auto alg = key_alg_of_spki(*spki);
      if (!alg) continue;
      auto label = attribute(o, CKA_LABEL);
      out.push_back(KeyInfo{index, label ? std::string(label->begin(), label->end()) : std::string(), *alg, 0, true});
    }
    std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) { return a.index < b.index; });
    return out;
  }

  Result<KeyInfo> key_info(std::uint32_t index) override {
    MEDSIGN_ASSIGN(auto keys, list_keys());
    for (auto& k : keys)
      if (k.index == index) return k;
    return Error(Errc::key_not_found, "no key with CKA_ID " + std::to_string(index) + " on the token");
  }

  Result<Bytes> export_public_key(std::uint32_t index) override {
    Bytes id = id_of(index);
    MEDSIGN_ASSIGN(auto objs, find(CKO_PUBLIC_KEY, &id));
    if (objs.empty()) return Error(Errc::key_not_found, "no key with CKA_ID " + std::to_string(index) + " on the token");
    return public_of(objs[0]);
  }

  Status get_private_key_access_right(std::uint32_t, std::string_view password) override {
    MEDSIGN_TRY(login(password));
    return {};
  }
  Status release_private_key_access_right(std::uint32_t) override {
    ck_rv_t rv = m_->f->C_Logout(h_);
    if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN) return ckr_error("C_Logout", rv);
    return {};
  }

  Result<Bytes> sign_digest(std::uint32_t index, SignatureAlg alg, ByteView digest) override {
    HashAlg h = signature_hash(alg);
    if (digest.size() != hash_size(h))
      return Error(Errc::invalid_argument, "digest of " + std::to_string(digest.size()) + " bytes for " +
                                               std::string(signature_alg_name(alg)));
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
    if (!signature_fits(alg, k))
      return Error(Errc::algorithm_unsupported, std::string(signature_alg_name(alg)) + " does not fit a " +
                                                    std::string(key_alg_name(k)) + " key");
    MEDSIGN_ASSIGN(ck_object_handle_t key, private_key(index));
    ck_rsa_pkcs_pss_params pss{};
    ck_mechanism mech{};
    Bytes input(digest.begin(), digest.end());
    switch (alg) {
      case SignatureAlg::ecdsa_p256_sha256:
      case SignatureAlg::ecdsa_p384_sha384: mech.mechanism = CKM_ECDSA; break;
      case SignatureAlg::rsa_pss_sha256:
      case SignatureAlg::rsa_pss_sha384:
      case SignatureAlg::rsa_pss_sha512:
        pss.hash_alg = h == HashAlg::sha256 ? CKM_SHA256 : h == HashAlg::sha384 ? CKM_SHA384 : CKM_SHA512;
        pss.mgf = h == HashAlg::sha256 ? CKG_MGF1_SHA256 : h == HashAlg::sha384 ? CKG_MGF1_SHA384 : CKG_MGF1_SHA512;
        pss.s_len = hash_size(h);
        mech = {CKM_RSA_PKCS_PSS, &pss, sizeof pss};
        break;
      default: {
        mech.mechanism = CKM_RSA_PKCS;
        ByteView prefix = digest_info_prefix(h);
        input.insert(input.begin(), prefix.begin(), prefix.end());
      }
    }
    ck_rv_t rv = m_->f->C_SignInit(h_, &mech, key);
    if (rv != CKR_OK) return ckr_error("C_SignInit", rv);
    Bytes sig(1024);
    unsigned long len = sig.size();
    rv = m_->f->C_Sign(h_, input.data(), input.size(), sig.data(), &len);
    if (rv != CKR_OK) return ckr_error("C_Sign", rv);
    sig.resize(len);
    if (mech.mechanism == CKM_ECDSA) return der_signature_from_raw(sig);
    return sig;
  }

  Result<SecretBytes> decrypt(std::uint32_t index, EncryptionAlg alg, ByteView ciphertext) override {
    if (alg == EncryptionAlg::sm2) return Error(Errc::algorithm_unsupported, "PKCS#11 v2.40 defines no SM2 mechanism");
    MEDSIGN_ASSIGN(Bytes spki, export_public_key(index));
    MEDSIGN_ASSIGN(KeyAlg k, key_alg_of_spki(spki));
    if (!encryption_fits(alg, k))
      return Error(Errc::algorithm_unsupported, std::string(encryption_alg_name(alg)) + " needs an RSA key");
    MEDSIGN_ASSIGN(ck_object_handle_t key, private_key(index));
    ck_rsa_pkcs_oaep_params oaep{};
    oaep.hash_alg = CKM_SHA256;
    oaep.mgf = CKG_MGF1_SHA256;
    oaep.source = CKZ_DATA_SPECIFIED;
    ck_mechanism mech = alg == EncryptionAlg::rsa_oaep_sha256 ? ck_mechanism{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep}
                                                              : ck_mechanism{CKM_RSA_PKCS, nullptr, 0};
    ck_rv_t rv = m_->f->C_DecryptInit(h_, &mech, key);
    if (rv == CKR_ARGUMENTS_BAD && alg == EncryptionAlg::rsa_oaep_sha256)  // SoftHSM2 2.6: OAEP with SHA-1 only
      return Error(Errc::algorithm_unsupported, "C_DecryptInit: the module refuses RSA-OAEP with SHA-256 (" +
                                                    ckr_name(rv) + ")");
    if (rv != CKR_OK) return ckr_error("C_DecryptInit", rv);
    Bytes in(ciphertext.begin(), ciphertext.end());
    SecretBytes out(Bytes(std::max<std::size_t>(in.size(), 512)));
    unsigned long len = out.size();
    rv = m_->f->C_Decrypt(h_, in.data(), in.size(), out.bytes().data(), &len);
    if (rv != CKR_OK) {
      Error e = ckr_error("C_Decrypt", rv);
      if (e.code == Errc::provider_device_error || e.code == Errc::invalid_argument) e.code = Errc::decrypt_failed;
      return e;
    }
    out.bytes().resize(len);
    return out;
  }

  Result<Bytes> hash(HashAlg alg, ByteView data) override {
    if (alg == HashAlg::sm3) return Error(Errc::algorithm_unsupported, "PKCS#11 v2.40 defines no SM3 mechanism");
    ck_mechanism mech{alg == HashAlg::sha256 ? CKM_SHA256 : alg == HashAlg::sha384 ? CKM_SHA384 : CKM_SHA512, nullptr, 0};
    ck_rv_t rv = m_->f->C_DigestInit(h_, &mech);
    if (rv != CKR_OK) return ckr_error("C_DigestInit", rv);
    Bytes in(data.begin(), data.end());
    Bytes out(64);
    unsigned long len = out.size();
    rv = m_->f->C_Digest(h_, in.data(), in.size(), out.data(), &len);
    if (rv != CKR_OK) return ckr_error("C_Digest", rv);
    out.resize(len);
    return out;
  }

  Result<Bytes> random(std::size_t n) override {
    Bytes out(n);
    if (n == 0) return out;
    ck_rv_t rv = m_->f->C_GenerateRandom(h_, out.data(), n);
    if (rv != CKR_OK) return ckr_error("C_GenerateRandom", rv);
    return out;
  }

 private:
  Result<std::vector<ck_object_handle_t>> find(ck_object_class_t cls, const Bytes* id) {
    std::vector<ck_attribute> tmpl = {{CKA_CLASS, &cls, sizeof cls}};
    if (id) tmpl.push_back({CKA_ID, const_cast<std::uint8_t*>(id->data()), id->size()});
    ck_rv_t rv = m_->f->C_FindObjectsInit(h_, tmpl.data(), tmpl.size());
    if (rv != CKR_OK) return ckr_error("C_FindObjectsInit", rv);
    std::vector<ck_object_handle_t> out;
    ck_object_handle_t buf[64];
    unsigned long n = 0;
    do {
      rv = m_->f->C_FindObjects(h_, buf, 64, &n);
      if (rv != CKR_OK) break;
      out.insert(out.end(), buf, buf + n);
    } while (n == 64 && out.size() < 100000);
    m_->f->C_FindObjectsFinal(h_);
    if (rv != CKR_OK) return ckr_error("C_FindObjects", rv);
    return out;
  }

  Result<Bytes> attribute(ck_object_handle_t o, ck_attribute_type_t type) {
    ck_attribute a{type, nullptr, 0};
    ck_rv_t rv = m_->f->C_GetAttributeValue(h_, o, &a, 1);
    if (rv != CKR_OK) return ckr_error("C_GetAttributeValue", rv);
    if (a.value_len == static_cast<unsigned long>(-1) || a.value_len > 65536)
      return Error(Errc::bad_encoding, "attribute unavailable");
    Bytes v(a.value_len);
    a.value = v.data();
    rv = m_->f->C_GetAttributeValue(h_, o, &a, 1);
    if (rv != CKR_OK) return ckr_error("C_GetAttributeValue", rv);
    v.resize(a.value_len);
    return v;
  }

  Result<Bytes> public_of(ck_object_handle_t o) {
    MEDSIGN_ASSIGN(Bytes type, attribute(o, CKA_KEY_TYPE));
    ck_key_type_t kt = 0;
    if (type.size() != sizeof kt) return Error(Errc::bad_encoding, "CKA_KEY_TYPE size");
    std::memcpy(&kt, type.data(), sizeof kt);
    if (kt == CKK_RSA) {
      MEDSIGN_ASSIGN(Bytes n, attribute(o, CKA_MODULUS));
      MEDSIGN_ASSIGN(Bytes e, attribute(o, CKA_PUBLIC_EXPONENT));
      return spki_from_rsa(n, e);
    }
    if (kt == CKK_EC) {
      MEDSIGN_ASSIGN(Bytes params, attribute(o, CKA_EC_PARAMS));
      MEDSIGN_ASSIGN(Bytes point, attribute(o, CKA_EC_POINT));
      return spki_from_pkcs11_ec(params, point);
    }
    return Error(Errc::algorithm_unsupported, "key type " + std::to_string(kt) + " is not RSA or EC");
  }

  Result<ck_object_handle_t> private_key(std::uint32_t index) {
    Bytes id = id_of(index);
    MEDSIGN_ASSIGN(auto objs, find(CKO_PRIVATE_KEY, &id));
    if (objs.empty()) {
      ck_session_info info{};
      if (m_->f->C_GetSessionInfo(h_, &info) == CKR_OK && info.state != CKS_RW_USER_FUNCTIONS &&
          info.state != CKS_RO_USER_FUNCTIONS)
        return Error(Errc::key_access_denied, "the token is not logged in: give the user PIN");
      return Error(Errc::key_not_found, "no private key with CKA_ID " + std::to_string(index));
    }
    return objs[0];
  }

  std::shared_ptr<Module> m_;
  ck_session_handle_t h_;
};

class Pkcs11Provider : public Provider {
 public:
  Pkcs11Provider(std::shared_ptr<Module> m, ck_slot_id_t slot, std::string pin)
      : m_(std::move(m)), slot_(slot), pin_(std::move(pin)) {}
  ~Pkcs11Provider() override { secure_wipe(pin_.data(), pin_.size()); }
  ProviderKind kind() const override { return ProviderKind::pkcs11; }
  std::string description() const override { return "pkcs11 " + m_->path + " slot " + std::to_string(slot_); }
  Result<std::unique_ptr<Session>> open_session() override {
    ck_session_handle_t h = 0;
    ck_rv_t rv = m_->f->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h);
    if (rv != CKR_OK) return ckr_error("C_OpenSession", rv);
    auto s = std::make_unique<Pkcs11Session>(m_, h);
    if (!pin_.empty()) MEDSIGN_TRY(s->login(pin_));
    return std::unique_ptr<Session>(std::move(s));
  }
  std::vector<KeyAlg> key_algorithms() const override {
    return {KeyAlg::ecdsa_p256, KeyAlg::ecdsa_p384, KeyAlg::rsa2048, KeyAlg::rsa3072, KeyAlg::rsa4096};
  }

 private:
  std::shared_ptr<Module> m_;
  ck_slot_id_t slot_;
  std::string pin_;
};

}  // namespace

std::string ckr_name(unsigned long rv) {
  for (auto& n : kCkrNames)
    if (n.rv == rv) return n.name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR_0x%08lX", rv);
  return buf;
}

Result<Bytes> spki_from_pkcs11_ec(ByteView params, ByteView point) {
  KeyAlg alg;
  std::size_t coord;
  if (same(params, kOidP256)) alg = KeyAlg::ecdsa_p256, coord = 32;
  else if (same(params, kOidP384)) alg = KeyAlg::ecdsa_p384, coord = 48;
  else if (same(params, kOidSm2)) alg = KeyAlg::sm2, coord = 32;
  else return Error(Errc::algorithm_unsupported, "CKA_EC_PARAMS names a curve other than P-256, P-384 or SM2");
  const std::size_t raw_len = 1 + 2 * coord;
  ByteView raw = point;
  if (point.size() == raw_len + 2 && point[0] == 0x04 && point[1] == raw_len) raw = point.subspan(2);
  else if (point.size() == raw_len + 3 && point[0] == 0x04 && point[1] == 0x81 && point[2] == raw_len) raw = point.subspan(3);
  if (raw.size() != raw_len || raw[0] != 0x04) return Error(Errc::bad_encoding, "CKA_EC_POINT is not an uncompressed point");
  Bytes spki = spki_from_ec_point(alg, raw);
  MEDSIGN_TRY(key_alg_of_spki(spki));  // the point is on the curve
  return spki;
}

Result<std::unique_ptr<Provider>> open_pkcs11_provider(const ProviderConfig& cfg) {
  if (cfg.library.empty()) return Error(Errc::provider_library_missing, "no PKCS#11 module path given");
  MEDSIGN_ASSIGN(auto m, load_module(cfg.library));
  if (cfg.slot) return std::unique_ptr<Provider>(new Pkcs11Provider(m, *cfg.slot, cfg.pin));
  unsigned long n = 0;
  ck_rv_t rv = m->f->C_GetSlotList(1, nullptr, &n);
  if (rv != CKR_OK) return ckr_error("C_GetSlotList", rv);
  std::vector<ck_slot_id_t> slots(n);
  rv = m->f->C_GetSlotList(1, slots.data(), &n);
  if (rv != CKR_OK) return ckr_error("C_GetSlotList", rv);
  slots.resize(n);
  for (auto s : slots) {
    ck_token_info ti{};
    if (m->f->C_GetTokenInfo(s, &ti) != CKR_OK) continue;
    std::string label(reinterpret_cast<const char*>(ti.label), sizeof ti.label);
    while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.pop_back();
    if (!(ti.flags & CKF_TOKEN_INITIALIZED)) continue;
    if (cfg.token.empty() || label == cfg.token) return std::unique_ptr<Provider>(new Pkcs11Provider(m, s, cfg.pin));
  }
  return Error(Errc::key_not_found, cfg.token.empty() ? "no initialised token in " + cfg.library
                                                      : "no token labelled '" + cfg.token + "' in " + cfg.library);
}

}  // namespace medsign::crypto::provider
