#pragma once

#include "core/broker/store.h"

#include <memory>
#include <string>

namespace busyard::core::broker {

/**
 * A Store in one SQLite file (WAL mode). Each engine batch is one SQLite transaction, so a batch is
 * all or nothing and one commit (one WAL fsync with `fullSync`) covers everything the batch did:
 * group commit comes from Engine::beginBatch()/commitBatch().
 *
 * Durability: with `fullSync` (default) a committed batch survives a power failure; without it, it
 * survives a crash of the process (the OS still holds the WAL pages) but maybe not of the machine.
 *
 * Errors: an unreadable, foreign or corrupt file makes open()/load() return Error{StoreError} naming
 * the file and SQLite's reason; the file is never reset or overwritten. Mutations between
 * beginBatch() and commit() only record the first failure, which commit() then reports (after rolling
 * the transaction back).
 *
 * Thread: the engine's; not thread-safe.
 */
class SqliteStore final : public Store
{
public:
    struct Options
    {
        bool fullSync = true;
    };

    /** Opens (or creates) the store file and its schema. */
    static Result<std::unique_ptr<SqliteStore>> open(const std::string &path, Options options);
    static Result<std::unique_ptr<SqliteStore>> open(const std::string &path) { return open(path, Options{}); }
    ~SqliteStore() override;

    const std::string &path() const;

    Result<StoreSnapshot> load() override;
    void beginBatch() override;
    Result<void> commit() override;
    void putQueue(const QueueDescription &queue) override;
    void putTopic(const TopicDescription &topic) override;
    void putSubscription(const SubscriptionDescription &subscription) override;
    void putRule(const std::string &topic, const std::string &subscription, const RuleDescription &rule) override;
    void removeQueue(const std::string &entityKey) override;
    void removeTopic(const std::string &entityKey) override;
    void removeSubscription(const std::string &entityKey) override;
    void removeRule(const std::string &subscriptionKey, const std::string &ruleKey) override;
    void putSequenceCounter(const std::string &entityKey, std::int64_t lastSequenceNumber) override;
    void putMessage(const std::string &entityKey, SubQueue subQueue, MessageKey key, const Message &message) override;
    void removeMessage(const std::string &entityKey, SubQueue subQueue, MessageKey key) override;
    void putSessionState(const std::string &entityKey, const std::string &sessionId,
                         const std::optional<std::string> &state, TimePoint updatedAt) override;
    void putDuplicateId(const std::string &entityKey, const std::string &idKey, TimePoint firstSeen) override;
    void pruneDuplicateIds(const std::string &entityKey, TimePoint before) override;

    /** Binary encoding of a message as stored (exposed for tests and tools). */
    static std::string encodeMessage(const Message &message);
    static Result<Message> decodeMessage(std::string_view bytes);

private:
    SqliteStore();
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace busyard::core::broker
