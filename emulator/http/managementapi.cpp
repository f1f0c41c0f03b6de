#include "managementapi.h"

#include "core/broker/engine.h"
#include "core/logging.h"
#include "core/client/atom.h"

#include <QStringList>

#include <algorithm>

namespace busyard::emulator::http {

namespace atom = client::atom;

using core::ErrorCode;
using core::Result;
namespace broker = core::broker;

namespace {

constexpr qsizetype kDefaultPageSize = 100;

struct Target
{
    enum class Kind {
        Invalid,
        Health,
        NamespaceInfo,
        QueueList,
        TopicList,
        Entity,
        SubscriptionList,
        Subscription,
        RuleList,
        Rule,
    };
    Kind kind = Kind::Invalid;
    QString entity;
    QString subscription;
    QString rule;
};

bool same(QStringView a, QLatin1String b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

Target route(const QString &decodedPath)
{
    QStringView p = decodedPath;
    if (p.startsWith(u'/'))
        p = p.sliced(1);
    if (p.endsWith(u'/'))
        p.chop(1);
    Target t;
    if (p.isEmpty())
        return t;
    const QList<QStringView> segments = p.split(u'/');
    for (QStringView segment : segments) {
        if (segment.isEmpty())
            return t;
    }
    if (segments.size() == 1 && same(segments[0], QLatin1String("health"))) {
        t.kind = Target::Kind::Health;
        return t;
    }
    if (segments.size() == 1 && same(segments[0], QLatin1String("$namespaceinfo"))) {
        t.kind = Target::Kind::NamespaceInfo;
        return t;
    }
    if (same(segments[0], QLatin1String("$Resources"))) {
        if (segments.size() == 2 && same(segments[1], QLatin1String("Queues")))
            t.kind = Target::Kind::QueueList;
        else if (segments.size() == 2 && same(segments[1], QLatin1String("Topics")))
            t.kind = Target::Kind::TopicList;
        return t;
    }
    qsizetype subs = -1;
    for (qsizetype i = 1; i < segments.size(); ++i) {
        if (same(segments[i], QLatin1String("Subscriptions"))) {
            subs = i;
            break;
        }
    }
    if (subs < 0) {
        t.kind = Target::Kind::Entity;
        t.entity = p.toString();
        return t;
    }
    QStringList entity;
    for (qsizetype i = 0; i < subs; ++i)
        entity.append(segments[i].toString());
    t.entity = entity.join(u'/');
    const qsizetype rest = segments.size() - subs - 1;
    if (rest == 0) {
        t.kind = Target::Kind::SubscriptionList;
    } else if (rest == 1) {
        t.kind = Target::Kind::Subscription;
        t.subscription = segments[subs + 1].toString();
    } else if (rest >= 2 && same(segments[subs + 2], QLatin1String("Rules"))) {
        t.subscription = segments[subs + 1].toString();
        if (rest == 2) {
            t.kind = Target::Kind::RuleList;
        } else if (rest == 3) {
            t.kind = Target::Kind::Rule;
            t.rule = segments[subs + 3].toString();
        }
    }
    return t;
}

int httpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::ArgumentOutOfRange:
    case ErrorCode::SyntaxError:
    case ErrorCode::EntityDisabled:
    case ErrorCode::NotAllowed:
        return 400;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::QuotaExceeded: return 403;
    case ErrorCode::EntityNotFound:
    case ErrorCode::MessageNotFound: return 404;
    case ErrorCode::Timeout: return 408;
    case ErrorCode::EntityAlreadyExists: return 409;
    case ErrorCode::MessageSizeExceeded: return 413;
    case ErrorCode::ServerBusy: return 503;
    default: return 500;
    }
}

std::string s(const QString &q)
{
    return q.toStdString();
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QString subscriptionPath(const QString &topic, const QString &subscription)
{
    return topic + QStringLiteral("/Subscriptions/") + subscription;
}

/** Case-insensitive order by name, so that paging is stable. */
template<typename T>
void sortByName(std::vector<T> &items)
{
    std::sort(items.begin(), items.end(), [](const T &a, const T &b) {
        return broker::entityKey(a.name) < broker::entityKey(b.name);
    });
}

struct Paging
{
    qsizetype skip = 0;
    qsizetype top = kDefaultPageSize;
};

} // namespace

struct ManagementApi::Route
{
    const HttpRequest &request;
    Target target;
    atom::AtomContext context;
};

ManagementApi::ManagementApi(broker::Engine &engine, ManagementOptions options)
    : m_engine(engine), m_options(std::move(options))
{
    m_authClock = m_options.authClock;
    if (!m_authClock) {
        m_ownClock = std::make_unique<core::SystemClock>();
        m_authClock = m_ownClock.get();
    }
    if (m_options.namespaceCreatedAt == core::TimePoint{})
        m_options.namespaceCreatedAt = m_authClock->now();
}

ManagementApi::~ManagementApi() = default;

void ManagementApi::attach(HttpServer &server)
{
    server.setHandler([this](const HttpRequest &request) { return handle(request); });
}

HttpResponse ManagementApi::handle(const HttpRequest &request)
{
    HttpResponse response = dispatch(request);
    core::logger("emulator")->debug("http: {} {} -> {}", request.method.toStdString(), request.path.toStdString(),
                                    response.status);
    return response;
}

namespace {

HttpResponse xml(int status, QByteArray body, const char *contentType)
{
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.setHeader("Content-Type", contentType);
    return r;
}

HttpResponse entry(int status, QByteArray body)
{
    return xml(status, std::move(body), "application/atom+xml;type=entry;charset=utf-8");
}

HttpResponse feedResponse(QByteArray body)
{
    return xml(200, std::move(body), "application/atom+xml;type=feed;charset=utf-8");
}

HttpResponse errorResponse(int status, QString detail, const HttpRequest &request)
{
    if (status == 400 && !detail.contains(QLatin1String("SubCode=")))
        detail = QStringLiteral("SubCode=40000. ") + detail;
    const QString host = QString::fromUtf8(request.header("Host"));
    detail += QStringLiteral(" TrackingId:%1_G0, SystemTracker:%2:%3, Timestamp:%4")
                  .arg(q(core::Uuid::generate().toString()), host.isEmpty() ? QStringLiteral("localhost") : host,
                       request.path.mid(1),
                       atom::formatDateTime(core::SystemClock().now()));
    return xml(status, atom::errorBody(status, detail), "application/xml; charset=utf-8");
}

HttpResponse errorResponse(const core::Error &error, const HttpRequest &request)
{
    int status = httpStatus(error.code);
    // A missing forwarding destination is a bad request about the entity being written (B.2, B.25),
    // not a missing entity: the SDKs would report MessageEntityNotFound for a 404.
    if (error.code == ErrorCode::EntityNotFound && error.message.find("SubCode=40400") != std::string::npos)
        status = 400;
    return errorResponse(status, q(error.message), request);
}

HttpResponse methodNotAllowed(const HttpRequest &request, const QByteArray &allow)
{
    HttpResponse r = errorResponse(405, QStringLiteral("The method %1 is not allowed on this resource.")
                                            .arg(QString::fromLatin1(request.method)),
                                   request);
    r.setHeader("Allow", allow);
    return r;
}

Result<Paging> paging(const HttpRequest &request)
{
    Paging p;
    if (request.hasQueryValue(u"$skip")) {
        bool ok = false;
        const qlonglong v = request.queryValue(u"$skip").toLongLong(&ok);
        if (!ok || v < 0)
            return core::makeError(ErrorCode::InvalidArgument, "The $skip query value must be a non-negative integer.");
        p.skip = qsizetype(v);
    }
    if (request.hasQueryValue(u"$top")) {
        bool ok = false;
        const qlonglong v = request.queryValue(u"$top").toLongLong(&ok);
        if (!ok || v < 1)
            return core::makeError(ErrorCode::InvalidArgument, "The $top query value must be a positive integer.");
        p.top = qsizetype(std::min<qlonglong>(v, 1'000'000));
    }
    return p;
}

/** The [skip, skip+top) slice of `all` and the feed page describing it. */
template<typename T>
std::span<const T> slice(const std::vector<T> &all, const Paging &p, atom::FeedPage &page)
{
    const auto size = qsizetype(all.size());
    const qsizetype begin = std::min(p.skip, size);
    const qsizetype end = std::min(begin + p.top, size);
    page.skip = p.skip;
    page.top = p.top;
    page.hasMore = end < size;
    return std::span<const T>(all.data() + begin, std::size_t(end - begin));
}

} // namespace

Result<void> ManagementApi::authorize(const HttpRequest &request) const
{
    if (!m_options.requireAuthorization)
        return {};
    const QByteArray header = request.header("Authorization").trimmed();
    if (header.isEmpty())
        return core::makeError(ErrorCode::Unauthorized,
                               "MissingToken: The request has no Authorization header with a SharedAccessSignature.");
    if (header.startsWith("Bearer ") || header.startsWith("bearer "))
        return core::makeError(ErrorCode::Unauthorized,
                               "Bearer (Microsoft Entra ID) tokens are not supported by the emulator; "
                               "use a SharedAccessSignature.");
    auto token = core::parseSasToken(header.toStdString());
    if (!token)
        return token.error();
    const QByteArray host = request.header("Host");
    const std::string audience = host.isEmpty()
        ? s(request.path)
        : "https://" + host.toStdString() + s(request.path);
    auto grant = core::validateSasToken(*token, m_options.policies, audience, core::AccessRight::Manage,
                                        m_authClock->now());
    if (!grant)
        return grant.error();
    return {};
}

Result<void> ManagementApi::authorizeSupplementary(const HttpRequest &request, const char *header) const
{
    if (!m_options.requireAuthorization)
        return {};
    const QByteArray value = request.header(header).trimmed();
    if (value.isNull())
        return {};
    if (value.startsWith("Bearer ") || value.startsWith("bearer "))
        return core::makeError(ErrorCode::Unauthorized,
                               std::string(header) + ": Bearer tokens are not supported by the emulator.");
    auto token = core::parseSasToken(value.toStdString());
    if (!token)
        return core::makeError(ErrorCode::Unauthorized, std::string(header) + ": " + token.error().message);
    auto grant = core::verifySasToken(*token, m_options.policies, m_authClock->now());
    if (!grant)
        return core::makeError(ErrorCode::Unauthorized, std::string(header) + ": " + grant.error().message);
    if (!grant->rights.grants(core::AccessRight::Send))
        return core::makeError(ErrorCode::Unauthorized,
                               std::string(header) + ": the token's policy lacks the Send claim on the forwarding "
                                                     "destination.");
    return {};
}

HttpResponse ManagementApi::dispatch(const HttpRequest &request)
{
    const Target target = route(request.path);
    const QByteArray &method = request.method;
    const bool get = method == "GET" || method == "HEAD";

    if (target.kind == Target::Kind::Health) {
        if (!get)
            return methodNotAllowed(request, "GET, HEAD");
        HttpResponse r;
        const bool ok = !m_options.healthy || m_options.healthy();
        r.status = ok ? 200 : 503;
        r.body = ok ? QByteArray(R"({"status":"healthy","message":"Service is healthy."})")
                    : QByteArray(R"({"status":"unhealthy","message":"Service not available. Please try after some time."})");
        r.setHeader("Content-Type", "application/json; charset=utf-8");
        return r;
    }

    if (auto authorized = authorize(request); !authorized)
        return errorResponse(authorized.error(), request);

    atom::AtomContext ctx;
    const QByteArray host = request.header("Host");
    ctx.baseUrl = (request.secure ? QStringLiteral("https://") : QStringLiteral("http://"))
        + (host.isEmpty() ? QStringLiteral("localhost") : QString::fromUtf8(host));
    ctx.namespaceName = m_options.namespaceName;
    if (const QString v = request.queryValue(u"api-version"); !v.isEmpty())
        ctx.apiVersion = v;
    ctx.now = m_engine.clock().now();

    const auto counts = [&](const std::string &path) {
        auto c = m_engine.runtimeCounts(path);
        return c ? *c : broker::RuntimeCounts{};
    };
    const auto bodyKind = [&]() { return atom::descriptionKind(request.body); };

    switch (target.kind) {
    case Target::Kind::Invalid:
    case Target::Kind::Health:
        return errorResponse(404, QStringLiteral("The resource '%1' does not exist.").arg(request.path), request);

    case Target::Kind::NamespaceInfo: {
        if (!get)
            return methodNotAllowed(request, "GET");
        atom::NamespaceInfo info;
        info.name = m_options.namespaceName;
        info.messagingSku = m_options.messagingSku;
        if (info.messagingSku.isEmpty()) {
            switch (m_engine.options().tier) {
            case broker::Tier::Basic: info.messagingSku = QStringLiteral("Basic"); break;
            case broker::Tier::Standard: info.messagingSku = QStringLiteral("Standard"); break;
            case broker::Tier::Premium: info.messagingSku = QStringLiteral("Premium"); break;
            }
        }
        info.messagingUnits = 1;
        info.createdTime = m_options.namespaceCreatedAt;
        info.modifiedTime = m_options.namespaceCreatedAt;
        return entry(200, atom::namespaceInfoEntry(info, ctx));
    }

    case Target::Kind::QueueList:
    case Target::Kind::TopicList: {
        if (!get)
            return methodNotAllowed(request, "GET");
        auto p = paging(request);
        if (!p)
            return errorResponse(p.error(), request);
        atom::FeedPage page;
        if (target.kind == Target::Kind::QueueList) {
            page.title = QStringLiteral("Queues");
            page.path = QStringLiteral("$Resources/Queues");
            auto queues = m_engine.listQueues();
            sortByName(queues);
            std::vector<atom::QueueItem> all;
            all.reserve(queues.size());
            for (auto &queue : queues) {
                auto c = counts(queue.name);
                all.push_back({std::move(queue), c});
            }
            return feedResponse(atom::queueFeed(slice(all, *p, page), page, ctx));
        }
        page.title = QStringLiteral("Topics");
        page.path = QStringLiteral("$Resources/Topics");
        auto topics = m_engine.listTopics();
        sortByName(topics);
        std::vector<atom::TopicItem> all;
        all.reserve(topics.size());
        for (auto &topic : topics) {
            auto c = counts(topic.name);
            all.push_back({std::move(topic), c});
        }
        return feedResponse(atom::topicFeed(slice(all, *p, page), page, ctx));
    }

    case Target::Kind::Entity: {
        const std::string name = s(target.entity);
        if (get) {
            if (auto queue = m_engine.getQueue(name))
                return entry(200, atom::queueEntry({*queue, counts(queue->name)}, ctx));
            auto topic = m_engine.getTopic(name);
            if (!topic)
                return errorResponse(topic.error(), request);
            return entry(200, atom::topicEntry({*topic, counts(topic->name)}, ctx));
        }
        if (method == "DELETE") {
            auto deleted = m_engine.deleteQueue(name);
            if (!deleted && deleted.error().code == ErrorCode::EntityNotFound)
                deleted = m_engine.deleteTopic(name);
            if (!deleted)
                return errorResponse(deleted.error(), request);
            return HttpResponse{};
        }
        if (method != "PUT")
            return methodNotAllowed(request, "GET, PUT, DELETE");
        auto kind = bodyKind();
        if (!kind)
            return errorResponse(kind.error(), request);
        const bool update = request.hasHeader("If-Match");
        for (const char *header : {"ServiceBusSupplementaryAuthorization", "ServiceBusDlqSupplementaryAuthorization"}) {
            if (auto ok = authorizeSupplementary(request, header); !ok)
                return errorResponse(ok.error(), request);
        }
        if (*kind == atom::DescriptionKind::Queue) {
            broker::QueueDescription queue;
            if (update) {
                auto existing = m_engine.getQueue(name);
                if (!existing)
                    return errorResponse(existing.error(), request);
                queue = std::move(*existing);
            } else {
                queue.name = name;
            }
            if (auto parsed = atom::parseQueueDescription(request.body, queue); !parsed)
                return errorResponse(parsed.error(), request);
            auto result = update ? m_engine.updateQueue(std::move(queue)) : m_engine.createQueue(std::move(queue));
            if (!result)
                return errorResponse(result.error(), request);
            return entry(update ? 200 : 201, atom::queueEntry({*result, counts(result->name)}, ctx));
        }
        if (*kind == atom::DescriptionKind::Topic) {
            broker::TopicDescription topic;
            if (update) {
                auto existing = m_engine.getTopic(name);
                if (!existing)
                    return errorResponse(existing.error(), request);
                topic = std::move(*existing);
            } else {
                topic.name = name;
            }
            if (auto parsed = atom::parseTopicDescription(request.body, topic); !parsed)
                return errorResponse(parsed.error(), request);
            auto result = update ? m_engine.updateTopic(std::move(topic)) : m_engine.createTopic(std::move(topic));
            if (!result)
                return errorResponse(result.error(), request);
            return entry(update ? 200 : 201, atom::topicEntry({*result, counts(result->name)}, ctx));
        }
        return errorResponse(400, QStringLiteral("A queue or topic path needs a QueueDescription or TopicDescription."),
                             request);
    }

    case Target::Kind::SubscriptionList: {
        if (!get)
            return methodNotAllowed(request, "GET");
        auto p = paging(request);
        if (!p)
            return errorResponse(p.error(), request);
        auto subscriptions = m_engine.listSubscriptions(s(target.entity));
        if (!subscriptions)
            return errorResponse(subscriptions.error(), request);
        sortByName(*subscriptions);
        std::vector<atom::SubscriptionItem> all;
        all.reserve(subscriptions->size());
        for (auto &sub : *subscriptions) {
            auto c = counts(s(subscriptionPath(q(sub.topicName), q(sub.name))));
            all.push_back({std::move(sub), c});
        }
        atom::FeedPage page;
        page.title = QStringLiteral("Subscriptions");
        page.path = target.entity + QStringLiteral("/Subscriptions");
        return feedResponse(atom::subscriptionFeed(slice(all, *p, page), page, ctx));
    }

    case Target::Kind::Subscription: {
        const std::string topic = s(target.entity);
        const std::string name = s(target.subscription);
        const auto subCounts = [&](const broker::SubscriptionDescription &d) {
            return counts(s(subscriptionPath(q(d.topicName), q(d.name))));
        };
        if (get) {
            auto sub = m_engine.getSubscription(topic, name);
            if (!sub)
                return errorResponse(sub.error(), request);
            return entry(200, atom::subscriptionEntry({*sub, subCounts(*sub)}, ctx));
        }
        if (method == "DELETE") {
            if (auto deleted = m_engine.deleteSubscription(topic, name); !deleted)
                return errorResponse(deleted.error(), request);
            return HttpResponse{};
        }
        if (method != "PUT")
            return methodNotAllowed(request, "GET, PUT, DELETE");
        auto kind = bodyKind();
        if (!kind)
            return errorResponse(kind.error(), request);
        if (*kind != atom::DescriptionKind::Subscription)
            return errorResponse(400, QStringLiteral("A subscription path needs a SubscriptionDescription."), request);
        for (const char *header : {"ServiceBusSupplementaryAuthorization", "ServiceBusDlqSupplementaryAuthorization"}) {
            if (auto ok = authorizeSupplementary(request, header); !ok)
                return errorResponse(ok.error(), request);
        }
        const bool update = request.hasHeader("If-Match");
        broker::SubscriptionDescription sub;
        if (update) {
            auto existing = m_engine.getSubscription(topic, name);
            if (!existing)
                return errorResponse(existing.error(), request);
            sub = std::move(*existing);
        } else {
            sub.topicName = topic;
            sub.name = name;
        }
        auto parsed = atom::parseSubscriptionDescription(request.body, sub);
        if (!parsed)
            return errorResponse(parsed.error(), request);
        auto result = update ? m_engine.updateSubscription(std::move(sub))
                             : m_engine.createSubscription(std::move(sub), std::move(*parsed));
        if (!result)
            return errorResponse(result.error(), request);
        return entry(update ? 200 : 201, atom::subscriptionEntry({*result, subCounts(*result)}, ctx));
    }

    case Target::Kind::RuleList:
    case Target::Kind::Rule: {
        const std::string topic = s(target.entity);
        const std::string subName = s(target.subscription);
        // Spell topic and subscription as created (ids carry them).
        auto sub = m_engine.getSubscription(topic, subName);
        if (!sub)
            return errorResponse(sub.error(), request);
        const QString topicSpelling = q(sub->topicName);
        const QString subSpelling = q(sub->name);
        if (target.kind == Target::Kind::RuleList) {
            if (!get)
                return methodNotAllowed(request, "GET");
            auto p = paging(request);
            if (!p)
                return errorResponse(p.error(), request);
            auto rules = m_engine.listRules(topic, subName);
            if (!rules)
                return errorResponse(rules.error(), request);
            sortByName(*rules);
            std::vector<atom::RuleItem> all;
            all.reserve(rules->size());
            for (auto &rule : *rules)
                all.push_back({topicSpelling, subSpelling, std::move(rule)});
            atom::FeedPage page;
            page.title = QStringLiteral("Rules");
            page.path = subscriptionPath(target.entity, target.subscription) + QStringLiteral("/Rules");
            return feedResponse(atom::ruleFeed(slice(all, *p, page), page, ctx));
        }
        const std::string ruleName = s(target.rule);
        if (get) {
            auto rule = m_engine.getRule(topic, subName, ruleName);
            if (!rule)
                return errorResponse(rule.error(), request);
            return entry(200, atom::ruleEntry({topicSpelling, subSpelling, *rule}, ctx));
        }
        if (method == "DELETE") {
            if (auto deleted = m_engine.deleteRule(topic, subName, ruleName); !deleted)
                return errorResponse(deleted.error(), request);
            return HttpResponse{};
        }
        if (method != "PUT")
            return methodNotAllowed(request, "GET, PUT, DELETE");
        auto kind = bodyKind();
        if (!kind)
            return errorResponse(kind.error(), request);
        if (*kind != atom::DescriptionKind::Rule)
            return errorResponse(400, QStringLiteral("A rule path needs a RuleDescription."), request);
        const bool update = request.hasHeader("If-Match");
        broker::RuleDescription rule;
        if (update) {
            auto existing = m_engine.getRule(topic, subName, ruleName);
            if (!existing)
                return errorResponse(existing.error(), request);
            rule = std::move(*existing);
        }
        if (auto parsed = atom::parseRuleDescription(request.body, rule); !parsed)
            return errorResponse(parsed.error(), request);
        rule.name = ruleName; // the path names the rule
        auto result = update ? m_engine.updateRule(topic, subName, std::move(rule))
                             : m_engine.createRule(topic, subName, std::move(rule));
        if (!result)
            return errorResponse(result.error(), request);
        return entry(update ? 200 : 201, atom::ruleEntry({topicSpelling, subSpelling, *result}, ctx));
    }
    }
    return errorResponse(404, QStringLiteral("Not found."), request);
}

} // namespace busyard::emulator::http
