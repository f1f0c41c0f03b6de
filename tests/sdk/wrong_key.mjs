// A client with a wrong SAS key is refused (UnauthorizedAccess) on send, receive and management
// operations and over the HTTPS management API (401); the right key still works afterwards.
import assert from "node:assert/strict";
import { ServiceBusAdministrationClient, isServiceBusError } from "@azure/service-bus";
import { dataClient, expectError, step } from "./helpers.mjs";

const withKey = (s, key) => s.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${key}`);

export default async function run(connectionString, endpoints) {
  const wrong = dataClient(withKey(connectionString, "d3JvbmcgYnV0IHdlbGwtZm9ybWVkIGtleQ=="), 5000);
  try {
    const unauthorized = (e) => {
      assert.ok(isServiceBusError(e), String(e));
      assert.equal(e.code, "UnauthorizedAccess", String(e));
    };
    step("send with a wrong key -> UnauthorizedAccess");
    await expectError(wrong.createSender("orders").sendMessages({ body: "x" }), unauthorized);
    step("receive with a wrong key -> UnauthorizedAccess");
    await expectError(wrong.createReceiver("orders").receiveMessages(1, { maxWaitTimeInMs: 2000 }), unauthorized);
    step("peek ($management) with a wrong key -> UnauthorizedAccess");
    await expectError(wrong.createReceiver("orders").peekMessages(1), unauthorized);
  } finally {
    await wrong.close();
  }

  step("wrong key name -> UnauthorizedAccess");
  const wrongName = dataClient(connectionString.replace(/SharedAccessKeyName=[^;]+/, "SharedAccessKeyName=Nobody"), 5000);
  try {
    await expectError(wrongName.createSender("orders").sendMessages({ body: "x" }), (e) => assert.equal(e.code, "UnauthorizedAccess", String(e)));
  } finally {
    await wrongName.close();
  }

  step("HTTPS management with a wrong key -> 401");
  const badAdmin = new ServiceBusAdministrationClient(withKey(endpoints.adminConnectionString, "d3Jvbmc="), { retryOptions: { maxRetries: 0 } });
  await assert.rejects(badAdmin.getQueue("orders"), (e) => e.statusCode === 401);

  step("the right key still works; nothing from the refused sends arrived");
  const client = dataClient(connectionString);
  try {
    await client.createSender("orders").sendMessages({ body: "ok", messageId: "ok" });
    const [m] = await client.createReceiver("orders", { receiveMode: "receiveAndDelete" }).receiveMessages(2, { maxWaitTimeInMs: 5000 });
    assert.equal(m?.messageId, "ok");
  } finally {
    await client.close();
  }
}
