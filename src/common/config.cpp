#include "common/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

extern char** environ;

namespace medsign {
namespace {

template <typename S, typename T>
ConfigKey int_key(std::string section, std::string name, T S::*field, S Config::*sec, std::int64_t lo, std::int64_t hi,
                  std::string doc) {
  Config d;
  ConfigKey k{section, name, std::move(doc), static_cast<std::int64_t>(d.*sec.*field), {}, {}};
  k.get = [=](const Config& c) { return ConfigValue(static_cast<std::int64_t>(c.*sec.*field)); };
  k.set = [=](Config& c, const ConfigValue& v) -> std::string {
    auto p = std::get_if<std::int64_t>(&v);
    if (!p) return "must be an integer";
    if (*p < lo || *p > hi) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    c.*sec.*field = static_cast<T>(*p);
    return {};
  };
  return k;
}

template <typename S>
ConfigKey bool_key(std::string section, std::string name, bool S::*field, S Config::*sec, std::string doc) {
  Config d;
  ConfigKey k{section, name, std::move(doc), d.*sec.*field, {}, {}};
  k.get = [=](const Config& c) { return ConfigValue(c.*sec.*field); };
  k.set = [=](Config& c, const ConfigValue& v) -> std::string {
    auto p = std::get_if<bool>(&v);
    if (!p) return "must be true or false";
    c.*sec.*field = *p;
    return {};
  };
  return k;
}

template <typename S>
ConfigKey str_key(std::string section, std::string name, std::string S::*field, S Config::*sec, std::string doc,
                  std::vector<std::string> allowed = {}) {
  Config d;
  ConfigKey k{section, name, std::move(doc), d.*sec.*field, {}, {}};
  k.get = [=](const Config& c) { return ConfigValue(c.*sec.*field); };
  k.set = [=](Config& c, const ConfigValue& v) -> std::string {
    auto p = std::get_if<std::string>(&v);
    if (!p) return "must be a string";
    if (!allowed.empty()) {
      bool ok = false;
      for (auto& a : allowed) ok = ok || a == *p;
      if (!ok) {
        std::string m = "must be one of:";
        for (auto& a : allowed) m += " " + a;
        return m;
      }
    }
    c.*sec.*field = *p;
    return {};
  };
  return k;
}

std::vector<ConfigKey> make_keys() {
  using C = Config;
  std::vector<ConfigKey> k;
  k.push_back(str_key("server", "listen", &ServerConfig::listen, &C::server, "Address the HTTP, HTTPS and protocol listeners bind to."));
  k.push_back(int_key("server", "http_port", &ServerConfig::http_port, &C::server, 1, 65535, "Plain HTTP port (API and web console)."));
  k.push_back(bool_key("server", "https_enabled", &ServerConfig::https_enabled, &C::server, "Serve HTTPS as well."));
  k.push_back(int_key("server", "https_port", &ServerConfig::https_port, &C::server, 1, 65535, "HTTPS port."));
  k.push_back(int_key("server", "threads", &ServerConfig::threads, &C::server, 0, 256, "I/O threads; 0 means one per core."));
  k.push_back(int_key("server", "max_body_bytes", &ServerConfig::max_body_bytes, &C::server, 1024, std::int64_t{1} << 34, "Largest request body accepted (413 above)."));
  k.push_back(int_key("server", "header_timeout_ms", &ServerConfig::header_timeout_ms, &C::server, 100, 600000, "Time allowed to receive a request's headers (408 after)."));
  k.push_back(int_key("server", "body_timeout_ms", &ServerConfig::body_timeout_ms, &C::server, 100, 3600000, "Time allowed to receive a request's body."));
  k.push_back(int_key("server", "idle_timeout_ms", &ServerConfig::idle_timeout_ms, &C::server, 100, 3600000, "Keep-alive connections idle this long are closed."));
  k.push_back(int_key("server", "shutdown_grace_ms", &ServerConfig::shutdown_grace_ms, &C::server, 0, 600000, "On SIGTERM, time in-flight requests get to finish."));
  k.push_back(str_key("server", "tls_cert", &ServerConfig::tls_cert, &C::server, "PEM certificate chain for HTTPS (relative to the data dir)."));
  k.push_back(str_key("server", "tls_key", &ServerConfig::tls_key, &C::server, "Sealed private key for HTTPS (encrypted PKCS#8 PEM, relative to the data dir)."));
  k.push_back(str_key("server", "web_root", &ServerConfig::web_root, &C::server, "Directory of the web console bundle; empty means the one built with the binary."));
  k.push_back(str_key("database", "backend", &DatabaseSettings::backend, &C::database, "Storage backend.", {"sqlite", "postgres"}));
  k.push_back(str_key("database", "sqlite_path", &DatabaseSettings::sqlite_path, &C::database, "SQLite database file (relative to the data dir)."));
  k.push_back(str_key("database", "postgres_url", &DatabaseSettings::postgres_url, &C::database, "libpq connection string, e.g. postgresql://medsign@127.0.0.1:5432/medsign."));
  k.push_back(int_key("database", "pool_size", &DatabaseSettings::pool_size, &C::database, 1, 256, "Database connections kept open."));
  k.push_back(int_key("database", "busy_timeout_ms", &DatabaseSettings::busy_timeout_ms, &C::database, 0, 600000, "How long a writer waits for a lock."));
  k.push_back(int_key("security", "session_idle_timeout_s", &SecuritySettings::session_idle_timeout_s, &C::security, 30, 86400, "Console sessions idle this long end."));
  k.push_back(int_key("security", "session_max_lifetime_s", &SecuritySettings::session_max_lifetime_s, &C::security, 60, 604800, "Console sessions end after this long regardless of activity."));
  k.push_back(int_key("security", "heartbeat_interval_s", &SecuritySettings::heartbeat_interval_s, &C::security, 1, 3600, "How often the console re-signs a challenge with the smart key."));
  k.push_back(int_key("security", "heartbeat_grace_s", &SecuritySettings::heartbeat_grace_s, &C::security, 0, 3600, "Slack after a missed heartbeat before the session ends."));
  k.push_back(int_key("security", "challenge_ttl_s", &SecuritySettings::challenge_ttl_s, &C::security, 5, 3600, "Lifetime of a login or heartbeat challenge."));
  k.push_back(int_key("security", "lockout_threshold", &SecuritySettings::lockout_threshold, &C::security, 1, 100, "Failed logins in a row that lock an account."));
  k.push_back(int_key("security", "lockout_minutes", &SecuritySettings::lockout_minutes, &C::security, 0, 100000, "How long an automatic lock lasts (0 = until unlocked by an administrator)."));
  k.push_back(int_key("security", "password_min_length", &SecuritySettings::password_min_length, &C::security, 8, 256, "Minimum password length."));
  k.push_back(bool_key("security", "secure_cookies_over_http", &SecuritySettings::secure_cookies_over_http, &C::security, "Mark session cookies Secure even on plain HTTP (behind a TLS proxy)."));
  k.push_back(int_key("audit", "checkpoint_every", &AuditSettings::checkpoint_every, &C::audit, 1, 1000000, "A signed checkpoint of the audit chain after this many entries."));
  k.push_back(str_key("time", "servers", &TimeSettings::servers, &C::time, "NTP/SNTP time sources, comma-separated host[:port]; empty trusts the local clock."));
  k.push_back(int_key("time", "poll_interval_s", &TimeSettings::poll_interval_s, &C::time, 1, 86400, "How often each time source is polled."));
  k.push_back(int_key("time", "timeout_ms", &TimeSettings::timeout_ms, &C::time, 10, 60000, "How long to wait for a time source's answer."));
  k.push_back(int_key("time", "max_offset_ms", &TimeSettings::max_offset_ms, &C::time, 1, 3600000, "Largest clock offset from the sources at which trusted time is still issued."));
  k.push_back(int_key("time", "holdover_s", &TimeSettings::holdover_s, &C::time, 1, 604800, "How long the last good source sample stays valid when sources stop answering."));
  k.push_back(bool_key("time", "use_chrony", &TimeSettings::use_chrony, &C::time, "Also read chrony's tracking (GPS/BeiDou reference clocks via chrony and gpsd)."));
  k.push_back(bool_key("time", "sntp_enabled", &TimeSettings::sntp_enabled, &C::time, "Serve SNTP to business systems."));
  k.push_back(int_key("time", "sntp_port", &TimeSettings::sntp_port, &C::time, 1, 65535, "UDP port of the SNTP server (123 for the standard port)."));
  k.push_back(bool_key("tsa", "enabled", &TsaSettings::enabled, &C::tsa, "Run the timestamp authority (HTTP POST /tsa)."));
  k.push_back(str_key("tsa", "default_unit", &TsaSettings::default_unit, &C::tsa, "TSA unit that answers POST /tsa (units: sm2, ecdsa, rsa, ...)."));
  k.push_back(str_key("tsa", "policy", &TsaSettings::policy, &C::tsa, "Policy OID written into tokens."));
  k.push_back(str_key("tsa", "accepted_policies", &TsaSettings::accepted_policies, &C::tsa, "Further policy OIDs a request may ask for, comma-separated."));
  k.push_back(int_key("tsa", "accuracy_ms", &TsaSettings::accuracy_ms, &C::tsa, 1, 999, "Accuracy stated in tokens, in milliseconds."));
  k.push_back(int_key("tsa", "node_id", &TsaSettings::node_id, &C::tsa, 0, 32767, "Node number in token serial numbers; unique per node sharing a database."));
  k.push_back(bool_key("tsa", "include_tsa_name", &TsaSettings::include_tsa_name, &C::tsa, "Name the TSA (its certificate subject) in tokens."));
  k.push_back(bool_key("tsa", "access_log", &TsaSettings::access_log, &C::tsa, "Write an access-log line for each HTTP timestamp request (every token is in the token log regardless)."));
  k.push_back(bool_key("tsa", "tcp_enabled", &TsaSettings::tcp_enabled, &C::tsa, "Serve the RFC 3161 TCP socket protocol."));
  k.push_back(int_key("tsa", "tcp_port", &TsaSettings::tcp_port, &C::tsa, 1, 65535, "TCP port of the RFC 3161 socket protocol."));
  k.push_back(int_key("tsa", "tcp_max_message", &TsaSettings::tcp_max_message, &C::tsa, 256, 1048576, "Largest TCP message (length field) accepted; larger ones get errorMsgRep and the connection is closed."));
  k.push_back(int_key("tsa", "tcp_idle_timeout_ms", &TsaSettings::tcp_idle_timeout_ms, &C::tsa, 100, 3600000, "TCP connections idle this long (or stalled mid-message) are closed."));
  k.push_back(bool_key("tsa", "udp_enabled", &TsaSettings::udp_enabled, &C::tsa, "Serve timestamp requests over UDP, one TimeStampReq per datagram."));
  k.push_back(int_key("tsa", "udp_port", &TsaSettings::udp_port, &C::tsa, 1, 65535, "UDP port for timestamp requests."));
  k.push_back(int_key("tsa", "max_datagram", &TsaSettings::max_datagram, &C::tsa, 512, 65507, "Largest UDP datagram accepted and sent; larger requests and responses get a rejection."));
  k.push_back(int_key("tsa", "transport_threads", &TsaSettings::transport_threads, &C::tsa, 0, 256, "I/O threads of the TCP and UDP transports; 0 means one per core."));
  k.push_back(bool_key("svs", "enabled", &SvsSettings::enabled, &C::svs, "Run the signing and verification service (REST /api/v1/svs and the GM/T 0029 protocols)."));
  k.push_back(bool_key("svs", "tcp_enabled", &SvsSettings::tcp_enabled, &C::svs, "Serve the GM/T 0029 Annex A message protocol over TCP."));
  k.push_back(int_key("svs", "tcp_port", &SvsSettings::tcp_port, &C::svs, 1, 65535, "TCP port of the GM/T 0029 message protocol."));
  k.push_back(bool_key("svs", "udp_enabled", &SvsSettings::udp_enabled, &C::svs, "Serve GM/T 0029 messages over UDP, one request per datagram."));
  k.push_back(int_key("svs", "udp_port", &SvsSettings::udp_port, &C::svs, 1, 65535, "UDP port of the GM/T 0029 message protocol."));
  k.push_back(int_key("svs", "max_message", &SvsSettings::max_message, &C::svs, 1024, 67108864, "Largest GM/T 0029 message accepted over TCP; larger ones are answered with GM_INVALID_DATA_FORMAT and the connection is closed."));
  k.push_back(int_key("svs", "max_datagram", &SvsSettings::max_datagram, &C::svs, 512, 65507, "Largest UDP datagram accepted and sent."));
  k.push_back(int_key("svs", "max_pipeline", &SvsSettings::max_pipeline, &C::svs, 1, 4096, "Requests in flight on one TCP connection before the server stops reading more."));
  k.push_back(int_key("svs", "idle_timeout_ms", &SvsSettings::idle_timeout_ms, &C::svs, 100, 3600000, "TCP connections idle this long (or stalled mid-message) are closed."));
  k.push_back(int_key("svs", "transport_threads", &SvsSettings::transport_threads, &C::svs, 0, 256, "I/O threads of the GM/T 0029 TCP and UDP transports; 0 means one per core."));
  k.push_back(bool_key("svs", "tls_enabled", &SvsSettings::tls_enabled, &C::svs, "Serve the GM/T 0029 Annex A message protocol over TLS too (the server.tls_cert certificate and server.tls_key key)."));
  k.push_back(int_key("svs", "tls_port", &SvsSettings::tls_port, &C::svs, 1, 65535, "TCP port of the GM/T 0029 message protocol over TLS."));
  k.push_back(str_key("log", "level", &LogSettings::level, &C::log, "Log level.", {"debug", "info", "warn", "error"}));
  k.push_back(str_key("log", "file", &LogSettings::file, &C::log, "JSON log file (relative to the data dir); empty logs to stderr only."));
  k.push_back(str_key("providers", "sdf_library", &ProvidersSettings::sdf_library, &C::providers, "GM/T 0018 (SDF) library of a crypto card or HSM; empty means no SDF device."));
  k.push_back(str_key("providers", "pkcs11_module", &ProvidersSettings::pkcs11_module, &C::providers, "PKCS#11 module of an HSM or token; empty means none."));
  k.push_back(str_key("providers", "pkcs11_token", &ProvidersSettings::pkcs11_token, &C::providers, "Label of the PKCS#11 token; empty means the first token (or pkcs11_slot)."));
  k.push_back(int_key("providers", "pkcs11_slot", &ProvidersSettings::pkcs11_slot, &C::providers, -1, 4294967295LL, "PKCS#11 slot id instead of the token label; -1 chooses by label."));
  k.push_back(str_key("providers", "pkcs11_pin_file", &ProvidersSettings::pkcs11_pin_file, &C::providers, "File holding the PKCS#11 token's user PIN (relative to the data dir, mode 0600); empty logs in without a PIN."));
  return k;
}

std::string toml_literal(const ConfigValue& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::ostringstream os;
  os << toml::value<std::string>(std::get<std::string>(v));
  return os.str();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::filesystem::path Config::resolve(const std::string& p) const {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : data_dir / path;
}

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

Result<Config> parse_config(std::string_view text, const std::string& source) {
  toml::table tbl;
  try {
    tbl = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return Error(Errc::config_invalid, os.str());
  }
  Config cfg;
  std::set<std::string> sections;
  for (auto& k : config_keys()) sections.insert(k.section);
  for (auto&& [sec_name, sec_node] : tbl) {
    std::string sec(sec_name.str());
    if (!sections.count(sec))
      return Error(Errc::config_invalid, source + ": unknown section [" + sec + "]");
    auto* sec_tbl = sec_node.as_table();
    if (!sec_tbl) return Error(Errc::config_invalid, source + ": " + sec + " must be a table");
    for (auto&& [key_name, node] : *sec_tbl) {
      std::string key(key_name.str());
      const ConfigKey* found = nullptr;
      for (auto& k : config_keys())
        if (k.section == sec && k.name == key) found = &k;
      if (!found) return Error(Errc::config_invalid, source + ": unknown key " + sec + "." + key);
      ConfigValue v;
      if (auto i = node.as_integer()) v = i->get();
      else if (auto b = node.as_boolean()) v = b->get();
      else if (auto s = node.as_string()) v = s->get();
      else return Error(Errc::config_invalid, source + ": " + sec + "." + key + " has an unsupported type");
      std::string err = found->set(cfg, v);
      if (!err.empty()) return Error(Errc::config_invalid, source + ": " + sec + "." + key + " " + err);
    }
  }
  return cfg;
}

Status apply_env_overrides(Config& cfg, const std::map<std::string, std::string>& env) {
  static const std::set<std::string> not_config = {"MEDSIGN_DATA", "MEDSIGN_BACKUP_PASSPHRASE", "MEDSIGN_PASSWORD",
                                                   "MEDSIGN_KEY_PASSPHRASE",
                                                   // read by libmedsign-softsdf.so (a provider library), not by us
                                                   "MEDSIGN_SOFTSDF_DIR", "MEDSIGN_SOFTSDF_PASSPHRASE"};
  for (auto& [name, value] : env) {
    if (name.rfind("MEDSIGN_", 0) != 0 || not_config.count(name) || name.rfind("MEDSIGN_TEST_", 0) == 0) continue;
    const ConfigKey* found = nullptr;
    for (auto& k : config_keys())
      if (name == "MEDSIGN_" + upper(k.section) + "_" + upper(k.name)) found = &k;
    if (!found) return Error(Errc::config_invalid, "environment variable " + name + " names no configuration key");
    ConfigValue v;
    if (std::holds_alternative<std::int64_t>(found->default_value)) {
      try {
        std::size_t used = 0;
        long long n = std::stoll(value, &used);
        if (used != value.size()) throw std::invalid_argument("trailing");
        v = static_cast<std::int64_t>(n);
      } catch (const std::exception&) {
        return Error(Errc::config_invalid, name + " must be an integer, got '" + value + "'");
      }
    } else if (std::holds_alternative<bool>(found->default_value)) {
      if (value == "true" || value == "1") v = true;
      else if (value == "false" || value == "0") v = false;
      else return Error(Errc::config_invalid, name + " must be true or false, got '" + value + "'");
    } else {
      v = value;
    }
    std::string err = found->set(cfg, v);
    if (!err.empty()) return Error(Errc::config_invalid, name + " " + err);
  }
  return {};
}

Status validate_config(const Config& cfg) {
  if (cfg.server.https_enabled && cfg.server.https_port == cfg.server.http_port)
    return Error(Errc::config_invalid, "server.https_port must differ from server.http_port");
  if (cfg.tsa.enabled && cfg.tsa.tcp_enabled &&
      (cfg.tsa.tcp_port == cfg.server.http_port || (cfg.server.https_enabled && cfg.tsa.tcp_port == cfg.server.https_port)))
    return Error(Errc::config_invalid, "tsa.tcp_port must differ from the HTTP and HTTPS ports");
  if (cfg.svs.enabled && cfg.svs.tcp_enabled &&
      (cfg.svs.tcp_port == cfg.server.http_port || (cfg.server.https_enabled && cfg.svs.tcp_port == cfg.server.https_port) ||
       (cfg.tsa.enabled && cfg.tsa.tcp_enabled && cfg.svs.tcp_port == cfg.tsa.tcp_port)))
    return Error(Errc::config_invalid, "svs.tcp_port must differ from the HTTP, HTTPS and TSA ports");
  if (cfg.svs.enabled && cfg.svs.tls_enabled &&
      ((cfg.svs.tcp_enabled && cfg.svs.tls_port == cfg.svs.tcp_port) || cfg.svs.tls_port == cfg.server.http_port ||
       (cfg.server.https_enabled && cfg.svs.tls_port == cfg.server.https_port) ||
       (cfg.tsa.enabled && cfg.tsa.tcp_enabled && cfg.svs.tls_port == cfg.tsa.tcp_port)))
    return Error(Errc::config_invalid, "svs.tls_port must differ from svs.tcp_port and the HTTP, HTTPS and TSA ports");
  if (cfg.database.backend == "postgres" && cfg.database.postgres_url.empty())
    return Error(Errc::config_invalid, "database.postgres_url is required when database.backend = \"postgres\"");
  if (cfg.database.backend == "sqlite" && cfg.database.sqlite_path.empty())
    return Error(Errc::config_invalid, "database.sqlite_path must not be empty");
  if (cfg.server.listen.empty()) return Error(Errc::config_invalid, "server.listen must not be empty");
  return {};
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string s(*e);
    auto eq = s.find('=');
    if (eq != std::string::npos) env[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return env;
}

Result<Config> load_config(const std::filesystem::path& data_dir) {
  auto file = data_dir / "medsign.toml";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Error(Errc::data_dir_missing, "cannot read " + file.string() +
                                             "; run `medsign init --data " + data_dir.string() + "` first");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  MEDSIGN_ASSIGN(Config cfg, parse_config(ss.str(), file.string()));
  MEDSIGN_TRY(apply_env_overrides(cfg, process_environment()));
  MEDSIGN_TRY(validate_config(cfg));
  cfg.data_dir = data_dir;
  return cfg;
}

std::string default_config_toml() {
  std::ostringstream os;
  os << "# MedSign configuration. Every key is described in docs/CONFIG.md.\n"
        "# Environment variables MEDSIGN_<SECTION>_<KEY> override these values.\n";
  std::string sec;
  for (auto& k : config_keys()) {
    if (k.section != sec) {
      sec = k.section;
      os << "\n[" << sec << "]\n";
    }
    os << "# " << k.doc << "\n" << k.name << " = " << toml_literal(k.default_value) << "\n";
  }
  return os.str();
}

std::string config_to_toml(const Config& cfg) {
  std::ostringstream os;
  os << "# effective configuration of " << cfg.data_dir.string() << " (file + environment)\n";
  std::string sec;
  for (auto& k : config_keys()) {
    if (k.section != sec) {
      sec = k.section;
      os << "\n[" << sec << "]\n";
    }
    os << k.name << " = " << toml_literal(k.get(cfg)) << "\n";
  }
  return os.str();
}

}  // namespace medsign
