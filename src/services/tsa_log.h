// The issued-token log (table tsa_tokens, written by TsaService): search by serial, time range, requester,
// imprint and unit; each token downloadable again as the TimeStampResp a client received, and its fields
// parsed for display.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.h"

namespace medsign::services {

struct TokenQuery {
  std::string serial;     // hex, any case, optional "0x" and ':' separators; exact match
  std::string requester;  // exact
  std::string imprint;    // hex of the hashed message; exact
  std::string unit;       // exact
  std::optional<std::int64_t> from_ms, to_ms;  // genTime range, inclusive
  int page = 1;
  int page_size = 50;     // 1..500
};

struct TokenRecord {
  std::string serial, unit, policy, hash_algorithm, imprint, nonce, requester;
  std::int64_t gen_time_ms = 0;
};

struct TokenPage {
  std::vector<TokenRecord> items;
  std::int64_t total = 0;
  int page = 1, page_size = 50;
};

constexpr int kMaxTokenPageSize = 500;

// Lower-case hex without "0x", ':' or spaces; empty when `s` is not hex.
std::string normalize_hex(std::string_view s);

Result<TokenPage> search_tokens(store::Database& db, const TokenQuery& q);
// The logged row and the token (ContentInfo DER). not_found when no token has this serial.
Result<std::pair<TokenRecord, Bytes>> find_token(store::Database& db, const std::string& serial);
// The fields of a token for display: genTime, policy, imprint, nonce, accuracy, TSA name, signer
// certificate, and whether its signature verifies. bad_encoding when it is not a token.
Result<nlohmann::json> token_details(ByteView token);
nlohmann::json token_record_json(const TokenRecord& r);

}  // namespace medsign::services
