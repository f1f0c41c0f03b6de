// amqp_load: AMQP 1.0 load generator (Qpid Proton C++, one container thread) for comparing
// busyard-emulator with a peer broker (RabbitMQ's AMQP 1.0 plugin). See bench/amqp/run_amqp_bench.sh.
//
// Two connections (one sending, one receiving), at-least-once both ways:
//  * sends are counted when the broker settles them with `accepted` (sender window = --inflight);
//  * receives are counted when the client accepts (and settles) them; the receiver keeps a
//    credit window of --credit.
//
// Modes:
//  * throughput: phase 1 sends --count messages as fast as the windows allow (sends/s), phase 2
//    receives them back from the now full queue (receives/s).
//  * latency: sender and receiver run together; the sender paces --count messages at --rate msgs/s
//    and each message carries its send time (application property "ts", ns of the steady clock);
//    the receiver records end-to-end latency (send → delivered to the client) and the sender the
//    acknowledgement latency (send → accepted). Reports p50/p99/max of both.
//
// "servicebus" auth mode puts a SAS token (development key) on $cbs before attaching, as Azure
// SDKs do; "plain" uses SASL PLAIN; "anonymous" neither.
//
// Output: human-readable lines, then one "RESULT key=value ..." line for scripts. Exit code 0 only
// when every message was sent and received within --time-limit.
#include "core/auth/sastoken.h"
#include "core/clock.h"

#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/scalar.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Options
{
    std::string url = "127.0.0.1:5672";
    std::string address = "bench";
    std::string mode = "throughput"; // throughput | latency
    std::string auth = "anonymous";  // anonymous | plain | servicebus
    std::string user = "guest";
    std::string password = "guest";
    std::string audienceHost = "localhost"; // servicebus: audience sb://<host>/<address>
    int count = 50000;
    int size = 1024;
    int credit = 500;
    int inflight = 500;
    int rate = 1000;        // latency mode, messages per second
    int timeLimitS = 120;   // whole run
    bool durable = false;   // header durable flag (RabbitMQ persists such messages)
};

void usage()
{
    std::fprintf(stderr,
                 "usage: amqp_load [--url host:port] [--address a] [--mode throughput|latency]\n"
                 "                 [--auth anonymous|plain|servicebus] [--user u] [--password p]\n"
                 "                 [--count n] [--size bytes] [--credit n] [--inflight n] [--rate n/s]\n"
                 "                 [--time-limit s] [--durable]\n");
}

bool parseArgs(int argc, char **argv, Options &o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&](std::string &out) {
            if (i + 1 >= argc)
                return false;
            out = argv[++i];
            return true;
        };
        auto nextInt = [&](int &out, int min) {
            std::string s;
            if (!next(s))
                return false;
            char *end = nullptr;
            const long v = std::strtol(s.c_str(), &end, 10);
            if (end == s.c_str() || *end != '\0' || v < min || v > 100'000'000)
                return false;
            out = int(v);
            return true;
        };
        bool ok = true;
        if (arg == "--url")
            ok = next(o.url);
        else if (arg == "--address")
            ok = next(o.address);
        else if (arg == "--mode")
            ok = next(o.mode) && (o.mode == "throughput" || o.mode == "latency");
        else if (arg == "--auth")
            ok = next(o.auth) && (o.auth == "anonymous" || o.auth == "plain" || o.auth == "servicebus");
        else if (arg == "--user")
            ok = next(o.user);
        else if (arg == "--password")
            ok = next(o.password);
        else if (arg == "--audience-host")
            ok = next(o.audienceHost);
        else if (arg == "--count")
            ok = nextInt(o.count, 1);
        else if (arg == "--size")
            ok = nextInt(o.size, 0);
        else if (arg == "--credit")
            ok = nextInt(o.credit, 1);
        else if (arg == "--inflight")
            ok = nextInt(o.inflight, 1);
        else if (arg == "--rate")
            ok = nextInt(o.rate, 1);
        else if (arg == "--time-limit")
            ok = nextInt(o.timeLimitS, 1);
        else if (arg == "--durable")
            o.durable = true;
        else
            ok = false;
        if (!ok) {
            std::fprintf(stderr, "bad argument: %s\n", arg.c_str());
            return false;
        }
    }
    return true;
}

struct Percentiles
{
    double p50 = 0, p99 = 0, max = 0; // microseconds
};

Percentiles percentiles(std::vector<std::int64_t> ns)
{
    Percentiles p;
    if (ns.empty())
        return p;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) { return double(ns[std::min(ns.size() - 1, std::size_t(q * double(ns.size())))]) / 1000.0; };
    p.p50 = at(0.50);
    p.p99 = at(0.99);
    p.max = double(ns.back()) / 1000.0;
    return p;
}

