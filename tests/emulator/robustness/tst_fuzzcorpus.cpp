// Always-on regression run of the emulator fuzz corpora (tests/fuzz/corpus/config and atom) through
// the same checks as the libFuzzer targets (tests/fuzz/emulator/emulator_fuzz_checks.h). A seed named
// valid-* must be accepted, invalid-* must be refused, anything else must only pass the invariants.
#include "emulator_fuzz_checks.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace busyard;

class TestFuzzCorpus : public QObject
{
    Q_OBJECT

private:
    static void addCorpusRows(const char *corpus)
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(BUSYARD_FUZZ_CORPUS_DIR "/") + QLatin1String(corpus));
        const QStringList files = dir.entryList(QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 5, qPrintable(dir.path()));
        for (const QString &file : files)
            QTest::newRow(qPrintable(file)) << dir.filePath(file);
    }

    static QByteArray read(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return file.readAll();
    }

    static void checkExpectation(const QString &path, bool accepted)
    {
        const QString name = QFileInfo(path).fileName();
        if (name.startsWith(QLatin1String("valid-")))
            QVERIFY2(accepted, "a valid-* seed was refused");
        else if (name.startsWith(QLatin1String("invalid-")))
            QVERIFY2(!accepted, "an invalid-* seed was accepted");
    }

private Q_SLOTS:
    void config_data() { addCorpusRows("config"); }
    void config()
    {
        QFETCH(QString, path);
        const QByteArray input = read(path);
        bool parsed = false;
        const auto failure = fuzz::checkEmulatorConfig(std::string_view(input.constData(), std::size_t(input.size())), &parsed);
        QVERIFY2(!failure, failure ? failure->c_str() : "");
        checkExpectation(path, parsed);
    }

    void atom_data() { addCorpusRows("atom"); }
    void atom()
    {
        QFETCH(QString, path);
        const QByteArray input = read(path);
        bool accepted = false;
        const auto failure = fuzz::checkAtom(QByteArrayView(input), &accepted);
        QVERIFY2(!failure, failure ? failure->c_str() : "");
        checkExpectation(path, accepted);
    }
};

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "tst_fuzzcorpus.moc"
