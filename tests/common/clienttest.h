#pragma once

// Helpers for tests that drive a client::NamespaceConnection against a test emulator: one way to
// connect, one way to wait for an asynchronous call. Header-only; needs busyard::client.

#include "emulatorprocess.h"

#include "core/client/namespaceconnection.h"

#include <QtTest/QTest>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace busyard::testing {

/**
 * Calls `start` with a completion callback (client::Callback<T>) and runs the event loop until it is
 * called, at most `timeoutMs`. A callback that never comes is an error result, never a hang.
 */
template<typename T, typename Start>
core::Result<T> await(Start start, int timeoutMs = 30000)
{
    auto result = std::make_shared<std::optional<core::Result<T>>>();
    start([result](core::Result<T> r) { result->emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return result->has_value(); }, timeoutMs))
        return core::Error{core::ErrorCode::Timeout, "test: no callback within the time limit"};
    return std::move(**result);
}

/** A connection to a started EmulatorProcess (its management URL, `timeout` per operation); null on a
    malformed connection string (which would be a bug of the emulator's banner). */
inline std::unique_ptr<client::NamespaceConnection> connectTo(const EmulatorProcess &emulator,
                                                              std::chrono::milliseconds timeout = std::chrono::seconds(20))
{
    client::ConnectionOptions options;
    options.operationTimeout = timeout;
    options.managementUrl = emulator.managementUrl();
    auto created = client::NamespaceConnection::create(emulator.connectionStringUtf8(), options);
    return created ? std::move(created.value()) : nullptr;
}

/** Sends `make(i)` for i in [0, count) to `entity` in batches of 1,000, each awaited (at most `timeoutMs`);
    true when every batch was accepted. */
template<typename Make>
bool sendGenerated(client::NamespaceConnection &connection, QObject *context, const std::string &entity, int count,
                   Make make, int timeoutMs = 120000)
{
    constexpr int kBatch = 1000;
    for (int first = 0; first < count; first += kBatch) {
        std::vector<core::Message> batch;
        for (int i = first; i < std::min(count, first + kBatch); ++i)
            batch.push_back(make(i));
        std::optional<bool> ok;
        connection.sendBatch(entity, std::move(batch), context, [&](core::Result<void> r) { ok = r.ok(); });
        if (!QTest::qWaitFor([&] { return ok.has_value(); }, timeoutMs) || !*ok)
            return false;
    }
    return true;
}

/**
 * Moves the first `count` active messages of `queue` to its dead-letter queue: peek-lock receives (at most
 * 500 at a time, `maxRounds` of them) and one deadLetter() each with `reason` / `description`. True when
 * exactly `count` were dead-lettered; false on any failure or when the queue held fewer.
 */
inline bool deadLetterFirst(client::NamespaceConnection &connection, QObject *context, const std::string &queue,
                            int count, const std::string &reason, const std::optional<std::string> &description,
                            int maxRounds = 50)
{
    using namespace std::chrono_literals;
    int settled = 0;
    int failed = 0;
    for (int round = 0; round < maxRounds && settled < count; ++round) {
        std::optional<std::vector<core::Message>> locked;
        connection.receive(queue, client::ReceiveMode::PeekLock, std::min(count - settled, 500), 2s, context,
                           [&](core::Result<std::vector<core::Message>> r) {
                               locked = r ? r.value() : std::vector<core::Message>{};
                           });
        if (!QTest::qWaitFor([&] { return locked.has_value(); }, 30000))
            return false;
        const int target = settled + int(locked->size());
        for (const auto &m : *locked)
            connection.deadLetter(queue, m.lockToken, reason, description, context,
                                  [&](core::Result<void> r) { r ? ++settled : ++failed; });
        if (!QTest::qWaitFor([&] { return settled + failed >= target; }, 30000) || failed)
            return false;
    }
    return settled == count;
}

} // namespace busyard::testing
