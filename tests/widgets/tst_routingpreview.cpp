// widgets::RoutingPreviewWidget / RoutingPreviewDialog / TopologyView against a real busyard-emulator
// (one per test). The topic 'routing' has: an SQL filter with a SET action, a correlation filter, a
// subscription where two rules match the same message (plus one action rule), a false filter and a
// subscription forwarding to a queue. The preview's prediction is then checked against what the
// emulator actually delivers for the same messages.
#include "widgets/routingpreview.h"
#include "widgets/topologyview.h"

#include "core/client/namespaceconnection.h"
#include "resources/resources.h"

#include "../common/clienttest.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace busyard;
using namespace std::chrono_literals;
using core::broker::RuleDescription;

namespace {

constexpr const char *kTopic = "routing";
constexpr const char *kOutQueue = "routed-out";

RuleDescription sqlRule(std::string name, std::string filter, std::optional<std::string> action = std::nullopt)
{
    RuleDescription r;
    r.name = std::move(name);
    r.filter = core::broker::SqlFilter{std::move(filter), {}};
    if (action)
        r.action = core::broker::SqlRuleAction{*action, {}};
    return r;
}

core::Message message(std::string id, std::optional<std::string> subject, std::optional<std::string> color,
                      std::optional<std::int64_t> price)
{
    core::Message m;
    m.messageId = core::Value::string(std::move(id));
    m.subject = std::move(subject);
    if (color)
        m.applicationProperties.set("color", core::Value::string(*color));
    if (price)
        m.applicationProperties.set("price", core::Value::int64(*price));
    m.body = R"({"order":1})";
    m.contentType = "application/json";
    return m;
}

/** m1 reaches everything but 'never'; m2 only 'double' (audit) and the forwarder; m3 'blue', 'double', forwarder. */
std::vector<core::Message> sampleMessages()
{
    return {message("m1", "order", "blue", 150), message("m2", "other", "red", 50), message("m3", std::nullopt, "blue", std::nullopt)};
}

} // namespace

