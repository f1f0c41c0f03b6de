#include "address.h"

#include "core/value.h"

#include <vector>

namespace busyard::core::broker {

const char *subQueueName(SubQueue subQueue)
{
    switch (subQueue) {
    case SubQueue::None: return "";
    case SubQueue::DeadLetter: return "$DeadLetterQueue";
    case SubQueue::Transfer: return "$Transfer";
    case SubQueue::TransferDeadLetter: return "$Transfer/$DeadLetterQueue";
    }
    return "";
}

Result<EntityAddress> EntityAddress::parse(std::string_view address)
{
    // Python SDKs use full URIs ("amqps://host/queue"): strip scheme and authority.
    if (const auto scheme = address.find("://"); scheme != std::string_view::npos) {
        const auto slash = address.find('/', scheme + 3);
        address = slash == std::string_view::npos ? std::string_view() : address.substr(slash + 1);
    }
    while (!address.empty() && address.front() == '/')
        address.remove_prefix(1);
    if (address.empty())
        return makeError(ErrorCode::InvalidArgument, "The address is empty.");

    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (true) {
        const auto slash = address.find('/', start);
        segments.push_back(address.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }

    EntityAddress out;
    if (!segments.empty() && equalsIgnoreCase(segments.back(), "$management")) {
        out.management = true;
        segments.pop_back();
    }
    if (segments.size() >= 2 && equalsIgnoreCase(segments.back(), "$DeadLetterQueue")
        && equalsIgnoreCase(segments[segments.size() - 2], "$Transfer")) {
        out.subQueue = SubQueue::TransferDeadLetter;
        segments.resize(segments.size() - 2);
    } else if (!segments.empty() && equalsIgnoreCase(segments.back(), "$DeadLetterQueue")) {
        out.subQueue = SubQueue::DeadLetter;
        segments.pop_back();
    } else if (!segments.empty() && equalsIgnoreCase(segments.back(), "$Transfer")) {
        out.subQueue = SubQueue::Transfer;
        segments.pop_back();
    }
    if (segments.empty())
        return makeError(ErrorCode::InvalidArgument, "'" + std::string(address) + "' does not name an entity.");
    for (const auto &s : segments) {
        if (s.empty() || s.front() == '$')
            return makeError(ErrorCode::InvalidArgument, "'" + std::string(address) + "' is not a valid entity address.");
    }

    std::size_t subIndex = segments.size();
    for (std::size_t i = 1; i < segments.size(); ++i) {
        if (equalsIgnoreCase(segments[i], "Subscriptions")) {
            subIndex = i;
            break;
        }
    }
    auto join = [&](std::size_t from, std::size_t to) {
        std::string s;
        for (std::size_t i = from; i < to; ++i) {
            if (i > from)
                s += '/';
            s += segments[i];
        }
        return s;
    };
    if (subIndex == segments.size()) {
        out.entityPath = join(0, segments.size());
        return out;
    }
    const std::size_t rest = segments.size() - subIndex - 1;
    if (rest == 1 || (rest == 3 && equalsIgnoreCase(segments[subIndex + 2], "Rules"))) {
        out.topic = join(0, subIndex);
        out.subscription = std::string(segments[subIndex + 1]);
        out.entityPath = out.topic + "/Subscriptions/" + out.subscription;
        if (rest == 3)
            out.rule = std::string(segments[subIndex + 3]);
        return out;
    }
    return makeError(ErrorCode::InvalidArgument, "'" + std::string(address) + "' is not a valid entity address.");
}

EntityAddress EntityAddress::queue(std::string_view path, SubQueue subQueue)
{
    EntityAddress a;
    a.entityPath = std::string(path);
    a.subQueue = subQueue;
    return a;
}

EntityAddress EntityAddress::subscriptionOf(std::string_view topic, std::string_view subscription, SubQueue subQueue)
{
    EntityAddress a;
    a.topic = std::string(topic);
    a.subscription = std::string(subscription);
    a.entityPath = a.topic + "/Subscriptions/" + a.subscription;
    a.subQueue = subQueue;
    return a;
}

std::string EntityAddress::toString() const
{
    std::string s = entityPath;
    if (subQueue != SubQueue::None) {
        s += '/';
        s += subQueueName(subQueue);
    }
    return s;
}

} // namespace busyard::core::broker
