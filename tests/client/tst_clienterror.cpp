#include "core/client/clienterror.h"

#include <QTest>

using namespace busyard;
using core::ErrorCode;

class TestClientError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void brokerConditions_data()
    {
        QTest::addColumn<QString>("condition");
        QTest::addColumn<int>("code");
        QTest::newRow("not-found") << "amqp:not-found" << int(ErrorCode::EntityNotFound);
        QTest::newRow("lock-lost") << "com.microsoft:message-lock-lost" << int(ErrorCode::MessageLockLost);
        QTest::newRow("session-lock-lost") << "com.microsoft:session-lock-lost" << int(ErrorCode::SessionLockLost);
        QTest::newRow("cannot-lock") << "com.microsoft:session-cannot-be-locked" << int(ErrorCode::SessionCannotBeLocked);
        QTest::newRow("unauthorized") << "amqp:unauthorized-access" << int(ErrorCode::Unauthorized);
        QTest::newRow("timeout") << "com.microsoft:timeout" << int(ErrorCode::Timeout);
        QTest::newRow("busy") << "com.microsoft:server-busy" << int(ErrorCode::ServerBusy);
        QTest::newRow("unknown") << "vendor:strange" << int(ErrorCode::Internal);
    }

    void brokerConditions()
    {
        QFETCH(QString, condition);
        QFETCH(int, code);
        const core::Error e = client::brokerError(condition.toStdString(), "what happened");
        QCOMPARE(int(e.code), code);
        QCOMPARE(QString::fromStdString(e.message), condition + QStringLiteral(": what happened"));
        QCOMPARE(QString::fromStdString(client::errorCondition(e)), condition);
    }

    void managementStatusWithoutCondition()
    {
        // No errorCondition in the response: the status decides (NET ConditionToStatusMap).
        QCOMPARE(client::managementError(404, "", "gone").code, ErrorCode::EntityNotFound);
        QCOMPARE(client::managementError(409, "", "dup").code, ErrorCode::EntityAlreadyExists);
        QCOMPARE(client::managementError(401, "", "no").code, ErrorCode::Unauthorized);
        // An explicit condition wins over the status.
        QCOMPARE(client::managementError(410, "com.microsoft:session-lock-lost", "x").code, ErrorCode::SessionLockLost);
    }

    void clientConditions()
    {
        const core::Error lost = client::connectionLostError("peer went away");
        QCOMPARE(lost.code, ErrorCode::ServerBusy);
        QCOMPARE(client::errorCondition(lost), std::string(client::kConditionConnectionLost));
        const core::Error timeout = client::timeoutError("send to 'q'", 500);
        QCOMPARE(timeout.code, ErrorCode::Timeout);
        QVERIFY(timeout.message.find("500 ms") != std::string::npos);
        QCOMPARE(client::httpError(404, "missing").code, ErrorCode::EntityNotFound);
        QCOMPARE(client::errorCondition(core::Error{ErrorCode::Internal, "plain text, no condition"}), std::string());
    }
};

QTEST_GUILESS_MAIN(TestClientError)
#include "tst_clienterror.moc"
