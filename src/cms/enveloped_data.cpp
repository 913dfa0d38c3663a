#include "cms/enveloped_data.h"

#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "asn1/oids.h"
#include "asn1/reader.h"
#include "asn1/writer.h"
#include "crypto/sm2/sm2.h"

namespace medsign::cms {
namespace id = asn1::oid;
namespace {

Error bad(const std::string& what) { return Error(Errc::bad_encoding, "CMS envelope: " + what); }

const EVP_CIPHER* evp_cipher(ContentCipher c) {
  switch (c) {
    case ContentCipher::sm4_cbc: return EVP_sm4_cbc();
    case ContentCipher::aes128_cbc: return EVP_aes_128_cbc();
    case ContentCipher::aes256_cbc: return EVP_aes_256_cbc();
  }
  return EVP_aes_256_cbc();
}
const asn1::Oid& cipher_oid(ContentCipher c) {
  switch (c) {
    case ContentCipher::sm4_cbc: return id::kSm4Cbc;
    case ContentCipher::aes128_cbc: return id::kAes128Cbc;
    case ContentCipher::aes256_cbc: return id::kAes256Cbc;
  }
  return id::kAes256Cbc;
}
Result<ContentCipher> cipher_from_oid(const asn1::Oid& o) {
  if (o == id::kSm4Cbc || o == id::kSm4) return ContentCipher::sm4_cbc;  // CFCA writes the bare SM4 OID
  if (o == id::kAes128Cbc) return ContentCipher::aes128_cbc;
  if (o == id::kAes256Cbc) return ContentCipher::aes256_cbc;
  return bad("unsupported content cipher " + asn1::oid_name(o));
}

Result<Bytes> cbc(ContentCipher c, bool encrypt, ByteView key, ByteView iv, ByteView in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (EVP_CipherInit_ex(ctx.get(), evp_cipher(c), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1)
    return Error(Errc::crypto_error, "cipher init failed");
  Bytes out(in.size() + 32);
  int n1 = 0, n2 = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1)
    return Error(Errc::decrypt_failed, "the content does not decrypt (wrong key or altered envelope)");
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> evp_public(const pki::Certificate& c) {
  const unsigned char* p = c.public_key().der.data();
  return {d2i_PUBKEY(nullptr, &p, static_cast<long>(c.public_key().der.size())), EVP_PKEY_free};
}

Result<Bytes> rsa_encrypt(const pki::Certificate& c, RsaKeyTransport pad, ByteView cek) {
  auto pkey = evp_public(c);
  if (!pkey) return Error(Errc::bad_encoding, "recipient RSA key is unusable");
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr),
                                                                   EVP_PKEY_CTX_free);
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1) return Error(Errc::crypto_error, "RSA encrypt init failed");
  if (pad == RsaKeyTransport::oaep_sha256) {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256());
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256());
  } else {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  }
  std::size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, cek.data(), cek.size()) != 1)
    return Error(Errc::crypto_error, "RSA encrypt failed");
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, cek.data(), cek.size()) != 1)
    return Error(Errc::crypto_error, "RSA encrypt failed");
  out.resize(len);
  return out;
}

// RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055), as OpenSSL writes them.
void write_oaep_sha256(asn1::Writer& w) {
  w.add_sequence([](asn1::Writer& p) {
    p.add_explicit(0, [](asn1::Writer& h) { h.add_sequence([](asn1::Writer& a) { a.add_oid(id::kSha256); }); });
    p.add_explicit(1, [](asn1::Writer& m) {
      m.add_sequence([](asn1::Writer& a) {
        a.add_oid(id::kMgf1);
        a.add_sequence([](asn1::Writer& h) { h.add_oid(id::kSha256); });
      });
    });
  });
}

const EVP_MD* md_for(const asn1::Oid& o) {
  if (o == id::kSha256) return EVP_sha256();
  if (o == id::kSha384) return EVP_sha384();
  if (o == id::kSha512) return EVP_sha512();
  if (o == id::kSha1) return EVP_sha1();
  return nullptr;
}

