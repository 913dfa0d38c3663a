// Chain validations per second: RSA-2048 and SM2 chains (root → intermediate → leaf) made with the
// openssl CLI at start-up, validated cold (no cache: path building, every signature, CRL lookups)
// and warm (ValidationCache hits). CRLs of both CAs are loaded and required.
//   build-val/bin/bench_pki --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "pki/validation_cache.h"

namespace {

using namespace medsign;
using namespace medsign::pki;

std::string read_text(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void sh(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

struct Chain {
  explicit Chain(Certificate l) : leaf(std::move(l)) {}
  Certificate leaf;
  VerificationPolicy policy;
  CrlStore crls;
};

// root → inter → leaf with `genpkey` keys and `sign` options, CRLs of root and inter.
std::unique_ptr<Chain> make_chain(const std::string& dir, const std::string& tag, const std::string& genpkey,
                                  const std::string& sign, bool sm2) {
  const std::string p = dir + "/" + tag + "_", vfy = sm2 ? " -vfyopt distid:1234567812345678" : "";
  std::ofstream(p + "ca.ext") << "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
  std::ofstream(p + "ee.ext") << "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n";
  int serial = 100;
  auto make = [&](const std::string& name, const std::string& subj, const std::string& issuer, const std::string& ext) {
    sh("openssl genpkey " + genpkey + " -out " + p + name + ".key");
    sh("openssl req -new -key " + p + name + ".key -subj '" + subj + "' " + sign + " -out " + p + name + ".csr");
    const std::string ca = issuer.empty() ? " -signkey " + p + name + ".key"
                                          : " -CA " + p + issuer + ".pem -CAkey " + p + issuer + ".key";
    sh("openssl x509 -req -in " + p + name + ".csr" + ca + " " + sign + vfy + " -extfile " + p + ext +
       " -set_serial " + std::to_string(++serial) + " -days 365 -out " + p + name + ".pem");
  };
  make("root", "/C=CN/O=Bench/CN=" + tag + " Root", "", "ca.ext");
  make("inter", "/C=CN/O=Bench/CN=" + tag + " Issuing CA", "root", "ca.ext");
  make("leaf", "/C=CN/O=Bench/CN=" + tag + " Doctor", "inter", "ee.ext");
  auto load = [&](const std::string& name) { return Certificate::parse_pem(read_text(p + name + ".pem")).value().front(); };
  auto chain = std::make_unique<Chain>(load("leaf"));
  TrustPolicy tp;
  tp.name = tag;
  tp.anchors.add(load("root"));
  tp.intermediates.add(load("inter"));
  tp.revocation = RevocationMode::crl_required;
  tp.purpose = Purpose::document_signing;
  for (const std::string ca : {"root", "inter"}) {
    const std::string db = p + ca + ".db";
    std::filesystem::create_directories(db);
    std::ofstream(db + "/index.txt");
    std::ofstream(db + "/crlnumber") << "01\n";
    std::ofstream(db + "/ca.cnf") << "[ca]\ndefault_ca=d\n[d]\ndatabase=" << db << "/index.txt\ncrlnumber=" << db
                                  << "/crlnumber\ndefault_md=" << (sm2 ? "sm3" : "sha256") << "\n";
    sh("openssl ca -batch -config " + db + "/ca.cnf -keyfile " + p + ca + ".key -cert " + p + ca + ".pem" +
       (sm2 ? " -sigopt distid:1234567812345678" : "") + " -gencrl -crldays 30 -out " + p + ca + ".crl");
    auto crl = Crl::parse(to_bytes(read_text(p + ca + ".crl"))).value();
    chain->crls.add(std::move(crl), load(ca)).value();
  }
  chain->policy = VerificationPolicy{tag, {std::move(tp)}};
  return chain;
}

struct Fixtures {
  std::string dir;
  std::unique_ptr<Chain> rsa, sm2;
  Fixtures() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "medsign-bench-pki-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
    rsa = make_chain(dir, "rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256", false);
    sm2 = make_chain(dir, "sm2", "-algorithm SM2", "-sm3 -sigopt distid:1234567812345678", true);
  }
  ~Fixtures() { std::filesystem::remove_all(dir); }
};

Fixtures& fixtures() {
  static Fixtures f;
  return f;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void run(benchmark::State& state, Chain& c, bool warm) {
  ValidationCache cache(1024);
  const std::int64_t at = now_ms();
  for (auto _ : state) {
    if (!warm) cache.clear();
    ValidationResult r = cache.validate(c.leaf, at, c.policy, c.crls);
    if (!r.ok) {
      state.SkipWithError(r.detail.c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RsaChainCold(benchmark::State& s) { run(s, *fixtures().rsa, false); }
void BM_RsaChainWarm(benchmark::State& s) { run(s, *fixtures().rsa, true); }
void BM_Sm2ChainCold(benchmark::State& s) { run(s, *fixtures().sm2, false); }
void BM_Sm2ChainWarm(benchmark::State& s) { run(s, *fixtures().sm2, true); }

BENCHMARK(BM_RsaChainCold);
BENCHMARK(BM_RsaChainWarm);
BENCHMARK(BM_Sm2ChainCold);
BENCHMARK(BM_Sm2ChainWarm);
BENCHMARK(BM_RsaChainWarm)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
