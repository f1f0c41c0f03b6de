#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace busyard::core::broker {

/** Sub-queue of a queue or subscription (B.1, B.16, B.19). */
enum class SubQueue : std::uint8_t {
    None,               ///< the entity itself
    DeadLetter,         ///< <entity>/$DeadLetterQueue
    Transfer,           ///< <entity>/$Transfer: always empty (forwarding is synchronous)
    TransferDeadLetter, ///< <entity>/$Transfer/$DeadLetterQueue
};

const char *subQueueName(SubQueue subQueue);

/**
 * A parsed node address (servicebus-amqp.md §2.1, semantics B.1).
 *
 * Accepted forms (an optional "scheme://host[:port]/" prefix is stripped; the 'Subscriptions' and
 * 'Rules' segments match case-insensitively):
 *   "queue/path", "topic", "topic/Subscriptions/sub", "topic/Subscriptions/sub/Rules/rule",
 *   each entity form optionally followed by "/$DeadLetterQueue", "/$Transfer" or
 *   "/$Transfer/$DeadLetterQueue", and then optionally by "/$management".
 * "$cbs" and other bare '$' names are refused (InvalidArgument). No entity lookup is done here.
 */
struct EntityAddress
{
    std::string entityPath;   ///< queue/topic path, or "topic/Subscriptions/sub" spelled as given
    std::string topic;        ///< for subscriptions: the topic path; else empty
    std::string subscription; ///< for subscriptions: the subscription name; else empty
    std::string rule;         ///< for ".../Rules/<rule>": the rule name; else empty
    SubQueue subQueue = SubQueue::None;
    bool management = false;  ///< the address ended in "/$management"

    bool isSubscription() const { return !subscription.empty(); }

    static Result<EntityAddress> parse(std::string_view address);
    /** A queue (or topic) address. */
    static EntityAddress queue(std::string_view path, SubQueue subQueue = SubQueue::None);
    static EntityAddress subscriptionOf(std::string_view topic, std::string_view subscription,
                                        SubQueue subQueue = SubQueue::None);

    /** The canonical text: "<entityPath>[/$DeadLetterQueue|/$Transfer[/$DeadLetterQueue]]". */
    std::string toString() const;
    /** The queue or topic that owns the address: where a message for it is sent ("t" for
        "t/Subscriptions/s/$DeadLetterQueue", "q" for "q/$DeadLetterQueue"). */
    const std::string &owningEntityPath() const { return isSubscription() ? topic : entityPath; }
};

} // namespace busyard::core::broker
