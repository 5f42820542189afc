// TLS for the gRPC listener: server credentials that re-read the certificate
// files when they change (cert-manager rotates a mounted Secret in place),
// optionally requiring client certificates (mutual TLS), and the checks
// that make a bad file fail at start with the flag's name rather than at
// the first handshake.
//
// gRPC's FileWatcherCertificateProvider re-reads the files every
// `refresh_interval`; a new certificate applies to handshakes from then on,
// and connections already open (and their streams) keep theirs.
//
//   TlsFiles tls{"/tls/tls.crt", "/tls/tls.key", "/tls/ca.crt"};
//   if (absl::Status s = CheckTlsFiles(tls); !s.ok()) ...;
//   builder.AddListeningPort(listen, MakeServerCredentials(tls), &port);
#ifndef SEEDANCE_SERVER_GATEWAY_TLS_CREDENTIALS_H_
#define SEEDANCE_SERVER_GATEWAY_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace seedance::gateway {

struct TlsFiles {
  std::string cert;       // PEM certificate chain, leaf first (--tls-cert)
  std::string key;        // PEM private key of the leaf (--tls-key)
  std::string client_ca;  // PEM CA bundle; empty: no client certificates
  absl::Duration refresh_interval = absl::Minutes(1);

  bool enabled() const { return !cert.empty(); }
  bool mutual() const { return !client_ca.empty(); }
};

// INVALID_ARGUMENT naming the flag when a file cannot be read, holds no
// PEM certificate (or key), or the key does not match the certificate.
absl::Status CheckTlsFiles(const TlsFiles& files);

// Server credentials over the files, watched for changes. With a client
// CA, every client must present a certificate that chains to it.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TlsFiles& files);

// For the listener self-check's own connection: TLS without checking the
// server's name or chain (it is our own listener) and, under mutual TLS,
// the gateway's certificate as the client's.
std::shared_ptr<grpc::ChannelCredentials> MakeSelfCheckCredentials(
    const TlsFiles& files);

// OK when the certificate in `cert_path` chains to a CA in `ca_path` (so
// the self-check can present it under mutual TLS); else why not.
absl::Status VerifyChainsTo(const std::string& cert_path,
                            const std::string& ca_path);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TLS_CREDENTIALS_H_
