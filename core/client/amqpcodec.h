#pragma once

/**
 * The AMQP <-> core::Message codec the client shares with the emulator. It lives in
 * emulator/amqp/messagecodec.* today; the lead moves it into core/client (one copy for both sides).
 * Client code calls it only through the names below, so the move changes this header only.
 *
 * Used: decodeMessage (DecodeMode::BrokerEncoded for deliveries, peek and management responses),
 * encodeMessage (EncodeOptions::brokerAnnotations = false for messages the client sends),
 * lockTokenToDeliveryTag / deliveryTagToLockToken (.NET GUID byte order of delivery tags),
 * fromDotNetTicks (com.microsoft:locked-until-utc), putValue / readValue (typed values in pn_data_t).
 */
#include "emulator/amqp/messagecodec.h"

namespace busyard::client {
namespace codec = busyard::emulator::amqp;
} // namespace busyard::client