/** Per-connection role: one connection sends, the other receives. */
enum class Role { Sender, Receiver };

class LoadRun : public proton::messaging_handler
{
public:
    explicit LoadRun(const Options &o) : m_o(o)
    {
        m_body = proton::binary(std::string(std::size_t(o.size), 'x'));
        m_sendTimes.assign(std::size_t(o.count), 0);
        e2eNs.reserve(std::size_t(o.count));
        ackNs.reserve(std::size_t(o.count));
    }

    // results
    std::string error;
    bool timedOut = false;
    int accepted = 0;
    int rejected = 0;
    int received = 0;
    std::int64_t sendStart = 0, sendEnd = 0, receiveStart = 0, receiveEnd = 0;
    std::vector<std::int64_t> e2eNs, ackNs; ///< latency samples (ns)

    void on_container_start(proton::container &c) override
    {
        m_container = &c;
        proton::connection_options co;
        co.idle_timeout(proton::duration(60000));
        if (m_o.auth == "plain") {
            co.sasl_enabled(true).sasl_allowed_mechs("PLAIN").sasl_allow_insecure_mechs(true).user(m_o.user).password(
                m_o.password);
        } else {
            co.sasl_enabled(true).sasl_allowed_mechs("ANONYMOUS");
        }
        m_sendConn = c.connect(m_o.url, co);
        m_recvConn = c.connect(m_o.url, co);
        m_deadline = Clock::now() + std::chrono::seconds(m_o.timeLimitS);
        watchdog();
    }

    void on_connection_open(proton::connection &c) override
    {
        if (m_o.auth == "servicebus") {
            // Token first ($cbs request/response), links afterwards (on the reply).
            const std::string replyTo = "cbs-reply-" + std::to_string(c == m_sendConn ? 0 : 1);
            auto &cbs = c == m_sendConn ? m_cbsSend : m_cbsRecv;
            cbs.sender = c.open_sender("$cbs");
            cbs.receiver = c.open_receiver(
                "$cbs", proton::receiver_options().name(replyTo).target(proton::target_options().address(replyTo)));
            cbs.replyTo = replyTo;
        } else {
            ready(c);
        }
    }

    void on_sendable(proton::sender &s) override
    {
        Cbs *cbs = s == m_cbsSend.sender ? &m_cbsSend : s == m_cbsRecv.sender ? &m_cbsRecv : nullptr;
        if (cbs) {
            if (cbs->sent)
                return;
            cbs->sent = true;
            const std::string audience = "sb://" + m_o.audienceHost + "/" + m_o.address;
            proton::message m;
            m.id(proton::message_id("cbs-1"));
            m.reply_to(cbs->replyTo);
            m.to("$cbs");
            m.properties().put("operation", "put-token");
            m.properties().put("name", audience);
            m.properties().put("type", "servicebus.windows.net:sastoken");
            m.body(busyard::core::createSasToken(audience, busyard::core::kDevelopmentKeyName,
                                                 busyard::core::kDevelopmentKey,
                                                 busyard::core::SystemClock().now() + std::chrono::hours(1)));
            s.send(m);
            return;
        }
        if (s == m_sender)
            pump();
    }

    void on_tracker_accept(proton::tracker &t) override
    {
        if (t.sender() != m_sender)
            return;
        ++accepted;
        --m_unsettled;
        if (m_o.mode == "latency") {
            // Brokers may settle out of order: find the send time by the delivery tag (= message index).
            const auto tag = t.tag();
            std::uint64_t index = 0;
            std::memcpy(&index, tag.data(), std::min<std::size_t>(tag.size(), sizeof index));
            if (index < m_sendTimes.size())
                ackNs.push_back(nowNs() - m_sendTimes[index]);
        }
        if (accepted + rejected == m_o.count) {
            sendEnd = nowNs();
            m_sender.connection().close();
            if (m_o.mode == "throughput")
                m_recvConn.work_queue().add([this] { openReceiver(); }); // wakes the other connection
            else
                maybeFinish();
        } else {
            pump();
        }
    }

    void on_tracker_reject(proton::tracker &t) override { onNotAccepted(t, "rejected"); }
    void on_tracker_release(proton::tracker &t) override { onNotAccepted(t, "released"); }
    void on_tracker_settle(proton::tracker &t) override
    {
        // Settled without an outcome we counted (e.g. modified): treat as a failure too.
        if (t.sender() == m_sender && t.state() != proton::transfer::ACCEPTED && t.state() != proton::transfer::REJECTED
            && t.state() != proton::transfer::RELEASED)
            onNotAccepted(t, "settled without outcome");
    }

