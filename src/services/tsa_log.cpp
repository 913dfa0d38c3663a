#include "services/tsa_log.h"

#include <algorithm>

#include "common/clock.h"
#include "pki/name.h"
#include "services/tsa_index.h"
#include "tsp/timestamp_issuer.h"

namespace medsign::services {

std::string normalize_hex(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  std::string out;
  for (char c : s) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

namespace {
constexpr const char* kColumns = "serial, unit, gen_time, policy, hash_algorithm, imprint, nonce, requester";

TokenRecord record_from(const store::Row& r) {
  return {r.text(0), r.text(1), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.int64(2)};
}
}  // namespace

Result<TokenPage> search_tokens(store::Database& db, const TokenQuery& q) {
  if (q.page < 1) return Error(Errc::invalid_argument, "page: must be at least 1");
  if (q.page_size < 1 || q.page_size > kMaxTokenPageSize)
    return Error(Errc::invalid_argument, "page_size: 1 to " + std::to_string(kMaxTokenPageSize));
  std::string where = " WHERE 1 = 1";
  store::Params params;
  auto hex_filter = [&](const std::string& value, const char* column, const char* field) -> Status {
    if (value.empty()) return {};
    std::string h = normalize_hex(value);
    if (h.empty()) return Error(Errc::invalid_argument, std::string(field) + ": expected hexadecimal");
    where.append(" AND ").append(column).append(" = ?");
    params.emplace_back(h);
    return {};
  };
  MEDSIGN_TRY(hex_filter(q.serial, "serial", "serial"));
  MEDSIGN_TRY(hex_filter(q.imprint, "imprint", "imprint"));
  if (!q.imprint.empty()) {  // through the imprint index (services/tsa_index.h)
    auto [serials, serial_params] = TokenImprintIndex::serials_sql(db, normalize_hex(q.imprint));
    where.append(" AND serial IN (").append(serials).append(")");
    params.insert(params.end(), serial_params.begin(), serial_params.end());
  }
  if (!q.requester.empty()) {
    where.append(" AND requester = ?");
    params.emplace_back(q.requester);
  }
  if (!q.unit.empty()) {
    where.append(" AND unit = ?");
    params.emplace_back(q.unit);
  }
  if (q.from_ms) {
    where.append(" AND gen_time >= ?");
    params.emplace_back(*q.from_ms);
  }
  if (q.to_ms) {
    where.append(" AND gen_time <= ?");
    params.emplace_back(*q.to_ms);
  }
  TokenPage page;
  page.page = q.page;
  page.page_size = q.page_size;
  std::string count_sql = "SELECT COUNT(*) FROM tsa_tokens";
  count_sql.append(where);
  MEDSIGN_ASSIGN(auto count, db.query(count_sql, params));
  page.total = count.empty() ? 0 : count[0].int64(0);
  std::string sql = "SELECT ";
  sql.append(kColumns).append(" FROM tsa_tokens").append(where);
  sql.append(" ORDER BY gen_time DESC, serial DESC LIMIT ? OFFSET ?");
  params.emplace_back(static_cast<std::int64_t>(q.page_size));
  params.emplace_back(static_cast<std::int64_t>(q.page - 1) * q.page_size);
  MEDSIGN_ASSIGN(auto rows, db.query(sql, params));
  for (auto& r : rows) page.items.push_back(record_from(r));
  return page;
}

Result<std::pair<TokenRecord, Bytes>> find_token(store::Database& db, const std::string& serial) {
  std::string h = normalize_hex(serial);
  if (h.empty()) return Error(Errc::invalid_argument, "serial: expected hexadecimal");
  std::string sql = "SELECT ";
  sql.append(kColumns).append(", token FROM tsa_tokens WHERE serial = ?");
  MEDSIGN_ASSIGN(auto rows, db.query(sql, {h}));
  if (rows.empty()) return Error(Errc::not_found, "no timestamp token with serial " + h);
  return std::make_pair(record_from(rows[0]), rows[0].blob(8));
}

nlohmann::json token_record_json(const TokenRecord& r) {
  return {{"serial", r.serial},       {"unit", r.unit},
          {"gen_time", iso8601_millis(r.gen_time_ms)}, {"gen_time_ms", r.gen_time_ms},
          {"policy", r.policy},       {"hash_algorithm", r.hash_algorithm},
          {"imprint", r.imprint},     {"nonce", r.nonce},
          {"requester", r.requester}};
}

Result<nlohmann::json> token_details(ByteView token) {
  auto v = tsp::verify_token(token);
  if (!v) return Error(Errc::bad_encoding, "not a timestamp token: " + v.error().detail);
  const auto& t = v->tst;
  nlohmann::json j = {{"serial", hex_encode(t.serial)},
                      {"gen_time", iso8601_millis(t.gen_time_ms)},
                      {"gen_time_ms", t.gen_time_ms},
                      {"policy", t.policy.to_string()},
                      {"hash_algorithm", cms::digest_name(t.imprint.algorithm)},
                      {"imprint", hex_encode(t.imprint.hashed_message)},
                      {"nonce", t.nonce ? hex_encode(*t.nonce) : std::string()},
                      {"ordering", t.ordering},
                      {"signature_valid", v->ok},
                      {"problem", v->problem}};
  if (t.accuracy)
    j["accuracy"] = {{"seconds", t.accuracy->seconds}, {"millis", t.accuracy->millis}, {"micros", t.accuracy->micros}};
  if (!t.tsa_name_der.empty()) {
    auto n = pki::Name::parse_der(t.tsa_name_der);
    j["tsa"] = n ? n->to_string() : hex_encode(t.tsa_name_der);
  }
  if (v->signer)
    j["signer"] = {{"subject", v->signer->subject().to_string()},
                   {"issuer", v->signer->issuer().to_string()},
                   {"serial", v->signer->serial_hex()},
                   {"algorithm", pki::key_type_name(v->signer->key_type())},
                   {"sha256", v->signer->fingerprint_sha256()}};
  return j;
}

}  // namespace medsign::services
