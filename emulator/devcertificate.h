#pragma once

#include "core/result.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>

namespace busyard::emulator {

/**
 * The emulator's TLS identity for AMQPS, AMQP over WebSockets and HTTPS: a development CA and a server
 * certificate it signed for localhost, 127.0.0.1 and ::1 (ECDSA P-256, SHA-256).
 *
 * Files in `<dataDir>/tls/`: ca.pem (give it to clients: NODE_EXTRA_CA_CERTS, Python
 * connection_verify=...), server.pem, server.key (mode 0600). Created with OpenSSL on first use and
 * reused afterwards; a server certificate that expires within 30 days is re-issued.
 */
struct DevCertificate
{
    QString caCertificatePath;
    QString certificatePath;
    QString keyPath;
    QSslCertificate caCertificate;
    QSslCertificate certificate;
    QSslKey key;

    /** Server-side configuration: leaf + CA chain, private key, TLS 1.2 or later, no client certificates. */
    QSslConfiguration sslConfiguration() const;

    static core::Result<DevCertificate> loadOrCreate(const QString &dataDir);
};

} // namespace busyard::emulator