// RSAES-OAEP-params: hashAlgorithm [0], maskGenAlgorithm [1] (MGF1 with a hash), pSourceAlgorithm [2].
Status read_oaep_params(ByteView der, const EVP_MD** md, const EVP_MD** mgf1) {
  *md = *mgf1 = EVP_sha1();
  if (der.empty()) return {};
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader p, top.read_sequence());
  MEDSIGN_ASSIGN(auto h, p.read_optional_explicit(0));
  if (h) {
    MEDSIGN_ASSIGN(asn1::Reader alg, h->read_sequence());
    MEDSIGN_ASSIGN(auto oid, alg.read_oid());
    *md = md_for(oid);
    if (!*md) return bad("unsupported OAEP hash " + asn1::oid_name(oid));
  }
  MEDSIGN_ASSIGN(auto m, p.read_optional_explicit(1));
  if (m) {
    MEDSIGN_ASSIGN(asn1::Reader alg, m->read_sequence());
    MEDSIGN_ASSIGN(auto oid, alg.read_oid());
    if (oid != id::kMgf1) return bad("unsupported OAEP mask generation " + asn1::oid_name(oid));
    MEDSIGN_ASSIGN(asn1::Reader hash, alg.read_sequence());
    MEDSIGN_ASSIGN(auto hoid, hash.read_oid());
    *mgf1 = md_for(hoid);
    if (!*mgf1) return bad("unsupported MGF1 hash " + asn1::oid_name(hoid));
  }
  return {};
}

}  // namespace

Result<SecretBytes> decrypt_key_rsa(const RecipientInfo& ri, EVP_PKEY* key) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return Error(Errc::crypto_error, "RSA decrypt init failed");
  if (ri.key_encryption_oid == id::kRsaesOaep) {
    const EVP_MD *md = nullptr, *mgf1 = nullptr;
    MEDSIGN_TRY(read_oaep_params(ri.key_encryption_params, &md, &mgf1));
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md);
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), mgf1);
  } else if (ri.key_encryption_oid == id::kRsaEncryption) {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  } else {
    return bad("not an RSA key transport: " + asn1::oid_name(ri.key_encryption_oid));
  }
  std::size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ri.encrypted_key.data(), ri.encrypted_key.size()) != 1)
    return Error(Errc::decrypt_failed, "the content key does not decrypt");
  SecretBytes out{Bytes(len)};
  if (EVP_PKEY_decrypt(ctx.get(), out.bytes().data(), &len, ri.encrypted_key.data(), ri.encrypted_key.size()) != 1)
    return Error(Errc::decrypt_failed, "the content key does not decrypt");
  out.bytes().resize(len);
  return out;
}

const RecipientInfo* EnvelopedData::find(const pki::Certificate& cert) const {
  for (auto& r : recipients) {
    if (!r.subject_key_id.empty()) {
      if (cert.subject_key_identifier() && *cert.subject_key_identifier() == r.subject_key_id) return &r;
    } else if (r.issuer_der == cert.issuer().der() && r.serial == cert.serial()) {
      return &r;
    }
  }
  return nullptr;
}

