#include "replayjob.h"

#include "replayjournal.h"

#include "core/broker/address.h"
#include "core/broker/routing.h"
#include "core/client/namespaceconnection.h"
#include "core/logging.h"
#include "core/sql/filter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace busyard::models {

namespace {

std::size_t findNoCase(const std::string &text, std::string_view needle)
{
    const auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it == text.end() ? std::string::npos : std::size_t(it - text.begin());
}

/** The queue or topic owning an entity path ("t/Subscriptions/s/$DeadLetterQueue" -> "t"); a path that is
    not an entity address is returned unchanged. */
std::string owningEntity(const std::string &path)
{
    const auto address = core::broker::EntityAddress::parse(path);
    return address ? address->owningEntityPath() : path;
}

/** Name-based (version 5, SHA-1) UUID of `name` in the namespace `space` (RFC 4122 §4.3). */
core::Uuid nameBasedUuid(const std::string &space, const std::string &name)
{
    QCryptographicHash hash(QCryptographicHash::Sha1);
    if (const auto ns = core::Uuid::fromString(space)) {
        hash.addData(QByteArrayView(reinterpret_cast<const char *>(ns->bytes.data()), qsizetype(ns->bytes.size())));
    } else {
        // Not a UUID (a caller's own seed): hash it into one first.
        const QByteArray seed = QCryptographicHash::hash(QByteArray::fromStdString(space), QCryptographicHash::Sha1);
        hash.addData(QByteArrayView(seed.constData(), 16));
    }
    hash.addData(QByteArrayView(name.data(), qsizetype(name.size())));
    const QByteArray digest = hash.result();
    core::Uuid u;
    std::memcpy(u.bytes.data(), digest.constData(), 16);
    u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0f) | 0x50);
    u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3f) | 0x80);
    return u;
}

std::int64_t replayCountOf(const core::Value *v)
{
    if (!v)
        return 0;
    if (v->isSignedInteger())
        return v->toInt64();
    if (v->isUnsignedInteger())
        return std::int64_t(std::min<std::uint64_t>(v->toUInt64(), std::uint64_t(std::numeric_limits<std::int64_t>::max() - 1)));
    if (v->isFloating())
        return std::int64_t(v->toDouble());
    if (v->isText()) {
        std::int64_t n = 0;
        const std::string &s = v->bytes();
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        return ec == std::errc() && ptr == s.data() + s.size() ? n : 0;
    }
    return 0;
}

/** The copy; `action` is the compiled transform (nullptr = none). */
core::Result<core::Message> buildCopy(const core::Message &original, const ReplayOptions &options,
                                      const std::string &journalId, const core::sql::Action *action)
{
    core::Message copy = original;
    // Broker-set fields: the target sets its own.
    copy.scheduledEnqueueTime.reset();
    copy.sequenceNumber = 0;
    copy.enqueuedSequenceNumber = 0;
    copy.enqueuedTime = core::TimePoint{};
    copy.expiresAt = core::kMaxTime;
    copy.lockedUntil = core::TimePoint{};
    copy.lockToken = core::Uuid{};
    copy.deliveryCount = 0;
    copy.state = core::MessageState::Active;
    copy.deadLetterSource.reset();
    // Annotations the broker stamps that the codec does not map to fields (x-opt-partition-id and any
    // future x-opt-*) describe the original's delivery, not the copy: the target stamps its own. The
    // x-opt-* a sender sets (partition keys, scheduled time) are fields, so nothing a sender chose is lost.
    auto &annotations = copy.annotations.entries();
    annotations.erase(std::remove_if(annotations.begin(), annotations.end(),
                                     [](const auto &entry) { return entry.first.rfind("x-opt-", 0) == 0; }),
                      annotations.end());

    if (options.renewMessageId)
        copy.messageId = core::Value::string(
            nameBasedUuid(journalId, "replay:" + std::to_string(original.sequenceNumber)).toString());
    if (options.stripDeadLetterProperties) {
        copy.applicationProperties.remove(core::kDeadLetterReasonProperty);
        copy.applicationProperties.remove(core::kDeadLetterDescriptionProperty);
    }
    if (!options.replayCountProperty.isEmpty()) {
        const std::string name = options.replayCountProperty.toStdString();
        const std::int64_t next = replayCountOf(copy.applicationProperties.find(name)) + 1;
        copy.applicationProperties.set(name, next >= std::numeric_limits<std::int32_t>::min()
                                                     && next <= std::numeric_limits<std::int32_t>::max()
                                                 ? core::Value::int32(std::int32_t(next))
                                                 : core::Value::int64(next));
    }
    if (action) {
        if (auto applied = action->apply(copy); !applied)
            return core::makeError(applied.error().code, "transform: " + applied.error().message);
    }
    return copy;
}

/** Send errors after which the copy may or may not be in the target (the connection went away, a
    timeout): such a message is never sent again without checking the target first. */
bool uncertainOutcome(const core::Error &error)
{
    return error.code == core::ErrorCode::ServerBusy || error.code == core::ErrorCode::Timeout
        || error.code == core::ErrorCode::Internal;
}

