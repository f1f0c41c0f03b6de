// MessageBrowser, SendDialog, DeadLetterDialog and the JSON export against a real busyard-emulator
// (one per test, sample queue 'orders'): real widgets on the offscreen platform.
#include "widgets/countchart.h"
#include "widgets/deadletterdialog.h"
#include "widgets/messagebrowser.h"
#include "widgets/messagedetail.h"
#include "widgets/messageexport.h"
#include "widgets/messagetable.h"
#include "widgets/replaydialog.h"
#include "widgets/routingpreview.h"
#include "widgets/senddialog.h"

#include "core/broker/routing.h"
#include "core/client/namespaceconnection.h"
#include "models/countsampler.h"
#include "models/messagelistmodel.h"
#include "resources/resources.h"
#include "models/replayjob.h"

#include "../common/clienttest.h"

#include <Qsci/qsciscintilla.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace busyard;
using namespace std::chrono_literals;
using models::MessageListModel;
using widgets::MessageBrowser;

namespace {

constexpr const char *kQueue = "orders";

core::Message jsonMessage(int i)
{
    core::Message m;
    m.messageId = core::Value::string("m-" + std::to_string(i));
    m.subject = "order";
    m.contentType = "application/json";
    m.body = R"({"n":)" + std::to_string(i) + R"(,"items":[1,2]})";
    m.applicationProperties.set("n", core::Value::int32(i));
    m.applicationProperties.set("when", core::Value::timestamp(core::fromMillisSinceEpoch(1'700'000'000'000LL + i)));
    return m;
}

} // namespace

