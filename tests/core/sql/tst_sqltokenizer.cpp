// The tokenizer the GUI's rule editor uses for highlighting.

#include "core/sql/tokenizer.h"

#include <QtTest/QtTest>

using namespace busyard::core::sql;

class TestSqlTokenizer : public QObject
{
    Q_OBJECT

private slots:
    void kindsAndOffsets();
    void numbers_data();
    void numbers();
    void errorsAndRecovery();
    void positions();
    void unquoting();
};

void TestSqlTokenizer::kindsAndOffsets()
{
    const std::string_view text = "sys.Label LIKE 'a''b%' AnD [x y] <> @p1 OR \"q\" != 2.5 ; between";
    const auto tokens = tokenize(text);
    const std::vector<std::pair<TokenKind, std::string_view>> expected{
        {TokenKind::Identifier, "sys"}, {TokenKind::Dot, "."}, {TokenKind::Identifier, "Label"},
        {TokenKind::Keyword, "LIKE"}, {TokenKind::String, "'a''b%'"}, {TokenKind::Keyword, "AnD"},
        {TokenKind::DelimitedIdentifier, "[x y]"}, {TokenKind::NotEqual, "<>"}, {TokenKind::Parameter, "@p1"},
        {TokenKind::Keyword, "OR"}, {TokenKind::QuotedIdentifier, "\"q\""}, {TokenKind::NotEqual, "!="},
        {TokenKind::Decimal, "2.5"}, {TokenKind::Semicolon, ";"}, {TokenKind::ReservedWord, "between"},
        {TokenKind::End, ""},
    };
    QCOMPARE(tokens.size(), expected.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        QCOMPARE(int(tokens[i].kind), int(expected[i].first));
        QCOMPARE(tokens[i].text(text), expected[i].second);
    }
    QCOMPARE(tokens[3].keyword, Keyword::Like);
    QCOMPARE(tokens[5].keyword, Keyword::And);
    QCOMPARE(tokenCategory(tokens[3].kind), TokenCategory::Keyword);
    QCOMPARE(tokenCategory(tokens[4].kind), TokenCategory::String);
    QCOMPARE(tokenCategory(tokens[12].kind), TokenCategory::Number);
    QCOMPARE(tokenCategory(tokens[8].kind), TokenCategory::Parameter);
    QCOMPARE(tokenCategory(tokens[14].kind), TokenCategory::ReservedWord);
}

void TestSqlTokenizer::numbers_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("length");
    QTest::newRow("integer") << QByteArray("123") << int(TokenKind::Integer) << 3;
    QTest::newRow("decimal") << QByteArray("1894.1204") << int(TokenKind::Decimal) << 9;
    QTest::newRow("leading point") << QByteArray(".5") << int(TokenKind::Decimal) << 2;
    QTest::newRow("approx") << QByteArray("101.5E5") << int(TokenKind::Approximate) << 7;
    QTest::newRow("negative exponent") << QByteArray("0.5e-2") << int(TokenKind::Approximate) << 6;
    QTest::newRow("integer exponent") << QByteArray("1E3") << int(TokenKind::Approximate) << 3;
    QTest::newRow("e without digits") << QByteArray("1e") << int(TokenKind::Integer) << 1;
}

void TestSqlTokenizer::numbers()
{
    QFETCH(QByteArray, text);
    QFETCH(int, kind);
    QFETCH(int, length);
    const auto tokens = tokenize(text.toStdString());
    QCOMPARE(int(tokens[0].kind), kind);
    QCOMPARE(tokens[0].length, length);
}

void TestSqlTokenizer::errorsAndRecovery()
{
    const std::string_view text = "a # b 'open";
    const auto tokens = tokenize(text);
    QCOMPARE(tokens.size(), std::size_t(5));
    QCOMPARE(tokens[1].kind, TokenKind::Error);
    QCOMPARE(tokens[1].error, TokenError::UnrecognizedCharacter);
    QCOMPARE(tokens[2].kind, TokenKind::Identifier); // scanning resumes
    QCOMPARE(tokens[3].kind, TokenKind::Error);
    QCOMPARE(tokens[3].error, TokenError::UnterminatedString);
    QCOMPARE(tokens[3].length, 5);
    QCOMPARE(tokenize("[abc")[0].error, TokenError::UnterminatedDelimitedIdentifier);
    QCOMPARE(tokenize("@ x")[0].error, TokenError::EmptyParameterName);
    QCOMPARE(tokenize("!")[0].error, TokenError::UnrecognizedCharacter);
    QCOMPARE(tokenize("==")[1].kind, TokenKind::Equal); // '==' is two tokens
}

void TestSqlTokenizer::positions()
{
    // Offsets in bytes, columns in code points, lines from 1.
    const std::string_view text = "\xC3\xA9t\xC3\xA9 = 1\n  AND x";
    const auto tokens = tokenize(text);
    QCOMPARE(tokens[0].kind, TokenKind::Identifier);
    QCOMPARE(tokens[0].length, 5);
    QCOMPARE(tokens[1].offset, 6);
    QCOMPARE(tokens[1].column, 5);
    QCOMPARE(tokens[3].line, 2);
    QCOMPARE(tokens[3].column, 3);
    QCOMPARE(tokens[4].column, 7);
}

void TestSqlTokenizer::unquoting()
{
    QCOMPARE(unquote("'a''b'"), std::string("a'b"));
    QCOMPARE(unquote("[a]]b]"), std::string("a]b"));
    QCOMPARE(unquote("\"x\"\"y\""), std::string("x\"y"));
    QCOMPARE(unquote("''"), std::string());
}

QTEST_GUILESS_MAIN(TestSqlTokenizer)
#include "tst_sqltokenizer.moc"