constexpr int kPeekPage = 1000;
constexpr int kPipelineDepth = 2;
/** Resume: at most this many messages are peeked per entity when looking for an interrupted run's copies;
    a copy not seen within them counts as uncertain (never as missing). */
constexpr std::int64_t kMaxVerifyPeek = 10000;
/** Lock renewals in flight at once. */
constexpr int kRenewConcurrency = 16;

/** "sb://host/name" (how Azure may report ForwardTo) -> "name"; plain paths unchanged. */
std::string entityPathOf(const std::string &forwardTo)
{
    const auto scheme = forwardTo.find("://");
    if (scheme == std::string::npos)
        return forwardTo;
    const auto slash = forwardTo.find('/', scheme + 3);
    return slash == std::string::npos ? std::string() : forwardTo.substr(slash + 1);
}

} // namespace

core::Result<core::Message> makeReplayCopy(const core::Message &original, const ReplayOptions &options,
                                           const std::string &journalId)
{
    if (options.transform.trimmed().isEmpty())
        return buildCopy(original, options, journalId, nullptr);
    auto action = core::sql::Action::compile(options.transform.toStdString());
    if (!action)
        return action.error();
    return buildCopy(original, options, journalId, &action.value());
}

std::string originalTarget(const core::Message &message, const std::string &sourceEntity)
{
    // A dead-letter source naming a subscription is replayed through its topic: nothing can be sent to a
    // subscription itself.
    if (message.deadLetterSource && !message.deadLetterSource->empty())
        return owningEntity(*message.deadLetterSource);
    return owningEntity(sourceEntity);
}

// ---- the job ----------------------------------------------------------------------------------------------

struct ReplayJob::Private
{
    explicit Private(ReplayJob *job) : q(job)
    {
        QObject::connect(&renewTimer, &QTimer::timeout, q, [this] { renewLocks(); });
    }

    struct Item
    {
        std::int64_t seq = 0;
        core::Uuid lockToken;
        QString messageId;
        core::Message copy;
        std::string target;
        bool send = true;      ///< false: the copy is already in the target, only complete the original
        bool resumed = false;  ///< finished from an earlier run's journal
        bool accepted = false;
    };
    struct Batch
    {
        std::vector<Item> items;
        int pendingSends = 0;
        int pendingCompletes = 0;
    };
    enum class Verified { Found, NotFound, Unverifiable };

    ReplayJob *q;
    std::string source;
    std::optional<core::sql::Action> action;
    bool started = false;
    bool finished = false;
    bool preparing = false;
    bool receiving = false;
    bool scanning = false;
    bool drained = false;
    bool abandoning = false;
    QString error;

    std::list<Batch> batches;
    std::unordered_set<std::int64_t> inFlight;       ///< in a batch being sent/completed
    std::map<std::int64_t, core::Uuid> held;         ///< locked by us, not replayed: abandoned at the end
    std::unordered_set<std::int64_t> failedHere;     ///< failed in this run (not retried in this run)
    std::set<std::int64_t> selectionLeft;
    std::int64_t claimed = 0;
    std::int64_t nextPeek = 0;                       ///< copy-only: next sequence number to peek from
    std::unordered_map<std::int64_t, Verified> verified;
    qint64 lockWaitUntilMs = 0;                      ///< resumed run: wait for an earlier run's locks until then
    int pendingAbandons = 0;
    QTimer renewTimer;                               ///< renews the locks of held and in-flight messages
    std::vector<std::pair<std::int64_t, core::Uuid>> renewQueue; ///< this round's locks
    std::size_t renewNext = 0;
    int renewalsInFlight = 0;

    client::NamespaceConnection *conn() const { return q->m_connection; }
    ReplayJournal &journal() const { return *q->m_journal; }
    bool copyOnly() const { return !q->m_options.completeOriginal; }
    bool limitReached() const { return q->m_options.maxMessages >= 0 && claimed >= q->m_options.maxMessages; }
    bool selectionDone() const { return !q->m_options.sequenceNumbers.empty() && selectionLeft.empty(); }
    bool stopping() const
    {
        return q->m_cancelled || !error.isEmpty() || drained || limitReached() || selectionDone();
    }
    bool inScope(std::int64_t seq) const
    {
        const auto &sel = q->m_options.sequenceNumbers;
        return sel.empty() || sel.count(seq) > 0;
    }

    void setError(const QString &text)
    {
        if (error.isEmpty()) {
            error = text;
            core::logger("models")->warn("replay of '{}': {}", source, text.toStdString());
        }
    }

    void addFailure(std::int64_t seq, const QString &messageId, const QString &reason)
    {
        ReplayFailure f{seq, messageId, reason};
        q->m_summary.failures.push_back(f);
        q->m_summary.failed = std::int64_t(q->m_summary.failures.size());
        failedHere.insert(seq);
        selectionLeft.erase(seq);
        Q_EMIT q->messageFailed(f);
    }

    void countReplayed(const Item &item)
    {
        ++q->m_summary.replayed;
        if (item.resumed)
            ++q->m_summary.resumed;
        selectionLeft.erase(item.seq);
    }

    // ---- resume preparation -------------------------------------------------------------------------------

