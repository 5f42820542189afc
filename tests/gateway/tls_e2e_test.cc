// TLS on the gateway's gRPC listener, with certificate authorities this
// test makes with the openssl binary: a client trusting the right CA is
// served, one trusting another CA is refused, mutual TLS demands a client
// certificate from the client CA, and a certificate replaced on disk is
// served to new connections while a watch opened before keeps streaming.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "server/gateway/gateway_server.h"
#include "server/gateway/tls_credentials.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;
using ::seedance::testing::ScratchDir;
using ::testing::HasSubstr;

// Certificates made on the fly in a scratch folder: CAs and the leaves
// they sign (ECDSA P-256, valid two days, names localhost and 127.0.0.1).
class Pki {
 public:
  explicit Pki(std::string dir) : dir_(std::move(dir)) {}

  std::string Path(const std::string& file) const {
    return absl::StrCat(dir_, "/", file);
  }

  // NAME-ca.pem and NAME-ca.key.
  bool MakeCa(const std::string& name) const {
    return Run(absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj /CN=",
        name, "-ca -keyout ", Path(name + "-ca.key"), " -out ",
        Path(name + "-ca.pem")));
  }

  // NAME.pem and NAME.key, signed by CA `ca`, good for servers and clients.
  bool MakeLeaf(const std::string& name, const std::string& ca) const {
    std::ofstream(Path(name + ".ext"))
        << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
           "basicConstraints=CA:FALSE\n"
           "extendedKeyUsage=serverAuth,clientAuth\n";
    return Run(absl::StrCat("openssl req -newkey ec -pkeyopt "
                            "ec_paramgen_curve:prime256v1 -nodes -subj /CN=",
                            name, " -keyout ", Path(name + ".key"), " -out ",
                            Path(name + ".csr"))) &&
           Run(absl::StrCat("openssl x509 -req -days 2 -in ",
                            Path(name + ".csr"), " -CA ", Path(ca + "-ca.pem"),
                            " -CAkey ", Path(ca + "-ca.key"),
                            " -CAcreateserial -extfile ", Path(name + ".ext"),
                            " -out ", Path(name + ".pem")));
  }

  std::string Read(const std::string& file) const {
    std::ifstream in(Path(file), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Replaces `to` with `from` in one rename, as a Secret volume does.
  bool Install(const std::string& from, const std::string& to) const {
    const std::string staged = Path(to + ".new");
    return Run(absl::StrCat("cp ", Path(from), " ", staged)) &&
           std::rename(staged.c_str(), Path(to).c_str()) == 0;
  }

 private:
  static bool Run(const std::string& command) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): tests run it on one thread
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }

  const std::string dir_;
};

// A client of the gateway: trusts `ca_file`'s CA, presents `identity`
// (NAME.pem/NAME.key) when given, and opens its own connection.
std::shared_ptr<grpc::Channel> TlsChannel(const Pki& pki, int port,
                                          const std::string& ca,
                                          const std::string& identity = "") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pki.Read(ca + "-ca.pem");
  if (!identity.empty()) {
    ssl.pem_cert_chain = pki.Read(identity + ".pem");
    ssl.pem_private_key = pki.Read(identity + ".key");
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::SslCredentials(ssl), args);
}

// A validate_only create: answered by the gateway alone (no upstream).
grpc::Status PriceCheck(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::VideoService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt("a lighthouse");
  request.set_validate_only(true);
  v1::CreateVideoResponse response;
  return stub->CreateVideo(&context, request, &response);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_TRUE(pki_.MakeCa("good") && pki_.MakeCa("other"));
    ASSERT_TRUE(pki_.MakeLeaf("server", "good"));
    ASSERT_TRUE(pki_.MakeLeaf("client", "good"));
    ASSERT_TRUE(pki_.MakeLeaf("stranger", "other"));
    ASSERT_TRUE(pki_.MakeLeaf("server2", "other"));
    // The files the gateway serves (rotation replaces them).
    ASSERT_TRUE(pki_.Install("server.pem", "tls.crt"));
    ASSERT_TRUE(pki_.Install("server.key", "tls.key"));
    auto sim = seedance::testing::StartTestSim();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
  }

  GatewayConfig TlsConfig(bool mutual) {
    GatewayConfig config = seedance::testing::FastGatewayConfig(*sim_);
    config.tls_cert = pki_.Path("tls.crt");
    config.tls_key = pki_.Path("tls.key");
    if (mutual) config.tls_client_ca = pki_.Path("good-ca.pem");
    config.tls_refresh_interval = absl::Seconds(1);
    return config;
  }

  ScratchDir dir_;
  Pki pki_{dir_.path()};
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
};