    void on_message(proton::delivery &d, proton::message &m) override
    {
        proton::receiver r = d.receiver();
        Cbs *cbs = r == m_cbsSend.receiver ? &m_cbsSend : r == m_cbsRecv.receiver ? &m_cbsRecv : nullptr;
        if (cbs) {
            const auto status = proton::coerce<std::int64_t>(m.properties().get("status-code"));
            if (status < 200 || status > 299) {
                error = "CBS put-token refused with status " + std::to_string(status);
                finish();
                return;
            }
            cbs->sender.close();
            cbs->receiver.close();
            ready(d.connection());
            return;
        }
        if (r != m_receiver)
            return;
        if (received == 0 && m_o.mode == "throughput")
            receiveStart = m_receiverOpened;
        const proton::value ts = m.properties().get("ts");
        if (m_o.mode == "latency" && !ts.empty())
            e2eNs.push_back(nowNs() - proton::coerce<std::int64_t>(ts));
        d.accept(); // accepted + settled: at-least-once completion
        // Credit in batches of half the window (one flow frame per batch, not one per message).
        if (++m_sinceTopUp >= std::max(1, m_o.credit / 2)) {
            m_receiver.add_credit(m_sinceTopUp);
            m_sinceTopUp = 0;
        }
        if (++received == m_o.count) {
            receiveEnd = nowNs();
            maybeFinish();
        }
    }

    void on_sender_error(proton::sender &s) override { fail("sender: " + s.error().what()); }
    void on_receiver_error(proton::receiver &r) override { fail("receiver: " + r.error().what()); }
    void on_connection_error(proton::connection &c) override { fail("connection: " + c.error().what()); }
    void on_transport_error(proton::transport &t) override
    {
        if (!m_finished)
            fail("transport: " + t.error().what());
    }
    void on_connection_close(proton::connection &) override
    {
        if (++m_connectionsClosed == 2)
            m_container->stop();
    }

private:
    struct Cbs
    {
        proton::sender sender;
        proton::receiver receiver;
        std::string replyTo;
        bool sent = false;
    };

    /** Time limit, checked every 100 ms (a pending long timer would hold container::run() after stop()). */
    void watchdog()
    {
        if (m_connectionsClosed == 2)
            return;
        if (Clock::now() >= m_deadline) {
            if (!m_finished)
                timedOut = true;
            finish();
            m_container->stop(); // also when a close does not complete
            return;
        }
        m_container->schedule(proton::duration(100), [this] { watchdog(); });
    }

    void ready(proton::connection c)
    {
        if (c == m_sendConn) {
            m_sender = c.open_sender(m_o.address, proton::sender_options().delivery_mode(proton::delivery_mode::AT_LEAST_ONCE));
        } else if (m_o.mode == "latency") {
            openReceiver();
        } else {
            m_receiverReady = true;
        }
    }

    void openReceiver()
    {
        if (m_o.mode == "throughput" && !m_receiverReady) {
            // The receiving connection is still authenticating; ready() will not open it, so poll.
            m_recvConn.work_queue().schedule(proton::duration(1), [this] { openReceiver(); });
            return;
        }
        m_receiverOpened = nowNs();
        m_receiver = m_recvConn.open_receiver(
            m_o.address, proton::receiver_options().credit_window(0).auto_accept(false));
        m_receiver.add_credit(m_o.credit);
    }

    proton::message &messageFor(int index)
    {
        m_message.clear();
        m_message.body(m_body);
        m_message.durable(m_o.durable);
        m_message.id(proton::message_id(std::uint64_t(index)));
        m_message.properties().put("ts", std::int64_t(nowNs()));
        return m_message;
    }

    void send(int index)
    {
        proton::message &m = messageFor(index);
        m_sendTimes[std::size_t(index)] = proton::get<std::int64_t>(m.properties().get("ts"));
        std::uint64_t tag = std::uint64_t(index);
        m_sender.send(m, proton::binary(reinterpret_cast<const char *>(&tag), reinterpret_cast<const char *>(&tag) + sizeof tag));
        ++m_sent;
        ++m_unsettled;
    }

    /** Sends what the windows (credit, in-flight, pacing) allow. */
    void pump()
    {
        if (!m_sender || m_finished)
            return;
        if (sendStart == 0)
            sendStart = nowNs();
        int allowed = m_o.count;
        if (m_o.mode == "latency") {
            const double elapsedS = double(nowNs() - sendStart) / 1e9;
            allowed = std::min(m_o.count, 1 + int(elapsedS * m_o.rate));
        }
        while (m_sent < allowed && m_sender.credit() > 0 && m_unsettled < m_o.inflight)
            send(m_sent);
        if (m_o.mode == "latency" && m_sent < m_o.count && !m_tickArmed) {
            m_tickArmed = true;
            m_sendConn.work_queue().schedule(proton::duration(1), [this] {
                m_tickArmed = false;
                pump();
            });
        }
    }

