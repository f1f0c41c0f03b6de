// models::ReplayJob, makeReplayCopy, originalTarget and ReplayJournal; the job against a real
// busyard-emulator (one for the whole test, a fresh queue per test function), including a crash test
// that SIGKILLs replay_worker mid-way and resumes it on the same journal.
#include "models/replayjob.h"
#include "models/replayjournal.h"

#include "core/client/namespaceconnection.h"

#include "../common/clienttest.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

using namespace busyard;
using namespace std::chrono_literals;

namespace {

core::Message richMessage()
{
    core::Message m;
    m.messageId = core::Value::string("id-1");
    m.correlationId = core::Value::uuid(*core::Uuid::fromString("11111111-2222-3333-4444-555555555555"));
    m.sessionId = "s1";
    m.replyToSessionId = "rs1";
    m.subject = "label";
    m.to = "to-x";
    m.replyTo = "reply-x";
    m.contentType = "application/json";
    m.contentEncoding = "gzip";
    m.partitionKey = "s1";
    m.viaPartitionKey = "via";
    m.timeToLive = core::Duration{3600000};
    m.annotations.set("x-custom", core::Value::string("ann"));
    m.applicationProperties.set("region", core::Value::string("eu"));
    m.applicationProperties.set("quantity", core::Value::int32(7));
    m.applicationProperties.set("big", core::Value::ulong(1ull << 40));
    m.applicationProperties.set("ratio", core::Value::float64(0.5));
    m.applicationProperties.set("when", core::Value::timestamp(core::fromMillisSinceEpoch(1'700'000'000'000LL)));
    m.applicationProperties.set("ticks", core::Value::timeSpanTicks(123456));
    m.applicationProperties.set(core::kDeadLetterReasonProperty, core::Value::string("MaxDeliveryCountExceeded"));
    m.applicationProperties.set(core::kDeadLetterDescriptionProperty, core::Value::string("too many"));
    m.priority = 7;
    m.durable = false;
    m.bodyType = core::BodyType::Data;
    m.body = std::string("\x00\x01\x02binary", 9);
    m.extraDataSections = {"second", "third"};
    // Broker fields.
    m.sequenceNumber = 42;
    m.enqueuedSequenceNumber = 40;
    m.enqueuedTime = core::fromMillisSinceEpoch(1'700'000'000'000LL);
    m.expiresAt = core::fromMillisSinceEpoch(1'800'000'000'000LL);
    m.lockedUntil = core::fromMillisSinceEpoch(1'700'000'060'000LL);
    m.lockToken = core::Uuid::generate();
    m.deliveryCount = 3;
    m.state = core::MessageState::Deferred;
    m.deadLetterSource = "orders";
    m.scheduledEnqueueTime = core::fromMillisSinceEpoch(1'700'000'100'000LL);
    return m;
}

const std::string kJournalId = "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f";

} // namespace

