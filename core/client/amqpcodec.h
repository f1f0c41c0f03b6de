#pragma once

/**
 * The AMQP <-> core::Message codec the client shares with the emulator (core/client/messagecodec.*,
 * one copy for both sides; the emulator links this library). Client code calls it only through the
 * names below.
 *
 * Used: decodeMessage (DecodeMode::BrokerEncoded for deliveries, peek and management responses),
 * encodeMessage (EncodeOptions::brokerAnnotations = false for messages the client sends),
 * lockTokenToDeliveryTag / deliveryTagToLockToken (.NET GUID byte order of delivery tags),
 * fromDotNetTicks (com.microsoft:locked-until-utc), putValue / readValue (typed values in pn_data_t).
 */
#include "core/client/messagecodec.h"