    void prepareResume()
    {
        preparing = true;
        // 1. The source's lock duration: how long the locks of a run that died can keep messages hidden.
        // (The entity itself: a queue, or "topic/Subscriptions/sub".)
        const auto address = core::broker::EntityAddress::parse(source);
        const std::string owner = address ? address->entityPath : source;
        auto withDuration = [this](std::chrono::milliseconds lock) {
            lockWaitUntilMs = q->m_clock.elapsed() + lock.count() + 2000;
            verifyTargets();
        };
        if (const auto at = findNoCase(owner, "/Subscriptions/"); at != std::string::npos) {
            conn()->getSubscription(owner.substr(0, at), owner.substr(at + 15), q,
                                    [withDuration](core::Result<client::SubscriptionInfo> r) {
                                        withDuration(r ? r->description.lockDuration : core::broker::kDefaultLockDuration);
                                    });
        } else {
            conn()->getQueue(owner, q, [withDuration](core::Result<client::QueueInfo> r) {
                withDuration(r ? r->description.lockDuration : core::broker::kDefaultLockDuration);
            });
        }
    }

    /** Journalled copy message id -> the source sequence numbers announcing it, per target. */
    using WantedIds = std::unordered_map<std::string, std::vector<std::int64_t>>;
    using Targets = std::vector<std::pair<std::string, WantedIds>>;

    /** A topic target being checked on resume: the originals' copies are rebuilt, routed through the
        topic's subscriptions and rules (fetched once), and looked for where the routing puts them. */
    struct TopicCheck
    {
        std::string topic;
        core::broker::RoutingTopology topology;
        std::vector<std::int64_t> seqs;                      ///< sorted
        std::map<std::int64_t, std::string> wantedId;        ///< seq -> journalled copy id
        std::map<std::int64_t, core::Message> copies;        ///< rebuilt copies (originals still in the source)
        std::map<std::string, std::set<std::string>> where;  ///< entity to peek -> copy ids looked for there
        std::map<std::int64_t, std::set<std::string>> seqWhere; ///< seq -> entities its copy should be in
        std::set<std::pair<std::string, std::string>> found; ///< (entity, copy id)
        std::set<std::string> inconclusive;                  ///< entities not fully checked (error, bound)
    };

    /** 2. Copies announced by an earlier run but not confirmed: look for them in their targets. */
    void verifyTargets()
    {
        std::map<std::string, WantedIds> wanted;
        for (const auto &[seq, e] : journal().entries()) {
            if (e.state == ReplayJournal::State::Intent && e.fromEarlierRun)
                wanted[e.target][e.copyMessageId].push_back(seq);
        }
        verifyNext(std::make_shared<Targets>(wanted.begin(), wanted.end()), 0);
    }

    void markTarget(const std::shared_ptr<Targets> &targets, std::size_t index, Verified how)
    {
        for (const auto &[id, seqs] : (*targets)[index].second)
            for (auto seq : seqs)
                verified[seq] = how;
    }

    void verifyNext(std::shared_ptr<Targets> targets, std::size_t index)
    {
        if (index >= targets->size()) {
            preparing = false;
            begin();
            return;
        }
        const std::string target = (*targets)[index].first;
        core::logger("models")->info("replay of '{}': checking '{}' for {} copies of an interrupted run", source,
                                     target, (*targets)[index].second.size());
        // The management call also says whether the target is a queue (else it may be a topic).
        conn()->getQueue(target, q, [this, targets, index, target](core::Result<client::QueueInfo> r) {
            if (!r) {
                verifyTopic(targets, index);
                return;
            }
            markTarget(targets, index, Verified::NotFound);
            scanTarget(targets, index, 0, 0);
        });
    }

    void scanTarget(std::shared_ptr<Targets> targets, std::size_t index, std::int64_t from, std::int64_t scanned)
    {
        const std::string target = (*targets)[index].first;
        conn()->peek(target, from, kPeekPage, q, [this, targets, index, target, scanned](core::Result<std::vector<core::Message>> r) {
            auto &ids = (*targets)[index].second;
            if (!r) {
                markTarget(targets, index, Verified::Unverifiable);
                verifyNext(targets, index + 1);
                return;
            }
            if (r->empty()) {
                verifyNext(targets, index + 1);
                return;
            }
            for (const core::Message &m : *r) {
                if (const auto it = ids.find(m.messageIdString()); it != ids.end())
                    for (auto seq : it->second)
                        verified[seq] = Verified::Found;
            }
            const std::int64_t total = scanned + std::int64_t(r->size());
            if (total >= kMaxVerifyPeek) {
                // Not all of the target was seen: what was not found may still be there.
                for (const auto &[id, seqs] : ids)
                    for (auto seq : seqs)
                        if (verified[seq] == Verified::NotFound)
                            verified[seq] = Verified::Unverifiable;
                verifyNext(targets, index + 1);
                return;
            }
            scanTarget(targets, index, r->back().sequenceNumber + 1, total);
        });
    }

    // ---- resume: a topic target ---------------------------------------------------------------------------