TEST_F(TlsTest, AClientTrustingTheCaIsServedAndOthersAreRefused) {
  auto gateway = GatewayServer::Start(TlsConfig(/*mutual=*/false));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const int port = (*gateway)->port();
  EXPECT_TRUE(PriceCheck(TlsChannel(pki_, port, "good")).ok());
  // Another CA's client does not accept the gateway's certificate.
  grpc::Status other = PriceCheck(TlsChannel(pki_, port, "other"));
  EXPECT_EQ(other.error_code(), grpc::StatusCode::UNAVAILABLE)
      << other.error_message();
  // Plaintext is not spoken on a TLS listener.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  grpc::Status plain = PriceCheck(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                grpc::InsecureChannelCredentials(), args));
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateFromTheClientCa) {
  auto gateway = GatewayServer::Start(TlsConfig(/*mutual=*/true));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const int port = (*gateway)->port();
  EXPECT_EQ(PriceCheck(TlsChannel(pki_, port, "good")).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(PriceCheck(TlsChannel(pki_, port, "good", "stranger")).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a client certificate from another CA";
  grpc::Status ok = PriceCheck(TlsChannel(pki_, port, "good", "client"));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(TlsTest, ARotatedCertificateIsServedWhileOpenWatchesGoOn) {
  auto gateway = GatewayServer::Start(TlsConfig(/*mutual=*/false));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const int port = (*gateway)->port();
  auto before = TlsChannel(pki_, port, "good");
  auto stub = v1::VideoService::NewStub(before);

  // A task held in QUEUED, watched with 1 s heartbeats over the old
  // certificate's connection.
  v1::CreateVideoResponse created;
  {
    grpc::ClientContext context;
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt("[sim:hold] a lighthouse");
    ASSERT_TRUE(stub->CreateVideo(&context, request, &created).ok());
  }
  grpc::ClientContext watch_context;
  v1::WatchVideoRequest watch;
  watch.set_id(created.video().id());
  watch.mutable_heartbeat_interval()->set_seconds(1);
  auto reader = stub->WatchVideo(&watch_context, watch);
  v1::WatchVideoResponse message;
  ASSERT_TRUE(reader->Read(&message));

  // cert-manager renews: another CA's certificate replaces the files.
  ASSERT_TRUE(pki_.Install("server2.key", "tls.key"));
  ASSERT_TRUE(pki_.Install("server2.pem", "tls.crt"));
  EXPECT_TRUE(Eventually([&] {
    return PriceCheck(TlsChannel(pki_, port, "other")).ok();
  })) << "the new certificate was never served";
  EXPECT_EQ(PriceCheck(TlsChannel(pki_, port, "good")).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "new connections still get the old certificate";

  // The watch opened before the rotation still streams (a heartbeat).
  ASSERT_TRUE(reader->Read(&message));
  watch_context.TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// The listener self-check (fd_monitor.h) must reach a TLS listener, and a
// mutual-TLS one with the gateway's own certificate: three failures in a
// row would drain the replica and exit 3.
TEST_F(TlsTest, TheListenerSelfCheckGetsThroughTlsAndMutualTls) {
  for (bool mutual : {false, true}) {
    GatewayConfig config = TlsConfig(mutual);
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    const std::string target = absl::StrCat("127.0.0.1:", (*gateway)->port());
    GrpcListenerProbe tls_probe(target,
                                MakeSelfCheckCredentials(TlsFilesOf(config)));
    EXPECT_TRUE(tls_probe.Probe(absl::Seconds(5)).ok()) << mutual;
    // What the probe did before TLS existed fails here: it must not be used.
    GrpcListenerProbe plain_probe(target);
    EXPECT_FALSE(plain_probe.Probe(absl::Seconds(5)).ok()) << mutual;
  }
}

TEST(TlsFilesTest, BadFilesAreRefusedNamingTheFlag) {
  ScratchDir dir;
  Pki pki(dir.path());
  ASSERT_TRUE(pki.MakeCa("a") && pki.MakeLeaf("one", "a") &&
              pki.MakeLeaf("two", "a"));
  EXPECT_TRUE(
      CheckTlsFiles({pki.Path("one.pem"), pki.Path("one.key"), ""}).ok());
  EXPECT_THAT(CheckTlsFiles({pki.Path("one.pem"), pki.Path("two.key"), ""}),
              seedance::testing::StatusIs(
                  absl::StatusCode::kInvalidArgument,
                  HasSubstr("--tls-key: " + pki.Path("two.key") +
                            ": does not match the certificate")));
  EXPECT_THAT(CheckTlsFiles({pki.Path("missing.pem"), pki.Path("one.key"), ""}),
              seedance::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("--tls-cert: ")));
  EXPECT_THAT(CheckTlsFiles({pki.Path("one.key"), pki.Path("one.key"), ""}),
              seedance::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("no PEM certificate")));
  EXPECT_THAT(CheckTlsFiles({"", "", pki.Path("a-ca.pem")}),
              seedance::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("--tls-client-ca needs")));
  EXPECT_THAT(CheckTlsFiles({pki.Path("one.pem"), "", ""}),
              seedance::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("go together")));
  // The gateway's own certificate chains to its CA (the self-check under
  // mutual TLS presents it), not to another.
  EXPECT_TRUE(VerifyChainsTo(pki.Path("one.pem"), pki.Path("a-ca.pem")).ok());
  ASSERT_TRUE(pki.MakeCa("b"));
  EXPECT_FALSE(VerifyChainsTo(pki.Path("one.pem"), pki.Path("b-ca.pem")).ok());
}

}  // namespace
}  // namespace seedance::gateway