class TestRoutingPreview : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    template<typename T, typename Call>
    std::optional<T> wait(Call call)
    {
        std::optional<core::Result<T>> out;
        call([&](core::Result<T> r) { out = std::move(r); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 20000))
            return std::nullopt;
        if (!out->ok()) {
            qWarning("%s", out->error().message.c_str());
            return std::nullopt;
        }
        if constexpr (std::is_void_v<T>)
            return std::optional<T>{};
        else
            return std::move(out->value());
    }

    bool ok(std::function<void(client::Callback<void>)> call)
    {
        std::optional<bool> done;
        call([&](core::Result<void> r) {
            if (!r)
                qWarning("%s", r.error().message.c_str());
            done = r.ok();
        });
        return QTest::qWaitFor([&] { return done.has_value(); }, 20000) && *done;
    }

    template<typename Info>
    bool created(std::function<void(client::Callback<Info>)> call)
    {
        std::optional<bool> done;
        call([&](core::Result<Info> r) {
            if (!r)
                qWarning("%s", r.error().message.c_str());
            done = r.ok();
        });
        return QTest::qWaitFor([&] { return done.has_value(); }, 20000) && *done;
    }

    void subscription(const std::string &name, std::vector<RuleDescription> rules, std::string forwardTo = {})
    {
        core::broker::SubscriptionDescription s;
        s.topicName = kTopic;
        s.name = name;
        s.forwardTo = std::move(forwardTo);
        QVERIFY(created<client::SubscriptionInfo>([&](auto cb) { m_connection->createSubscription(s, this, cb); }));
        if (rules.empty())
            return;
        for (auto &r : rules)
            QVERIFY(created<RuleDescription>([&](auto cb) { m_connection->createRule(kTopic, name, r, this, cb); }));
        QVERIFY(ok([&](auto cb) { m_connection->deleteRule(kTopic, name, "$Default", this, cb); }));
    }

    /** The topology described in the file comment. */
    void createTopology()
    {
        core::broker::TopicDescription t;
        t.name = kTopic;
        QVERIFY(created<client::TopicInfo>([&](auto cb) { m_connection->createTopic(t, this, cb); }));
        core::broker::QueueDescription q;
        q.name = kOutQueue;
        QVERIFY(created<client::QueueInfo>([&](auto cb) { m_connection->createQueue(q, this, cb); }));

        subscription("priced", {sqlRule("expensive", "price > 100", "SET discount = 'yes'; SET sys.Label = 'discounted'")});
        RuleDescription blue;
        blue.name = "blue-things";
        core::broker::CorrelationFilter c;
        c.properties.set("color", core::Value::string("blue"));
        blue.filter = c;
        subscription("blue", {blue});
        RuleDescription orders;
        orders.name = "orders";
        core::broker::CorrelationFilter subject;
        subject.subject = "order";
        orders.filter = subject;
        subscription("double", {sqlRule("bluish", "color = 'blue'"), orders, sqlRule("audit", "price > 0", "SET audited = TRUE")});
        RuleDescription never;
        never.name = "never";
        never.filter = core::broker::FalseFilter{};
        subscription("never", {never});
        subscription("forwarder", {}, kOutQueue);
    }

    core::broker::RuntimeCounts counts(const std::string &sub)
    {
        auto info = wait<client::SubscriptionInfo>([&](auto cb) { m_connection->getSubscription(kTopic, sub, this, cb); });
        return info ? info->counts : core::broker::RuntimeCounts{-1, -1};
    }

    QStandardItem *subscriptionRow(QStandardItemModel *model, const QString &name)
    {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->item(row, 0)->text() == name)
                return model->item(row, 0);
        }
        return nullptr;
    }

    QString cell(QStandardItemModel *model, const QString &name, int column)
    {
        QStandardItem *item = subscriptionRow(model, name);
        return item ? model->item(item->row(), column)->text() : QStringLiteral("<missing>");
    }

    int copies(QStandardItemModel *model, const QString &name)
    {
        QStandardItem *item = subscriptionRow(model, name);
        return item ? item->data(widgets::RoutingPreviewWidget::CopiesRole).toInt() : -1;
    }

    /** Text of the child row of `name` whose column 0 is `child`, at `column`. */
    QString childCell(QStandardItemModel *model, const QString &name, const QString &child, int column)
    {
        QStandardItem *item = subscriptionRow(model, name);
        if (!item)
            return QStringLiteral("<missing>");
        for (int r = 0; r < item->rowCount(); ++r) {
            if (item->child(r, 0)->text() == child)
                return item->child(r, column)->text();
        }
        return QStringLiteral("<missing>");
    }