    void verifyTopic(std::shared_ptr<Targets> targets, std::size_t index)
    {
        auto check = std::make_shared<TopicCheck>();
        check->topic = (*targets)[index].first;
        for (const auto &[id, seqs] : (*targets)[index].second)
            for (auto seq : seqs) {
                check->wantedId[seq] = id;
                check->seqs.push_back(seq);
                verified[seq] = Verified::Unverifiable; // until shown otherwise
            }
        std::sort(check->seqs.begin(), check->seqs.end());
        auto fail = [this, targets, index, check](const std::string &what, const core::Error &e) {
            core::logger("models")->info("replay of '{}': cannot check '{}' ({}: {}); its copies stay uncertain",
                                         source, check->topic, what, e.message);
            verifyNext(targets, index + 1);
        };
        conn()->getTopic(check->topic, q, [this, targets, index, check, fail](core::Result<client::TopicInfo> t) {
            if (!t)
                return fail("not a queue or topic", t.error());
            check->topology.topicDefaultTimeToLive = t->description.defaultMessageTimeToLive;
            conn()->listSubscriptions(check->topic, q,
                                      [this, targets, index, check, fail](core::Result<std::vector<client::SubscriptionInfo>> s) {
                if (!s)
                    return fail("listing subscriptions", s.error());
                for (const client::SubscriptionInfo &info : *s)
                    check->topology.subscriptions.push_back({info.description, {}});
                loadRules(targets, index, check, 0);
            });
        });
    }

    void loadRules(std::shared_ptr<Targets> targets, std::size_t index, std::shared_ptr<TopicCheck> check, std::size_t sub)
    {
        if (sub >= check->topology.subscriptions.size()) {
            loadOriginals(targets, index, check, 0);
            return;
        }
        const std::string name = check->topology.subscriptions[sub].description.name;
        conn()->listRules(check->topic, name, q,
                          [this, targets, index, check, sub](core::Result<std::vector<core::broker::RuleDescription>> r) {
            if (!r) {
                core::logger("models")->info("replay of '{}': cannot check '{}' (listing rules: {}); its copies stay uncertain",
                                             source, check->topic, r.error().message);
                verifyNext(targets, index + 1);
                return;
            }
            check->topology.subscriptions[sub].rules = std::move(r.value());
            loadRules(targets, index, check, sub + 1);
        });
    }

    /** The originals (still in the source, maybe under the dead run's lock: peek sees them) -> their copies. */
    void loadOriginals(std::shared_ptr<Targets> targets, std::size_t index, std::shared_ptr<TopicCheck> check,
                       std::size_t next)
    {
        if (next >= check->seqs.size()) {
            routeCopies(targets, index, check);
            return;
        }
        conn()->peek(source, check->seqs[next], kPeekPage, q,
                     [this, targets, index, check, next](core::Result<std::vector<core::Message>> r) {
            if (!r) {
                core::logger("models")->info("replay of '{}': cannot peek the originals ({}); copies for '{}' stay uncertain",
                                             source, r.error().message, check->topic);
                verifyNext(targets, index + 1);
                return;
            }
            if (r->empty()) { // the rest are gone (completed by the earlier run)
                routeCopies(targets, index, check);
                return;
            }
            for (const core::Message &m : *r) {
                const auto wanted = check->wantedId.find(m.sequenceNumber);
                if (wanted == check->wantedId.end())
                    continue;
                auto copy = buildCopy(m, q->m_options, journal().journalId(), action ? &*action : nullptr);
                // Another id than the journal's: the options differ from the earlier run's, so the routing
                // cannot be predicted for the copy it sent. It stays uncertain.
                if (copy && copy->messageIdString() == wanted->second)
                    check->copies.emplace(m.sequenceNumber, std::move(copy.value()));
            }
            std::size_t after = next;
            while (after < check->seqs.size() && check->seqs[after] <= r->back().sequenceNumber)
                ++after;
            loadOriginals(targets, index, check, after);
        });
    }

    void routeCopies(std::shared_ptr<Targets> targets, std::size_t index, std::shared_ptr<TopicCheck> check)
    {
        const core::broker::RoutingEvaluator evaluator(std::move(check->topology));
        for (const auto &[seq, copy] : check->copies) {
            const std::string &id = check->wantedId[seq];
            std::set<std::string> places;
            for (const core::broker::SubscriptionRouting &sub : evaluator.evaluate(copy).subscriptions) {
                const std::string path = check->topic + "/Subscriptions/" + sub.subscription;
                if (sub.uncertain()) {
                    // A rule that does not compile here: look wherever the subscription could put it.
                    places.insert(path);
                    places.insert(path + "/$DeadLetterQueue");
                    if (!sub.forwardTo.empty())
                        places.insert(entityPathOf(sub.forwardTo));
                    continue;
                }
                for (const core::broker::RoutedCopy &c : sub.copies) {
                    switch (c.fate) {
                    case core::broker::CopyFate::Active: places.insert(path); break;
                    case core::broker::CopyFate::DeadLetter: places.insert(path + "/$DeadLetterQueue"); break;
                    // A forward to a topic cannot be peeked: the peek fails and the copy stays uncertain.
                    case core::broker::CopyFate::Forwarded: places.insert(entityPathOf(c.forwardTo)); break;
                    case core::broker::CopyFate::Dropped: break;
                    }
                }
            }
            places.erase(std::string());
            if (places.empty()) {
                // The topic drops it: a second send cannot duplicate anything visible.
                verified[seq] = Verified::NotFound;
                continue;
            }
            for (const std::string &place : places)
                check->where[place].insert(id);
            check->seqWhere[seq] = std::move(places);
        }
        scanPlace(targets, index, check, check->where.begin(), 0, 0);
    }

