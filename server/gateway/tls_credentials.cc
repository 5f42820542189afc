#include "server/gateway/tls_credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace seedance::gateway {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

absl::Status Invalid(absl::string_view flag, absl::string_view path,
                     absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, ": ", why));
}

// The file's bytes, or an error naming the flag.
absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(flag, path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every PEM certificate in `pem`, in order.
std::vector<X509Ptr> Certificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

}  // namespace

absl::Status CheckTlsFiles(const TlsFiles& files) {
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both or neither");
  }
  if (!files.enabled()) {
    if (files.mutual()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is "
          "TLS first)");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> cert_pem = ReadFile("--tls-cert", files.cert);
  if (!cert_pem.ok()) return cert_pem.status();
  std::vector<X509Ptr> chain = Certificates(*cert_pem);
  if (chain.empty()) {
    return Invalid("--tls-cert", files.cert, "holds no PEM certificate");
  }
  absl::StatusOr<std::string> key_pem = ReadFile("--tls-key", files.key);
  if (!key_pem.ok()) return key_pem.status();
  BioPtr key_bio = MemoryBio(*key_pem);
  KeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr,
                                               nullptr)
                     : nullptr);
  if (key == nullptr) {
    ERR_clear_error();
    // Never print the file's contents: it is a private key.
    return Invalid("--tls-key", files.key,
                   "holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return Invalid(
        "--tls-key", files.key,
        absl::StrCat("does not match the certificate in ", files.cert));
  }
  if (files.mutual()) {
    absl::StatusOr<std::string> ca_pem =
        ReadFile("--tls-client-ca", files.client_ca);
    if (!ca_pem.ok()) return ca_pem.status();
    if (Certificates(*ca_pem).empty()) {
      return Invalid("--tls-client-ca", files.client_ca,
                     "holds no PEM certificate");
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TlsFiles& files) {
  const auto refresh = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(files.refresh_interval)));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          files.key, files.cert, files.client_ca, refresh);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (files.mutual()) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MakeSelfCheckCredentials(
    const TlsFiles& files) {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  if (files.mutual()) {
    options.set_certificate_provider(
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            files.key, files.cert,
            static_cast<unsigned int>(std::max<int64_t>(
                1, absl::ToInt64Seconds(files.refresh_interval)))));
    options.watch_identity_key_cert_pairs();
  }
  return grpc::experimental::TlsCredentials(options);
}

absl::Status VerifyChainsTo(const std::string& cert_path,
                            const std::string& ca_path) {
  absl::StatusOr<std::string> cert_pem = ReadFile("--tls-cert", cert_path);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> ca_pem = ReadFile("--tls-client-ca", ca_path);
  if (!ca_pem.ok()) return ca_pem.status();
  std::vector<X509Ptr> chain = Certificates(*cert_pem);
  if (chain.empty()) return absl::InvalidArgumentError("no certificate");
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  if (store == nullptr) return absl::InternalError("X509_STORE_new failed");
  for (X509Ptr& ca : Certificates(*ca_pem)) {
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) ERR_clear_error();
  }
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  if (untrusted == nullptr) return absl::InternalError("sk_X509_new failed");
  for (size_t i = 1; i < chain.size(); ++i) {
    sk_X509_push(untrusted, chain[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  absl::Status result = absl::InternalError("X509_STORE_CTX_new failed");
  if (ctx != nullptr &&
      X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(),
                          untrusted) == 1) {
    if (X509_verify_cert(ctx.get()) == 1) {
      result = absl::OkStatus();
    } else {
      result = absl::FailedPreconditionError(
          X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    }
  }
  sk_X509_free(untrusted);  // the certificates stay owned by `chain`
  ERR_clear_error();
  return result;
}

}  // namespace seedance::gateway