private Q_SLOTS:
    void initTestCase()
    {
        resources::initialize();
    }

    void init()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator);
        QVERIFY(m_connection);
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset();
    }

    void previewMatchesDelivery()
    {
        createTopology();
        widgets::RoutingPreviewWidget preview(m_connection.get(), QString::fromLatin1(kTopic));
        preview.resize(1100, 600);
        preview.show();
        QTRY_COMPARE_WITH_TIMEOUT(preview.state(), widgets::RoutingPreviewWidget::State::Ready, 20000);
        QVERIFY(preview.topology());
        QCOMPARE(preview.topology()->subscriptions.size(), std::size_t(5));

        // One message: the tree shows subscriptions, matched rules, copies and properties after actions.
        const auto messages = sampleMessages();
        preview.setMessages({messages[0]});
        auto *model = preview.model();
        QCOMPARE(model->rowCount(), 5);
        QCOMPARE(cell(model, QStringLiteral("priced"), widgets::RoutingPreviewWidget::ReceivesColumn), QStringLiteral("✓ yes"));
        QCOMPARE(cell(model, QStringLiteral("priced"), widgets::RoutingPreviewWidget::RuleColumn), QStringLiteral("expensive"));
        QCOMPARE(copies(model, QStringLiteral("priced")), 1);
        QCOMPARE(copies(model, QStringLiteral("blue")), 1);
        QCOMPARE(cell(model, QStringLiteral("blue"), widgets::RoutingPreviewWidget::RuleColumn), QStringLiteral("blue-things"));
        // 'double': bluish and orders (no action) merge into one copy, audit (action) adds a second.
        QCOMPARE(cell(model, QStringLiteral("double"), widgets::RoutingPreviewWidget::RuleColumn),
                 QStringLiteral("audit, bluish, orders"));
        QCOMPARE(copies(model, QStringLiteral("double")), 2);
        QCOMPARE(cell(model, QStringLiteral("double"), widgets::RoutingPreviewWidget::CopiesColumn), QStringLiteral("2"));
        QCOMPARE(childCell(model, QStringLiteral("double"), QStringLiteral("bluish"), 1), QStringLiteral("✓ matched"));
        QCOMPARE(cell(model, QStringLiteral("never"), widgets::RoutingPreviewWidget::ReceivesColumn), QStringLiteral("✗ no"));
        QCOMPARE(childCell(model, QStringLiteral("never"), QStringLiteral("never"), 1), QStringLiteral("✗ not matched"));
        QCOMPARE(copies(model, QStringLiteral("never")), 0);
        QCOMPARE(cell(model, QStringLiteral("forwarder"), widgets::RoutingPreviewWidget::ForwardColumn),
                 QStringLiteral("→ ") + QLatin1String(kOutQueue));
        QCOMPARE(childCell(model, QStringLiteral("forwarder"), QStringLiteral("Copy 1"), 1),
                 QStringLiteral("Forwarded → ") + QLatin1String(kOutQueue));
        // Detail pane: the action's SET on the priced copy.
        QVERIFY(preview.selectSubscription(QStringLiteral("priced")));
        auto *detail = preview.detail();
        QCOMPARE(detail->topLevelItemCount(), 1);
        QStringList props;
        for (int i = 0; i < detail->topLevelItem(0)->childCount(); ++i)
            props << detail->topLevelItem(0)->child(i)->text(0) + QLatin1Char('=') + detail->topLevelItem(0)->child(i)->text(1);
        QVERIFY2(props.contains(QStringLiteral("discount=yes")), qPrintable(props.join(QLatin1Char(' '))));
        QVERIFY2(props.contains(QStringLiteral("RuleName=expensive")), qPrintable(props.join(QLatin1Char(' '))));
        QVERIFY2(props.contains(QStringLiteral("sys.Label=discounted")), qPrintable(props.join(QLatin1Char(' '))));
        // Unknown: m3 has no price.
        preview.setMessages({messages[2]});
        QCOMPARE(childCell(preview.model(), QStringLiteral("priced"), QStringLiteral("expensive"), 1),
                 QStringLiteral("? unknown (absent property)"));

        // All three: the per-subscription summary.
        preview.setMessages(messages);
        auto *summary = preview.summaryModel();
        QCOMPARE(summary->rowCount(), 5);
        QMap<QString, int> predictedCopies;
        for (int row = 0; row < summary->rowCount(); ++row)
            predictedCopies[summary->item(row, 0)->text()] = summary->item(row, widgets::RoutingPreviewWidget::SummaryCopies)->data(Qt::UserRole).toInt();
        QCOMPARE(summary->item(1, widgets::RoutingPreviewWidget::SummaryMessages)->text(), QStringLiteral("3 of 3 messages")); // double
        QCOMPARE(predictedCopies.value(QStringLiteral("priced")), 1);
        QCOMPARE(predictedCopies.value(QStringLiteral("blue")), 2);
        QCOMPARE(predictedCopies.value(QStringLiteral("double")), 4);
        QCOMPARE(predictedCopies.value(QStringLiteral("never")), 0);
        QCOMPARE(predictedCopies.value(QStringLiteral("forwarder")), 3);
        preview.setCurrentMessage(1);
        QCOMPARE(copies(preview.model(), QStringLiteral("double")), 1);
        QCOMPARE(cell(preview.model(), QStringLiteral("double"), widgets::RoutingPreviewWidget::RuleColumn), QStringLiteral("audit"));

        // Now send them for real: the emulator delivers exactly what was predicted.
        QVERIFY(ok([&](auto cb) { m_connection->sendBatch(kTopic, messages, this, cb); }));
        for (const QString &name : predictedCopies.keys()) {
            if (name == QLatin1String("forwarder"))
                continue;
            QCOMPARE(counts(name.toStdString()).active, predictedCopies.value(name));
            QCOMPARE(counts(name.toStdString()).deadLetter, 0);
        }
        QCOMPARE(counts("forwarder").active, 0);
        auto out = wait<client::QueueInfo>([&](auto cb) { m_connection->getQueue(kOutQueue, this, cb); });
        QVERIFY(out);
        QCOMPARE(out->counts.active, predictedCopies.value(QStringLiteral("forwarder")));
        // The action-modified properties as delivered equal the prediction.
        auto priced = wait<std::vector<core::Message>>([&](auto cb) {
            m_connection->peek(std::string(kTopic) + "/Subscriptions/priced", 0, 10, this, cb);
        });
        QVERIFY(priced);
        QCOMPARE(priced->size(), std::size_t(1));
        const core::Message &predicted = preview.results()[0].find("priced")->copies[0].message;
        QCOMPARE(*(*priced)[0].applicationProperties.find("discount"), core::Value::string("yes"));
        QVERIFY((*priced)[0].applicationProperties == predicted.applicationProperties);
        QCOMPARE((*priced)[0].subject, predicted.subject);
        auto doubled = wait<std::vector<core::Message>>([&](auto cb) {
            m_connection->peek(std::string(kTopic) + "/Subscriptions/double", 0, 10, this, cb);
        });
        QVERIFY(doubled);
        int audited = 0;
        for (const auto &m : *doubled)
            audited += m.applicationProperties.find("audited") ? 1 : 0;
        int predictedAudited = 0;
        for (const auto &r : preview.results())
            for (const auto &c : r.find("double")->copies)
                predictedAudited += c.message.applicationProperties.find("audited") ? 1 : 0;
        QCOMPARE(audited, predictedAudited);
        QCOMPARE(audited, 2);
    }

    void dialogComposesLive()
    {
        createTopology();
        widgets::RoutingPreviewDialog dialog(m_connection.get(), QString::fromLatin1(kTopic));
        dialog.show();
        auto *preview = dialog.preview();
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), widgets::RoutingPreviewWidget::State::Ready, 20000);
        QVERIFY(dialog.isComposeMode());
        // An empty composed message: only the forwarder's $Default receives it.
        QCOMPARE(preview->results().size(), std::size_t(1));
        QCOMPARE(copies(preview->model(), QStringLiteral("forwarder")), 1);
        QCOMPARE(copies(preview->model(), QStringLiteral("double")), 0);
        // Typing the subject re-evaluates at once (correlation rule 'orders').
        QTest::keyClicks(dialog.field(QStringLiteral("subject")), QStringLiteral("order"));
        QCOMPARE(copies(preview->model(), QStringLiteral("double")), 1);
        // A typed property: price 500 (long) -> 'priced' with the action, 'double' gets the audit copy.
        dialog.addProperty(QStringLiteral("price"), QStringLiteral("long"), QStringLiteral("500"));
        QCOMPARE(copies(preview->model(), QStringLiteral("priced")), 1);
        QCOMPARE(copies(preview->model(), QStringLiteral("double")), 2);
        // An invalid value keeps the last routing and says why.
        dialog.propertiesTable()->item(0, 2)->setText(QStringLiteral("lots"));
        QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("composeError"))->text().isEmpty());
        QCOMPARE(copies(preview->model(), QStringLiteral("priced")), 1);
        dialog.propertiesTable()->item(0, 2)->setText(QStringLiteral("5"));
        QCOMPARE(copies(preview->model(), QStringLiteral("priced")), 0);

        // "From messages": the caller's list; selecting one previews that one.
        widgets::RoutingPreviewDialog fromList(m_connection.get(), QString::fromLatin1(kTopic), sampleMessages());
        QVERIFY(!fromList.isComposeMode());
        QTRY_COMPARE_WITH_TIMEOUT(fromList.preview()->state(), widgets::RoutingPreviewWidget::State::Ready, 20000);
        QCOMPARE(fromList.preview()->results().size(), std::size_t(3));
        fromList.messageList()->clearSelection();
        fromList.messageList()->item(1)->setSelected(true);
        QCOMPARE(fromList.preview()->results().size(), std::size_t(1));
        QCOMPARE(copies(fromList.preview()->model(), QStringLiteral("blue")), 0);

        // The replay dialog's factory.
        QWidget host;
        auto factory = widgets::RoutingPreviewWidget::factory(m_connection.get());
        auto *w = qobject_cast<widgets::RoutingPreviewWidget *>(factory(&host, QString::fromLatin1(kTopic), sampleMessages()));
        QVERIFY(w);
        QCOMPARE(w->parent(), &host);
        QTRY_COMPARE_WITH_TIMEOUT(w->results().size(), std::size_t(3), 20000);
    }

    void loadingErrorAndEmpty()
    {
        widgets::RoutingPreviewWidget missing(m_connection.get(), QStringLiteral("no-such-topic"));
        QCOMPARE(missing.state(), widgets::RoutingPreviewWidget::State::Loading);
        QTRY_COMPARE_WITH_TIMEOUT(missing.state(), widgets::RoutingPreviewWidget::State::Error, 20000);
        QVERIFY(!missing.errorText().isEmpty());
        core::broker::TopicDescription t;
        t.name = "lonely";
        QVERIFY(created<client::TopicInfo>([&](auto cb) { m_connection->createTopic(t, this, cb); }));
        widgets::RoutingPreviewWidget empty(m_connection.get(), QStringLiteral("lonely"));
        QTRY_COMPARE_WITH_TIMEOUT(empty.state(), widgets::RoutingPreviewWidget::State::Empty, 20000);
    }

    void topologyView()
    {
        createTopology();
        QVERIFY(ok([&](auto cb) { m_connection->sendBatch(kTopic, sampleMessages(), this, cb); }));
        widgets::TopologyView view(m_connection.get(), QString::fromLatin1(kTopic));
        view.resize(1100, 520);
        view.show();
        QSignalSpy loaded(&view, &widgets::TopologyView::loaded);
        QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading() && !view.nodes().empty(), 20000);
        QCOMPARE(view.errorText(), QString());
        QCOMPARE(view.nodes().size(), std::size_t(1 + 5 + 1));
        const auto *topic = view.node(QStringLiteral("topic:routing"));
        QVERIFY(topic);
        QCOMPARE(topic->kind, widgets::TopologyView::NodeKind::Topic);
        const auto *dbl = view.node(QStringLiteral("subscription:double"));
        QVERIFY(dbl);
        QCOMPARE(dbl->active, 4);
        QCOMPARE(view.node(QStringLiteral("subscription:blue"))->active, 2);
        const auto *target = view.node(QStringLiteral("target:routed-out"));
        QVERIFY(target);
        QCOMPARE(target->kind, widgets::TopologyView::NodeKind::Queue);
        QCOMPARE(target->active, 3);
        QString doubleLabel, forwardLabel;
        for (const auto &e : view.edges()) {
            if (e.to == dbl->id)
                doubleLabel = e.label;
            if (e.from == QLatin1String("subscription:forwarder") && e.to == target->id)
                forwardLabel = e.label;
        }
        QCOMPARE(doubleLabel, QStringLiteral("audit: SQL + action, bluish: SQL, orders: Correlation"));
        QCOMPARE(forwardLabel, QStringLiteral("ForwardTo"));
        QVERIFY(!view.scene()->items().isEmpty());

        // Refresh picks up new counts.
        QVERIFY(ok([&](auto cb) { m_connection->send(kTopic, sampleMessages()[0], this, cb); }));
        const int before = loaded.count();
        view.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > before && !view.isLoading(), 20000);
        QCOMPARE(view.node(QStringLiteral("subscription:double"))->active, 6);
        QCOMPARE(view.node(QStringLiteral("target:routed-out"))->active, 4);
    }

    void screenshots()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        createTopology();
        widgets::RoutingPreviewDialog dialog(m_connection.get(), QString::fromLatin1(kTopic), sampleMessages());
        dialog.resize(1280, 720);
        dialog.show();
        QTRY_COMPARE_WITH_TIMEOUT(dialog.preview()->state(), widgets::RoutingPreviewWidget::State::Ready, 20000);
        dialog.preview()->setCurrentMessage(0);
        dialog.preview()->selectSubscription(QStringLiteral("double"));
        QTest::qWait(100);
        QVERIFY(dialog.grab().save(QDir(dir).filePath(QStringLiteral("routing-preview.png"))));

        QVERIFY(ok([&](auto cb) { m_connection->sendBatch(kTopic, sampleMessages(), this, cb); }));
        widgets::TopologyView view(m_connection.get(), QString::fromLatin1(kTopic));
        view.resize(1100, 520);
        view.show();
        QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading() && !view.nodes().empty(), 20000);
        QTest::qWait(100);
        QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("topology.png"))));
    }
};

QTEST_MAIN(TestRoutingPreview)
#include "tst_routingpreview.moc"