    void scanPlace(std::shared_ptr<Targets> targets, std::size_t index, std::shared_ptr<TopicCheck> check,
                   std::map<std::string, std::set<std::string>>::iterator place, std::int64_t from, std::int64_t scanned)
    {
        if (place == check->where.end()) {
            settleTopicCheck(check);
            verifyNext(targets, index + 1);
            return;
        }
        conn()->peek(place->first, from, kPeekPage, q,
                     [this, targets, index, check, place, scanned](core::Result<std::vector<core::Message>> r) {
            const std::string &entity = place->first;
            if (!r) {
                core::logger("models")->info("replay of '{}': cannot peek '{}' ({})", source, entity, r.error().message);
                check->inconclusive.insert(entity);
                scanPlace(targets, index, check, std::next(place), 0, 0);
                return;
            }
            std::size_t seen = 0;
            for (const core::Message &m : *r) {
                if (const std::string id = m.messageIdString(); place->second.count(id))
                    check->found.emplace(entity, id);
            }
            for (const std::string &id : place->second)
                seen += check->found.count({entity, id});
            const std::int64_t total = scanned + std::int64_t(r->size());
            if (r->empty() || seen == place->second.size()) {
                scanPlace(targets, index, check, std::next(place), 0, 0);
            } else if (total >= kMaxVerifyPeek) {
                check->inconclusive.insert(entity);
                scanPlace(targets, index, check, std::next(place), 0, 0);
            } else {
                scanPlace(targets, index, check, place, r->back().sequenceNumber + 1, total);
            }
        });
    }

    void settleTopicCheck(const std::shared_ptr<TopicCheck> &check)
    {
        for (const auto &[seq, places] : check->seqWhere) {
            const std::string &id = check->wantedId[seq];
            bool found = false;
            bool unsure = false;
            for (const std::string &place : places) {
                found = found || check->found.count({place, id}) > 0;
                unsure = unsure || check->inconclusive.count(place) > 0;
            }
            verified[seq] = found ? Verified::Found : unsure ? Verified::Unverifiable : Verified::NotFound;
        }
    }

    // ---- the pipeline ----------------------------------------------------------------------------------------

    void begin()
    {
        if (q->m_cancelled) {
            maybeFinish();
            return;
        }
        issueNext();
        maybeFinish();
    }

    void issueNext()
    {
        if (finished || preparing || receiving || scanning || abandoning || stopping())
            return;
        if (int(batches.size()) >= kPipelineDepth)
            return;
        receiving = true;
        if (copyOnly()) {
            conn()->peek(source, nextPeek, q->m_batchSize, q,
                         [this](core::Result<std::vector<core::Message>> r) { onReceived(std::move(r)); });
        } else {
            conn()->receive(source, client::ReceiveMode::PeekLock, q->m_batchSize, q->m_emptyWait, q,
                            [this](core::Result<std::vector<core::Message>> r) { onReceived(std::move(r)); });
        }
    }

    Item *findInFlight(std::int64_t seq)
    {
        for (Batch &b : batches)
            for (Item &item : b.items)
                if (item.seq == seq)
                    return &item;
        return nullptr;
    }

    void hold(const core::Message &m)
    {
        if (!copyOnly())
            held[m.sequenceNumber] = m.lockToken;
    }

