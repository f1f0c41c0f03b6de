# Conformance of azure-servicebus 7.8.2's ServiceBusAdministrationClient (Debian python3-azure,
# unmodified) against the emulator's ATOM API over HTTPS. Run by tst_sdkconformance:
# /usr/bin/python3 atom_admin_py.py <port>, with REQUESTS_CA_BUNDLE trusting the test certificate.
# Prints one "ok:"/"FAIL:" line per check; exit code 0 only when every check passed.
import sys, datetime
from azure.servicebus.management import ServiceBusAdministrationClient, SqlRuleFilter, CorrelationRuleFilter, SqlRuleAction
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError, ClientAuthenticationError, HttpResponseError
port = sys.argv[1]
cs = f"Endpoint=sb://localhost:{port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE"
admin = ServiceBusAdministrationClient.from_connection_string(cs)
fails = 0
def check(c, what):
    global fails
    print(("ok: " if c else "FAIL: ") + what)
    if not c: fails += 1
q = admin.create_queue("pq1", lock_duration=datetime.timedelta(seconds=30), max_delivery_count=5)
check(q.name == "pq1" and q.lock_duration == datetime.timedelta(seconds=30) and q.max_delivery_count == 5, f"create_queue {q.name} {q.lock_duration}")
g = admin.get_queue("pq1")
check(g.name == "pq1" and g.default_message_time_to_live > datetime.timedelta(days=1000), f"get_queue ttl={g.default_message_time_to_live}")
rt = admin.get_queue_runtime_properties("pq1")
check(rt.name == "pq1" and rt.active_message_count == 0 and rt.total_message_count == 0, "runtime")
g.max_delivery_count = 8
admin.update_queue(g)
check(admin.get_queue("pq1").max_delivery_count == 8, "update_queue")
try:
    admin.create_queue("pq1"); check(False, "dup")
except ResourceExistsError: check(True, "dup -> ResourceExistsError")
try:
    admin.get_queue("nope"); check(False, "missing")
except ResourceNotFoundError: check(True, "missing -> ResourceNotFoundError")
for n in ["pq2", "pq3"]: admin.create_queue(n)
names = [x.name for x in admin.list_queues()]
check(names == ["pq1", "pq2", "pq3"], f"list_queues {names}")
for i in range(101): admin.create_queue(f"pz{i:03d}")
many = [x.name for x in admin.list_queues()]
check(len(many) == 104 and many[-1] == "pz100", f"paging over 100: {len(many)}")
for i in range(101): admin.delete_queue(f"pz{i:03d}")
rts = [x.name for x in admin.list_queues_runtime_properties()]
check(len(rts) == 3, "list runtime")
f = admin.create_queue("pq4", forward_to="pq2")
check(f.forward_to is not None and f.forward_to.endswith("pq2"), f"forward_to {f.forward_to}")
t = admin.create_topic("pt1")
check(t.name == "pt1", "create_topic")
check(admin.get_topic_runtime_properties("pt1").subscription_count == 0, "topic runtime")
s = admin.create_subscription("pt1", "ps1", max_delivery_count=3)
check(s.name == "ps1" and s.max_delivery_count == 3, f"create_subscription {s.name}")
check([x.name for x in admin.list_subscriptions("pt1")] == ["ps1"], "list_subscriptions")
check(admin.get_subscription_runtime_properties("pt1", "ps1").total_message_count == 0, "sub runtime")
r = admin.create_rule("pt1", "ps1", "r1", filter=SqlRuleFilter("a = @p", parameters={"@p": 5}), action=SqlRuleAction("SET b = 'x'"))
check(r.name == "r1", "create_rule sql")
r2 = admin.create_rule("pt1", "ps1", "r2", filter=CorrelationRuleFilter(correlation_id="c1", label="lbl", properties={"color": "red", "n": 3}))
check(r2.name == "r2", "create_rule correlation")
gr = admin.get_rule("pt1", "ps1", "r2")
check(isinstance(gr.filter, CorrelationRuleFilter) and gr.filter.correlation_id == "c1" and gr.filter.properties.get("color") == "red" and gr.filter.properties.get("n") == 3, f"get_rule {gr.filter.properties}")
gs = admin.get_rule("pt1", "ps1", "r1")
check(isinstance(gs.filter, SqlRuleFilter) and gs.filter.sql_expression == "a = @p" and gs.filter.parameters.get("@p") == 5 and gs.action.sql_expression == "SET b = 'x'", f"get_rule sql {gs.filter.parameters}")
rules = [x.name for x in admin.list_rules("pt1", "ps1")]
check(rules == ["$Default", "r1", "r2"], f"list_rules {rules}")
admin.delete_rule("pt1", "ps1", "r2")
s2 = admin.get_subscription("pt1", "ps1"); s2.max_delivery_count = 4; admin.update_subscription("pt1", s2)
check(admin.get_subscription("pt1", "ps1").max_delivery_count == 4, "update_subscription")
ns = admin.get_namespace_properties()
check(ns.name == "sbemulatorns" and ns.messaging_sku == "Standard", f"namespace {ns.name}")
admin.delete_subscription("pt1", "ps1"); admin.delete_topic("pt1"); admin.delete_queue("pq1")
try:
    admin.get_queue("pq1"); check(False, "deleted")
except ResourceNotFoundError: check(True, "delete_queue")
bad = ServiceBusAdministrationClient.from_connection_string(cs.replace("SAS_KEY_VALUE", "WRONG"))
try:
    bad.get_queue("pq2"); check(False, "bad key")
except (ClientAuthenticationError, HttpResponseError) as e: check(getattr(e, "status_code", None) == 401, f"bad key -> {type(e).__name__} {getattr(e,'status_code',None)}")
sys.exit(1 if fails else 0)
