// Regression run of the fuzzer's corpus (tests/fuzz/corpus/sql): every input goes through the filter
// and action compilers, the diagnostics and, when it compiles, evaluation and apply, as the libFuzzer
// target does. Passing means no crash, no hang and no sanitizer report.

#include "sqlfixture.h"

#include "core/sql/filter.h"
#include "core/sql/tokenizer.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace busyard::core;
using namespace busyard::core::sql;

class TestSqlFuzzCorpus : public QObject
{
    Q_OBJECT

private slots:
    void corpus();
};

void TestSqlFuzzCorpus::corpus()
{
    const std::filesystem::path dir(SQL_CORPUS_DIR);
    QVERIFY(std::filesystem::is_directory(dir));
    int files = 0;
    int compiled = 0;
    for (const auto &entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file())
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ++files;
        QVERIFY(tokenize(text).back().kind == TokenKind::End);
        const Parameters params{{"@p", Value::int64(1)}};
        CompileOptions lenient;
        lenient.checkParameters = false;
        (void)checkFilter(text, {}, lenient);
        (void)checkAction(text, {}, lenient);
        Message m = test::fixtureMessage();
        if (auto f = Filter::compile(text, {}, lenient)) {
            ++compiled;
            (void)f->evaluate(m);
            // A compiled filter's text always checks clean.
            QVERIFY2(!checkFilter(text, {}, lenient).has_value(), entry.path().c_str());
        }
        if (auto a = Action::compile(text, {}, lenient)) {
            ++compiled;
            (void)a->apply(m);
        }
    }
    QVERIFY(files >= 12);
    QVERIFY(compiled > 0);
}

QTEST_GUILESS_MAIN(TestSqlFuzzCorpus)
#include "tst_sqlfuzzcorpus.moc"