class TestReplayJob : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;
    QTemporaryDir m_dir;

    template<typename T, typename Call>
    std::optional<core::Result<T>> wait(Call call, int timeoutMs = 30000)
    {
        std::optional<core::Result<T>> out;
        call([&](core::Result<T> r) { out = std::move(r); });
        [[maybe_unused]] const bool done = QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs);
        return out;
    }

    bool createQueue(const std::string &name, core::Duration lock = 60s,
                     core::broker::EntityStatus status = core::broker::EntityStatus::Active)
    {
        core::broker::QueueDescription q;
        q.name = name;
        q.lockDuration = lock;
        q.status = status;
        auto r = wait<client::QueueInfo>([&](auto cb) { m_connection->createQueue(q, this, cb); });
        if (!r || !*r)
            qWarning("createQueue %s: %s", name.c_str(), r ? r->error().message.c_str() : "timeout");
        return r && r->ok();
    }

    core::broker::RuntimeCounts counts(const std::string &queue)
    {
        auto r = wait<client::QueueInfo>([&](auto cb) { m_connection->getQueue(queue, this, cb); });
        return r && *r ? (*r)->counts : core::broker::RuntimeCounts{-1, -1};
    }

    /** Sends `count` messages "<prefix><i>" with a few properties. */
    bool sendN(const std::string &entity, int count, const std::string &prefix, std::size_t bodySize = 16)
    {
        for (int start = 0; start < count; start += 500) {
            std::vector<core::Message> messages;
            for (int i = start; i < std::min(count, start + 500); ++i) {
                core::Message m;
                m.messageId = core::Value::string(prefix + std::to_string(i));
                m.contentType = "text/plain";
                m.subject = "subject-" + std::to_string(i);
                m.applicationProperties.set("index", core::Value::int32(i));
                m.applicationProperties.set("kind", core::Value::string("test"));
                m.body = std::string(bodySize, 'x');
                messages.push_back(std::move(m));
            }
            auto r = wait<void>([&](auto cb) { m_connection->sendBatch(entity, std::move(messages), this, cb); });
            if (!r || !*r)
                return false;
        }
        return true;
    }

    /** Moves `count` messages of `queue` to its dead-letter queue. */
    bool deadLetterAll(const std::string &queue, int count)
    {
        return testing::deadLetterFirst(*m_connection, this, queue, count, "test-reason", "test description");
    }

    /** Everything in `entity`, received and deleted. */
    std::vector<core::Message> drain(const std::string &entity)
    {
        std::vector<core::Message> out;
        for (;;) {
            auto r = wait<std::vector<core::Message>>([&](auto cb) {
                m_connection->receive(entity, client::ReceiveMode::ReceiveAndDelete, 500, 1500ms, this, cb);
            });
            if (!r || !*r || (*r)->empty())
                return out;
            for (auto &m : **r)
                out.push_back(std::move(m));
        }
    }

    std::vector<core::Message> peekAll(const std::string &entity)
    {
        auto r = wait<std::vector<core::Message>>([&](auto cb) { m_connection->peek(entity, 0, 5000, this, cb); });
        return r && *r ? (*r).value() : std::vector<core::Message>{};
    }

    std::optional<models::ReplaySummary> run(models::ReplayJob &job, int timeoutMs = 120000)
    {
        std::optional<models::ReplaySummary> out;
        int finishedCount = 0;
        connect(&job, &models::ReplayJob::finished, this, [&](const models::ReplaySummary &s) {
            out = s;
            ++finishedCount;
        });
        job.start();
        [[maybe_unused]] const bool done = QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs);
        QTest::qWait(50); // a second finished() would show up here
        if (finishedCount > 1)
            qWarning("finished() emitted %d times", finishedCount);
        return finishedCount == 1 ? out : std::nullopt;
    }

    /** Sends one message per entry of `properties` ("<prefix><i>", each with those string properties)
        to `queue` and dead-letters them; returns the dead-letter queue's messages (in order). */
    std::vector<core::Message> deadLettered(const std::string &queue, const std::string &prefix,
                                            const std::vector<std::map<std::string, std::string>> &properties)
    {
        std::vector<core::Message> messages;
        for (std::size_t i = 0; i < properties.size(); ++i) {
            core::Message m;
            m.messageId = core::Value::string(prefix + std::to_string(i));
            for (const auto &[name, value] : properties[i])
                m.applicationProperties.set(name, core::Value::string(value));
            m.body = "x";
            messages.push_back(std::move(m));
        }
        auto sent = wait<void>([&](auto cb) { m_connection->sendBatch(queue, std::move(messages), this, cb); });
        if (!sent || !*sent || !deadLetterAll(queue, int(properties.size())))
            return {};
        return peekAll(queue + "/$DeadLetterQueue");
    }

    /** A subscription whose only rule is the SQL filter `sql`. */
    bool createFilteredSubscription(const std::string &topic, const std::string &name, const std::string &sql,
                                    const std::string &forwardTo = {})
    {
        core::broker::SubscriptionDescription s;
        s.topicName = topic;
        s.name = name;
        s.forwardTo = forwardTo;
        auto created = wait<client::SubscriptionInfo>([&](auto cb) { m_connection->createSubscription(s, this, cb); });
        if (!created || !*created)
            return false;
        auto removed = wait<void>([&](auto cb) { m_connection->deleteRule(topic, name, "$Default", this, cb); });
        core::broker::RuleDescription rule;
        rule.name = "only";
        rule.filter = core::broker::SqlFilter{sql, {}};
        auto added = wait<core::broker::RuleDescription>([&](auto cb) { m_connection->createRule(topic, name, rule, this, cb); });
        return removed && *removed && added && *added;
    }

    /** Journal of a run that died after announcing copies to `target` (intent only); `sendFirst`: copies of
        those indexes were sent before it died. Returns the copies' message ids. */
    std::vector<std::string> interruptedRun(const QString &path, const std::string &source,
                                            const std::vector<core::Message> &originals,
                                            const models::ReplayOptions &options, const std::string &target,
                                            const std::set<std::size_t> &sendFirst)
    {
        auto j = models::ReplayJournal::open(path, QString::fromStdString(source));
        if (!j)
            return {};
        std::vector<std::string> ids;
        std::vector<core::Message> sent;
        for (std::size_t i = 0; i < originals.size(); ++i) {
            auto copy = models::makeReplayCopy(originals[i], options, (*j)->journalId());
            if (!copy)
                return {};
            ids.push_back(copy->messageIdString());
            (*j)->recordIntent(originals[i].sequenceNumber, target, ids.back());
            if (sendFirst.count(i))
                sent.push_back(std::move(copy.value()));
        }
        if (!(*j)->flush())
            return {};
        for (core::Message &copy : sent) {
            auto r = wait<void>([&](auto cb) { m_connection->send(target, std::move(copy), this, cb); });
            if (!r || !*r)
                return {};
        }
        return ids;
    }

    static std::multiset<std::string> idsOf(const std::vector<core::Message> &messages)
    {
        std::multiset<std::string> ids;
        for (const auto &m : messages)
            ids.insert(m.messageIdString());
        return ids;
    }

    QString journalPath(const QString &name) const { return m_dir.filePath(name + QStringLiteral(".journal")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        QVERIFY2(m_emulator->start(), "busyard-emulator did not start");
        m_connection = testing::connectTo(*m_emulator);
        QVERIFY(m_connection);
    }

    void cleanupTestCase()
    {
        m_connection.reset();
        m_emulator.reset();
    }

    // ---- makeReplayCopy ------------------------------------------------------------------------------------

    void copyKeepsEverything()
    {
        const core::Message original = richMessage();
        models::ReplayOptions options;
        options.stripDeadLetterProperties = false;
        options.replayCountProperty.clear();
        auto copy = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY(copy);
        const core::Message &c = copy.value();
        QCOMPARE(c.messageId, original.messageId);
        QCOMPARE(c.correlationId, original.correlationId);
        QCOMPARE(c.sessionId, original.sessionId);
        QCOMPARE(c.replyToSessionId, original.replyToSessionId);
        QCOMPARE(c.subject, original.subject);
        QCOMPARE(c.to, original.to);
        QCOMPARE(c.replyTo, original.replyTo);
        QCOMPARE(c.contentType, original.contentType);
        QCOMPARE(c.contentEncoding, original.contentEncoding);
        QCOMPARE(c.partitionKey, original.partitionKey);
        QCOMPARE(c.viaPartitionKey, original.viaPartitionKey);
        QCOMPARE(c.timeToLive, original.timeToLive);
        QVERIFY(c.annotations == original.annotations);
        QVERIFY(c.applicationProperties == original.applicationProperties);
        // Broker-stamped annotations the codec keeps as annotations (Azure's x-opt-partition-id) are not copied.
        core::Message stamped = original;
        stamped.annotations.set("x-opt-partition-id", core::Value::shortInt(3));
        auto strippedCopy = models::makeReplayCopy(stamped, options, kJournalId);
        QVERIFY(strippedCopy);
        QVERIFY(strippedCopy->annotations == original.annotations);
        QCOMPARE(c.priority, original.priority);
        QCOMPARE(c.durable, original.durable);
        QCOMPARE(c.bodyType, original.bodyType);
        QCOMPARE(c.body, original.body);
        QCOMPARE(c.extraDataSections, original.extraDataSections);
        // Broker fields are cleared.
        QCOMPARE(c.sequenceNumber, 0);
        QCOMPARE(c.enqueuedSequenceNumber, 0);
        QCOMPARE(c.enqueuedTime, core::TimePoint{});
        QCOMPARE(c.expiresAt, core::kMaxTime);
        QCOMPARE(c.lockedUntil, core::TimePoint{});
        QVERIFY(c.lockToken.isNull());
        QCOMPARE(c.deliveryCount, 0u);
        QCOMPARE(c.state, core::MessageState::Active);
        QVERIFY(!c.deadLetterSource);
        QVERIFY(!c.scheduledEnqueueTime);

        // Other body types are kept as they are.
        for (auto type : {core::BodyType::Value, core::BodyType::Sequence}) {
            core::Message m = original;
            m.bodyType = type;
            m.extraDataSections.clear();
            m.body = "\xa1\x05hello";
            auto cc = models::makeReplayCopy(m, options, kJournalId);
            QVERIFY(cc);
            QCOMPARE(cc->bodyType, type);
            QCOMPARE(cc->body, m.body);
        }
    }

    void copyOptions()
    {
        core::Message original = richMessage();
        models::ReplayOptions options; // defaults: strip, replay count
        auto copy = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY(copy);
        QVERIFY(!copy->applicationProperties.contains(core::kDeadLetterReasonProperty));
        QVERIFY(!copy->applicationProperties.contains(core::kDeadLetterDescriptionProperty));
        QVERIFY(copy->applicationProperties.contains("region"));
        QCOMPARE(*copy->applicationProperties.find("BusyardReplayCount"), core::Value::int32(1));
        QCOMPARE(copy->messageId, original.messageId);

        // Replay count 0 -> 1 -> 2.
        core::Message second = copy.value();
        second.sequenceNumber = 7;
        auto again = models::makeReplayCopy(second, options, kJournalId);
        QVERIFY(again);
        QCOMPARE(*again->applicationProperties.find("BusyardReplayCount"), core::Value::int32(2));
        options.replayCountProperty = QStringLiteral("Replays");
        auto named = models::makeReplayCopy(original, options, kJournalId);
        QCOMPARE(*named->applicationProperties.find("Replays"), core::Value::int32(1));
        QVERIFY(!named->applicationProperties.contains("BusyardReplayCount"));

        // Renewed ids: a UUID, deterministic per journal id and sequence number.
        options.renewMessageId = true;
        auto r1 = models::makeReplayCopy(original, options, kJournalId);
        auto r2 = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY(r1 && r2);
        QCOMPARE(r1->messageId, r2->messageId);
        QVERIFY(r1->messageId != original.messageId);
        const auto uuid = core::Uuid::fromString(r1->messageIdString());
        QVERIFY2(uuid.has_value(), r1->messageIdString().c_str());
        QCOMPARE(int(uuid->bytes[6] >> 4), 5);
        core::Message other = original;
        other.sequenceNumber = 43;
        QVERIFY(models::makeReplayCopy(other, options, kJournalId)->messageId != r1->messageId);
        QVERIFY(models::makeReplayCopy(original, options, core::Uuid::generate().toString())->messageId != r1->messageId);

        // Keep the dead-letter properties when asked.
        options.stripDeadLetterProperties = false;
        QVERIFY(models::makeReplayCopy(original, options, kJournalId)->applicationProperties.contains(
            core::kDeadLetterReasonProperty));
    }

    void copyTransform()
    {
        const core::Message original = richMessage();
        models::ReplayOptions options;
        options.transform = QStringLiteral("SET sys.Label = 'replayed'; SET tier = 'gold'; REMOVE region; "
                                           "SET quantity = quantity + 1");
        auto copy = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY2(copy, copy ? "" : copy.error().message.c_str());
        QCOMPARE(copy->subject, std::optional<std::string>("replayed"));
        QCOMPARE(copy->applicationProperties.find("tier")->bytes(), std::string("gold"));
        QVERIFY(!copy->applicationProperties.contains("region"));
        QCOMPARE(copy->applicationProperties.find("quantity")->toInt64(), 8);
        // The transform runs last: it sees (and can change) the replay count.
        options.transform = QStringLiteral("SET seen = BusyardReplayCount");
        QCOMPARE(models::makeReplayCopy(original, options, kJournalId)->applicationProperties.find("seen")->toInt64(), 1);

        // A syntax error says where.
        options.transform = QStringLiteral("SET tier = = 'x'");
        auto bad = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, core::ErrorCode::SyntaxError);
        QVERIFY2(bad.error().message.find("column=") != std::string::npos, bad.error().message.c_str());

        // An evaluation error on this message.
        options.transform = QStringLiteral("SET quantity = 'seven'");
        auto eval = models::makeReplayCopy(original, options, kJournalId);
        QVERIFY(!eval);
        QCOMPARE(eval.error().code, core::ErrorCode::FilterEvaluation);
        QVERIFY2(eval.error().message.find("transform") != std::string::npos, eval.error().message.c_str());
    }

    void originalTarget_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("deadLetterSource");
        QTest::addColumn<QString>("expected");
        QTest::newRow("queue dlq") << "orders/$DeadLetterQueue" << "" << "orders";
        QTest::newRow("queue dlq lower case") << "orders/$deadletterqueue" << "" << "orders";
        QTest::newRow("transfer dlq") << "orders/$Transfer/$DeadLetterQueue" << "" << "orders";
        QTest::newRow("subscription dlq") << "t/Subscriptions/s/$DeadLetterQueue" << "" << "t";
        QTest::newRow("subscription") << "t/Subscriptions/s" << "" << "t";
        QTest::newRow("plain queue") << "orders" << "" << "orders";
        QTest::newRow("dead-letter source wins") << "orders/$DeadLetterQueue" << "forwarded" << "forwarded";
        QTest::newRow("dead-letter source subscription") << "x/$DeadLetterQueue" << "t/Subscriptions/s" << "t";
    }

    void originalTarget()
    {
        QFETCH(QString, source);
        QFETCH(QString, deadLetterSource);
        QFETCH(QString, expected);
        core::Message m;
        if (!deadLetterSource.isEmpty())
            m.deadLetterSource = deadLetterSource.toStdString();
        QCOMPARE(QString::fromStdString(models::originalTarget(m, source.toStdString())), expected);
    }

    // ---- the journal ------------------------------------------------------------------------------------------

    void journalRoundTripAndTornLine()
    {
        const QString path = journalPath(QStringLiteral("unit"));
        std::string id;
        {
            auto j = models::ReplayJournal::open(path, QStringLiteral("q/$DeadLetterQueue"));
            QVERIFY2(j, j ? "" : j.error().message.c_str());
            QVERIFY(!(*j)->resumed());
            id = (*j)->journalId();
            QVERIFY(core::Uuid::fromString(id));
            (*j)->recordIntent(1, "q", "id\twith\ttabs\n%");
            (*j)->recordAccepted(1);
            (*j)->recordIntent(2, "q", "b");
            (*j)->recordIntent(3, "q", "c");
            (*j)->recordCompleted(3);
            (*j)->recordFailed(4, "too big");
            QVERIFY((*j)->flush());
        }
        // A torn last line, as a crash mid-write leaves it.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::Append));
            f.write("A\t2");
        }
        QVERIFY(models::ReplayJob::hasUnfinishedJournal(path, QStringLiteral("q/$DeadLetterQueue")));
        QVERIFY(!models::ReplayJob::hasUnfinishedJournal(path, QStringLiteral("other")));
        {
            auto j = models::ReplayJournal::open(path, QStringLiteral("Q/$DeadLetterQueue"));
            QVERIFY2(j, j ? "" : j.error().message.c_str());
            QVERIFY((*j)->resumed());
            QVERIFY((*j)->repaired());
            QCOMPARE((*j)->journalId(), id);
            QCOMPARE((*j)->find(1)->state, models::ReplayJournal::State::Accepted);
            QCOMPARE((*j)->find(1)->copyMessageId, std::string("id\twith\ttabs\n%"));
            QCOMPARE((*j)->find(2)->state, models::ReplayJournal::State::Intent); // the torn "A" is dropped
            QCOMPARE((*j)->find(3)->state, models::ReplayJournal::State::Completed);
            QCOMPARE((*j)->find(4)->state, models::ReplayJournal::State::Failed);
            QCOMPARE((*j)->find(4)->reason, std::string("too big"));
            QCOMPARE((*j)->pendingCount(), std::size_t(2));
            (*j)->recordCompleted(2);
            QVERIFY((*j)->flush());
        }
        {
            // The repaired file reads cleanly: the new record follows the last complete line.
            auto j = models::ReplayJournal::read(path);
            QVERIFY(j);
            QVERIFY(!(*j)->repaired());
            QCOMPARE((*j)->find(2)->state, models::ReplayJournal::State::Completed);
        }
    }

    void journalFlushesAsynchronouslyInOrder()
    {
        const QString path = journalPath(QStringLiteral("async"));
        std::vector<int> order;
        {
            auto j = models::ReplayJournal::open(path, QStringLiteral("q"));
            QVERIFY2(j, j ? "" : j.error().message.c_str());
            (*j)->recordIntent(1, "q", "a");
            (*j)->flushAsync(this, [&](core::Result<void> r) { order.push_back(r ? 1 : -1); });
            (*j)->recordAccepted(1);
            (*j)->flushAsync(this, [&](core::Result<void> r) { order.push_back(r ? 2 : -2); });
            (*j)->flushAsync(this, [&](core::Result<void> r) { order.push_back(r ? 3 : -3); }); // nothing new: still after 2
            QCOMPARE(order.size(), std::size_t(0)); // never synchronous
            QTRY_COMPARE(order.size(), std::size_t(3));
            QCOMPARE(order, (std::vector<int>{1, 2, 3}));
            // What the callbacks announced is on disk: another reader sees it.
            auto read = models::ReplayJournal::read(path);
            QVERIFY(read);
            QCOMPARE((*read)->find(1)->state, models::ReplayJournal::State::Accepted);
            // A flush whose context is gone is dropped, the write still happens.
            (*j)->recordCompleted(1);
            bool called = false;
            {
                QObject gone;
                (*j)->flushAsync(&gone, [&](core::Result<void>) { called = true; });
            }
            QVERIFY((*j)->flush()); // waits for the asynchronous one
            QTest::qWait(50);
            QVERIFY(!called);
        }
        auto read = models::ReplayJournal::read(path);
        QVERIFY(read);
        QCOMPARE((*read)->find(1)->state, models::ReplayJournal::State::Completed);
    }

    void journalRefusesForeignFiles()
    {
        const QString foreign = journalPath(QStringLiteral("foreign"));
        {
            QFile f(foreign);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"not\": \"a journal\"}\n");
        }
        auto a = models::ReplayJournal::open(foreign, QStringLiteral("q"));
        QVERIFY(!a);
        QVERIFY2(a.error().message.find("not a Busyard replay journal") != std::string::npos, a.error().message.c_str());

        const QString other = journalPath(QStringLiteral("other"));
        QVERIFY(models::ReplayJournal::open(other, QStringLiteral("q1")));
        auto b = models::ReplayJournal::open(other, QStringLiteral("q2"));
        QVERIFY(!b);
        QVERIFY2(b.error().message.find("'q1'") != std::string::npos, b.error().message.c_str());

        const QString corrupt = journalPath(QStringLiteral("corrupt"));
        {
            auto j = models::ReplayJournal::open(corrupt, QStringLiteral("q"));
            QVERIFY(j);
        }
        {
            QFile f(corrupt);
            QVERIFY(f.open(QIODevice::Append));
            f.write("I\t1\tq\tx\nGARBAGE\nA\t1\n");
        }
        auto c = models::ReplayJournal::open(corrupt, QStringLiteral("q"));
        QVERIFY(!c);
        QVERIFY2(c.error().message.find("line 3") != std::string::npos, c.error().message.c_str());

        // A job on a foreign journal fails at once with that error and touches nothing.
        models::ReplayJob job(m_connection.get(), QStringLiteral("q"), {}, foreign);
        const auto summary = run(job);
        QVERIFY(summary);
        QVERIFY(summary->error.contains(QLatin1String("not a Busyard replay journal")));
        QVERIFY(QFile::exists(foreign));
    }

    // ---- the job ------------------------------------------------------------------------------------------

    void replaysToOriginalQueue()
    {
        const std::string q = "replay-original";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 300, "o-"));
        QVERIFY(deadLetterAll(q, 300));
        QCOMPARE(counts(q).deadLetter, 300);
        QCOMPARE(counts(q).active, 0);

        const QString journal = journalPath(QStringLiteral("original"));
        models::ReplayJob job(m_connection.get(), QString::fromStdString(q + "/$DeadLetterQueue"), {}, journal);
        job.setExpected(300);
        job.setBatchSize(64);
        QSignalSpy progress(&job, &models::ReplayJob::progress);
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->replayed, 300);
        QCOMPARE(summary->failed, 0);
        QCOMPARE(summary->resumed, 0);
        QVERIFY(!summary->cancelled);
        QVERIFY(progress.count() >= 5);
        QCOMPARE(progress.last().at(0).toLongLong(), 300);
        QCOMPARE(progress.last().at(2).toLongLong(), 300);
        QVERIFY(progress.last().at(3).toDouble() > 0); // msgs/s
        QVERIFY(!QFile::exists(journal)); // removed on success

        QCOMPARE(counts(q).deadLetter, 0);
        const auto copies = drain(q);
        QCOMPARE(copies.size(), std::size_t(300));
        std::set<std::string> ids;
        for (const auto &m : copies) {
            ids.insert(m.messageIdString());
            const int index = std::stoi(m.messageIdString().substr(2));
            QCOMPARE(m.contentType, std::optional<std::string>("text/plain"));
            QCOMPARE(m.subject, std::optional<std::string>("subject-" + std::to_string(index)));
            QCOMPARE(*m.applicationProperties.find("index"), core::Value::int32(index));
            QCOMPARE(m.applicationProperties.find("kind")->bytes(), std::string("test"));
            QCOMPARE(*m.applicationProperties.find("BusyardReplayCount"), core::Value::int32(1));
            QVERIFY(!m.applicationProperties.contains(core::kDeadLetterReasonProperty));
            QVERIFY(!m.deadLetterSource);
            QCOMPARE(m.body, std::string(16, 'x'));
        }
        QCOMPARE(ids.size(), std::size_t(300));
    }

    void replaysSelectionOnly()
    {
        const std::string q = "replay-selection";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 600, "s-"));
        QVERIFY(deadLetterAll(q, 600));
        const auto dlq = peekAll(q + "/$DeadLetterQueue");
        QCOMPARE(dlq.size(), std::size_t(600));
        // Some early, some far past the first batches (they are only reached if the skipped ones do not
        // come back first).
        models::ReplayOptions options;
        std::set<std::string> selectedIds;
        for (std::size_t i : {std::size_t(3), std::size_t(4), std::size_t(250), std::size_t(598), std::size_t(599)}) {
            options.sequenceNumbers.insert(dlq[i].sequenceNumber);
            selectedIds.insert(dlq[i].messageIdString());
        }
        models::ReplayJob job(m_connection.get(), QString::fromStdString(q + "/$DeadLetterQueue"), options,
                              journalPath(QStringLiteral("selection")));
        job.setBatchSize(100);
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->replayed, 5);
        QCOMPARE(summary->failed, 0);
        const auto copies = drain(q);
        std::set<std::string> ids;
        for (const auto &m : copies)
            ids.insert(m.messageIdString());
        QCOMPARE(ids, selectedIds);
        QCOMPARE(copies.size(), std::size_t(5));
        // The others are back in the DLQ, unlocked.
        QCOMPARE(counts(q).deadLetter, 595);
        const auto rest = drain(q + "/$DeadLetterQueue");
        QCOMPARE(rest.size(), std::size_t(595));
    }

    void replaysToTopic()
    {
        const std::string q = "replay-to-topic";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 40, "t-"));
        QVERIFY(deadLetterAll(q, 40));
        drain("events/Subscriptions/all");
        models::ReplayOptions options;
        options.target = models::ReplayOptions::Target::Entity;
        options.targetEntity = QStringLiteral("events");
        options.renewMessageId = true;
        options.transform = QStringLiteral("SET replayed = true");
        models::ReplayJob job(m_connection.get(), QString::fromStdString(q + "/$DeadLetterQueue"), options,
                              journalPath(QStringLiteral("topic")));
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->replayed, 40);
        QCOMPARE(counts(q).deadLetter, 0);
        const auto copies = drain("events/Subscriptions/all");
        QCOMPARE(copies.size(), std::size_t(40));
        std::set<std::string> ids;
        for (const auto &m : copies) {
            ids.insert(m.messageIdString());
            QVERIFY(core::Uuid::fromString(m.messageIdString()));
            QCOMPARE(*m.applicationProperties.find("replayed"), core::Value::boolean(true));
        }
        QCOMPARE(ids.size(), std::size_t(40));
    }

    void rejectingTargetLeavesOriginals_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("bodySize");
        QTest::newRow("missing") << "no-such-queue" << "not" << 16;
        QTest::newRow("send disabled") << "replay-disabled" << "isabled" << 16;
        QTest::newRow("too large") << "replay-small" << "" << 220 * 1024;
    }

    void rejectingTargetLeavesOriginals()
    {
        QFETCH(QString, target);
        QFETCH(QString, reason);
        QFETCH(int, bodySize);
        const std::string q = "replay-reject-" + QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-')).toStdString();
        QVERIFY(createQueue(q));
        if (target == QLatin1String("replay-disabled"))
            QVERIFY(createQueue(target.toStdString(), 60s, core::broker::EntityStatus::SendDisabled));
        if (target == QLatin1String("replay-small"))
            QVERIFY(createQueue(target.toStdString()));
        QVERIFY(sendN(q, 30, "r-", std::size_t(bodySize)));
        QVERIFY(deadLetterAll(q, 30));
        models::ReplayOptions options;
        options.target = models::ReplayOptions::Target::Entity;
        options.targetEntity = target;
        if (target == QLatin1String("replay-small")) {
            // 220 KB originals fit; the transform adds ~57 KB of properties, so only the copies exceed
            // the target's 256 KB MaxMessageSize.
            options.transform = QStringLiteral("SET p1 = '%1'; SET p2 = p1 + p1; SET p3 = p2 + p2; SET p4 = p3 + p3; "
                                               "SET p5 = p4 + p4; SET p6 = p5 + p5")
                                    .arg(QString(900, QLatin1Char('y')));
        }
        models::ReplayJob job(m_connection.get(), QString::fromStdString(q + "/$DeadLetterQueue"), options,
                              journalPath(QStringLiteral("reject-") + QString::fromLatin1(QTest::currentDataTag())));
        job.setBatchSize(8);
        int failedSignals = 0;
        connect(&job, &models::ReplayJob::messageFailed, this, [&](const models::ReplayFailure &) { ++failedSignals; });
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->replayed, 0);
        QCOMPARE(summary->failed, 30);
        QCOMPARE(int(summary->failures.size()), 30);
        QCOMPARE(failedSignals, 30);
        std::set<std::int64_t> seqs;
        for (const auto &f : summary->failures) {
            seqs.insert(f.sequenceNumber);
            QVERIFY(!f.messageId.isEmpty());
            QVERIFY2(f.reason.contains(reason) && !f.reason.isEmpty(), qPrintable(f.reason));
        }
        QCOMPARE(int(seqs.size()), 30);
        // Every original is still in the DLQ, and receivable (no lock left behind).
        const auto rest = drain(q + "/$DeadLetterQueue");
        QCOMPARE(rest.size(), std::size_t(30));
    }

    void limitAndCopyOnly()
    {
        const std::string q = "replay-limit";
        const std::string source = q + "/$DeadLetterQueue";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 30, "l-"));
        QVERIFY(deadLetterAll(q, 30));

        models::ReplayOptions limited;
        limited.maxMessages = 10;
        models::ReplayJob first(m_connection.get(), QString::fromStdString(source), limited,
                                journalPath(QStringLiteral("limit")));
        first.setBatchSize(8);
        const auto a = run(first);
        QVERIFY(a);
        QCOMPARE(a->error, QString());
        QCOMPARE(a->replayed, 10);
        QCOMPARE(drain(q).size(), std::size_t(10));

        // Copy only: the originals stay (and stay receivable).
        models::ReplayOptions copyOnly;
        copyOnly.completeOriginal = false;
        models::ReplayJob second(m_connection.get(), QString::fromStdString(source), copyOnly,
                                 journalPath(QStringLiteral("copyonly")));
        const auto b = run(second);
        QVERIFY(b);
        QCOMPARE(b->error, QString());
        QCOMPARE(b->replayed, 20);
        QCOMPARE(drain(q).size(), std::size_t(20));
        QCOMPARE(drain(source).size(), std::size_t(20));
    }

    void defaultJournalPath()
    {
        QStandardPaths::setTestModeEnabled(true);
        const QString a = models::ReplayJob::defaultJournalPath(QStringLiteral("ns.servicebus.windows.net"),
                                                                QStringLiteral("orders/$DeadLetterQueue"));
        QVERIFY(a.contains(QLatin1String("/replay/")));
        QVERIFY(a.endsWith(QLatin1String(".journal")));
        QCOMPARE(models::ReplayJob::defaultJournalPath(QStringLiteral("NS.servicebus.windows.net"),
                                                       QStringLiteral("orders/$DeadLetterQueue")),
                 a);
        QVERIFY(models::ReplayJob::defaultJournalPath(QStringLiteral("ns.servicebus.windows.net"),
                                                      QStringLiteral("other/$DeadLetterQueue"))
                != a);
    }

    void cancelLosesNothing()
    {
        const std::string q = "replay-cancel";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 2000, "c-"));
        QVERIFY(deadLetterAll(q, 2000));
        models::ReplayJob job(m_connection.get(), QString::fromStdString(q + "/$DeadLetterQueue"), {},
                              journalPath(QStringLiteral("cancel")));
        job.setBatchSize(100);
        connect(&job, &models::ReplayJob::progress, &job, [&job](qint64 replayed, qint64, qint64, double) {
            if (replayed >= 300)
                job.cancel();
        });
        const auto summary = run(job);
        QVERIFY(summary);
        QVERIFY(summary->cancelled);
        QCOMPARE(summary->error, QString());
        QVERIFY(summary->replayed >= 300);
        QVERIFY2(summary->replayed < 2000, "cancel did not stop the replay");
        QVERIFY(QFile::exists(job.journalPath())); // kept for resuming

        const auto copies = drain(q);
        const auto left = drain(q + "/$DeadLetterQueue"); // nothing may still be locked
        QCOMPARE(std::int64_t(copies.size()), summary->replayed);
        std::map<std::string, int> seen;
        for (const auto &m : copies)
            ++seen[m.messageIdString()];
        for (const auto &m : left)
            ++seen[m.messageIdString()];
        QCOMPARE(seen.size(), std::size_t(2000));
        for (const auto &[id, n] : seen)
            QVERIFY2(n == 1, id.c_str());
    }

    void resumeCompletesAcceptedWithoutSecondCopy()
    {
        const std::string q = "replay-resume";
        const std::string source = q + "/$DeadLetterQueue";
        QVERIFY(createQueue(q));
        QVERIFY(sendN(q, 10, "u-"));
        QVERIFY(deadLetterAll(q, 10));
        const auto dlq = peekAll(source);
        QCOMPARE(dlq.size(), std::size_t(10));

        // An earlier run's journal: #0 and #1 accepted (their copies are "in the target" - here nowhere,
        // so a second copy would show), #2 intent only but its copy did arrive, #3 intent only and lost,
        // #4 intent only towards a target that cannot be checked (neither a queue nor a topic).
        const QString path = journalPath(QStringLiteral("resume"));
        {
            auto j = models::ReplayJournal::open(path, QString::fromStdString(source));
            QVERIFY(j);
            for (int i : {0, 1}) {
                (*j)->recordIntent(dlq[i].sequenceNumber, q, dlq[i].messageIdString());
                (*j)->recordAccepted(dlq[i].sequenceNumber);
            }
            (*j)->recordIntent(dlq[2].sequenceNumber, q, dlq[2].messageIdString());
            (*j)->recordIntent(dlq[3].sequenceNumber, q, dlq[3].messageIdString());
            (*j)->recordIntent(dlq[4].sequenceNumber, "replay-no-such-entity", dlq[4].messageIdString());
            QVERIFY((*j)->flush());
        }
        QVERIFY(models::ReplayJob::hasUnfinishedJournal(path, QString::fromStdString(source)));
        {
            core::Message copy = dlq[2];
            copy.deadLetterSource.reset();
            copy.applicationProperties.set("manual", core::Value::boolean(true));
            auto sent = wait<void>([&](auto cb) { m_connection->send(q, copy, this, cb); });
            QVERIFY(sent && *sent);
        }

        models::ReplayJob job(m_connection.get(), QString::fromStdString(source), {}, path);
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->replayed, 9);
        QCOMPARE(summary->resumed, 3);
        QCOMPARE(summary->failed, 1);
        QCOMPARE(summary->failures.front().sequenceNumber, dlq[4].sequenceNumber);
        QVERIFY2(summary->failures.front().reason.contains(QLatin1String("uncertain")),
                 qPrintable(summary->failures.front().reason));
        QVERIFY(QFile::exists(path)); // #4 is still unresolved

        const auto copies = drain(q);
        std::multiset<std::string> ids;
        for (const auto &m : copies)
            ids.insert(m.messageIdString());
        QCOMPARE(copies.size(), std::size_t(7)); // 10 - #0 - #1 - #4 (#2: only the copy sent by hand)
        QCOMPARE(ids.count(dlq[0].messageIdString()), std::size_t(0));
        QCOMPARE(ids.count(dlq[1].messageIdString()), std::size_t(0));
        QCOMPARE(ids.count(dlq[2].messageIdString()), std::size_t(1));
        QCOMPARE(ids.count(dlq[3].messageIdString()), std::size_t(1));
        QCOMPARE(ids.count(dlq[4].messageIdString()), std::size_t(0));
        const auto left = drain(source);
        QCOMPARE(left.size(), std::size_t(1));
        QCOMPARE(left.front().sequenceNumber, dlq[4].sequenceNumber);
    }

    void resumeChecksTopicTarget()
    {
        const std::string q = "replay-resume-topic";
        const std::string source = q + "/$DeadLetterQueue";
        QVERIFY(createQueue(q));
        // #0 goes to 'all' and 'high-priority', #1 to 'all' only; #2 is not in the journal.
        const auto dlq = deadLettered(q, "rt-", {{{"priority", "high"}}, {{"priority", "low"}}, {{"priority", "low"}}});
        QCOMPARE(dlq.size(), std::size_t(3));
        drain("events/Subscriptions/all");
        drain("events/Subscriptions/high-priority");

        models::ReplayOptions options;
        options.target = models::ReplayOptions::Target::Entity;
        options.targetEntity = QStringLiteral("events");
        options.renewMessageId = true;
        // The earlier run announced #0 and #1 and died after sending #0's copy.
        const QString path = journalPath(QStringLiteral("resume-topic"));
        const auto ids = interruptedRun(path, source, {dlq[0], dlq[1]}, options, "events", {0});
        QCOMPARE(ids.size(), std::size_t(2));
        QVERIFY(ids[0] != dlq[0].messageIdString()); // renewed: only found if the job rebuilds it the same way

        models::ReplayJob job(m_connection.get(), QString::fromStdString(source), options, path);
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QCOMPARE(summary->failed, 0);
        QCOMPARE(summary->replayed, 3);
        QCOMPARE(summary->resumed, 1);
        QVERIFY(!QFile::exists(path));
        QCOMPARE(counts(q).deadLetter, 0);

        const auto all = idsOf(drain("events/Subscriptions/all"));
        QCOMPARE(all.size(), std::size_t(3));
        QCOMPARE(all.count(ids[0]), std::size_t(1)); // not sent a second time
        QCOMPARE(all.count(ids[1]), std::size_t(1)); // sent once
        const auto high = idsOf(drain("events/Subscriptions/high-priority"));
        QCOMPARE(high, std::multiset<std::string>{ids[0]});
    }

    void resumeTopicForwardedOrDropped()
    {
        const std::string q = "replay-resume-fwd-src";
        const std::string source = q + "/$DeadLetterQueue";
        const std::string forwardQueue = "replay-resume-fwd";
        const std::string topic = "replay-resume-fwd-topic";
        QVERIFY(createQueue(q));
        QVERIFY(createQueue(forwardQueue));
        core::broker::TopicDescription t;
        t.name = topic;
        auto created = wait<client::TopicInfo>([&](auto cb) { m_connection->createTopic(t, this, cb); });
        QVERIFY(created && *created);
        QVERIFY(createFilteredSubscription(topic, "red", "color = 'red'"));
        QVERIFY(createFilteredSubscription(topic, "squares", "shape = 'square'", forwardQueue));
        // #0: forwarded to the queue, its copy arrived before the crash; #1: forwarded, lost;
        // #2: matches no subscription (the topic drops it).
        const auto dlq = deadLettered(q, "rf-", {{{"shape", "square"}}, {{"shape", "square"}}, {{"shape", "circle"}}});
        QCOMPARE(dlq.size(), std::size_t(3));

        models::ReplayOptions options;
        options.target = models::ReplayOptions::Target::Entity;
        options.targetEntity = QString::fromStdString(topic);
        const QString path = journalPath(QStringLiteral("resume-fwd"));
        const auto ids = interruptedRun(path, source, dlq, options, topic, {0});
        QCOMPARE(ids.size(), std::size_t(3));
        QTRY_COMPARE(counts(forwardQueue).active, 1);

        models::ReplayJob job(m_connection.get(), QString::fromStdString(source), options, path);
        const auto summary = run(job);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        for (const auto &f : summary->failures)
            qWarning("failure #%lld: %s", static_cast<long long>(f.sequenceNumber), qPrintable(f.reason));
        QCOMPARE(summary->failed, 0);
        QCOMPARE(summary->replayed, 3);
        QCOMPARE(summary->resumed, 1);
        QVERIFY(!QFile::exists(path));
        QCOMPARE(counts(q).deadLetter, 0);
        QTRY_COMPARE(counts(forwardQueue).active, 2);
        QCOMPARE(idsOf(drain(forwardQueue)), (std::multiset<std::string>{ids[0], ids[1]}));
        QCOMPARE(drain(topic + "/Subscriptions/red").size(), std::size_t(0));
    }

    void renewsHeldLocks()
    {
        const std::string q = "replay-renew";
        const std::string source = q + "/$DeadLetterQueue";
        QVERIFY(createQueue(q, 5s)); // the shortest lock the emulator accepts
        QVERIFY(sendN(q, 10, "n-"));
        QVERIFY(deadLetterAll(q, 10));
        const auto before = peekAll(source);
        QCOMPARE(before.size(), std::size_t(10));
        std::map<std::int64_t, std::uint32_t> deliveries;
        for (const auto &m : before)
            deliveries[m.sequenceNumber] = m.deliveryCount;

        // Two selected messages plus one that is gone: the job cannot stop early and holds the other
        // eight until its last receive has waited emptyWait (longer than the lock) for more.
        models::ReplayOptions options;
        options.sequenceNumbers = {before[0].sequenceNumber, before[1].sequenceNumber, before.back().sequenceNumber + 1000};
        models::ReplayJob job(m_connection.get(), QString::fromStdString(source), options,
                              journalPath(QStringLiteral("renew")));
        job.setEmptyWait(6500ms);
        const auto summary = run(job, 30000);
        QVERIFY(summary);
        QCOMPARE(summary->error, QString());
        QVERIFY(!summary->cancelled);
        QCOMPARE(summary->replayed, 2);
        QCOMPARE(summary->failed, 0);
        QVERIFY2(summary->seconds > 5.5, qPrintable(QString::number(summary->seconds))); // outlived the lock

        // Received once by the job, never again after a lapsed lock.
        const auto after = peekAll(source);
        QCOMPARE(after.size(), std::size_t(8));
        for (const auto &m : after)
            QVERIFY2(m.deliveryCount == deliveries[m.sequenceNumber] + 1,
                     qPrintable(QStringLiteral("#%1 delivered %2 times, %3 before the job")
                                    .arg(m.sequenceNumber)
                                    .arg(m.deliveryCount)
                                    .arg(deliveries[m.sequenceNumber])));
        QCOMPARE(drain(source).size(), std::size_t(8)); // nothing left locked
        QCOMPARE(idsOf(drain(q)), (std::multiset<std::string>{"n-0", "n-1"}));
    }

    void crashMidwayThenResume()
    {
        constexpr int kCount = 2000;
        const std::string q = "replay-crash";
        const std::string source = q + "/$DeadLetterQueue";
        QVERIFY(createQueue(q, 5s)); // the shortest lock Service Bus allows: the killed run's locks lapse fast
        QVERIFY(sendN(q, kCount, "k-"));
        QVERIFY(deadLetterAll(q, kCount));
        QCOMPARE(counts(q).deadLetter, kCount);

        const QString path = journalPath(QStringLiteral("crash"));
        auto startWorker = [&](QProcess &p) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("BUSYARD_REPLAY_CONNECTION_STRING"), m_emulator->connectionString());
            p.setProcessEnvironment(env);
            p.setProcessChannelMode(QProcess::SeparateChannels);
            p.start(QStringLiteral(REPLAY_WORKER_PATH),
                    {QStringLiteral("--source"), QString::fromStdString(source), QStringLiteral("--journal"), path,
                     QStringLiteral("--batch"), QStringLiteral("50"), QStringLiteral("--management-url"),
                     m_emulator->managementUrl().toString()});
            return p.waitForStarted(10000);
        };

        // Two runs killed once each has done a third, then one to the end, all on the same journal.
        static const QRegularExpression progressLine(QStringLiteral("progress replayed=(\\d+)"));
        qint64 replayedBeforeKills = 0;
        for (int kill = 0; kill < 2; ++kill) {
            QProcess worker;
            QVERIFY(startWorker(worker));
            qint64 replayed = 0;
            QByteArray out;
            QVERIFY2(QTest::qWaitFor([&] {
                         out += worker.readAllStandardOutput();
                         auto it = progressLine.globalMatch(QString::fromUtf8(out));
                         while (it.hasNext())
                             replayed = std::max(replayed, it.next().captured(1).toLongLong());
                         return replayed >= kCount / 3 || worker.state() != QProcess::Running;
                     }, 120000),
                     "the worker made no progress");
            QVERIFY2(worker.state() == QProcess::Running, out.constData());
            worker.kill(); // SIGKILL: no chance to flush or settle anything
            QVERIFY(worker.waitForFinished(10000));
            replayedBeforeKills += replayed;
            QVERIFY(QFile::exists(path));
            QVERIFY(models::ReplayJob::hasUnfinishedJournal(path, QString::fromStdString(source)));
        }
        QVERIFY2(replayedBeforeKills < kCount, "the workers finished before they could be killed");

        // Second run on the same journal, to the end.
        QProcess second;
        QVERIFY(startWorker(second));
        QVERIFY(second.waitForFinished(180000));
        const QByteArray secondOut = second.readAllStandardOutput();
        QVERIFY2(second.exitCode() == 0, QByteArray(secondOut + second.readAllStandardError()).constData());
        QVERIFY2(secondOut.contains("finished replayed="), secondOut.constData());
        QVERIFY(!QFile::exists(path));

        // None lost, none duplicated.
        const auto copies = drain(q);
        const auto left = drain(source);
        QVERIFY2(left.empty(), qPrintable(QStringLiteral("%1 left in the DLQ").arg(left.size())));
        std::map<std::string, int> seen;
        for (const auto &m : copies)
            ++seen[m.messageIdString()];
        QCOMPARE(seen.size(), std::size_t(kCount));
        for (int i = 0; i < kCount; ++i) {
            const std::string id = "k-" + std::to_string(i);
            QVERIFY2(seen[id] == 1, (id + " arrived " + std::to_string(seen[id]) + " times").c_str());
        }
        QCOMPARE(copies.size(), std::size_t(kCount));
        qInfo("killed twice after %lld replayed; last run: %s", static_cast<long long>(replayedBeforeKills),
              secondOut.right(200).trimmed().constData());
    }
};

QTEST_MAIN(TestReplayJob)
#include "tst_replayjob.moc"
