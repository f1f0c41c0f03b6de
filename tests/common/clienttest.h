#pragma once

// Helpers for tests that drive a client::NamespaceConnection against a test emulator: one way to
// connect, one way to wait for an asynchronous call. Header-only; needs busyard::client.

#include "emulatorprocess.h"

#include "core/client/namespaceconnection.h"

#include <QtTest/QTest>

#include <chrono>
#include <memory>
#include <optional>

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

} // namespace busyard::testing
