#include "devcertificate.h"

#include "core/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace busyard::emulator {

namespace {

template<typename T, void (*F)(T *)>
struct Deleter
{
    void operator()(T *p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

core::Error tlsError(const std::string &what)
{
    return core::makeError(core::ErrorCode::Internal, "development certificate: " + what);
}

bool addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

X509Ptr makeCertificate(EVP_PKEY *key, const char *commonName, X509 *issuer, EVP_PKEY *issuerKey, long days,
                        bool isCa)
{
    X509Ptr cert(X509_new());
    if (!cert)
        return nullptr;
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("Busyard"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    X509 *signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    bool ok = addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (isCa) {
        ok = ok && addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
            && addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always")
            && addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE")
            && addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment")
            && addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth")
            && addExtension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    }
    if (!ok || X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()) == 0)
        return nullptr;
    return cert;
}

QByteArray pem(X509 *cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, size);
}

QByteArray pem(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, size);
}

bool writeFile(const QString &path, const QByteArray &bytes, bool secret)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    if (secret)
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

QSslConfiguration DevCertificate::sslConfiguration() const
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificateChain({certificate, caCertificate});
    config.setPrivateKey(key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    return config;
}

core::Result<DevCertificate> DevCertificate::loadOrCreate(const QString &dataDir)
{
    const QDir dir(QDir(dataDir).filePath(QStringLiteral("tls")));
    if (!QDir().mkpath(dir.path()))
        return tlsError("cannot create " + dir.path().toStdString());
    DevCertificate result;
    result.caCertificatePath = dir.filePath(QStringLiteral("ca.pem"));
    result.certificatePath = dir.filePath(QStringLiteral("server.pem"));
    result.keyPath = dir.filePath(QStringLiteral("server.key"));
    const QString caKeyPath = dir.filePath(QStringLiteral("ca.key"));

    auto load = [&]() {
        result.caCertificate = QSslCertificate(readFile(result.caCertificatePath));
        result.certificate = QSslCertificate(readFile(result.certificatePath));
        result.key = QSslKey(readFile(result.keyPath), QSsl::Ec);
        return !result.caCertificate.isNull() && !result.certificate.isNull() && !result.key.isNull()
            && result.certificate.expiryDate() > QDateTime::currentDateTimeUtc().addDays(30);
    };
    if (load())
        return result;

    // (Re-)create. Keep an existing CA (clients may already trust it) when its key is still there.
    PkeyPtr caKey;
    X509Ptr ca;
    {
        const QByteArray caPem = readFile(result.caCertificatePath);
        const QByteArray caKeyPem = readFile(caKeyPath);
        if (!caPem.isEmpty() && !caKeyPem.isEmpty()) {
            BioPtr certBio(BIO_new_mem_buf(caPem.constData(), int(caPem.size())));
            BioPtr keyBio(BIO_new_mem_buf(caKeyPem.constData(), int(caKeyPem.size())));
            ca.reset(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
            caKey.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
            const QSslCertificate existing(caPem);
            if (existing.expiryDate() < QDateTime::currentDateTimeUtc().addDays(60)) {
                ca.reset();
                caKey.reset();
            }
        }
    }
    if (!ca || !caKey) {
        caKey.reset(EVP_EC_gen("P-256"));
        if (!caKey)
            return tlsError("cannot generate the CA key");
        ca = makeCertificate(caKey.get(), "Busyard Emulator Development CA", nullptr, nullptr, 3650, true);
        if (!ca)
            return tlsError("cannot create the CA certificate");
        if (!writeFile(caKeyPath, pem(caKey.get()), true) || !writeFile(result.caCertificatePath, pem(ca.get()), false))
            return tlsError("cannot write " + dir.path().toStdString());
    }
    PkeyPtr serverKey(EVP_EC_gen("P-256"));
    if (!serverKey)
        return tlsError("cannot generate the server key");
    X509Ptr server = makeCertificate(serverKey.get(), "localhost", ca.get(), caKey.get(), 825, false);
    if (!server)
        return tlsError("cannot create the server certificate");
    if (!writeFile(result.keyPath, pem(serverKey.get()), true) || !writeFile(result.certificatePath, pem(server.get()), false))
        return tlsError("cannot write " + dir.path().toStdString());
    core::logger("emulator")->info("tls: created a development certificate in {}", dir.path().toStdString());
    if (!load())
        return tlsError("the created certificate cannot be read back");
    return result;
}

} // namespace busyard::emulator
