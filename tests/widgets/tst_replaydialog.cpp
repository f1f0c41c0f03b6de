// widgets::ReplayDialog (dead-letter replay and "move to") driving models::ReplayJob against a real
// busyard-emulator (one per test; sample queue 'orders', topic 'events' with subscriptions 'all' and
// 'high-priority' (SQL filter priority = 'high')).
#include "widgets/replaydialog.h"
#include "widgets/routingpreview.h"
#include "widgets/sqleditor.h"

#include "core/client/namespaceconnection.h"
#include "models/replayjob.h"
#include "models/replayjournal.h"
#include "resources/resources.h"

#include "../common/clienttest.h"

#include <Qsci/qsciscintilla.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace busyard;
using namespace std::chrono_literals;
using widgets::ReplayDialog;
using widgets::RoutingPreviewWidget;
using widgets::SqlEditor;

namespace {

constexpr const char *kQueue = "orders";
constexpr const char *kDlq = "orders/$DeadLetterQueue";

core::Message orderMessage(int i)
{
    core::Message m;
    m.messageId = core::Value::string("m-" + std::to_string(i));
    m.subject = i % 2 == 0 ? "order.created" : "order.paid";
    m.contentType = "application/json";
    m.body = R"({"orderId":)" + std::to_string(1000 + i) + R"(,"total":42.5})";
    m.applicationProperties.set("n", core::Value::int32(i));
    m.applicationProperties.set("retryHint", core::Value::string("later"));
    return m;
}

QString cellText(QTableWidget *table, int row, int column)
{
    const auto *item = table->item(row, column);
    return item ? item->text() : QString();
}

/** The preview shows one row per changed field; a message's first row names it (sequence number,
    message id, target). */
int previewMessages(QTableWidget *table)
{
    int n = 0;
    for (int row = 0; row < table->rowCount(); ++row)
        n += cellText(table, row, 0).isEmpty() ? 0 : 1;
    return n;
}

struct PreviewMessage
{
    QString messageId;
    QString target;
    QMap<QString, QPair<QString, QString>> fields; ///< field -> (before, after)
};

PreviewMessage previewMessage(QTableWidget *table, int index)
{
    PreviewMessage out;
    int seen = -1;
    for (int row = 0; row < table->rowCount(); ++row) {
        if (!cellText(table, row, 0).isEmpty()) {
            if (++seen > index)
                break;
            if (seen == index) {
                out.messageId = cellText(table, row, 1);
                out.target = cellText(table, row, 5);
            }
        }
        if (seen == index)
            out.fields.insert(cellText(table, row, 2), qMakePair(cellText(table, row, 3), cellText(table, row, 4)));
    }
    return out;
}

using Change = QPair<QString, QString>;

/** The routing preview the dialog shows now (it rebuilds it when the copies change), or null. */
RoutingPreviewWidget *routingWidget(const ReplayDialog &dialog)
{
    return dialog.routingPage()->findChild<RoutingPreviewWidget *>();
}

/** "2 of 5 messages" for `subscription` once the dialog's routing preview is Ready; empty before. */
QString routedMessages(const ReplayDialog &dialog, const QString &subscription)
{
    const RoutingPreviewWidget *routing = routingWidget(dialog);
    if (!routing || routing->state() != RoutingPreviewWidget::State::Ready)
        return {};
    const QStandardItemModel *summary = routing->summaryModel();
    for (int row = 0; row < summary->rowCount(); ++row)
        if (summary->item(row, RoutingPreviewWidget::SummaryName)->text() == subscription)
            return summary->item(row, RoutingPreviewWidget::SummaryMessages)->text();
    return {};
}

/** Whether the editor underlines (error indicator) any character of its text. */
bool hasSquiggle(SqlEditor *editor)
{
    const long length = long(editor->editor()->SendScintilla(QsciScintillaBase::SCI_GETLENGTH));
    for (long pos = 0; pos < length; ++pos)
        if (editor->editor()->SendScintilla(QsciScintillaBase::SCI_INDICATORVALUEAT, SqlEditor::ErrorIndicator, pos))
            return true;
    return false;
}

} // namespace