Result<Bytes> envelope(const EnvelopeRequest& req, std::span<const pki::Certificate> recipients) {
  if (recipients.empty()) return Error(Errc::invalid_argument, "CMS envelope: at least one recipient is required");
  const std::size_t key_len = static_cast<std::size_t>(EVP_CIPHER_get_key_length(evp_cipher(req.cipher)));
  SecretBytes cek{Bytes(key_len)};
  Bytes iv(16);
  if (RAND_bytes(cek.bytes().data(), static_cast<int>(key_len)) != 1 || RAND_bytes(iv.data(), 16) != 1)
    return Error(Errc::crypto_error, "no randomness");
  MEDSIGN_ASSIGN(Bytes ciphertext, cbc(req.cipher, true, cek.view(), iv, req.content));
  struct Wrapped {
    const pki::Certificate* cert;
    bool sm2;
    Bytes key;
  };
  std::vector<Wrapped> wrapped;
  for (auto& c : recipients) {
    if (c.key_type() == pki::KeyType::sm2) {
      MEDSIGN_ASSIGN(auto pub, crypto::sm2::PublicKey::decode(c.public_key().key));
      MEDSIGN_ASSIGN(auto ct, crypto::sm2::encrypt(pub, cek.view()));
      wrapped.push_back({&c, true, crypto::sm2::encode_ciphertext_der(ct)});
    } else if (c.key_type() == pki::KeyType::rsa) {
      MEDSIGN_ASSIGN(Bytes k, rsa_encrypt(c, req.rsa_padding, cek.view()));
      wrapped.push_back({&c, false, std::move(k)});
    } else {
      return Error(Errc::invalid_argument, "CMS envelope: recipient keys must be SM2 or RSA (key agreement is not supported)");
    }
  }
  bool gm = req.flavor == Flavor::gmt0010;
  asn1::Writer w;
  w.add_sequence([&](asn1::Writer& ci) {
    ci.add_oid(gm ? id::kGmEnvelopedData : id::kPkcs7EnvelopedData);
    ci.add_explicit(0, [&](asn1::Writer& e) {
      e.add_sequence([&](asn1::Writer& ed) {
        ed.add_int64(gm ? 1 : 0);
        ed.add_set_of([&](asn1::Writer& ris) {
          for (auto& wr : wrapped) {
            ris.add_sequence([&](asn1::Writer& ri) {
              ri.add_int64(gm ? 1 : 0);
              ri.add_sequence([&](asn1::Writer& ias) {
                ias.add_raw(wr.cert->issuer().der());
                ias.add_integer_bytes(wr.cert->serial());
              });
              ri.add_sequence([&](asn1::Writer& alg) {
                if (wr.sm2) {
                  alg.add_oid(id::kSm2Encrypt);
                } else if (req.rsa_padding == RsaKeyTransport::oaep_sha256) {
                  alg.add_oid(id::kRsaesOaep);
                  write_oaep_sha256(alg);
                } else {
                  alg.add_oid(id::kRsaEncryption);
                  alg.add_null();
                }
              });
              ri.add_octet_string(wr.key);
            });
          }
        });
        ed.add_sequence([&](asn1::Writer& eci) {
          eci.add_oid(gm ? id::kGmData : id::kPkcs7Data);
          eci.add_sequence([&](asn1::Writer& alg) {
            alg.add_oid(cipher_oid(req.cipher));
            alg.add_octet_string(iv);
          });
          eci.add_octet_string(ciphertext, asn1::Tag::context(0, false));
        });
      });
    });
  });
  return std::move(w).finish();
}

