#pragma once

#include "core/auth/sastoken.h"
#include "core/clock.h"
#include "core/result.h"
#include "emulator/http/httpserver.h"

#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace busyard::core::broker {
class Engine;
}

namespace busyard::emulator::http {

/** Settings of the management API. */
struct ManagementOptions
{
    /** Namespace name shown in <author>, titles and NamespaceInfo (the official emulator's name). */
    QString namespaceName = QStringLiteral("sbemulatorns");
    /** MessagingSKU of NamespaceInfo: Basic, Standard or Premium; empty = the engine's tier. */
    QString messagingSku;
    /** Policies accepted in SAS tokens; default: RootManageSharedAccessKey / SAS_KEY_VALUE (all rights). */
    std::vector<core::SharedAccessPolicy> policies{core::developmentPolicy()};
    /** false = accept requests without (or with invalid) Authorization, e.g. for a local-only Explorer. */
    bool requireAuthorization = true;
    /** Wall clock for SAS expiry checks (tokens carry real Unix times even when the engine runs on a
     *  virtual clock). Null = a SystemClock owned by the API. Not owned. */
    const core::Clock *authClock = nullptr;
    /** NamespaceInfo CreatedTime/ModifiedTime; zero = the time the API was created (auth clock). */
    core::TimePoint namespaceCreatedAt{};
    /** GET /health: healthy when null or returning true; otherwise 503. */
    std::function<bool()> healthy;
};

/**
 * The Service Bus management (ATOM) API and the health endpoint, on top of the broker engine
 * (servicebus-amqp.md §7, §8.1). Plug it into an HttpServer with attach().
 *
 * Endpoints (path segments `$Resources`, `Queues`, `Topics`, `Subscriptions`, `Rules` case-insensitive,
 * trailing '/' tolerated, query `api-version`/`enrich` accepted and ignored):
 *
 * | request                                          | success                               |
 * |--------------------------------------------------|---------------------------------------|
 * | GET /health                                      | 200 JSON (no authorization needed)    |
 * | GET /$namespaceinfo                              | 200 NamespaceInfo entry               |
 * | GET /$Resources/Queues, /$Resources/Topics       | 200 feed, `$skip`/`$top` (default 100)|
 * | GET /<path>                                      | 200 queue or topic entry with counts  |
 * | PUT /<path> (Queue/TopicDescription)             | 201 created entry                     |
 * | PUT /<path> + `If-Match: *`                      | 200 updated entry                     |
 * | DELETE /<path>                                   | 200, empty body                       |
 * | GET /<topic>/Subscriptions                       | 200 feed                              |
 * | GET/PUT/DELETE /<topic>/Subscriptions/<sub>      | as for queues (DefaultRuleDescription)|
 * | GET /<topic>/Subscriptions/<sub>/Rules           | 200 feed                              |
 * | GET/PUT/DELETE /<topic>/Subscriptions/<sub>/Rules/<rule> | as for queues                 |
 *
 * Errors carry `<Error><Code/><Detail/></Error>` with the status of B.25: 400 invalid body or value
 * (InvalidArgument/ArgumentOutOfRange/SyntaxError), 401 missing/invalid token, 403 quota, 404 missing
 * entity, 405 method, 409 already exists, 413, 500, 503. A missing entity is 404 (both SDKs map it to
 * their not-found error).
 *
 * Authorization: `Authorization: SharedAccessSignature sr=..&sig=..&se=..&skn=..` checked with
 * core::validateSasToken against the request URL (https://<Host><path>) with the Manage claim.
 * `ServiceBusSupplementaryAuthorization` / `ServiceBusDlqSupplementaryAuthorization` (sent with
 * ForwardTo / ForwardDeadLetteredMessagesTo) are checked when present: signature, expiry and the Send
 * claim (the SDKs sign them for the bare host name, so their audience is not compared). Bearer (AAD)
 * tokens are refused with 401.
 *
 * Threading: not thread-safe. Lives on the engine's thread; handle() calls the engine directly, so the
 * HttpServer that calls it must run on that thread's event loop.
 */
class ManagementApi
{
public:
    /** `engine` is not owned and must outlive the API. */
    explicit ManagementApi(core::broker::Engine &engine, ManagementOptions options = {});
    ~ManagementApi();
    ManagementApi(const ManagementApi &) = delete;
    ManagementApi &operator=(const ManagementApi &) = delete;

    /** Answers one request. */
    HttpResponse handle(const HttpRequest &request);

    /** Makes `server` call handle(); the API must outlive the server (or its handler). */
    void attach(HttpServer &server);

    const ManagementOptions &options() const { return m_options; }

private:
    struct Route;
    HttpResponse dispatch(const HttpRequest &request);
    core::Result<void> authorize(const HttpRequest &request) const;
    core::Result<void> authorizeSupplementary(const HttpRequest &request, const char *header) const;

    core::broker::Engine &m_engine;
    ManagementOptions m_options;
    std::unique_ptr<core::Clock> m_ownClock;
    const core::Clock *m_authClock = nullptr;
};

} // namespace busyard::emulator::http