class TestReplayDialog : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    bool send(std::vector<core::Message> messages, const char *entity = kQueue)
    {
        for (std::size_t start = 0; start < messages.size(); start += 500) {
            std::vector<core::Message> chunk(messages.begin() + std::ptrdiff_t(start),
                                             messages.begin() + std::ptrdiff_t(std::min(messages.size(), start + 500)));
            std::optional<bool> ok;
            m_connection->sendBatch(entity, std::move(chunk), this, [&](core::Result<void> r) { ok = r.ok(); });
            if (!QTest::qWaitFor([&] { return ok.has_value(); }, 30000) || !*ok)
                return false;
        }
        return true;
    }

    bool sendN(int count)
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < count; ++i)
            messages.push_back(orderMessage(i));
        return send(std::move(messages));
    }

    /** Moves `count` active messages of 'orders' to its dead-letter queue (reason "test"). */
    bool deadLetter(int count)
    {
        return testing::deadLetterFirst(*m_connection, this, kQueue, count, "test", "replay me");
    }

    std::vector<core::Message> peekAll(const char *entity)
    {
        std::vector<core::Message> all;
        std::int64_t from = 0;
        for (;;) {
            std::optional<std::vector<core::Message>> out;
            m_connection->peek(entity, from, 250, this, [&](core::Result<std::vector<core::Message>> r) {
                out = r ? r.value() : std::vector<core::Message>{};
            });
            if (!QTest::qWaitFor([&] { return out.has_value(); }, 20000) || out->empty())
                return all;
            from = out->back().sequenceNumber + 1;
            all.insert(all.end(), out->begin(), out->end());
        }
    }

    core::broker::RuntimeCounts counts(const char *queue = kQueue)
    {
        std::optional<core::broker::RuntimeCounts> out;
        m_connection->getQueue(queue, this, [&](core::Result<client::QueueInfo> r) {
            out = r ? r.value().counts : core::broker::RuntimeCounts{-1, -1};
        });
        [[maybe_unused]] const bool got = QTest::qWaitFor([&] { return out.has_value(); }, 20000);
        return out.value_or(core::broker::RuntimeCounts{-1, -1});
    }

    static QString appProperty(const core::Message &m, const char *name)
    {
        const core::Value *v = m.applicationProperties.find(name);
        return v ? QString::fromStdString(v->isText() ? v->bytes() : v->toDisplayString()) : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("BusyardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_replaydialog"));
        resources::initialize();
        qRegisterMetaType<models::ReplaySummary>();
        qRegisterMetaType<models::ReplayFailure>();
    }

    void init()
    {
        QSettings().clear();
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/replay")).removeRecursively();
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator);
        QVERIFY(m_connection);
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset(); // kills the process even when the test failed
    }

    void transformPreviewAndReplay()
    {
        QVERIFY(sendN(5));
        QVERIFY(deadLetter(5));
        QCOMPARE(counts().deadLetter, 5);

        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 5);
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.show();
        QCOMPARE(dialog.windowTitle(), QStringLiteral("Replay messages"));
        QVERIFY(dialog.originalRadio()->isChecked());
        QVERIFY2(dialog.originalRadio()->text().contains(QLatin1String("parent: orders")),
                 qPrintable(dialog.originalRadio()->text()));
        QVERIFY(dialog.stripCheck()->isChecked());
        QVERIFY(dialog.replayCountCheck()->isChecked());
        QVERIFY(!dialog.resumeBanner()->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(previewMessages(dialog.previewTable()), 5, 20000);
        QTRY_VERIFY(dialog.startButton()->isEnabled());
        auto first = previewMessage(dialog.previewTable(), 0);
        QCOMPARE(first.messageId, QStringLiteral("m-0"));
        QCOMPARE(first.target, QStringLiteral("orders"));
        QCOMPARE(first.fields.value(QStringLiteral("DeadLetterReason")), Change(QStringLiteral("'test'"), QStringLiteral("(removed)")));
        QCOMPARE(first.fields.value(QStringLiteral("BusyardReplayCount")), Change(QStringLiteral("—"), QStringLiteral("1")));
        QVERIFY(!first.fields.contains(QStringLiteral("sys.MessageId")));

        // The transform is the shared SQL editor in action mode; empty = no transform, which is allowed
        // although the editor does not call empty text valid.
        SqlEditor *transform = dialog.transformEditor();
        QCOMPARE(transform->mode(), SqlEditor::Mode::Action);
        QVERIFY(!transform->isValid());
        QVERIFY(dialog.blockedReason().isEmpty());
        QVERIFY2(transform->messageLabel()->text().startsWith(QLatin1String("Empty: no transform")),
                 qPrintable(transform->messageLabel()->text()));

        // An invalid transform, typed: start is disabled, the error is underlined and says where.
        transform->setFocus();
        QCOMPARE(QApplication::focusWidget(), transform->editor());
        QTest::keyClicks(transform->editor(), QStringLiteral("SET user.fixed = "));
        QCOMPARE(transform->text(), QStringLiteral("SET user.fixed = "));
        QTRY_VERIFY(!dialog.startButton()->isEnabled());
        QVERIFY2(transform->errorText().startsWith(QLatin1String("Line 1, column ")), qPrintable(transform->errorText()));
        QCOMPARE(transform->messageLabel()->text(), transform->errorText());
        QCOMPARE(dialog.blockedReason(), QStringLiteral("The transform does not compile: ") + transform->errorText());
        QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("blockedReason"))->text(), dialog.blockedReason());
        QVERIFY(hasSquiggle(transform));
        QCOMPARE(previewMessages(dialog.previewTable()), 5); // still previewed, without the transform
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("previewNote"))->text().contains(QLatin1String("without the transform")));

        // Parsed, but the job could not run it: replay has no values for @parameters.
        transform->setText(QStringLiteral("SET user.fixed = @fix"));
        QVERIFY(transform->isValid()); // the editor checks without parameter values
        QTRY_VERIFY(!dialog.startButton()->isEnabled());
        QVERIFY2(dialog.blockedReason().startsWith(QLatin1String("The transform does not compile: ")),
                 qPrintable(dialog.blockedReason()));
        QVERIFY2(transform->messageLabel()->text().contains(QLatin1String("fix")), qPrintable(transform->messageLabel()->text()));

        // Cleared again: allowed.
        transform->setText(QString());
        QTRY_VERIFY(dialog.startButton()->isEnabled());
        QVERIFY(!hasSquiggle(transform));

        // A valid one: the preview shows the after value.
        transform->setText(QStringLiteral("SET user.fixed = 'yes'; REMOVE user.retryHint"));
        QTRY_VERIFY(dialog.startButton()->isEnabled());
        QVERIFY(transform->isValid());
        QCOMPARE(transform->messageLabel()->text(), QStringLiteral("✓ Valid action"));
        QVERIFY(!hasSquiggle(transform));
        QTRY_COMPARE(previewMessage(dialog.previewTable(), 0).fields.value(QStringLiteral("fixed")),
                     Change(QStringLiteral("—"), QStringLiteral("'yes'")));
        QCOMPARE(previewMessage(dialog.previewTable(), 4).fields.value(QStringLiteral("retryHint")),
                 Change(QStringLiteral("'later'"), QStringLiteral("(removed)")));
        // Renewing the id shows in the preview.
        dialog.renewCheck()->setChecked(true);
        QTRY_COMPARE(previewMessage(dialog.previewTable(), 0).fields.value(QStringLiteral("sys.MessageId")),
                     Change(QStringLiteral("'m-0'"), QStringLiteral("(new id)")));
        dialog.renewCheck()->setChecked(false);
        QTRY_VERIFY(!previewMessage(dialog.previewTable(), 0).fields.contains(QStringLiteral("sys.MessageId")));
        QVERIFY(!dialog.previewTabs()->isTabVisible(1)); // a queue target: no routing tab

        QTest::mouseClick(dialog.startButton(), Qt::LeftButton);
        QVERIFY(dialog.job());
        QVERIFY(dialog.progressBar()->isVisible());
        QCOMPARE(dialog.cancelButton()->objectName(), QStringLiteral("cancelJobButton"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QCOMPARE(summary.replayed, 5);
        QCOMPARE(summary.failed, 0);
        QVERIFY(!summary.cancelled);
        QVERIFY2(summary.error.isEmpty(), qPrintable(summary.error));
        QVERIFY2(dialog.summaryLabel()->text().startsWith(QLatin1String("Replayed 5 messages in ")),
                 qPrintable(dialog.summaryLabel()->text()));
        QVERIFY(dialog.summaryLabel()->text().endsWith(QLatin1String("journal removed")));
        QVERIFY(dialog.closeButton()->isVisible());
        QCOMPARE(dialog.progressBar()->value(), dialog.progressBar()->maximum());
        QCOMPARE(dialog.failuresTable()->rowCount(), 0);

        const auto copies = peekAll(kQueue);
        QCOMPARE(copies.size(), std::size_t(5));
        std::set<QString> ids;
        for (const auto &m : copies) {
            ids.insert(QString::fromStdString(m.messageIdString()));
            QCOMPARE(appProperty(m, "fixed"), QStringLiteral("yes"));
            QCOMPARE(appProperty(m, "BusyardReplayCount"), QStringLiteral("1"));
            QVERIFY(!m.applicationProperties.contains("retryHint"));
            QVERIFY(!m.applicationProperties.contains("DeadLetterReason"));
            QVERIFY(m.applicationProperties.contains("n"));
        }
        QCOMPARE(ids, (std::set<QString>{QStringLiteral("m-0"), QStringLiteral("m-1"), QStringLiteral("m-2"),
                                         QStringLiteral("m-3"), QStringLiteral("m-4")}));
        QCOMPARE(peekAll(kDlq).size(), std::size_t(0));

        // The options used are remembered; Esc closes once the job is over.
        QSettings settings;
        QCOMPARE(settings.value(QStringLiteral("replayDialog/replay/transform")).toString(),
                 QStringLiteral("SET user.fixed = 'yes'; REMOVE user.retryHint"));
        QTest::keyClick(&dialog, Qt::Key_Escape);
        QVERIFY(!dialog.isVisible());
        QVERIFY(settings.value(QStringLiteral("replayDialog/size")).toSize().isValid());

        ReplayDialog again(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 0);
        QCOMPARE(again.transformEditor()->text(), QStringLiteral("SET user.fixed = 'yes'; REMOVE user.retryHint"));
        QCOMPARE(again.size(), dialog.size());
    }

    void moveSelectionToTopic()
    {
        QVERIFY(sendN(5));
        const auto all = peekAll(kQueue);
        QCOMPARE(all.size(), std::size_t(5));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kQueue), ReplayDialog::Mode::Move, {all[1], all[3]}, -1);
        QStringList routed;
        dialog.setRoutingPreviewFactory([&](QWidget *parent, const QString &topic, const std::vector<core::Message> &copies) {
            routed << QStringLiteral("%1:%2").arg(topic).arg(copies.size());
            auto *label = new QLabel(QStringLiteral("routing of %1").arg(topic), parent);
            label->setObjectName(QStringLiteral("fakeRouting"));
            return label;
        });
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.show();
        QCOMPARE(dialog.windowTitle(), QStringLiteral("Move messages"));
        QVERIFY(!dialog.originalRadio()->isVisible());
        QVERIFY(!dialog.stripCheck()->isChecked());
        QVERIFY(!dialog.replayCountCheck()->isChecked());
        QCOMPARE(dialog.startButton()->text(), QStringLiteral("&Move"));
        QTRY_COMPARE(previewMessages(dialog.previewTable()), 2);
        QCOMPARE(previewMessage(dialog.previewTable(), 0).fields.firstKey(), QStringLiteral("no changes"));
        QTRY_COMPARE(dialog.blockedReason(), QStringLiteral("Choose a target queue or topic"));
        QVERIFY(!dialog.startButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.targetCombo()->findText(QStringLiteral("events")) >= 0, 20000);
        QVERIFY(dialog.targetCombo()->findText(QStringLiteral("orders")) >= 0);
        QCOMPARE(dialog.targetCombo()->currentText(), QString()); // nothing chosen for the user

        dialog.targetCombo()->setEditText(QStringLiteral("orders"));
        QTRY_COMPARE(dialog.blockedReason(), QStringLiteral("The target is the source"));
        QVERIFY(!dialog.startButton()->isEnabled());

        dialog.targetCombo()->setCurrentIndex(dialog.targetCombo()->findText(QStringLiteral("events")));
        QTRY_VERIFY(dialog.startButton()->isEnabled());
        QTRY_VERIFY(dialog.previewTabs()->isTabVisible(1));
        QCOMPARE(previewMessage(dialog.previewTable(), 0).target, QStringLiteral("events (topic)"));
        QCOMPARE(previewMessage(dialog.previewTable(), 0).messageId, QStringLiteral("m-1"));
        QCOMPARE(previewMessage(dialog.previewTable(), 1).messageId, QStringLiteral("m-3"));
        QVERIFY(!routed.isEmpty());
        QCOMPARE(routed.last(), QStringLiteral("events:2"));
        QVERIFY(dialog.routingPage()->findChild<QLabel *>(QStringLiteral("fakeRouting")));
        const int calls = int(routed.size());
        dialog.renewCheck()->toggle();
        dialog.renewCheck()->toggle();
        QTest::qWait(300);
        QCOMPARE(int(routed.size()), calls); // same copies: the routing widget is kept

        QTest::mouseClick(dialog.startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QVERIFY2(summary.error.isEmpty(), qPrintable(summary.error));
        QCOMPARE(summary.replayed, 2);
        QVERIFY2(dialog.summaryLabel()->text().startsWith(QLatin1String("Moved 2 messages in ")),
                 qPrintable(dialog.summaryLabel()->text()));

        const auto routedCopies = peekAll("events/Subscriptions/all");
        QCOMPARE(routedCopies.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(routedCopies[0].messageIdString()), QStringLiteral("m-1"));
        QCOMPARE(QString::fromStdString(routedCopies[1].messageIdString()), QStringLiteral("m-3"));
        QVERIFY(!routedCopies[0].applicationProperties.contains("BusyardReplayCount"));
        QCOMPARE(appProperty(routedCopies[0], "retryHint"), QStringLiteral("later"));
        const auto left = peekAll(kQueue);
        QCOMPARE(left.size(), std::size_t(3));
        for (const auto &m : left)
            QVERIFY(m.messageIdString() != "m-1" && m.messageIdString() != "m-3");
    }

    void rejectedCopiesAreListed()
    {
        // 'orders-sessions' requires a session id: the copies without one are refused.
        std::vector<core::Message> messages;
        for (int i = 0; i < 4; ++i) {
            core::Message m = orderMessage(i);
            if (i % 2 == 0)
                m.sessionId = "customer-" + std::to_string(i);
            messages.push_back(std::move(m));
        }
        QVERIFY(send(std::move(messages)));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kQueue), ReplayDialog::Mode::Move, {}, -1);
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.show();
        dialog.targetCombo()->setEditText(QStringLiteral("orders-sessions"));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.startButton()->isEnabled(), 20000);
        // No count given: the dialog asks the management plane for it (header and progress).
        QTRY_VERIFY_WITH_TIMEOUT(dialog.findChild<QLabel *>(QStringLiteral("sourceLabel"))->text().contains(QLatin1String("4 messages")),
                                 20000);
        dialog.start();
        QCOMPARE(dialog.progressBar()->maximum(), 4);
        QVERIFY(!dialog.failuresTable()->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QCOMPARE(summary.replayed, 2);
        QCOMPARE(summary.failed, 2);
        QVERIFY(dialog.failuresTable()->isVisible());
        QCOMPARE(dialog.failuresTable()->rowCount(), 2);
        QSet<QString> failedIds{cellText(dialog.failuresTable(), 0, 1), cellText(dialog.failuresTable(), 1, 1)};
        QCOMPARE(failedIds, (QSet<QString>{QStringLiteral("m-1"), QStringLiteral("m-3")}));
        QVERIFY(!cellText(dialog.failuresTable(), 0, 2).isEmpty());
        QVERIFY2(dialog.summaryLabel()->text().startsWith(QLatin1String("Moved 2 messages in ")),
                 qPrintable(dialog.summaryLabel()->text()));
        QVERIFY(dialog.summaryLabel()->text().contains(QLatin1String("; 2 failed and stay in orders;")));
        QCOMPARE(peekAll(kQueue).size(), std::size_t(2));
        QCOMPARE(peekAll("orders-sessions").size(), std::size_t(2));
    }

    void topicTargetWithoutFactoryShowsNote()
    {
        QVERIFY(sendN(1));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kQueue), ReplayDialog::Mode::Move, {}, 1);
        dialog.show();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.targetCombo()->findText(QStringLiteral("events")) >= 0, 20000);
        dialog.targetCombo()->setEditText(QStringLiteral("events"));
        QTRY_VERIFY(dialog.previewTabs()->isTabVisible(1));
        auto *note = dialog.routingPage()->findChild<QLabel *>(QStringLiteral("routingNote"));
        QVERIFY(note);
        QCOMPARE(note->text(), QStringLiteral("Target is a topic: every matching subscription gets a copy"));
        dialog.targetCombo()->setEditText(QStringLiteral("orders-sessions"));
        QTRY_VERIFY(!dialog.previewTabs()->isTabVisible(1));
        // Esc closes the options page even from the transform editor (QScintilla keeps Esc otherwise).
        dialog.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        dialog.transformEditor()->setFocus();
        QTRY_VERIFY(dialog.transformEditor()->hasFocus());
        QCOMPARE(QApplication::focusWidget(), dialog.transformEditor()->editor());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
        QVERIFY(!dialog.isVisible());
    }

    void replayToTopicWithRoutingPreview()
    {
        // Five dead letters, two of them priority 'high': replayed to topic 'events', 'all' gets every
        // copy and 'high-priority' only those two; the dialog's routing page says so before the run.
        std::vector<core::Message> messages;
        for (int i = 0; i < 5; ++i) {
            core::Message m = orderMessage(i);
            m.messageId = core::Value::string("evt-" + std::to_string(i));
            m.applicationProperties.set("priority", core::Value::string(i == 0 || i == 3 ? "high" : "normal"));
            messages.push_back(std::move(m));
        }
        QVERIFY(send(std::move(messages)));
        QVERIFY(deadLetter(5));
        const QString screenshotDir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");

        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 5);
        dialog.setRoutingPreviewFactory(RoutingPreviewWidget::factory(m_connection.get()));
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.resize(1040, 800);
        dialog.show();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.targetCombo()->findText(QStringLiteral("events")) >= 0, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(previewMessages(dialog.previewTable()), 5, 20000);
        QVERIFY(!dialog.previewTabs()->isTabVisible(1)); // back to 'orders': no routing
        dialog.targetCombo()->setCurrentIndex(dialog.targetCombo()->findText(QStringLiteral("events")));
        QVERIFY(dialog.entityRadio()->isChecked());
        QTRY_VERIFY(dialog.previewTabs()->isTabVisible(1));
        QCOMPARE(dialog.previewTabs()->tabText(1), QStringLiteral("&Routing: events"));
        QTRY_VERIFY(dialog.startButton()->isEnabled());

        // The routing page holds the real preview, evaluated on the copies the job would send.
        dialog.previewTabs()->setCurrentWidget(dialog.routingPage());
        QTRY_VERIFY(routingWidget(dialog));
        QVERIFY(routingWidget(dialog)->isVisible());
        QCOMPARE(routingWidget(dialog)->topic(), QStringLiteral("events"));
        QTRY_COMPARE_WITH_TIMEOUT(routingWidget(dialog)->state(), RoutingPreviewWidget::State::Ready, 20000);
        QCOMPARE(routedMessages(dialog, QStringLiteral("all")), QStringLiteral("5 of 5 messages"));
        QCOMPARE(routedMessages(dialog, QStringLiteral("high-priority")), QStringLiteral("2 of 5 messages"));
        QCOMPARE(routingWidget(dialog)->messages().size(), std::size_t(5));
        QVERIFY(!routingWidget(dialog)->messages()[0].applicationProperties.contains("DeadLetterReason")); // stripped

        // The transform runs before routing: everything high, then back to the original priorities.
        dialog.transformEditor()->setText(QStringLiteral("SET priority = 'high'"));
        QTRY_COMPARE_WITH_TIMEOUT(routedMessages(dialog, QStringLiteral("high-priority")), QStringLiteral("5 of 5 messages"), 20000);
        dialog.transformEditor()->setText(QStringLiteral("SET user.replayed = 'yes'"));
        QTRY_COMPARE_WITH_TIMEOUT(routedMessages(dialog, QStringLiteral("high-priority")), QStringLiteral("2 of 5 messages"), 20000);
        QCOMPARE(routedMessages(dialog, QStringLiteral("all")), QStringLiteral("5 of 5 messages"));
        RoutingPreviewWidget *routing = routingWidget(dialog);
        QCOMPARE(routing->results().size(), std::size_t(5));
        QCOMPARE(appProperty(routing->messages()[0], "replayed"), QStringLiteral("yes"));
        QVERIFY(routing->selectSubscription(QStringLiteral("high-priority")));
        QVERIFY(dialog.startButton()->isEnabled());

        if (!screenshotDir.isEmpty()) {
            QTest::qWait(200);
            QVERIFY(dialog.grab().save(QDir(screenshotDir).filePath(QStringLiteral("replay-routing.png"))));
        }

        QTest::mouseClick(dialog.startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QVERIFY2(summary.error.isEmpty(), qPrintable(summary.error));
        QCOMPARE(summary.replayed, 5);
        QCOMPARE(summary.failed, 0);

        const auto idsOf = [](const std::vector<core::Message> &list) {
            QStringList ids;
            for (const auto &m : list)
                ids << QString::fromStdString(m.messageIdString());
            ids.sort();
            return ids;
        };
        const auto all = peekAll("events/Subscriptions/all");
        QCOMPARE(idsOf(all), (QStringList{QStringLiteral("evt-0"), QStringLiteral("evt-1"), QStringLiteral("evt-2"),
                                         QStringLiteral("evt-3"), QStringLiteral("evt-4")}));
        const auto high = peekAll("events/Subscriptions/high-priority");
        QCOMPARE(idsOf(high), (QStringList{QStringLiteral("evt-0"), QStringLiteral("evt-3")}));
        for (const auto &m : high) {
            QCOMPARE(appProperty(m, "priority"), QStringLiteral("high"));
            QCOMPARE(appProperty(m, "replayed"), QStringLiteral("yes"));
        }
        QCOMPARE(peekAll(kDlq).size(), std::size_t(0));
        QCOMPARE(peekAll(kQueue).size(), std::size_t(0));
    }

    void escapeAsksToCancelTheJob()
    {
        constexpr int kCount = 600;
        QVERIFY(sendN(kCount));
        QVERIFY(deadLetter(kCount));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, kCount);
        dialog.setBatchSize(50);
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.show();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.startButton()->isEnabled(), 20000);
        dialog.start();
        QVERIFY(dialog.isRunning());
        QVERIFY(dialog.job());
        // After the first batch: Esc asks (the dialog stays open), Stop cancels the job.
        bool asked = false;
        bool stayedOpen = false;
        bool cancelling = false;
        QString countsText;
        connect(dialog.job(), &models::ReplayJob::progress, this, [&] {
            if (asked)
                return;
            asked = true;
            countsText = dialog.countsLabel()->text();
            QTest::keyClick(&dialog, Qt::Key_Escape);
            auto *box = dialog.findChild<QMessageBox *>(QStringLiteral("confirmCancelReplay"));
            stayedOpen = box && box->isVisible() && dialog.isVisible() && dialog.isRunning();
            if (box)
                box->findChild<QPushButton *>(QStringLiteral("stopButton"))->click();
            cancelling = !dialog.cancelButton()->isEnabled() && dialog.cancelButton()->text() == QStringLiteral("Cancelling…");
        });
        QTRY_VERIFY_WITH_TIMEOUT(asked, 30000);
        QVERIFY(stayedOpen);
        QVERIFY(cancelling);
        static const QRegularExpression countsPattern(QStringLiteral("^[\\d,]+ of 600 replayed · 0 failed · [\\d.,]+ msgs/s$"));
        QVERIFY2(countsPattern.match(countsText).hasMatch(), qPrintable(countsText));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QVERIFY(summary.cancelled);
        QVERIFY2(summary.replayed >= 50 && summary.replayed < kCount, qPrintable(QString::number(summary.replayed)));
        QVERIFY2(dialog.summaryLabel()->text().contains(QLatin1String("cancelled: the rest stay in orders/$DeadLetterQueue")),
                 qPrintable(dialog.summaryLabel()->text()));
        QVERIFY(dialog.summaryLabel()->text().endsWith(QLatin1String("journal kept for resuming")));
        QVERIFY(dialog.isVisible());
        const auto c = counts();
        QCOMPARE(c.active, summary.replayed);
        QCOMPARE(c.deadLetter, kCount - summary.replayed);
    }

    void resumeBannerResumesTheInterruptedRun()
    {
        QVERIFY(sendN(4));
        QVERIFY(deadLetter(4));
        const auto dead = peekAll(kDlq);
        QCOMPARE(dead.size(), std::size_t(4));
        const QString host = QStringLiteral("localhost:%1").arg(m_emulator->port());
        const QString journalPath = models::ReplayJob::defaultJournalPath(host, QString::fromLatin1(kDlq));
        // An earlier run that died after the target accepted the copy of dead[0] (sent here by hand).
        {
            auto journal = models::ReplayJournal::open(journalPath, QString::fromLatin1(kDlq));
            QVERIFY(journal);
            journal.value()->recordIntent(dead[0].sequenceNumber, kQueue, dead[0].messageIdString());
            journal.value()->recordAccepted(dead[0].sequenceNumber);
            QVERIFY(journal.value()->flush().ok());
        }
        core::Message copy = dead[0];
        copy.deadLetterSource.reset();
        copy.sequenceNumber = 0;
        QVERIFY(send({copy}));

        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 4);
        QCOMPARE(dialog.journalPath(), journalPath);
        QSignalSpy finished(&dialog, &ReplayDialog::replayFinished);
        dialog.show();
        QVERIFY(dialog.resumeBanner()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.resumeButton()->isEnabled(), 20000);
        QTest::mouseClick(dialog.resumeButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto summary = finished.first().at(0).value<models::ReplaySummary>();
        QVERIFY2(summary.error.isEmpty(), qPrintable(summary.error));
        QCOMPARE(summary.replayed, 4);
        QCOMPARE(summary.resumed, 1);
        QVERIFY2(dialog.summaryLabel()->text().contains(QLatin1String("1 finished from the interrupted run")),
                 qPrintable(dialog.summaryLabel()->text()));
        QVERIFY(!QFile::exists(journalPath));
        QCOMPARE(peekAll(kQueue).size(), std::size_t(4)); // dead[0] was not sent twice
        QCOMPARE(peekAll(kDlq).size(), std::size_t(0));
    }

    void discardRemovesTheJournal()
    {
        QVERIFY(sendN(1));
        QVERIFY(deadLetter(1));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 1);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("x.journal"));
        {
            auto journal = models::ReplayJournal::open(path, QString::fromLatin1(kDlq));
            QVERIFY(journal);
            journal.value()->recordIntent(1, kQueue, "m-0");
            QVERIFY(journal.value()->flush().ok());
        }
        dialog.show();
        QVERIFY(!dialog.resumeBanner()->isVisible());
        dialog.setJournalPath(path);
        QVERIFY(dialog.resumeBanner()->isVisible());
        QTest::mouseClick(dialog.discardButton(), Qt::LeftButton);
        QVERIFY(!dialog.resumeBanner()->isVisible());
        QVERIFY(!QFile::exists(path));
    }

    void screenshots()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        std::vector<core::Message> messages;
        for (int i = 0; i < 12; ++i) {
            core::Message m = orderMessage(i);
            m.messageId = core::Value::string("order-" + std::to_string(4711 + i));
            m.applicationProperties.set("tenant", core::Value::string(i % 3 ? "contoso" : "fabrikam"));
            messages.push_back(std::move(m));
        }
        QVERIFY(send(std::move(messages)));
        QVERIFY(deadLetter(12));
        ReplayDialog dialog(m_connection.get(), QString::fromLatin1(kDlq), ReplayDialog::Mode::Replay, {}, 12);
        dialog.resize(1040, 780);
        dialog.show();
        dialog.transformEditor()->setText(QStringLiteral("SET user.fixed = 'yes';\nSET sys.Label = 'order.retry';\nREMOVE user.retryHint"));
        QTRY_COMPARE_WITH_TIMEOUT(previewMessages(dialog.previewTable()), 5, 20000);
        QTRY_VERIFY(dialog.startButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.targetCombo()->count() > 0, 20000);
        QTest::qWait(200);
        QVERIFY(dialog.grab().save(QDir(dir).filePath(QStringLiteral("replay-dialog.png"))));

        // The running page with failures: a move to a session queue refuses the copies without a session id.
        std::vector<core::Message> more;
        for (int i = 0; i < 40; ++i) {
            core::Message m = orderMessage(i);
            m.messageId = core::Value::string("order-" + std::to_string(5200 + i));
            if (i % 13 != 5)
                m.sessionId = "customer-" + std::to_string(i % 7);
            more.push_back(std::move(m));
        }
        QVERIFY(send(std::move(more)));
        ReplayDialog move(m_connection.get(), QString::fromLatin1(kQueue), ReplayDialog::Mode::Move, {}, 40);
        QSignalSpy finished(&move, &ReplayDialog::replayFinished);
        move.resize(960, 420);
        move.show();
        move.targetCombo()->setEditText(QStringLiteral("orders-sessions"));
        QTRY_VERIFY_WITH_TIMEOUT(move.startButton()->isEnabled(), 20000);
        move.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QTest::qWait(200);
        QVERIFY(move.grab().save(QDir(dir).filePath(QStringLiteral("replay-progress.png"))));
    }
};

QTEST_MAIN(TestReplayDialog)
#include "tst_replaydialog.moc"