    void onReceived(core::Result<std::vector<core::Message>> result)
    {
        receiving = false;
        if (!result) {
            setError(QString::fromStdString(result.error().message));
            maybeFinish();
            return;
        }
        std::vector<core::Message> &messages = result.value();
        if (messages.empty()) {
            onEmpty();
            return;
        }
        if (copyOnly())
            nextPeek = messages.back().sequenceNumber + 1;
        else
            startRenewing(messages.front());

        Batch batch;
        bool journalTouched = false;
        for (core::Message &m : messages) {
            const std::int64_t seq = m.sequenceNumber;
            if (copyOnly() && m.state == core::MessageState::Scheduled)
                continue;
            if (held.count(seq)) {
                held[seq] = m.lockToken; // our lock expired and we got it again
                continue;
            }
            if (inFlight.count(seq)) {
                // Its lock expired while its batch is still out: use the new lock to complete it.
                if (Item *item = findInFlight(seq))
                    item->lockToken = m.lockToken;
                else
                    hold(m);
                continue;
            }
            if (!inScope(seq) || failedHere.count(seq) || cancelledOrStopped()) {
                hold(m);
                continue;
            }
            Item item;
            item.seq = seq;
            item.lockToken = m.lockToken;
            item.messageId = QString::fromStdString(m.messageIdString());
            const ReplayJournal::Entry *entry = journal().find(seq);
            if (entry && (entry->state == ReplayJournal::State::Accepted || entry->state == ReplayJournal::State::Completed)) {
                if (copyOnly() && entry->state == ReplayJournal::State::Completed) {
                    // Copied by an earlier run (or earlier in this one): nothing to do.
                    if (entry->fromEarlierRun) {
                        item.resumed = true;
                        ++claimed;
                        countReplayed(item);
                    }
                    continue;
                }
                item.send = false;
                item.resumed = entry->fromEarlierRun;
                item.target = entry->target;
            } else if (entry && entry->state == ReplayJournal::State::Intent) {
                const auto v = verified.find(seq);
                const Verified how = v == verified.end() ? Verified::Unverifiable : v->second;
                if (how == Verified::Found) {
                    item.send = false;
                    item.resumed = true;
                    item.target = entry->target;
                    journal().recordAccepted(seq);
                    journalTouched = true;
                } else if (how == Verified::Unverifiable) {
                    hold(m);
                    addFailure(seq, item.messageId,
                               QStringLiteral("uncertain after an interrupted run: the copy may already be in '%1' "
                                              "(it could not be checked there); left in the source")
                                   .arg(QString::fromStdString(entry->target)));
                    continue;
                }
            }
            if (item.send) {
                auto copy = buildCopy(m, q->m_options, journal().journalId(), action ? &*action : nullptr);
                if (!copy) {
                    hold(m);
                    addFailure(seq, item.messageId, QString::fromStdString(copy.error().message));
                    continue;
                }
                item.copy = std::move(copy.value());
                item.target = q->m_options.target == ReplayOptions::Target::Original
                    ? originalTarget(m, source)
                    : q->m_options.targetEntity.toStdString();
                journal().recordIntent(seq, item.target, item.copy.messageIdString());
                journalTouched = true;
            }
            ++claimed;
            inFlight.insert(seq);
            batch.items.push_back(std::move(item));
        }

        if (batch.items.empty()) {
            issueNext();
            maybeFinish();
            return;
        }

        batches.push_back(std::move(batch));
        Batch *b = &batches.back();
        if (journalTouched) {
            // The intents must be on disk before anything is sent; the fsync runs off the GUI thread.
            journal().flushAsync(q, [this, b](core::Result<void> flushed) {
                if (!flushed) {
                    setError(QString::fromStdString(flushed.error().message));
                    for (const Item &item : b->items) {
                        inFlight.erase(item.seq);
                        if (!copyOnly())
                            held[item.seq] = item.lockToken;
                    }
                    batches.remove_if([b](const Batch &x) { return &x == b; });
                    maybeFinish();
                    return;
                }
                sendBatch(b);
            });
        } else {
            sendBatch(b);
        }
        // Pipelining: receive the next batch while this one's copies are in flight.
        issueNext();
    }

    void sendBatch(Batch *b)
    {
        for (std::size_t i = 0; i < b->items.size(); ++i) {
            Item &item = b->items[i];
            if (!item.send) {
                item.accepted = true;
                continue;
            }
            ++b->pendingSends;
            conn()->send(item.target, std::move(item.copy), q, [this, b, i](core::Result<void> r) { onSent(b, i, r); });
            item.copy = core::Message{};
        }
        if (b->pendingSends == 0)
            onBatchSent(b);
    }

    bool cancelledOrStopped() const { return q->m_cancelled || !error.isEmpty() || limitReached(); }

    void onSent(Batch *b, std::size_t index, const core::Result<void> &r)
    {
        Item &item = b->items[index];
        if (r) {
            item.accepted = true;
            journal().recordAccepted(item.seq);
            if (copyOnly())
                journal().recordCompleted(item.seq); // nothing to complete: the copy was the whole job
        } else {
            const std::string reason = r.error().message;
            if (uncertainOutcome(r.error())) {
                // The intent stays: a later run checks the target before sending again.
                addFailure(item.seq, item.messageId,
                           QStringLiteral("uncertain: %1 (the copy may have reached '%2'; resume to check)")
                               .arg(QString::fromStdString(reason), QString::fromStdString(item.target)));
            } else {
                journal().recordFailed(item.seq, reason);
                addFailure(item.seq, item.messageId, QString::fromStdString(reason));
            }
            if (!copyOnly())
                held[item.seq] = item.lockToken;
        }
        if (--b->pendingSends == 0)
            onBatchSent(b);
    }

    void onBatchSent(Batch *b)
    {
        // "accepted" must be durable before an original is completed (fsync off the GUI thread).
        journal().flushAsync(q, [this, b](core::Result<void> flushed) {
            if (!flushed) {
                setError(QString::fromStdString(flushed.error().message));
                for (Item &item : b->items) {
                    if (item.accepted && !copyOnly())
                        held[item.seq] = item.lockToken;
                    item.accepted = false;
                }
            }
            completeBatch(b);
        });
    }

    void completeBatch(Batch *b)
    {
        for (Item &item : b->items) {
            if (!item.accepted)
                continue;
            if (copyOnly()) {
                countReplayed(item);
                continue;
            }
            ++b->pendingCompletes;
            const std::size_t i = std::size_t(&item - b->items.data());
            conn()->complete(source, item.lockToken, q, [this, b, i](core::Result<void> r) { onCompleted(b, i, r); });
        }
        if (b->pendingCompletes == 0)
            onBatchDone(b);
    }