class TestMessageBrowser : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    bool send(std::vector<core::Message> messages, const char *entity = kQueue)
    {
        std::optional<bool> ok;
        m_connection->sendBatch(entity, std::move(messages), this, [&](core::Result<void> r) { ok = r.ok(); });
        return QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok;
    }

    bool sendN(int count)
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < count; ++i)
            messages.push_back(jsonMessage(i));
        return send(std::move(messages));
    }

    std::vector<core::Message> peekAll(const char *entity = kQueue)
    {
        std::optional<std::vector<core::Message>> out;
        m_connection->peek(entity, 0, 1000, this, [&](core::Result<std::vector<core::Message>> r) {
            out = r ? r.value() : std::vector<core::Message>{};
        });
        [[maybe_unused]] const bool got = QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out.value_or(std::vector<core::Message>{});
    }

    static void selectRows(MessageBrowser &browser, std::initializer_list<int> rows)
    {
        auto *table = browser.table();
        table->clearSelection();
        for (int r : rows)
            table->selectionModel()->select(table->model()->index(r, 0),
                                            QItemSelectionModel::Select | QItemSelectionModel::Rows);
        table->selectionModel()->setCurrentIndex(table->model()->index(*rows.begin(), 0), QItemSelectionModel::NoUpdate);
    }

    static QAction *action(MessageBrowser &browser, const char *name)
    {
        return browser.findChild<QAction *>(QLatin1String(name));
    }

    template<typename T>
    static T *waitForChild(QWidget &parent)
    {
        T *child = nullptr;
        [[maybe_unused]] const bool found = QTest::qWaitFor([&] { return (child = parent.findChild<T *>()) != nullptr && child->isVisible(); }, 5000);
        return child;
    }

    /** Moves the first `count` active messages of 'orders' to its dead-letter queue (reason "test"). */
    bool deadLetter(int count)
    {
        return testing::deadLetterFirst(*m_connection, this, kQueue, count, "test", "replay me", 20);
    }

    bool createQueue(const std::string &name)
    {
        core::broker::QueueDescription queue;
        queue.name = name;
        std::optional<bool> ok;
        m_connection->createQueue(queue, this, [&](core::Result<client::QueueInfo> r) { ok = r.ok(); });
        return QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok;
    }

    static QStringList messageIds(const std::vector<core::Message> &messages)
    {
        QStringList ids;
        for (const auto &m : messages)
            ids << QString::fromStdString(m.messageIdString());
        ids.sort();
        return ids;
    }

    static QStringList rowIds(MessageBrowser &browser)
    {
        QStringList ids;
        for (int r = 0; r < browser.model()->rowCount(); ++r)
            ids << browser.model()->data(browser.model()->index(r, MessageListModel::MessageIdColumn)).toString();
        ids.sort();
        return ids;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("BusyardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_messagebrowser"));
        QSettings().clear();
        resources::initialize();
    }

    void init()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator); // with the management URL: the count sampler and replay dialog use it
        QVERIFY(m_connection);
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset(); // kills the process even when the test failed
    }

    void sendDialogSendsThroughTheEmulator()
    {
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.resize(1000, 700);
        browser.show();
        QTRY_VERIFY(!browser.model()->isFetching());
        QCOMPARE(browser.model()->rowCount(), 0);

        action(browser, "send")->trigger();
        auto *dialog = waitForChild<widgets::SendDialog>(browser);
        QVERIFY(dialog);
        dialog->bodyEditor()->setText(QStringLiteral("{\"hello\": 42}"));
        dialog->field(QStringLiteral("subject"))->clear();
        QTest::keyClicks(dialog->field(QStringLiteral("subject")), QStringLiteral("greeting"));
        QTest::keyClicks(dialog->field(QStringLiteral("messageId")), QStringLiteral("id-1"));
        dialog->addProperty(QStringLiteral("count"), QStringLiteral("long"), QStringLiteral("x"));
        QVERIFY(!dialog->sendButton()->isEnabled()); // "x" is not a long
        dialog->propertiesTable()->item(0, 2)->setText(QStringLiteral("123"));
        QVERIFY(dialog->sendButton()->isEnabled());
        dialog->setCopies(3);
        QTest::mouseClick(dialog->sendButton(), Qt::LeftButton);

        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
        const auto peeked = peekAll();
        QCOMPARE(int(peeked.size()), 3);
        QCOMPARE(peeked[0].subject.value_or(""), std::string("greeting"));
        QCOMPARE(peeked[0].messageIdString(), std::string("id-1"));
        QCOMPARE(peeked[0].body, std::string("{\"hello\": 42}"));
        QCOMPARE(peeked[0].contentType.value_or(""), std::string("application/json"));
        const core::Value *count = peeked[0].applicationProperties.find("count");
        QVERIFY(count);
        QCOMPARE(count->type(), core::Value::Type::Long);
        QCOMPARE(count->toInt64(), 123);
        QCOMPARE(browser.model()->data(browser.model()->index(0, MessageListModel::SubjectColumn)).toString(),
                 QStringLiteral("greeting"));
    }

    void detailPrettyPrintsJson()
    {
        QVERIFY(sendN(3));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
        browser.table()->setCurrentIndex(browser.model()->index(1, 0));
        QTRY_COMPARE(browser.detail()->bodyFormat(), widgets::MessageDetail::BodyFormat::Json);
        QVERIFY(browser.detail()->bodyText().contains(QStringLiteral("\n    \"n\": 1")));
        auto *props = browser.detail()->propertiesTable();
        bool sawTimestamp = false;
        for (int r = 0; r < props->rowCount(); ++r)
            if (props->item(r, 1)->text() == QLatin1String("when"))
                sawTimestamp = props->item(r, 2)->text() == QLatin1String("timestamp");
        QVERIFY(sawTimestamp);
    }

    void detailFormats_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("contentType");
        QTest::addColumn<int>("format");
        QTest::addColumn<QString>("contains");
        using F = widgets::MessageDetail::BodyFormat;
        QTest::newRow("json") << QByteArray("{\"a\":[1,2]}") << QString() << int(F::Json) << QStringLiteral("\"a\": [");
        QTest::newRow("json keeps key order") << QByteArray("{\"z\":1,\"a\":{},\"s\":\"x,{y\\\"\"}") << QString() << int(F::Json)
                                              << QStringLiteral("{\n    \"z\": 1,\n    \"a\": {},\n    \"s\": \"x,{y\\\"\"\n}");
        QTest::newRow("xml") << QByteArray("<a><b x=\"1\">t</b></a>") << QStringLiteral("application/xml") << int(F::Xml)
                             << QStringLiteral("\n  <b x=\"1\">t</b>");
        QTest::newRow("bad json is text") << QByteArray("{not json") << QString() << int(F::Text) << QStringLiteral("{not json");
        QTest::newRow("binary") << QByteArray("\xff\x00\x01hi", 5) << QString() << int(F::Binary)
                                << QStringLiteral("00000000  ff 00 01 68 69");
    }

    void detailFormats()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, contentType);
        QFETCH(int, format);
        QFETCH(QString, contains);
        core::Message m;
        m.body.assign(body.constData(), std::size_t(body.size()));
        if (!contentType.isEmpty())
            m.contentType = contentType.toStdString();
        QString text;
        QCOMPARE(int(widgets::MessageDetail::formatBody(m, &text)), format);
        QVERIFY2(text.contains(contains), qPrintable(text));
    }

    void completeAndDeadLetterSelection()
    {
        QVERIFY(sendN(6));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 6, 20000);
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);

        // complete rows 2 and 4 (in the middle of the queue: found by the peek-lock scan)
        selectRows(browser, {2, 4});
        action(browser, "complete")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(browser.model()->rowCount(), 4);
        auto left = peekAll();
        QCOMPARE(int(left.size()), 4);
        for (const auto &m : left)
            QVERIFY(m.messageIdString() != "m-2" && m.messageIdString() != "m-4");
        // the others were locked by the scan and released: their rows were refreshed
        QTRY_VERIFY_WITH_TIMEOUT(browser.model()->data(browser.model()->index(0, MessageListModel::DeliveryCountColumn))
                                         .toString() == QLatin1String("1"),
                                 20000);

        // dead-letter row 0 with a reason
        selectRows(browser, {0});
        action(browser, "deadLetter")->trigger();
        auto *dialog = waitForChild<widgets::DeadLetterDialog>(browser);
        QVERIFY(dialog);
        dialog->reasonEdit()->setText(QStringLiteral("BadOrder"));
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QCOMPARE(browser.model()->rowCount(), 3);

        MessageBrowser dlq(m_connection.get(), QStringLiteral("orders/$DeadLetterQueue"), true);
        QTRY_COMPARE_WITH_TIMEOUT(dlq.model()->rowCount(), 1, 20000);
        QCOMPARE(dlq.model()->data(dlq.model()->index(0, MessageListModel::DeadLetterReasonColumn)).toString(),
                 QStringLiteral("BadOrder"));
        QCOMPARE(dlq.model()->data(dlq.model()->index(0, MessageListModel::MessageIdColumn)).toString(),
                 QStringLiteral("m-0"));
    }

    void receiveLockedThenAbandonAndDefer()
    {
        QVERIFY(sendN(4));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 4, 20000);
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);
        browser.findChild<QSpinBox *>(QStringLiteral("receiveCount"))->setValue(2);
        action(browser, "receiveLock")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY(browser.model()->data(browser.model()->index(0, 0), MessageListModel::LockedRole).toBool());
        QVERIFY(browser.model()->data(browser.model()->index(1, 0), MessageListModel::LockedRole).toBool());
        QVERIFY(!browser.model()->data(browser.model()->index(2, 0), MessageListModel::LockedRole).toBool());

        selectRows(browser, {1});
        action(browser, "defer")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->data(browser.model()->index(1, MessageListModel::StateColumn)).toString(),
                                  QStringLiteral("Deferred"), 20000);

        // a deferred message is settled through receiveDeferred
        selectRows(browser, {1});
        action(browser, "complete")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 20000);
        QCOMPARE(browser.model()->rowCount(), 3);

        selectRows(browser, {0});
        action(browser, "abandon")->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            browser.model()->data(browser.model()->index(0, MessageListModel::DeliveryCountColumn)).toString(),
            QStringLiteral("1"), 20000);
        QVERIFY(!browser.model()->data(browser.model()->index(0, 0), MessageListModel::LockedRole).toBool());
    }

    void receiveAndDeleteAsksWithTheCount()
    {
        QVERIFY(sendN(5));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 5, 20000);
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);
        selectRows(browser, {0, 1});
        action(browser, "receiveDelete")->trigger();
        auto *box = waitForChild<QMessageBox>(browser);
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("selected 2 messages")), qPrintable(box->text()));
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(50);
        QCOMPARE(browser.model()->rowCount(), 5);

        // nothing selected: the next N, N from the count box
        browser.table()->clearSelection();
        browser.findChild<QSpinBox *>(QStringLiteral("receiveCount"))->setValue(3);
        action(browser, "receiveDelete")->trigger();
        box = waitForChild<QMessageBox>(browser);
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("next 3 messages")), qPrintable(box->text()));
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QCOMPARE(browser.model()->rowCount(), 2);
        QCOMPARE(int(peekAll().size()), 2);
    }

    void sqlFilterAndErrorPosition()
    {
        QVERIFY(sendN(20));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 20, 20000);
        auto *sql = browser.findChild<QLineEdit *>(QStringLiteral("sqlFilter"));
        auto *error = browser.findChild<QLabel *>(QStringLiteral("filterError"));
        QTest::keyClicks(sql, QStringLiteral("n >= 15 AND sys.Label = 'order'"));
        QTest::keyClick(sql, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 5, 20000);
        QVERIFY(error->isHidden());
        QVERIFY(browser.findChild<QLabel *>(QStringLiteral("status"))->text().contains(QStringLiteral("5 of 20")));

        sql->clear();
        QTest::keyClicks(sql, QStringLiteral("n >= AND 3"));
        QTest::keyClick(sql, Qt::Key_Return);
        QVERIFY(!error->isHidden());
        QVERIFY2(error->text().contains(QStringLiteral("Line 1, column 6")), qPrintable(error->text()));
        QCOMPARE(sql->selectionStart(), 5);
        QCOMPARE(browser.model()->rowCount(), 5); // unchanged

        browser.applyFilter({}, QStringLiteral("\"n\":7,"));
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 1, 20000);
        browser.applyFilter({}, {});
        QCOMPARE(browser.model()->rowCount(), 20);
    }

    void exportImportRoundTrip()
    {
        std::vector<core::Message> originals;
        for (int i = 0; i < 3; ++i)
            originals.push_back(jsonMessage(i));
        originals[1].body = std::string("\x00\xff\x10 binary", 10);
        originals[1].contentType.reset();
        originals[2].correlationId = core::Value::uuid(core::Uuid::generate());
        originals[2].applicationProperties.set("big", core::Value::int64(9007199254740993LL));
        originals[2].applicationProperties.set("flag", core::Value::boolean(true));
        originals[2].timeToLive = core::Duration(3600000);
        QVERIFY(send(originals));

        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
        browser.table()->selectAll();
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("export.json"));
        browser.exportSelection(path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray json = file.readAll();
        QVERIFY(json.contains("\"bodyEncoding\": \"base64\""));
        auto imported = widgets::messagesFromJson(json);
        QVERIFY(imported);
        QCOMPARE(int(imported.value().size()), 3);
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(imported.value()[i].body, originals[i].body);
            QVERIFY(imported.value()[i].applicationProperties == originals[i].applicationProperties);
            QVERIFY(imported.value()[i].messageId == originals[i].messageId);
            QVERIFY(imported.value()[i].correlationId == originals[i].correlationId);
            QVERIFY(imported.value()[i].timeToLive == originals[i].timeToLive);
        }

        browser.sendFromFile(path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 6, 20000);
        const auto all = peekAll();
        QCOMPARE(int(all.size()), 6);
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(all[i + 3].body, originals[i].body);
            QVERIFY(all[i + 3].applicationProperties == originals[i].applicationProperties);
        }
    }

    void malformedImportIsRefused()
    {
        QVERIFY(!widgets::messagesFromJson("{"));
        QVERIFY(!widgets::messagesFromJson(R"({"format":"other","version":1,"messages":[]})"));
        const auto bad = widgets::messagesFromJson(
            R"({"format":"busyard.messages","version":1,"messages":[{"body":"x","applicationProperties":[{"name":"a","type":"uuid","value":"nope"}]}]})");
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("message 0") != std::string::npos, bad.error().message.c_str());
    }

    void resendKeepsUneditedFields()
    {
        core::Message original = jsonMessage(9);
        original.messageId = core::Value::uuid(core::Uuid::generate());
        original.applicationProperties.set("ratio", core::Value::float32(0.5f)); // not an editable type
        widgets::SendDialog dialog(QStringLiteral("orders"));
        dialog.setMessage(original);
        auto m = dialog.message();
        QVERIFY(m);
        QCOMPARE(m.value().body, original.body);
        QVERIFY(m.value().messageId == original.messageId); // uuid kept, not turned into text
        QVERIFY(m.value().applicationProperties == original.applicationProperties);
        dialog.field(QStringLiteral("subject"))->setText(QStringLiteral("changed"));
        QCOMPARE(dialog.message().value().subject.value_or(""), std::string("changed"));
    }

    void templatesAreSaved()
    {
        widgets::SendDialog dialog(QStringLiteral("orders"));
        dialog.bodyEditor()->setText(QStringLiteral("template body"));
        dialog.field(QStringLiteral("subject"))->setText(QStringLiteral("tpl"));
        dialog.saveTemplate(QStringLiteral("My template"));
        QVERIFY(widgets::SendDialog::templateNames().contains(QStringLiteral("My template")));
        widgets::SendDialog other(QStringLiteral("orders"));
        QVERIFY(other.loadTemplate(QStringLiteral("My template")));
        QCOMPARE(other.message().value().body, std::string("template body"));
        QCOMPARE(other.message().value().subject.value_or(""), std::string("tpl"));
    }

    void readOnlyDisablesChanges()
    {
        QVERIFY(sendN(2));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), true);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 2, 20000);
        browser.table()->selectAll();
        for (const char *name : {"send", "resend", "receiveLock", "complete", "abandon", "deadLetter", "defer",
                                 "receiveDelete", "import"})
            QVERIFY2(!action(browser, name)->isEnabled(), name);
        QVERIFY(action(browser, "export")->isEnabled());
        QVERIFY(action(browser, "refresh")->isEnabled());
    }

    void readOnlySwitchFollowedWhileOpen()
    {
        QVERIFY(sendN(1));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 1, 20000);
        browser.table()->selectAll();
        QVERIFY(action(browser, "complete")->isEnabled());
        browser.setReadOnly(true);
        QVERIFY(browser.isReadOnly());
        for (const char *name : {"send", "receiveLock", "complete", "deadLetter", "receiveDelete"})
            QVERIFY2(!action(browser, name)->isEnabled(), name);
        browser.setReadOnly(false);
        QVERIFY(action(browser, "send")->isEnabled());
        QVERIFY(action(browser, "complete")->isEnabled());
    }

    // ---- replay, move, routing preview and count chart (wired into the browser) ---------------------

    void replaySelectedDeadLetters()
    {
        constexpr int kCount = 5;
        QVERIFY(sendN(kCount));
        QVERIFY(deadLetter(kCount));
        MessageBrowser browser(m_connection.get(), QStringLiteral("orders/$DeadLetterQueue"), false);
        browser.resize(1000, 700);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), kCount, 20000);
        QAction *replay = action(browser, "replay");
        QVERIFY(replay);
        QVERIFY(replay->isVisible());
        QVERIFY(replay->isEnabled());
        QCOMPARE(replay->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+R")));
        QVERIFY(!action(browser, "routingPreview")->isVisible()); // not a subscription

        selectRows(browser, {1, 3});
        const auto idAt = [&](int row) {
            return browser.model()->data(browser.model()->index(row, MessageListModel::MessageIdColumn)).toString();
        };
        QStringList replayedIds{idAt(1), idAt(3)};
        replayedIds.sort();
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);
        replay->trigger();
        auto *dialog = waitForChild<widgets::ReplayDialog>(browser);
        QVERIFY(dialog);
        QCOMPARE(dialog->mode(), widgets::ReplayDialog::Mode::Replay);
        QCOMPARE(dialog->sourceEntity(), QStringLiteral("orders/$DeadLetterQueue"));
        auto *source = dialog->findChild<QLabel *>(QStringLiteral("sourceLabel"));
        QVERIFY(source);
        QVERIFY2(source->text().contains(QStringLiteral("2 selected messages")), qPrintable(source->text()));
        QVERIFY(dialog->originalRadio()->isChecked()); // back where they were dead-lettered from
        dialog->renewCheck()->setChecked(false); // keep the ids to find them again
        QTRY_VERIFY_WITH_TIMEOUT(dialog->startButton()->isEnabled(), 20000);
        QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->summary().has_value(), 30000);
        QCOMPARE(dialog->summary()->replayed, 2);
        QCOMPARE(dialog->summary()->failed, 0);

        // The browser refreshed and reported it.
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY2(finished.last().at(0).toString().contains(QStringLiteral("2 messages replayed")),
                 qPrintable(finished.last().at(0).toString()));
        QTRY_VERIFY_WITH_TIMEOUT(!browser.model()->isFetching() && browser.model()->rowCount() == kCount - 2, 20000);
        for (const QString &id : replayedIds)
            QVERIFY2(!rowIds(browser).contains(id), qPrintable(id));

        // On the server: exactly those two are back in the queue, the others still dead-lettered.
        QCOMPARE(messageIds(peekAll(kQueue)), replayedIds);
        const auto left = peekAll("orders/$DeadLetterQueue");
        QCOMPARE(int(left.size()), kCount - 2);
        for (const QString &id : replayedIds)
            QVERIFY2(!messageIds(left).contains(id), qPrintable(id));
        dialog->close();
    }

    void replayOnlyInDeadLetterBrowsersAndMoveAll()
    {
        QVERIFY(sendN(3));
        QVERIFY(createQueue("archive"));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
        QVERIFY(!action(browser, "replay")->isVisible());
        QVERIFY(!action(browser, "replay")->isEnabled());
        action(browser, "replay")->trigger(); // disabled: nothing happens
        QTest::qWait(50);
        QVERIFY(!browser.findChild<widgets::ReplayDialog *>());

        QAction *move = action(browser, "move");
        QVERIFY(move && move->isVisible() && move->isEnabled());
        QCOMPARE(move->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+M")));
        browser.table()->clearSelection();
        QSignalSpy finished(&browser, &MessageBrowser::operationFinished);
        // Through its shortcut (shortcuts fire in the active window only).
        browser.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&browser));
        browser.table()->setFocus();
        QTest::keyClick(browser.table(), Qt::Key_M, Qt::ControlModifier | Qt::ShiftModifier);
        auto *dialog = waitForChild<widgets::ReplayDialog>(browser);
        QVERIFY(dialog);
        QCOMPARE(dialog->mode(), widgets::ReplayDialog::Mode::Move);
        auto *source = dialog->findChild<QLabel *>(QStringLiteral("sourceLabel"));
        QVERIFY(!source->text().contains(QStringLiteral("selected")));
        // No selection: the whole source, its count asked from the management plane.
        QTRY_VERIFY2_WITH_TIMEOUT(source->text().contains(QStringLiteral("orders — 3 messages")), qPrintable(source->text()),
                                  20000);
        QVERIFY(!dialog->startButton()->isEnabled()); // Move needs a target
        dialog->targetCombo()->setEditText(QStringLiteral("archive"));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->startButton()->isEnabled(), 20000);
        dialog->start();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->summary().has_value(), 30000);
        QCOMPARE(dialog->summary()->replayed, 3);
        QCOMPARE(dialog->summary()->failed, 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY2(finished.last().at(0).toString().contains(QStringLiteral("3 messages moved")),
                 qPrintable(finished.last().at(0).toString()));
        QTRY_VERIFY_WITH_TIMEOUT(!browser.model()->isFetching() && browser.model()->rowCount() == 0, 20000);
        QCOMPARE(int(peekAll(kQueue).size()), 0);
        QCOMPARE(messageIds(peekAll("archive")), (QStringList{QStringLiteral("m-0"), QStringLiteral("m-1"), QStringLiteral("m-2")}));
        dialog->close();
    }

    void routingPreviewOfTheSelectedSubscriptionMessage()
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < 3; ++i) {
            core::Message m = jsonMessage(i);
            m.applicationProperties.set("priority", core::Value::string(i == 1 ? "high" : "low"));
            messages.push_back(std::move(m));
        }
        QVERIFY(send(std::move(messages), "events"));
        MessageBrowser browser(m_connection.get(), QStringLiteral("events/Subscriptions/all"), false);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
        QAction *routing = action(browser, "routingPreview");
        QVERIFY(routing && routing->isVisible());
        QVERIFY(!action(browser, "replay")->isVisible());
        browser.table()->clearSelection();
        QVERIFY(!routing->isEnabled()); // needs a selection
        selectRows(browser, {1});
        QVERIFY(routing->isEnabled());
        routing->trigger();
        auto *dialog = waitForChild<widgets::RoutingPreviewDialog>(browser);
        QVERIFY(dialog);
        QCOMPARE(dialog->messageList()->count(), 1);
        QVERIFY2(dialog->messageList()->item(0)->text().contains(QStringLiteral("m-1")),
                 qPrintable(dialog->messageList()->item(0)->text()));
        widgets::RoutingPreviewWidget *preview = dialog->preview();
        QCOMPARE(preview->topic(), QStringLiteral("events"));
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), widgets::RoutingPreviewWidget::State::Ready, 20000);
        QTRY_COMPARE(int(preview->results().size()), 1);
        // The full message (with its application properties) was routed: priority 'high' reaches both.
        const auto *high = preview->results()[0].find("high-priority");
        QVERIFY(high);
        QVERIFY(high->receives());
        QVERIFY(preview->results()[0].find("all") && preview->results()[0].find("all")->receives());
        dialog->close();
    }

    void countChartFollowsTheToggleAndIsRemembered()
    {
        QSettings().remove(QStringLiteral("messageBrowser/chart"));
        const auto resetChart = qScopeGuard([] { QSettings().remove(QStringLiteral("messageBrowser/chart")); });
        QVERIFY(sendN(3));
        {
            MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
            browser.resize(1000, 700);
            browser.show();
            QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 3, 20000);
            auto *chart = browser.findChild<widgets::CountChart *>(QStringLiteral("countChart"));
            QVERIFY(chart);
            QAction *toggle = action(browser, "countChart");
            QVERIFY(toggle && toggle->isCheckable() && !toggle->isChecked());
            QVERIFY(!chart->isVisible());
            QVERIFY(!browser.findChild<models::CountSampler *>());

            toggle->trigger();
            QVERIFY(toggle->isChecked());
            QVERIFY(chart->isVisible());
            auto *sampler = browser.findChild<models::CountSampler *>();
            QVERIFY(sampler);
            QCOMPARE(chart->sampler(), sampler);
            QVERIFY(sampler->isRunning());
            QTRY_VERIFY_WITH_TIMEOUT(!sampler->samples().empty(), 20000);
            QVERIFY2(sampler->lastError().isEmpty(), qPrintable(sampler->lastError()));
            QCOMPARE(sampler->samples().back().active, 3);
            // A hidden tab (another tab current) does not poll; shown again, it does.
            browser.hide();
            QVERIFY(!sampler->isRunning());
            browser.show();
            QVERIFY(sampler->isRunning());
            QVERIFY(QSettings().value(QStringLiteral("messageBrowser/chart")).toBool());

            toggle->trigger();
            QVERIFY(!toggle->isChecked());
            QVERIFY(!chart->isVisible());
            QVERIFY(!sampler->isRunning());
            QVERIFY(!QSettings().value(QStringLiteral("messageBrowser/chart"), true).toBool());
            toggle->trigger(); // on again: the next browser starts with the chart
        }
        MessageBrowser next(m_connection.get(), QString::fromLatin1(kQueue), false);
        next.show();
        QVERIFY(action(next, "countChart")->isChecked());
        auto *chart = next.findChild<widgets::CountChart *>(QStringLiteral("countChart"));
        QVERIFY(chart && chart->isVisible());
        QVERIFY(chart->sampler() && chart->sampler()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(!chart->sampler()->samples().empty(), 20000);
    }

    void readOnlyDisablesReplayAndMove()
    {
        QVERIFY(sendN(2));
        QVERIFY(deadLetter(2));
        MessageBrowser browser(m_connection.get(), QStringLiteral("orders/$DeadLetterQueue"), true);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 2, 20000);
        browser.table()->selectAll();
        QVERIFY(action(browser, "replay")->isVisible()); // shown, but not usable
        QVERIFY(!action(browser, "replay")->isEnabled());
        QVERIFY(!action(browser, "move")->isEnabled());
        action(browser, "replay")->trigger();
        action(browser, "move")->trigger();
        QTest::qWait(100);
        QVERIFY(!browser.findChild<widgets::ReplayDialog *>());
        // The switch is followed while open.
        browser.setReadOnly(false);
        QVERIFY(action(browser, "replay")->isEnabled());
        QVERIFY(action(browser, "move")->isEnabled());
        browser.setReadOnly(true);
        QVERIFY(!action(browser, "replay")->isEnabled());
        QVERIFY(!action(browser, "move")->isEnabled());
    }

    void screenshots()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        std::vector<core::Message> messages;
        for (int i = 0; i < 40; ++i) {
            core::Message m = jsonMessage(i);
            m.subject = i % 3 == 0 ? "order.created" : "order.paid";
            m.sessionId = i % 4 == 0 ? std::optional<std::string>("customer-" + std::to_string(i / 4)) : std::nullopt;
            m.body = R"({"orderId":)" + std::to_string(1000 + i)
                     + R"(,"customer":{"name":"Ada Lovelace","tier":"gold"},"lines":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],"total":42.5})";
            messages.push_back(std::move(m));
        }
        QVERIFY(send(std::move(messages)));
        MessageBrowser browser(m_connection.get(), QString::fromLatin1(kQueue), false);
        browser.resize(1280, 800);
        browser.show();
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->rowCount(), 40, 20000);
        browser.table()->setCurrentIndex(browser.model()->index(2, 0));
        browser.table()->selectRow(2);
        QTRY_COMPARE(browser.detail()->bodyFormat(), widgets::MessageDetail::BodyFormat::Json);
        QTest::qWait(100);
        QVERIFY(browser.grab().save(QDir(dir).filePath(QStringLiteral("message-browser.png"))));

        widgets::SendDialog dialog(QStringLiteral("orders"));
        dialog.setMessage(browser.model()->fullMessage(browser.model()->sequenceNumber(2)) ? *browser.model()->fullMessage(browser.model()->sequenceNumber(2)) : jsonMessage(1));
        dialog.resize(1000, 620);
        dialog.show();
        QTest::qWait(100);
        QVERIFY(dialog.grab().save(QDir(dir).filePath(QStringLiteral("send-dialog.png"))));
    }
};

QTEST_MAIN(TestMessageBrowser)
#include "tst_messagebrowser.moc"