Result<EnvelopedData> parse_enveloped_data(ByteView der) {
  EnvelopedData env;
  asn1::Reader top(der);
  MEDSIGN_ASSIGN(asn1::Reader ci, top.read_sequence());
  MEDSIGN_TRY(top.expect_end());
  MEDSIGN_ASSIGN(auto ct, ci.read_oid());
  if (ct == id::kGmEnvelopedData) env.flavor = Flavor::gmt0010;
  else if (ct != id::kPkcs7EnvelopedData) return bad("content type is " + asn1::oid_name(ct) + ", not envelopedData");
  MEDSIGN_ASSIGN(asn1::Reader ex, ci.read_explicit(0));
  MEDSIGN_TRY(ci.expect_end());
  MEDSIGN_ASSIGN(asn1::Reader ed, ex.read_sequence());
  MEDSIGN_TRY(ex.expect_end());
  MEDSIGN_ASSIGN(auto version, ed.read_int64());
  env.version = static_cast<int>(version);
  if (ed.peek(asn1::Tag::context(0, true))) MEDSIGN_TRY(ed.read_any());  // originatorInfo: not needed
  MEDSIGN_ASSIGN(asn1::Reader ris, ed.read_set());
  while (!ris.empty()) {
    MEDSIGN_ASSIGN(auto el, ris.read_any());
    if (el.tag != asn1::tag::kSequence) continue;  // kari/kekri/pwri/ori: not for us
    MEDSIGN_ASSIGN(asn1::Reader ri, ris.enter(el));
    RecipientInfo r;
    MEDSIGN_TRY(ri.read_int64());
    if (ri.peek(asn1::tag::kSequence)) {
      MEDSIGN_ASSIGN(asn1::Reader ias, ri.read_sequence());
      MEDSIGN_ASSIGN(auto issuer, ias.read_element(asn1::tag::kSequence));
      r.issuer_der.assign(issuer.raw.begin(), issuer.raw.end());
      MEDSIGN_ASSIGN(auto serial, ias.read_integer_bytes());
      r.serial.assign(serial.begin(), serial.end());
    } else {
      MEDSIGN_ASSIGN(auto ski, ri.read_octet_string(asn1::Tag::context(0, false)));
      r.subject_key_id.assign(ski.begin(), ski.end());
    }
    MEDSIGN_ASSIGN(asn1::Reader alg, ri.read_sequence());
    MEDSIGN_ASSIGN(r.key_encryption_oid, alg.read_oid());
    if (!alg.empty()) {
      MEDSIGN_ASSIGN(auto params, alg.read_any());
      r.key_encryption_params.assign(params.raw.begin(), params.raw.end());
    }
    MEDSIGN_ASSIGN(auto key, ri.read_octet_string());
    r.encrypted_key.assign(key.begin(), key.end());
    MEDSIGN_TRY(ri.expect_end());
    env.recipients.push_back(std::move(r));
  }
  MEDSIGN_ASSIGN(asn1::Reader eci, ed.read_sequence());
  MEDSIGN_ASSIGN(env.content_type, eci.read_oid());
  MEDSIGN_ASSIGN(asn1::Reader calg, eci.read_sequence());
  MEDSIGN_ASSIGN(auto coid, calg.read_oid());
  MEDSIGN_ASSIGN(env.cipher, cipher_from_oid(coid));
  MEDSIGN_ASSIGN(auto iv, calg.read_octet_string());
  if (iv.size() != 16) return bad("the IV must be 16 bytes");
  env.iv.assign(iv.begin(), iv.end());
  MEDSIGN_ASSIGN(auto enc, eci.read_optional(asn1::Tag::context(0, false)));
  if (!enc) {
    // Some producers encode encryptedContent constructed ([0] holding OCTET STRING segments).
    MEDSIGN_ASSIGN(auto cons, eci.read_optional(asn1::Tag::context(0, true)));
    if (!cons) return bad("no encrypted content");
    MEDSIGN_ASSIGN(asn1::Reader seg, eci.enter(*cons));
    while (!seg.empty()) {
      MEDSIGN_ASSIGN(auto part, seg.read_octet_string());
      env.encrypted_content.insert(env.encrypted_content.end(), part.begin(), part.end());
    }
  } else {
    env.encrypted_content.assign(enc->content.begin(), enc->content.end());
  }
  return env;
}

Result<SecretBytes> open_envelope(const EnvelopedData& env, const pki::Certificate& me,
                                  const KeyDecryptFunction& decrypt_key) {
  const RecipientInfo* ri = env.find(me);
  if (!ri) return Error(Errc::not_found, "CMS envelope: the certificate is not among the recipients");
  auto cek = decrypt_key(*ri);
  if (!cek) return Error(Errc::decrypt_failed, "CMS envelope: the content key does not decrypt: " + cek.error().detail);
  std::size_t need = static_cast<std::size_t>(EVP_CIPHER_get_key_length(evp_cipher(env.cipher)));
  if (cek->size() != need) return Error(Errc::decrypt_failed, "CMS envelope: the content key has the wrong length");
  MEDSIGN_ASSIGN(Bytes plain, cbc(env.cipher, false, cek->view(), env.iv, env.encrypted_content));
  return SecretBytes(std::move(plain));
}

}  // namespace medsign::cms