    void onNotAccepted(proton::tracker &t, const char *what)
    {
        if (t.sender() != m_sender)
            return;
        ++rejected;
        --m_unsettled;
        fail(std::string("send ") + what + ": " + t.sender().error().what());
    }

    void fail(const std::string &why)
    {
        if (error.empty())
            error = why;
        finish();
        m_container->stop(); // a failed connection may never report its close
    }

    void maybeFinish()
    {
        if (accepted + rejected == m_o.count && received == m_o.count)
            finish();
    }

    void finish()
    {
        if (m_finished)
            return;
        m_finished = true;
        // Close through each connection's work queue: an action on another connection than the one
        // whose event is being handled is only written out when that connection wakes up. The
        // container returns once both are closed (their final dispositions flushed).
        for (proton::connection *c : {&m_sendConn, &m_recvConn}) {
            proton::connection conn = *c;
            conn.work_queue().add([conn]() mutable {
                if (conn.active())
                    conn.close();
            });
        }
    }

    const Options &m_o;
    proton::container *m_container = nullptr;
    proton::connection m_sendConn, m_recvConn;
    proton::sender m_sender;
    proton::receiver m_receiver;
    Cbs m_cbsSend, m_cbsRecv;
    proton::message m_message;
    proton::binary m_body;
    std::vector<std::int64_t> m_sendTimes;
    int m_sent = 0;
    int m_unsettled = 0;
    int m_sinceTopUp = 0;
    int m_connectionsClosed = 0;
    Clock::time_point m_deadline;
    bool m_tickArmed = false;
    bool m_receiverReady = false;
    bool m_finished = false;
    std::int64_t m_receiverOpened = 0;
};

double perSecond(int n, std::int64_t startNs, std::int64_t endNs)
{
    return endNs > startNs ? double(n) * 1e9 / double(endNs - startNs) : 0.0;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    if (!parseArgs(argc, argv, o)) {
        usage();
        return 2;
    }
    LoadRun run(o);
    try {
        proton::container container(run, "amqp_load");
        container.run();
    } catch (const std::exception &e) {
        run.error = e.what();
    }
    const std::int64_t now = nowNs();
    const std::int64_t sendEnd = run.sendEnd ? run.sendEnd : now;
    const std::int64_t receiveEnd = run.receiveEnd ? run.receiveEnd : now;
    const double sends = perSecond(run.accepted, run.sendStart, sendEnd);
    const double receives = o.mode == "throughput" ? perSecond(run.received, run.receiveStart, receiveEnd)
                                                   : perSecond(run.received, run.sendStart, receiveEnd);
    const Percentiles e2e = percentiles(run.e2eNs);
    const Percentiles ack = percentiles(run.ackNs);
    const bool complete = run.error.empty() && !run.timedOut && run.accepted == o.count && run.received == o.count;

    std::printf("%s %s: %d x %d B, credit %d, in-flight %d%s\n", o.mode.c_str(), o.url.c_str(), o.count, o.size,
                o.credit, o.inflight, o.durable ? ", durable" : "");
    std::printf("  sent (accepted): %d, %.0f msgs/s\n", run.accepted, sends);
    std::printf("  received (accepted): %d, %.0f msgs/s\n", run.received, receives);
    if (o.mode == "latency") {
        std::printf("  end-to-end latency: p50 %.0f us, p99 %.0f us, max %.0f us (at %d msgs/s)\n", e2e.p50, e2e.p99,
                    e2e.max, o.rate);
        std::printf("  send-ack latency:   p50 %.0f us, p99 %.0f us, max %.0f us\n", ack.p50, ack.p99, ack.max);
    }
    if (!run.error.empty())
        std::printf("  error: %s\n", run.error.c_str());
    if (run.timedOut)
        std::printf("  time limit of %d s reached\n", o.timeLimitS);
    std::printf("RESULT mode=%s complete=%d sent=%d received=%d sends_per_s=%.0f receives_per_s=%.0f p50_us=%.0f "
                "p99_us=%.0f max_us=%.0f ack_p50_us=%.0f ack_p99_us=%.0f\n",
                o.mode.c_str(), complete ? 1 : 0, run.accepted, run.received, sends, receives, e2e.p50, e2e.p99,
                e2e.max, ack.p50, ack.p99);
    return complete ? 0 : 1;
}
