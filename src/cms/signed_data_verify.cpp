#include "asn1/oids.h"
#include "cms/signed_data.h"

namespace medsign::cms {
namespace id = asn1::oid;
namespace {

const pki::Certificate* find_certificate(const SignerInfo& si, const SignedData& sd,
                                         std::span<const pki::Certificate> extra) {
  auto match = [&](const pki::Certificate& c) {
    if (!si.subject_key_id.empty()) return c.subject_key_identifier() && *c.subject_key_identifier() == si.subject_key_id;
    return c.issuer().der() == si.issuer_der && c.serial() == si.serial;
  };
  for (auto& c : sd.certificates)
    if (match(c)) return &c;
  for (auto& c : extra)
    if (match(c)) return &c;
  return nullptr;
}

// The content as the signers see it: either the bytes, or only their digest under one algorithm.
struct SignedContent {
  std::optional<ByteView> bytes;
  const ContentDigest* digest = nullptr;
};

Result<std::vector<SignerVerification>> verify_each(const SignedData& sd, const SignedContent& sc,
                                                    std::span<const pki::Certificate> extra) {
  if (sd.signers.empty()) return Error(Errc::bad_encoding, "CMS: SignedData has no signer");
  std::vector<SignerVerification> out;
  for (std::size_t i = 0; i < sd.signers.size(); ++i) {
    const SignerInfo& si = sd.signers[i];
    SignerVerification v;
    v.index = i;
    v.signing_time_ms = si.signing_time_ms;
    auto fail = [&](std::string why) {
      v.ok = false;
      v.problem = std::move(why);
      out.push_back(v);
    };
    const pki::Certificate* cert = find_certificate(si, sd, extra);
    if (!cert) {
      fail("the signer's certificate is not included");
      continue;
    }
    v.certificate = *cert;
    auto alg = signature_from_oid(si.signature_oid, cert->key_type());
    if (!alg) {
      fail(alg.error().detail);
      continue;
    }
    if (si.signed_attributes_der.empty() && !sc.bytes) {
      fail("without signed attributes the signature covers the content itself, which is known only by its digest");
      continue;
    }
    ByteView signed_bytes = sc.bytes ? *sc.bytes : ByteView{};
    if (!si.signed_attributes_der.empty()) {
      if (!si.message_digest) {
        fail("signed attributes lack messageDigest");
        continue;
      }
      if (!si.content_type_attribute) {
        fail("signed attributes lack contentType");
        continue;
      }
      bool data_types = (*si.content_type_attribute == id::kPkcs7Data || *si.content_type_attribute == id::kGmData) &&
                        (sd.content_type == id::kPkcs7Data || sd.content_type == id::kGmData);
      if (*si.content_type_attribute != sd.content_type && !data_types) {
        fail("the contentType attribute does not match the content");
        continue;
      }
      if (sc.digest && sc.digest->algorithm != si.digest) {
        fail("the signer uses another digest algorithm than the supplied content digest");
        continue;
      }
      if (!ct_equal(*si.message_digest, sc.digest ? sc.digest->value : digest(si.digest, *sc.bytes))) {
        fail("the content does not match its messageDigest (content altered)");
        continue;
      }
      signed_bytes = si.signed_attributes_der;
    }
    auto st = verify_signature(cert->public_key(), *alg, si.digest, signed_bytes, si.signature);
    if (!st) {
      fail(st.error().detail);
      continue;
    }
    v.ok = true;
    out.push_back(v);
  }
  return out;
}

}  // namespace

Result<std::vector<SignerVerification>> verify_signatures(const SignedData& sd, std::optional<ByteView> detached,
                                                          std::span<const pki::Certificate> extra) {
  SignedContent sc;
  if (sd.content) sc.bytes = ByteView(*sd.content);
  else if (detached) sc.bytes = *detached;
  else return Error(Errc::invalid_argument, "CMS: detached signature: the signed content is required");
  return verify_each(sd, sc, extra);
}

Result<std::vector<SignerVerification>> verify_signatures(const SignedData& sd, const ContentDigest& content_digest,
                                                          std::span<const pki::Certificate> extra) {
  if (content_digest.value.size() != digest_size(content_digest.algorithm))
    return Error(Errc::invalid_argument, "CMS: the content digest's size does not match its algorithm");
  SignedContent sc;
  sc.digest = &content_digest;
  return verify_each(sd, sc, extra);
}

}  // namespace medsign::cms