    void onCompleted(Batch *b, std::size_t index, const core::Result<void> &r)
    {
        Item &item = b->items[index];
        if (r) {
            journal().recordCompleted(item.seq);
            countReplayed(item);
        } else {
            // The copy is in the target and the journal says so: the original comes back when its lock
            // expires and is then completed without a second copy (in this run or a resumed one).
            core::logger("models")->warn("replay of '{}': completing #{} failed: {}", source, item.seq,
                                         r.error().message);
        }
        if (--b->pendingCompletes == 0)
            onBatchDone(b);
    }

    void onBatchDone(Batch *b)
    {
        for (const Item &item : b->items)
            inFlight.erase(item.seq);
        batches.remove_if([b](const Batch &x) { return &x == b; });
        emitProgress();
        issueNext();
        maybeFinish();
    }

    void emitProgress()
    {
        const double seconds = std::max<qint64>(q->m_clock.elapsed(), 1) / 1000.0;
        std::int64_t expected = q->m_expected;
        if (expected < 0 && !q->m_options.sequenceNumbers.empty())
            expected = std::int64_t(q->m_options.sequenceNumbers.size());
        Q_EMIT q->progress(q->m_summary.replayed, q->m_summary.failed, expected,
                           double(q->m_summary.replayed) / seconds);
    }

    // ---- lock renewal ---------------------------------------------------------------------------------------

    /** Starts the renewal timer at about half the source's lock duration, judged from the first message
        received (its lockedUntil minus now, at least 1 s). */
    void startRenewing(const core::Message &first)
    {
        if (renewTimer.isActive() || finished || abandoning)
            return;
        const auto now = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
        const core::Duration lock = std::max<core::Duration>(first.lockedUntil - now, std::chrono::seconds(1));
        renewTimer.start(std::chrono::duration_cast<std::chrono::milliseconds>(lock / 2));
        core::logger("models")->debug("replay of '{}': renewing locks every {} ms", source, (lock / 2).count());
    }

    void stopRenewing() { renewTimer.stop(); }

    /** One round: every lock the job holds and has not settled (held messages and those of batches in
        flight). A round still running when the timer fires again is not doubled. */
    void renewLocks()
    {
        if (renewalsInFlight > 0 || finished || abandoning)
            return;
        renewQueue.clear();
        renewNext = 0;
        for (const auto &[seq, token] : held)
            renewQueue.emplace_back(seq, token);
        for (const Batch &b : batches)
            for (const Item &item : b.items)
                if (!held.count(item.seq)) // a failed send moved it there
                    renewQueue.emplace_back(item.seq, item.lockToken);
        while (renewalsInFlight < kRenewConcurrency && renewNext < renewQueue.size())
            renewOne();
    }

    void renewOne()
    {
        const auto [seq, token] = renewQueue[renewNext++];
        ++renewalsInFlight;
        conn()->renewLock(source, token, q, [this, seq = seq, token = token](core::Result<core::TimePoint> r) {
            --renewalsInFlight;
            if (!r) {
                // MessageLockLost is expected for a message settled since the round began (completed by its
                // batch); a held one whose lock lapsed anyway comes back and is held again.
                const auto it = held.find(seq);
                const bool stillHeld = it != held.end() && it->second == token;
                if (stillHeld || r.error().code != core::ErrorCode::MessageLockLost)
                    core::logger("models")->debug("replay of '{}': renewing the lock of #{}: {}", source, seq,
                                                  r.error().message);
            }
            if (!finished && !abandoning && renewNext < renewQueue.size())
                renewOne();
        });
    }

    // ---- the end --------------------------------------------------------------------------------------------

    /** A receive came back empty. A resumed run first makes sure no message is still hidden by a lock of
        the run that died (they come back after the lock duration), and settles the journal entries of
        messages that run did complete. */
    void onEmpty()
    {
        if (copyOnly() || !journal().resumed()) {
            drained = true;
            maybeFinish();
            return;
        }
        scanning = true;
        scanSource(0, std::make_shared<std::unordered_set<std::int64_t>>());
    }

    void scanSource(std::int64_t from, std::shared_ptr<std::unordered_set<std::int64_t>> present)
    {
        conn()->peek(source, from, kPeekPage, q, [this, present](core::Result<std::vector<core::Message>> r) {
            if (r && !r->empty()) {
                for (const core::Message &m : *r)
                    if (m.state != core::MessageState::Scheduled)
                        present->insert(m.sequenceNumber);
                scanSource(r->back().sequenceNumber + 1, present);
                return;
            }
            scanning = false;
            if (!r) {
                drained = true;
                maybeFinish();
                return;
            }
            // Pending entries whose message is gone were completed by the earlier run.
            std::vector<std::int64_t> gone;
            for (const auto &[seq, e] : journal().entries()) {
                if ((e.state == ReplayJournal::State::Intent || e.state == ReplayJournal::State::Accepted)
                    && !present->count(seq) && !inFlight.count(seq))
                    gone.push_back(seq);
            }
            for (auto seq : gone)
                journal().recordCompleted(seq);
            bool hidden = false;
            for (auto seq : *present) {
                if (inScope(seq) && !held.count(seq) && !inFlight.count(seq) && !failedHere.count(seq)) {
                    hidden = true;
                    break;
                }
            }
            if (hidden && q->m_clock.elapsed() < lockWaitUntilMs && !stopping()) {
                issueNext(); // the receive waits up to emptyWait for the locks to lapse
                maybeFinish();
                return;
            }
            drained = true;
            maybeFinish();
        });
    }

