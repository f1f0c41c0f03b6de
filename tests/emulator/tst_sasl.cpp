// Byte-level tests of the emulator's own SASL layer (no sockets).
#include "emulator/amqp/sasl.h"

#include <QTest>

using busyard::emulator::amqp::SaslNegotiator;
using State = SaslNegotiator::State;

namespace {

std::string bytes(std::initializer_list<int> list)
{
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

std::string frame(const std::string &body)
{
    const auto size = static_cast<std::uint32_t>(body.size() + 8);
    return bytes({int(size >> 24), int((size >> 16) & 0xff), int((size >> 8) & 0xff), int(size & 0xff), 2, 1, 0, 0})
        + body;
}

/** sasl-init with mechanism only (what uamqp sends for MSSBCBS: no initial-response). */
std::string initFrame(const std::string &mechanism)
{
    std::string list = bytes({0xa3, int(mechanism.size())}) + mechanism;
    return frame(bytes({0x00, 0x53, 0x41, 0xc0, int(list.size() + 1), 1}) + list);
}

} // namespace

class TestSasl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mechanismsFrameIsByteExact()
    {
        // sasl-mechanisms(sasl-server-mechanisms = array8 of sym8 [MSSBCBS, PLAIN, ANONYMOUS, EXTERNAL]).
        const std::string expected = bytes({0x00, 0x00, 0x00, 0x33, 0x02, 0x01, 0x00, 0x00, // frame header
                                            0x00, 0x53, 0x40,                               // descriptor 0x40
                                            0xc0, 0x26, 0x01,                               // list8, 1 field
                                            0xe0, 0x23, 0x04, 0xa3})                         // array8 of sym8
            + "\x07MSSBCBS" + "\x05PLAIN" + "\x09" "ANONYMOUS" + "\x08" "EXTERNAL";
        QCOMPARE(SaslNegotiator::mechanismsFrame(), expected);
    }

    void outcomeFrameIsByteExact()
    {
        const std::string expected = bytes({0x00, 0x00, 0x00, 0x1a, 0x02, 0x01, 0x00, 0x00, 0x00, 0x53, 0x44, 0xc0,
                                            0x0d, 0x02, 0x50, 0x00, 0xa0, 0x08})
            + "Welcome!";
        QCOMPARE(SaslNegotiator::outcomeFrame(), expected);
    }

    void mechanismAccepted_data()
    {
        QTest::addColumn<QByteArray>("mechanism");
        QTest::addColumn<bool>("byteByByte");
        QTest::newRow("MSSBCBS") << QByteArray("MSSBCBS") << false;
        QTest::newRow("MSSBCBS split") << QByteArray("MSSBCBS") << true;
        QTest::newRow("ANONYMOUS") << QByteArray("ANONYMOUS") << false;
        QTest::newRow("PLAIN") << QByteArray("PLAIN") << true;
    }

    void mechanismAccepted()
    {
        QFETCH(QByteArray, mechanism);
        QFETCH(bool, byteByByte);
        const std::string amqpHeader(SaslNegotiator::kAmqpHeader);
        const std::string input = std::string(SaslNegotiator::kSaslHeader) + initFrame(mechanism.toStdString())
            + amqpHeader + "rest";
        SaslNegotiator sasl;
        std::string output;
        if (byteByByte) {
            for (char c : input)
                sasl.feed(std::string_view(&c, 1), output);
        } else {
            sasl.feed(input, output);
        }
        QCOMPARE(sasl.state(), State::Done);
        QCOMPARE(QByteArray::fromStdString(sasl.mechanism()), mechanism);
        QVERIFY(!sasl.skippedSasl());
        QCOMPARE(output, std::string(SaslNegotiator::kSaslHeader) + SaslNegotiator::mechanismsFrame()
                             + SaslNegotiator::outcomeFrame());
        QCOMPARE(sasl.takeRemainder(), amqpHeader + "rest");
    }

    void anonymousWithInitialResponseAndHostname()
    {
        // rhea: ANONYMOUS, initial-response "\0RootManageSharedAccessKey", hostname "localhost".
        const std::string response = std::string(1, '\0') + "RootManageSharedAccessKey";
        std::string list = bytes({0xa3, 9}) + "ANONYMOUS" + bytes({0xa0, int(response.size())}) + response
            + bytes({0xa1, 9}) + "localhost";
        const std::string init = frame(bytes({0x00, 0x53, 0x41, 0xc0, int(list.size() + 1), 3}) + list);
        SaslNegotiator sasl;
        std::string output;
        sasl.feed(std::string(SaslNegotiator::kSaslHeader) + init, output);
        QCOMPARE(sasl.state(), State::Done);
        QCOMPARE(sasl.mechanism(), std::string("ANONYMOUS"));
        QCOMPARE(sasl.hostname(), std::string("localhost"));
    }

    void waitsForCompleteFrames()
    {
        SaslNegotiator sasl;
        std::string output;
        QCOMPARE(sasl.feed(SaslNegotiator::kSaslHeader.substr(0, 5), output), State::Header);
        QVERIFY(output.empty());
        QCOMPARE(sasl.feed(SaslNegotiator::kSaslHeader.substr(5), output), State::Init);
        const std::string init = initFrame("MSSBCBS");
        QCOMPARE(sasl.feed(std::string_view(init).substr(0, init.size() - 1), output), State::Init);
        QCOMPARE(sasl.feed(std::string_view(init).substr(init.size() - 1), output), State::Done);
    }

    void skippedSasl()
    {
        SaslNegotiator sasl;
        std::string output;
        const std::string input = std::string(SaslNegotiator::kAmqpHeader) + "open...";
        QCOMPARE(sasl.feed(input, output), State::Done);
        QVERIFY(sasl.skippedSasl());
        QVERIFY(output.empty());
        QCOMPARE(sasl.takeRemainder(), input);
    }

    void refusesGarbage_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("http") << QByteArray("GET / HTTP/1.1\r\n");
        QTest::newRow("tls client hello") << QByteArray("\x16\x03\x01\x02\x00", 5);
        QTest::newRow("AMQP 0-9-1") << QByteArray("AMQP\x00\x00\x09\x01", 8);
        QTest::newRow("sasl then wrong frame type")
            << QByteArray::fromStdString(std::string(SaslNegotiator::kSaslHeader)
                                         + bytes({0, 0, 0, 12, 2, 0, 0, 0, 0, 0x53, 0x10, 0x45}));
        QTest::newRow("sasl then huge frame")
            << QByteArray::fromStdString(std::string(SaslNegotiator::kSaslHeader) + bytes({0x7f, 0, 0, 0, 2, 1, 0, 0}));
        QTest::newRow("sasl then not sasl-init")
            << QByteArray::fromStdString(std::string(SaslNegotiator::kSaslHeader)
                                         + frame(bytes({0x00, 0x53, 0x44, 0x45})));
    }

    void refusesGarbage()
    {
        QFETCH(QByteArray, input);
        SaslNegotiator sasl;
        std::string output;
        QCOMPARE(sasl.feed(input.toStdString(), output), State::Failed);
        QVERIFY(!sasl.errorText().empty());
    }
};

QTEST_GUILESS_MAIN(TestSasl)
#include "tst_sasl.moc"
