// Runs every file of the auth fuzz corpus (tests/fuzz/corpus/auth) through the same invariant checks
// as the libFuzzer targets, so that inputs the fuzzer once found stay covered in every build.
#include "auth_fuzz_checks.h"

#include <QDir>
#include <QFile>
#include <QtTest>

class TestAuthCorpus : public QObject
{
    Q_OBJECT

private slots:
    void corpus_data();
    void corpus();
};

void TestAuthCorpus::corpus_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("connectionString");
    int files = 0;
    for (const QString &kind : {QStringLiteral("connectionstring"), QStringLiteral("sastoken")}) {
        const QDir dir(QStringLiteral(AUTH_FUZZ_CORPUS_DIR) + QLatin1Char('/') + kind);
        const QStringList names = dir.entryList(QDir::Files, QDir::Name);
        for (const QString &name : names) {
            QTest::newRow(qPrintable(kind + QLatin1Char('/') + name))
                << dir.filePath(name) << (kind == QLatin1String("connectionstring"));
            ++files;
        }
    }
    QVERIFY2(files >= 20, "the auth fuzz corpus is missing or nearly empty");
}

void TestAuthCorpus::corpus()
{
    QFETCH(QString, path);
    QFETCH(bool, connectionString);
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
    const QByteArray data = file.readAll();
    const std::string_view input(data.constData(), std::size_t(data.size()));

    // Each input goes through both parsers: the corpora are small and the checks are cheap.
    const auto primary = connectionString ? busyard::fuzz::checkConnectionString(input)
                                          : busyard::fuzz::checkSasToken(input);
    QVERIFY2(!primary, primary ? primary->c_str() : "");
    const auto secondary = connectionString ? busyard::fuzz::checkSasToken(input)
                                            : busyard::fuzz::checkConnectionString(input);
    QVERIFY2(!secondary, secondary ? secondary->c_str() : "");
}

QTEST_GUILESS_MAIN(TestAuthCorpus)
#include "tst_authcorpus.moc"