    void maybeFinish()
    {
        if (finished || abandoning || preparing || receiving || scanning || !batches.empty())
            return;
        if (!stopping())
            return; // issueNext() is about to run
        abandoning = true;
        stopRenewing();
        const auto toAbandon = std::move(held);
        held.clear();
        for (const auto &[seq, token] : toAbandon) {
            ++pendingAbandons;
            conn()->abandon(source, token, {}, q, [this, seq = seq](core::Result<void> r) {
                if (!r)
                    core::logger("models")->debug("replay of '{}': abandoning #{}: {}", source, seq, r.error().message);
                if (--pendingAbandons == 0)
                    finish();
            });
        }
        if (pendingAbandons == 0)
            finish();
    }

    void finish()
    {
        if (finished)
            return;
        finished = true;
        stopRenewing();
        q->m_running = false;
        ReplaySummary &s = q->m_summary;
        if (q->m_journal) {
            if (auto flushed = journal().flush(); !flushed)
                setError(QString::fromStdString(flushed.error().message));
            if (error.isEmpty() && !q->m_cancelled && journal().pendingCount() == 0) {
                if (auto removed = journal().remove(); !removed)
                    core::logger("models")->warn("replay of '{}': {}", source, removed.error().message);
            }
        }
        s.cancelled = q->m_cancelled;
        s.error = error;
        s.seconds = q->m_clock.isValid() ? q->m_clock.elapsed() / 1000.0 : 0.0;
        core::logger("models")->info("replay of '{}' finished: {} replayed ({} resumed), {} failed{}{}", source,
                                     s.replayed, s.resumed, s.failed, s.cancelled ? " (cancelled)" : "",
                                     error.isEmpty() ? "" : " with an error");
        emitProgress();
        Q_EMIT q->finished(s);
    }

    void failAtStart(const QString &text)
    {
        setError(text);
        QTimer::singleShot(0, q, [this] { finish(); });
    }
};

ReplayJob::ReplayJob(client::NamespaceConnection *connection, QString sourceEntity, ReplayOptions options,
                     QString journalPath, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_sourceEntity(std::move(sourceEntity))
    , m_options(std::move(options))
    , m_journalPath(std::move(journalPath))
    , d(std::make_unique<Private>(this))
{
    Q_ASSERT(connection);
    d->source = m_sourceEntity.toStdString();
    qRegisterMetaType<busyard::models::ReplayFailure>();
    qRegisterMetaType<busyard::models::ReplaySummary>();
}

ReplayJob::~ReplayJob() = default;

void ReplayJob::setBatchSize(int size)
{
    m_batchSize = std::clamp(size, 1, 1000);
}

void ReplayJob::start()
{
    if (d->started)
        return;
    d->started = true;
    m_running = true;
    m_clock.start();
    d->selectionLeft = m_options.sequenceNumbers;
    core::logger("models")->info("replay of '{}' started (expected {})", d->source, m_expected);

    if (m_options.target == ReplayOptions::Target::Entity && m_options.targetEntity.trimmed().isEmpty()) {
        d->failAtStart(tr("No target entity was given."));
        return;
    }
    if (!m_options.transform.trimmed().isEmpty()) {
        auto action = core::sql::Action::compile(m_options.transform.toStdString());
        if (!action) {
            d->failAtStart(tr("The transform does not compile: %1").arg(QString::fromStdString(action.error().message)));
            return;
        }
        d->action = std::move(action.value());
    }
    auto journal = ReplayJournal::open(m_journalPath, m_sourceEntity);
    if (!journal) {
        d->failAtStart(QString::fromStdString(journal.error().message));
        return;
    }
    m_journal = std::move(journal.value());
    if (m_journal->resumed()) {
        core::logger("models")->info("replay of '{}': resuming journal {} ({} unfinished){}", d->source,
                                     m_journal->journalId(), m_journal->pendingCount(),
                                     m_journal->repaired() ? ", torn last record dropped" : "");
        d->prepareResume();
    } else {
        d->begin();
    }
}

void ReplayJob::cancel()
{
    if (!m_running || m_cancelled)
        return;
    m_cancelled = true;
    d->maybeFinish();
}

bool ReplayJob::hasUnfinishedJournal(const QString &journalPath, const QString &sourceEntity)
{
    auto journal = ReplayJournal::read(journalPath);
    return journal && journal.value()->sourceEntity().compare(sourceEntity, Qt::CaseInsensitive) == 0
        && journal.value()->pendingCount() > 0;
}

QString ReplayJob::defaultJournalPath(const QString &namespaceHost, const QString &sourceEntity)
{
    const QByteArray key = (namespaceHost.toLower() + QLatin1Char('/') + sourceEntity.toLower()).toUtf8();
    const QString name = QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(32));
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/replay/") + name
        + QStringLiteral(".journal");
}

} // namespace busyard::models
