#include "message.h"

namespace busyard::core {

const char *messageStateName(MessageState state)
{
    switch (state) {
    case MessageState::Active: return "Active";
    case MessageState::Deferred: return "Deferred";
    case MessageState::Scheduled: return "Scheduled";
    }
    return "Unknown";
}

Duration Message::effectiveTimeToLive(Duration entityDefault) const
{
    if (timeToLive && *timeToLive > Duration::zero() && *timeToLive < entityDefault)
        return *timeToLive;
    return entityDefault;
}

std::size_t Message::size() const
{
    auto opt = [](const std::optional<std::string> &s) { return s ? s->size() : 0; };
    std::size_t extra = 0;
    for (const std::string &section : extraDataSections)
        extra += section.size();
    return body.size() + extra + applicationProperties.byteSize() + annotations.byteSize() + messageId.byteSize()
        + correlationId.byteSize() + opt(sessionId) + opt(replyToSessionId) + opt(subject) + opt(to)
        + opt(replyTo) + opt(contentType) + opt(partitionKey) + opt(viaPartitionKey);
}

std::string Message::messageIdString() const
{
    return messageId.isNull() ? std::string() : messageId.toDisplayString();
}

} // namespace busyard::core
