#include "sampledata.h"

#include "core/client/namespaceconnection.h"
#include "core/logging.h"

#include <array>

namespace busyard::app {

using namespace std::chrono_literals;

namespace {

const char *const kAuditQueue = "audit";
/** Created last but one (before the routed events): its presence means "seeded before". */
const char *const kMarkerSubscription = "to-audit";

/** Empty on success and on "already exists"; otherwise the error text. Out of line: inlined into the
    lambdas below, GCC 12 warns (wrongly) that the error may be read uninitialised. */
template<typename T>
[[gnu::noinline]] QString failureText(const core::Result<T> &r)
{
    if (r.ok())
        return {};
    const core::Error &e = r.error();
    return e.code == core::ErrorCode::EntityAlreadyExists ? QString() : QString::fromStdString(e.message);
}

/** Step completion that treats "already exists" as done (a seeding interrupted by a crash resumes). */
template<typename T>
std::function<void(core::Result<T>)> created(std::function<void(QString)> next)
{
    return [next](core::Result<T> r) { next(failureText(r)); };
}

core::Message order(int n)
{
    static constexpr std::array<const char *, 3> regions{"eu", "us", "apac"};
    const char *region = regions[std::size_t(n) % regions.size()];
    const int amount = 150 + (n * 379) % 2400;
    core::Message m;
    m.messageId = core::Value::string("order-" + std::to_string(1000 + n));
    m.subject = "order";
    m.contentType = "application/json";
    m.body = "{\"orderId\":" + std::to_string(1000 + n) + ",\"region\":\"" + region + "\",\"amount\":"
             + std::to_string(amount) + ",\"items\":[{\"sku\":\"BX-" + std::to_string(100 + n % 7)
             + "\",\"qty\":" + std::to_string(1 + n % 4) + "}]}";
    m.applicationProperties.set("region", core::Value::string(region));
    m.applicationProperties.set("amount", core::Value::int64(amount));
    m.applicationProperties.set("priority", core::Value::string(n % 5 == 0 ? "high" : "normal"));
    return m;
}

} // namespace

SampleSeeder::SampleSeeder(client::NamespaceConnection *connection, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
{
    Q_ASSERT(connection);
}

void SampleSeeder::start()
{
    m_connection->getSubscription("events", kMarkerSubscription, this, [this](core::Result<client::SubscriptionInfo> r) {
        if (r) {
            finish(false, {});
            return;
        }
        if (r.error().code != core::ErrorCode::EntityNotFound) {
            finish(false, QString::fromStdString(r.error().message));
            return;
        }
        auto *c = m_connection;
        m_steps.push_back([c, this](Next next) {
            core::broker::QueueDescription audit;
            audit.name = kAuditQueue;
            c->createQueue(audit, this, created<client::QueueInfo>(next));
        });
        m_steps.push_back([c, this](Next next) {
            core::broker::SubscriptionDescription sub;
            sub.topicName = "events";
            sub.name = "eu-orders";
            c->createSubscription(sub, this, created<client::SubscriptionInfo>(next));
        });
        m_steps.push_back([c, this](Next next) {
            c->deleteRule("events", "eu-orders", "$Default", this, [next](core::Result<void> r) {
                next((r || r.error().code == core::ErrorCode::EntityNotFound) ? QString()
                                                                             : QString::fromStdString(r.error().message));
            });
        });
        m_steps.push_back([c, this](Next next) {
            core::broker::RuleDescription rule;
            rule.name = "eu-region";
            core::broker::CorrelationFilter filter;
            filter.subject = "order";
            filter.properties.set("region", core::Value::string("eu"));
            rule.filter = filter;
            rule.action = core::broker::SqlRuleAction{"SET sys.To = 'eu-fulfilment'", {}};
            c->createRule("events", "eu-orders", rule, this, created<core::broker::RuleDescription>(next));
        });
        m_steps.push_back([c, this](Next next) {
            core::broker::RuleDescription rule;
            rule.name = "big-orders";
            rule.filter = core::broker::SqlFilter{"amount > 2000", {}};
            rule.action = core::broker::SqlRuleAction{"SET review = 'manual'; SET reviewedBy = 'fraud-desk'", {}};
            c->createRule("events", "eu-orders", rule, this, created<core::broker::RuleDescription>(next));
        });
        m_steps.push_back([c, this](Next next) {
            std::vector<core::Message> batch;
            for (int n = 0; n < 25; ++n)
                batch.push_back(order(n));
            c->sendBatch("orders", std::move(batch), this, [next](core::Result<void> r) {
                next(r ? QString() : QString::fromStdString(r.error().message));
            });
        });
        // A dozen dead letters, with the reasons a real system gives.
        m_steps.push_back([c, this](Next next) {
            c->receive("orders", client::ReceiveMode::PeekLock, 12, 5s, this,
                       [c, this, next](core::Result<std::vector<core::Message>> r) {
                           if (!r) {
                               next(QString::fromStdString(r.error().message));
                               return;
                           }
                           auto left = std::make_shared<int>(int(r.value().size()));
                           auto failure = std::make_shared<QString>();
                           if (*left == 0) {
                               next({});
                               return;
                           }
                           int i = 0;
                           for (const auto &m : r.value()) {
                               const bool payment = i++ % 3 == 0;
                               c->deadLetter("orders", m.lockToken,
                                             payment ? std::string("PaymentDeclined") : std::string("ValidationFailed"),
                                             payment ? std::string("Card issuer refused the charge (code 51)")
                                                     : std::string("Field 'items[0].sku' is not in the catalogue"),
                                             this, [left, failure, next](core::Result<void> settled) {
                                                 if (!settled && failure->isEmpty())
                                                     *failure = QString::fromStdString(settled.error().message);
                                                 if (--*left == 0)
                                                     next(*failure);
                                             });
                           }
                       });
        });
        m_steps.push_back([c, this](Next next) {
            std::vector<core::Message> batch;
            for (int n = 0; n < 9; ++n) {
                core::Message m = order(100 + n);
                m.sessionId = "customer-" + std::to_string(1 + n % 3);
                batch.push_back(std::move(m));
            }
            c->sendBatch("orders-sessions", std::move(batch), this, [next](core::Result<void> r) {
                next(r ? QString() : QString::fromStdString(r.error().message));
            });
        });
        m_steps.push_back([c, this](Next next) {
            c->acceptSession("orders-sessions", std::string("customer-1"), client::ReceiveMode::PeekLock, this,
                             [c, this, next](core::Result<client::SessionInfo> r) {
                                 if (!r) {
                                     next(QString::fromStdString(r.error().message));
                                     return;
                                 }
                                 c->setSessionState("orders-sessions", "customer-1",
                                                    std::string(R"({"step":"awaiting-payment","cart":3,"retries":1})"), this,
                                                    [c, this, next](core::Result<void> set) {
                                                        c->closeSession("orders-sessions", "customer-1", this,
                                                                        [next, set](core::Result<void>) {
                                                                            next(set ? QString()
                                                                                     : QString::fromStdString(set.error().message));
                                                                        });
                                                    });
                             });
        });
        m_steps.push_back([c, this](Next next) {
            core::broker::SubscriptionDescription sub;
            sub.topicName = "events";
            sub.name = kMarkerSubscription;
            sub.forwardTo = kAuditQueue;
            c->createSubscription(sub, this, created<client::SubscriptionInfo>(next));
        });
        m_steps.push_back([c, this](Next next) {
            std::vector<core::Message> batch;
            for (int n = 0; n < 8; ++n)
                batch.push_back(order(200 + n));
            c->sendBatch("events", std::move(batch), this, [next](core::Result<void> r) {
                next(r ? QString() : QString::fromStdString(r.error().message));
            });
        });
        run(0);
    });
}

void SampleSeeder::run(std::size_t index)
{
    if (index == m_steps.size()) {
        finish(true, {});
        return;
    }
    m_steps[index]([this, index](const QString &error) {
        if (!error.isEmpty()) {
            finish(true, error);
            return;
        }
        run(index + 1);
    });
}

void SampleSeeder::finish(bool seeded, const QString &error)
{
    auto log = core::logger("app");
    if (!error.isEmpty())
        log->warn("sample messages: {}", error.toStdString());
    else if (seeded)
        log->info("sample namespace filled with messages, dead letters, sessions and rules");
    Q_EMIT finished(seeded, error);
    deleteLater();
}

} // namespace busyard::app
