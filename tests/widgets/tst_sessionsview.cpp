// widgets::SessionsView against a real busyard-emulator (one per test): the sample session queue
// 'orders-sessions' with messages in three sessions and state on one.
#include "widgets/sessionsview.h"

#include "core/client/namespaceconnection.h"
#include "resources/resources.h"
#include "widgets/emptystate.h"

#include "../common/clienttest.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTableWidget>
#include <QTest>

using namespace busyard;
using namespace std::chrono_literals;
using widgets::SessionsView;

namespace {

constexpr const char *kQueue = "orders-sessions";
const std::string kJsonState = R"({"step":2,"owner":"billing","retries":[1,2]})";

} // namespace

class TestSessionsView : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;
    /** A second client, to check what the view did from the outside (locks, state). */
    std::unique_ptr<client::NamespaceConnection> m_other;

    std::unique_ptr<client::NamespaceConnection> connect()
    {
        return testing::connectTo(*m_emulator);
    }

    bool send(const std::string &session, int count, const char *prefix)
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < count; ++i) {
            core::Message m;
            m.messageId = core::Value::string(std::string(prefix) + "-" + std::to_string(i));
            m.sessionId = session;
            m.subject = std::string("order.") + prefix;
            m.body = R"({"n":)" + std::to_string(i) + "}";
            messages.push_back(std::move(m));
        }
        std::optional<bool> ok;
        m_connection->sendBatch(kQueue, std::move(messages), this, [&](core::Result<void> r) { ok = r.ok(); });
        return QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok;
    }

    bool setState(const std::string &session, std::optional<std::string> state)
    {
        std::optional<bool> ok;
        m_other->setSessionState(kQueue, session, std::move(state), this, [&](core::Result<void> r) {
            if (!r)
                qWarning("setSessionState: %s", r.error().message.c_str());
            ok = r.ok();
        });
        return QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok;
    }

    /** The state as a fresh call reads it; "<error>" on failure. */
    std::optional<std::string> readState(const std::string &session)
    {
        std::optional<std::optional<std::string>> out;
        m_other->getSessionState(kQueue, session, this, [&](core::Result<std::optional<std::string>> r) {
            out = r ? r.value() : std::optional<std::string>("<error>");
        });
        [[maybe_unused]] const bool got = QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out.value_or(std::optional<std::string>("<timeout>"));
    }

    /** Whether another client can lock the session now (releases it again). */
    bool canLock(const std::string &session)
    {
        std::optional<bool> locked;
        m_other->acceptSession(kQueue, session, client::ReceiveMode::PeekLock, this,
                               [&](core::Result<client::SessionInfo> r) { locked = r.ok(); });
        if (!QTest::qWaitFor([&] { return locked.has_value(); }, 20000))
            return false;
        if (*locked) {
            bool closed = false;
            m_other->closeSession(kQueue, session, this, [&](core::Result<void>) { closed = true; });
            [[maybe_unused]] const bool done = QTest::qWaitFor([&] { return closed; }, 20000);
        }
        return *locked;
    }

    std::int64_t activeCount()
    {
        std::optional<std::int64_t> out;
        m_other->getQueue(kQueue, this, [&](core::Result<client::QueueInfo> r) { out = r ? r.value().counts.active : -1; });
        [[maybe_unused]] const bool got = QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out.value_or(-1);
    }

    bool seed()
    {
        return send("s-alpha", 5, "alpha") && send("s-beta", 3, "beta") && send("s-gamma", 2, "gamma")
               && setState("s-gamma", kJsonState);
    }

    static QAction *action(SessionsView &view, const char *name)
    {
        return view.findChild<QAction *>(QLatin1String(name));
    }

    static bool waitIdle(SessionsView &view)
    {
        return QTest::qWaitFor([&] { return view.isIdle(); }, 30000);
    }

    static bool select(SessionsView &view, const QString &id)
    {
        return QTest::qWaitFor([&] { return view.sessionIds().contains(id); }, 20000) && view.selectSession(id)
               && QTest::qWaitFor([&] { return view.isStateLoaded() && !view.isListing(); }, 20000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        resources::initialize();
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    }

    void init()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = connect();
        m_other = connect();
        QVERIFY(m_connection && m_other);
    }

    void cleanup()
    {
        m_connection.reset();
        m_other.reset();
        m_emulator.reset();
    }

    void emptyState()
    {
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        QSignalSpy listed(&view, &SessionsView::sessionsListed);
        view.resize(900, 500);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, 20000);
        QCOMPARE(listed.first().at(0).toInt(), 0);
        auto *empty = view.findChild<widgets::EmptyState *>(QStringLiteral("sessionsEmpty"));
        QVERIFY(empty && empty->isVisible());
        QCOMPARE(empty->title(), QStringLiteral("No sessions with messages or state"));
        QVERIFY(!action(view, "receive")->isEnabled());
        QVERIFY(!action(view, "saveState")->isEnabled());
    }

    void listsSessionsWithCounts()
    {
        QVERIFY(seed());
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(view.sessionIds(), (QStringList{QStringLiteral("s-alpha"), QStringLiteral("s-beta"),
                                                                  QStringLiteral("s-gamma")}),
                                  20000);
        QVERIFY(waitIdle(view));
        QCOMPARE(view.messageCount(QStringLiteral("s-alpha")), 5);
        QCOMPARE(view.messageCount(QStringLiteral("s-beta")), 3);
        QCOMPARE(view.messageCount(QStringLiteral("s-gamma")), 2);
        QCOMPARE(view.messageCount(QStringLiteral("nope")), -2);
        QTableWidget *table = view.sessionTable();
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(0, SessionsView::MessagesColumn)->text(), QStringLiteral("5"));
        QCOMPARE(table->item(0, SessionsView::StateColumn)->text(), QStringLiteral("—"));
        const QString gamma = table->item(2, SessionsView::StateColumn)->text();
        QVERIFY2(gamma.contains(QStringLiteral("44 bytes")) && gamma.contains(QStringLiteral("\"owner\":\"billing\"")),
                 qPrintable(gamma));

        // More messages and a refresh (F5): the counts follow.
        QVERIFY(select(view, QStringLiteral("s-beta")));
        QCOMPARE(view.messageTable()->rowCount(), 3);
        QVERIFY(send("s-beta", 4, "beta2"));
        QSignalSpy listed(&view, &SessionsView::sessionsListed);
        QTest::keyClick(table, Qt::Key_F5);
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(view.messageCount(QStringLiteral("s-beta")), 7, 20000);
        // The selection survives and its messages are peeked again.
        QCOMPARE(view.currentSession(), QStringLiteral("s-beta"));
        QTRY_VERIFY_WITH_TIMEOUT(!view.isListing() && view.messageTable()->rowCount() == 7, 20000);
    }

    void countsAreCapped()
    {
        // Counting stops at kCountCap per session and says so.
        std::vector<core::Message> messages(std::size_t(SessionsView::kCountCap) + 5);
        for (auto &m : messages) {
            m.sessionId = "s-big";
            m.body = "x";
        }
        for (std::size_t at = 0; at < messages.size(); at += 2000) {
            std::vector<core::Message> batch(messages.begin() + std::ptrdiff_t(at),
                                             messages.begin() + std::ptrdiff_t(std::min(messages.size(), at + 2000)));
            std::optional<bool> ok;
            m_connection->sendBatch(kQueue, std::move(batch), this, [&](core::Result<void> r) { ok = r.ok(); });
            QVERIFY(QTest::qWaitFor([&] { return ok.has_value(); }, 60000));
            QVERIFY(*ok);
        }
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        view.show();
        QTRY_COMPARE_WITH_TIMEOUT(view.messageCount(QStringLiteral("s-big")), SessionsView::kCountCap, 60000);
        QCOMPARE(view.sessionTable()->item(0, SessionsView::MessagesColumn)->text(),
                 QStringLiteral("≥") + QLocale().toString(SessionsView::kCountCap));
    }

    void editStateAsTextAndSave()
    {
        QVERIFY(seed());
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        QSignalSpy finished(&view, &SessionsView::operationFinished);
        view.show();
        QVERIFY(select(view, QStringLiteral("s-alpha")));
        QCOMPARE(view.loadedState(), std::nullopt);
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Text);
        QVERIFY(!view.canSave());  // nothing edited
        QPlainTextEdit *editor = view.stateEditor();
        editor->setFocus();
        QTest::keyClicks(editor, QStringLiteral("checkpoint 42"));
        QVERIFY(view.canSave());
        QVERIFY(action(view, "saveState")->isEnabled());
        QTest::keyClick(editor, Qt::Key_S, Qt::ControlModifier);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(finished.first().at(0).toString(), QStringLiteral("State of session 's-alpha' saved (13 bytes)"));
        QCOMPARE(readState("s-alpha"), std::optional<std::string>("checkpoint 42"));
        QVERIFY(!view.canSave());
        QCOMPARE(view.loadedState(), std::optional<QByteArray>("checkpoint 42"));
        QVERIFY2(canLock("s-alpha"), "Save did not release the session lock");
        QVERIFY(view.sessionTable()->item(0, SessionsView::StateColumn)->text().contains(QStringLiteral("checkpoint 42")));

        // Clear state removes it.
        QVERIFY(action(view, "clearState")->isEnabled());
        action(view, "clearState")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QCOMPARE(readState("s-alpha"), std::nullopt);
        QCOMPARE(view.stateEditor()->toPlainText(), QString());
        QVERIFY(canLock("s-alpha"));
    }

    void jsonViewValidates()
    {
        QVERIFY(seed());
        QVERIFY(setState("s-beta", "not json"));
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        view.show();

        // JSON state opens pretty-printed in the JSON view, key order kept.
        QVERIFY(select(view, QStringLiteral("s-gamma")));
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Json);
        QCOMPARE(view.stateEditor()->toPlainText(),
                 QStringLiteral("{\n  \"step\": 2,\n  \"owner\": \"billing\",\n  \"retries\": [\n    1,\n    2\n  ]\n}"));
        QVERIFY(view.stateError().isEmpty());
        QVERIFY(!view.canSave());  // pretty-printing is a view, not an edit
        QVERIFY(view.setStateFormat(SessionsView::StateFormat::Hex));
        QVERIFY(view.stateEditor()->toPlainText().startsWith(QStringLiteral("7b 22 73 74")));  // the compact bytes
        QVERIFY(view.setStateFormat(SessionsView::StateFormat::Json));
        QVERIFY(!view.canSave());
        // Breaking the JSON disables Save with the position of the error.
        view.stateEditor()->setPlainText(QStringLiteral("{\"step\": 3,"));
        QVERIFY(!view.canSave());
        QVERIFY(!action(view, "saveState")->isEnabled());
        QVERIFY2(view.stateError().startsWith(QStringLiteral("Invalid JSON: line 1, column")), qPrintable(view.stateError()));
        QVERIFY(view.findChild<QWidget *>(QStringLiteral("stateError"))->isVisible());
        view.stateEditor()->setPlainText(QStringLiteral("{\"step\": 3}"));
        QVERIFY(view.stateError().isEmpty());
        QVERIFY(view.canSave());

        // A text state in the JSON view: shown as is, with the error, not savable until fixed.
        QVERIFY(select(view, QStringLiteral("s-beta")));
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Text);
        QCOMPARE(view.stateEditor()->toPlainText(), QStringLiteral("not json"));
        view.findChild<QAbstractButton *>(QStringLiteral("formatJSON"))->click();
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Json);
        QCOMPARE(view.stateEditor()->toPlainText(), QStringLiteral("not json"));
        QVERIFY2(view.stateError().startsWith(QStringLiteral("Invalid JSON")), qPrintable(view.stateError()));
        QVERIFY(!view.canSave());
        // Back to Text: the bytes are untouched and valid again.
        QVERIFY(view.setStateFormat(SessionsView::StateFormat::Text));
        QVERIFY(view.stateError().isEmpty());
        QVERIFY(!view.canSave());  // unchanged
        QCOMPARE(readState("s-beta"), std::optional<std::string>("not json"));
    }

    void hexRoundTrip()
    {
        QVERIFY(seed());
        const std::string binary("\x00\xff\x10" "A", 4);
        QVERIFY(setState("s-beta", binary));
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        QSignalSpy finished(&view, &SessionsView::operationFinished);
        view.show();
        QVERIFY(select(view, QStringLiteral("s-beta")));
        // Not UTF-8: opens in the Hex view; the Text view refuses.
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Hex);
        QCOMPARE(view.stateEditor()->toPlainText(), QStringLiteral("00 ff 10 41"));
        QVERIFY(!view.setStateFormat(SessionsView::StateFormat::Text));
        QCOMPARE(view.stateFormat(), SessionsView::StateFormat::Hex);
        QVERIFY(view.stateError().contains(QStringLiteral("not UTF-8")));

        view.stateEditor()->setPlainText(QStringLiteral("DE ad be ef\n00 7b"));
        QVERIFY(view.stateError().isEmpty());
        QVERIFY(view.canSave());
        view.saveState();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(readState("s-beta"), std::optional<std::string>(std::string("\xde\xad\xbe\xef\x00\x7b", 6)));
        QVERIFY(canLock("s-beta"));

        // Invalid hex: an error naming the character, Save disabled, no view switch.
        view.stateEditor()->setPlainText(QStringLiteral("de zz"));
        QVERIFY(!view.canSave());
        QVERIFY2(view.stateError().contains(QStringLiteral("'z' at character 4")), qPrintable(view.stateError()));
        view.stateEditor()->setPlainText(QStringLiteral("de a"));
        QVERIFY2(view.stateError().contains(QStringLiteral("no pair")), qPrintable(view.stateError()));
        QVERIFY(!view.setStateFormat(SessionsView::StateFormat::Json));
        // Text typed in hex as UTF-8 and back.
        view.stateEditor()->setPlainText(QStringLiteral("68 69"));
        QVERIFY(view.setStateFormat(SessionsView::StateFormat::Text));
        QCOMPARE(view.stateEditor()->toPlainText(), QStringLiteral("hi"));
        QVERIFY(view.canSave());
        QVERIFY(view.setStateFormat(SessionsView::StateFormat::Hex));
        QCOMPARE(view.stateEditor()->toPlainText(), QStringLiteral("68 69"));
    }

    void hexHelpers()
    {
        QCOMPARE(SessionsView::toHex(QByteArray()), QString());
        QByteArray bytes;
        for (int i = 0; i < 20; ++i)
            bytes.append(char(i));
        const QString hex = SessionsView::toHex(bytes);
        QCOMPARE(hex.count(QLatin1Char('\n')), 1);  // 16 pairs a line
        QCOMPARE(SessionsView::fromHex(hex).value(), bytes);
        QVERIFY(!SessionsView::fromHex(QStringLiteral("0g")));
        QCOMPARE(SessionsView::statePreview(std::nullopt), QStringLiteral("—"));
        QVERIFY(SessionsView::statePreview(QByteArray("\x01\x02", 2)).endsWith(QStringLiteral("binary")));
    }

    void peekOneSession()
    {
        QVERIFY(seed());
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        view.show();
        QVERIFY(select(view, QStringLiteral("s-beta")));
        QTableWidget *messages = view.messageTable();
        QCOMPARE(messages->rowCount(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(messages->item(i, 1)->text(), QStringLiteral("beta-%1").arg(i));
            QCOMPARE(messages->item(i, 2)->text(), QStringLiteral("order.beta"));
        }
        QVERIFY(select(view, QStringLiteral("s-gamma")));
        QCOMPARE(messages->rowCount(), 2);
        QCOMPARE(messages->item(0, 1)->text(), QStringLiteral("gamma-0"));
    }

    void receiveAndComplete()
    {
        QVERIFY(seed());
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        QSignalSpy finished(&view, &SessionsView::operationFinished);
        view.show();
        QVERIFY(select(view, QStringLiteral("s-alpha")));
        QVERIFY(waitIdle(view));
        QCOMPARE(view.messageCount(QStringLiteral("s-alpha")), 5);
        QVERIFY(!action(view, "complete")->isEnabled());
        view.receiveCountBox()->setValue(2);
        action(view, "receive")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(view.receivedTable()->rowCount(), 2, 20000);
        QCOMPARE(view.heldSession(), QStringLiteral("s-alpha"));
        QCOMPARE(view.receivedTable()->item(0, 1)->text(), QStringLiteral("alpha-0"));
        QCOMPARE(view.receivedTable()->item(1, 1)->text(), QStringLiteral("alpha-1"));
        QVERIFY2(!canLock("s-alpha"), "the view does not hold the session lock");
        QVERIFY(canLock("s-beta"));

        // Saving state while holding the lock uses that lock.
        view.stateEditor()->setPlainText(QStringLiteral("held"));
        view.saveState();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 2, 20000);
        QCOMPARE(readState("s-alpha"), std::optional<std::string>("held"));
        QCOMPARE(view.heldSession(), QStringLiteral("s-alpha"));

        view.receivedTable()->selectAll();
        QVERIFY(action(view, "complete")->isEnabled());
        action(view, "complete")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(view.receivedTable()->rowCount(), 0, 20000);
        QCOMPARE(finished.last().at(0).toString(), QStringLiteral("2 message(s) completed"));
        QTRY_COMPARE_WITH_TIMEOUT(view.messageCount(QStringLiteral("s-alpha")), 3, 20000);
        QCOMPARE(activeCount(), 8);
        QTRY_VERIFY_WITH_TIMEOUT(!view.isListing() && view.messageTable()->rowCount() == 3, 20000);
        QCOMPARE(view.messageTable()->item(0, 1)->text(), QStringLiteral("alpha-2"));

        // Release: another client can lock the session again.
        QVERIFY(action(view, "release")->isEnabled());
        action(view, "release")->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(view.heldSession().isEmpty(), 20000);
        QVERIFY(canLock("s-alpha"));
    }

    void abandonAndReleaseOnClose()
    {
        QVERIFY(seed());
        {
            SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
            view.show();
            QVERIFY(select(view, QStringLiteral("s-beta")));
            view.receiveCountBox()->setValue(1);
            view.receive();
            QTRY_COMPARE_WITH_TIMEOUT(view.receivedTable()->rowCount(), 1, 20000);
            view.abandonReceived();  // nothing selected: all
            QTRY_COMPARE_WITH_TIMEOUT(view.receivedTable()->rowCount(), 0, 20000);
            QTRY_COMPARE_WITH_TIMEOUT(view.messageCount(QStringLiteral("s-beta")), 3, 20000);
            // Receive from another session: the first lock is released.
            QVERIFY(select(view, QStringLiteral("s-gamma")));
            view.receive();
            QTRY_COMPARE_WITH_TIMEOUT(view.receivedTable()->rowCount(), 1, 20000);
            QCOMPARE(view.heldSession(), QStringLiteral("s-gamma"));
            QVERIFY(canLock("s-beta"));
            QVERIFY(!canLock("s-gamma"));
        }
        // The view is gone: its lock is released (the unsettled message returns to the session).
        QTRY_VERIFY_WITH_TIMEOUT(canLock("s-gamma"), 20000);
        QCOMPARE(activeCount(), 10);
    }

    void readOnlyDisablesChanges()
    {
        QVERIFY(seed());
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), true);
        view.show();
        QVERIFY(select(view, QStringLiteral("s-gamma")));
        for (const char *name : {"saveState", "clearState", "receive", "complete", "abandon"})
            QVERIFY2(!action(view, name)->isEnabled(), name);
        QVERIFY(view.stateEditor()->isReadOnly());
        view.saveState();
        view.receive();
        QVERIFY(view.heldSession().isEmpty());
        QVERIFY(action(view, "refresh")->isEnabled());
        view.setReadOnly(false);
        QVERIFY(action(view, "receive")->isEnabled());
        QVERIFY(action(view, "clearState")->isEnabled());
        QVERIFY(!view.stateEditor()->isReadOnly());
    }

    void screenshot()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        const char *customers[] = {"customer-1042", "customer-1043", "customer-2001", "customer-2317", "customer-3090",
                                   "customer-4410"};
        int counts[] = {12, 3, 7, 1, 24, 5};
        for (int c = 0; c < 6; ++c) {
            std::vector<core::Message> messages;
            for (int i = 0; i < counts[c]; ++i) {
                core::Message m;
                m.messageId = core::Value::string("ord-" + std::to_string(7000 + c * 100 + i));
                m.sessionId = customers[c];
                m.subject = i % 3 == 0 ? "order.created" : (i % 3 == 1 ? "order.paid" : "order.shipped");
                m.contentType = "application/json";
                m.body = R"({"orderId":)" + std::to_string(7000 + c * 100 + i) + R"(,"total":)" + std::to_string(20 + i * 7) + "}";
                messages.push_back(std::move(m));
            }
            std::optional<bool> ok;
            m_connection->sendBatch(kQueue, std::move(messages), this, [&](core::Result<void> r) { ok = r.ok(); });
            QVERIFY(QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok);
        }
        QVERIFY(setState("customer-1042", R"({"workflow":"checkout","step":3,"cart":{"items":4,"currency":"EUR"},"lastEvent":"order.paid"})"));
        QVERIFY(setState("customer-2317", "awaiting-payment"));
        QVERIFY(setState("customer-4410", std::string("\x01\x00\x2a\xff", 4)));
        SessionsView view(m_connection.get(), QString::fromLatin1(kQueue), false);
        view.resize(1200, 640);
        view.show();
        QVERIFY(select(view, QStringLiteral("customer-1042")));
        QVERIFY(waitIdle(view));
        QTest::qWait(100);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("sessions.png"))));
    }
};

QTEST_MAIN(TestSessionsView)
#include "tst_sessionsview.moc"
