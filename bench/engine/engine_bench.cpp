// Throughput of the broker engine (core/broker) driven through its public API, on one thread.
// items_per_second is the figure (messages); docs/PERFORMANCE.md lists the targets and results.
//
// Conventions shared by every benchmark here:
// - Messages carry a 1 KB body, a string message id and two application properties, as a small
//   real-world message would. Building each Message (copying the template) is inside the timed loop:
//   a front-end decodes a fresh Message for every transfer, so that cost is real.
// - Time comes from a VirtualClock (no clock syscalls, locks never expire mid-run) unless the
//   benchmark name says SystemClock.
// - Each iteration is one bounded round (a fixed number of messages); state between iterations stays
//   bounded (queues drained, subscriptions purged with the timer paused).
// - Every round checks its outcome (messages delivered, copies stored) and fails the benchmark with
//   SkipWithError when it does not match, so a broken engine cannot report a fast figure.

#include "core/broker/engine.h"
#include "core/broker/sqlitestore.h"
#include "core/clock.h"
#include "core/message.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <time.h>
#include <unistd.h>
#include <vector>

using namespace busyard::core;
using namespace busyard::core::broker;

namespace {

constexpr std::size_t kBodyBytes = 1024;
constexpr int kRound = 100; // messages per iteration of the queue benchmarks

Message makeMessage(std::int64_t n)
{
    Message m;
    m.messageId = Value::string("msg-" + std::to_string(n));
    m.contentType = "application/octet-stream";
    m.body.assign(kBodyBytes, 'x');
    m.applicationProperties.set("region", Value::string("r0"));
    m.applicationProperties.set("priority", Value::int64(5));
    return m;
}

/** A queue plus one receiver whose deliveries (lock tokens) are collected in `tokens`. */
struct QueueRig
{
    explicit QueueRig(Clock &clock, std::unique_ptr<Store> store = nullptr)
        : engine(clock, std::move(store))
    {
    }

    Result<void> setUp(ReceiveMode mode)
    {
        if (!engine.loadResult())
            return engine.loadResult().error();
        QueueDescription q;
        q.name = "bench";
        if (auto r = engine.createQueue(q); !r)
            return r.error();
        ReceiverCallbacks cb;
        cb.onMessage = [this](Message m) { tokens.push_back(m.lockToken); };
        auto opened = engine.openReceiver(address, mode, SessionSpec::none(), std::move(cb));
        if (!opened)
            return opened.error();
        receiver = opened->id;
        tokens.reserve(kRound);
        return {};
    }

    /** Sends `count` messages in batches of `batchSize` (1 = one send() per message). */
    bool sendRound(int count, int batchSize)
    {
        for (int sent = 0; sent < count; sent += batchSize) {
            std::vector<Message> batch;
            batch.reserve(static_cast<std::size_t>(batchSize));
            for (int i = 0; i < batchSize && sent + i < count; ++i)
                batch.push_back(templ);
            if (!engine.send(address, std::move(batch)))
                return false;
        }
        return true;
    }

    /** Completes every collected lock token. */
    bool completeAll()
    {
        for (const Uuid &t : tokens) {
            if (!engine.complete(address, t))
                return false;
        }
        tokens.clear();
        return true;
    }

    Engine engine;
    EntityAddress address = EntityAddress::queue("bench");
    ReceiverId receiver = 0;
    std::vector<Uuid> tokens;
    Message templ = makeMessage(1);
};

/** A SQLite store file in the temp directory, removed (with its WAL) when the benchmark ends. */
struct TempStoreFile
{
    TempStoreFile()
        : path((std::filesystem::temp_directory_path()
                / ("busyard-engine-bench-" + std::to_string(::getpid()) + "-" + std::to_string(s_counter++) + ".db"))
                   .string())
    {
        removeAll();
    }
    ~TempStoreFile() { removeAll(); }
    void removeAll() const
    {
        std::error_code ec;
        for (const char *suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path + suffix, ec);
    }
    std::string path;
    static inline int s_counter = 0;
};

/** CPU time of the calling thread in seconds (the durable benchmarks report wall-clock time). */
double threadCpuSeconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- queues, in memory ----------------------------------------------------------------------------

/**
 * Send + peek-lock receive + complete through a queue. Arg 0: send batch size (1 = single sends).
 * Arg 1: 0 = VirtualClock, 1 = SystemClock. Per iteration: send 100, grant 100 credit (the engine
 * delivers them before addCredit returns), complete each by lock token.
 */
void BM_Queue_SendReceiveComplete(benchmark::State &state)
{
    const int batchSize = static_cast<int>(state.range(0));
    VirtualClock virtualClock;
    SystemClock systemClock;
    Clock &clock = state.range(1) ? static_cast<Clock &>(systemClock) : static_cast<Clock &>(virtualClock);
    QueueRig rig(clock);
    if (auto r = rig.setUp(ReceiveMode::PeekLock); !r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    std::int64_t messages = 0;
    for (auto _ : state) {
        if (!rig.sendRound(kRound, batchSize)) {
            state.SkipWithError("send failed");
            return;
        }
        rig.engine.addCredit(rig.receiver, kRound);
        if (rig.tokens.size() != static_cast<std::size_t>(kRound)) {
            state.SkipWithError("receiver got fewer messages than sent");
            return;
        }
        if (!rig.completeAll()) {
            state.SkipWithError("complete failed");
            return;
        }
        messages += kRound;
    }
    const auto counts = rig.engine.runtimeCounts("bench");
    if (!counts || counts->active != 0) {
        state.SkipWithError("queue not empty after the run");
        return;
    }
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}

/** Send + receive-and-delete. Arg 0: send batch size. */
void BM_Queue_SendReceiveAndDelete(benchmark::State &state)
{
    const int batchSize = static_cast<int>(state.range(0));
    VirtualClock clock;
    QueueRig rig(clock);
    if (auto r = rig.setUp(ReceiveMode::ReceiveAndDelete); !r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    std::int64_t messages = 0;
    for (auto _ : state) {
        if (!rig.sendRound(kRound, batchSize)) {
            state.SkipWithError("send failed");
            return;
        }
        rig.engine.addCredit(rig.receiver, kRound);
        if (rig.tokens.size() != static_cast<std::size_t>(kRound)) {
            state.SkipWithError("receiver got fewer messages than sent");
            return;
        }
        rig.tokens.clear(); // receive-and-delete: nothing to settle
        messages += kRound;
    }
    const auto counts = rig.engine.runtimeCounts("bench");
    if (!counts || counts->active != 0) {
        state.SkipWithError("queue not empty after the run");
        return;
    }
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}

/** Peek (browse) of a queue holding 10,000 messages, 100 per call, cycling through the queue. */
void BM_Queue_Peek(benchmark::State &state)
{
    constexpr int kStored = 10'000;
    constexpr std::size_t kPage = 100;
    VirtualClock clock;
    QueueRig rig(clock);
    if (auto r = rig.setUp(ReceiveMode::PeekLock); !r) { // the receiver never gets credit
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    if (!rig.sendRound(kStored, 100)) {
        state.SkipWithError("fill failed");
        return;
    }
    std::int64_t from = 1;
    std::int64_t messages = 0;
    for (auto _ : state) {
        auto page = rig.engine.peek(rig.address, from, kPage);
        if (!page || page->size() != kPage || page->front().sequenceNumber != from) {
            state.SkipWithError("peek returned an unexpected page");
            return;
        }
        messages += static_cast<std::int64_t>(page->size());
        from = page->back().sequenceNumber + 1;
        if (from > kStored)
            from = 1;
        benchmark::DoNotOptimize(page);
    }
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}

// ---- queues, durable (SQLite) -----------------------------------------------------------------------

/**
 * Send + peek-lock receive + complete with the SQLite store. Arg 0: send batch size. Arg 1: messages
 * per round. Arg 2: 1 = group commit (the sends of a round are one store transaction and its
 * completes another, as a front-end commits once per event-loop turn: under load a turn carries more
 * messages), 0 = one transaction per engine call. Arg 3: SqliteStore fullSync (1 = WAL fsync on every
 * commit, the product default; 0 = synchronous=NORMAL). Measured in wall-clock
 * time (UseRealTime), since waiting for fsync costs no CPU; the other benchmarks report CPU time.
 */
void BM_DurableQueue_SendReceiveComplete(benchmark::State &state)
{
    const int batchSize = static_cast<int>(state.range(0));
    const int round = static_cast<int>(state.range(1));
    const bool groupCommit = state.range(2) != 0;
    SqliteStore::Options options;
    options.fullSync = state.range(3) != 0;
    TempStoreFile file;
    auto store = SqliteStore::open(file.path, options);
    if (!store) {
        state.SkipWithError(store.error().message.c_str());
        return;
    }
    VirtualClock clock;
    QueueRig rig(clock, std::move(*store));
    if (auto r = rig.setUp(ReceiveMode::PeekLock); !r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    std::int64_t messages = 0;
    const double cpuStart = threadCpuSeconds();
    for (auto _ : state) {
        if (groupCommit)
            rig.engine.beginBatch();
        const bool sent = rig.sendRound(round, batchSize);
        if (groupCommit && !rig.engine.commitBatch()) {
            state.SkipWithError("commit of the sends failed");
            return;
        }
        if (!sent) {
            state.SkipWithError("send failed");
            return;
        }
        rig.engine.addCredit(rig.receiver, static_cast<std::uint32_t>(round));
        if (rig.tokens.size() != static_cast<std::size_t>(round)) {
            state.SkipWithError("receiver got fewer messages than sent");
            return;
        }
        if (groupCommit)
            rig.engine.beginBatch();
        const bool completed = rig.completeAll();
        if (groupCommit && !rig.engine.commitBatch()) {
            state.SkipWithError("commit of the completes failed");
            return;
        }
        if (!completed) {
            state.SkipWithError("complete failed");
            return;
        }
        messages += round;
    }
    const double cpu = threadCpuSeconds() - cpuStart;
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
    // What one core could do if fsync and other processes never made it wait.
    state.counters["msgs_per_cpu_s"] = cpu > 0 ? static_cast<double>(messages) / cpu : 0.0;
}

// ---- topics --------------------------------------------------------------------------------------

/** A topic with many subscriptions; routing rounds whose copies are purged with the timer paused. */
struct TopicRig
{
    explicit TopicRig(Clock &clock) : engine(clock, nullptr, makeOptions()) {}

    static EngineOptions makeOptions()
    {
        EngineOptions o;
        // Azure caps a topic at 2,000 subscriptions; the 5,000-subscription benchmark lifts the cap.
        o.maxSubscriptionsPerTopic = 10'000;
        return o;
    }

    Result<void> createTopic()
    {
        TopicDescription t;
        t.name = "bench-topic";
        if (auto r = engine.createTopic(t); !r)
            return r.error();
        return {};
    }

    Result<void> addSubscription(int i, RuleFilter filter)
    {
        SubscriptionDescription s;
        s.topicName = "bench-topic";
        s.name = "s" + std::to_string(i);
        RuleDescription rule;
        rule.name = "r";
        rule.filter = std::move(filter);
        if (auto r = engine.createSubscription(s, rule); !r)
            return r.error();
        subscriptions.push_back(EntityAddress::subscriptionOf("bench-topic", s.name));
        return {};
    }

    /** Purges the given subscriptions; returns the number of messages removed. */
    std::int64_t purge(const std::vector<int> &subs)
    {
        std::int64_t removed = 0;
        for (int i : subs) {
            if (auto r = engine.purge(subscriptions[static_cast<std::size_t>(i)]))
                removed += static_cast<std::int64_t>(*r);
        }
        return removed;
    }

    Engine engine;
    EntityAddress topic = EntityAddress::queue("bench-topic");
    std::vector<EntityAddress> subscriptions;
};

/**
 * A topic with 100 subscriptions, each with SQL rule `region = 'r<i % 20>' AND priority > 3`:
 * every message (region r<n % 20>, priority 5) matches 5 subscriptions, i.e. 100 filter evaluations
 * and 5 stored copies per routed message. Arg 0: send batch size.
 */
void BM_Topic_Sql100(benchmark::State &state)
{
    constexpr int kSubs = 100;
    constexpr int kRegions = 20;
    constexpr int kMatchesPerMessage = kSubs / kRegions;
    const int batchSize = static_cast<int>(state.range(0));
    VirtualClock clock;
    TopicRig rig(clock);
    if (auto r = rig.createTopic(); !r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    for (int i = 0; i < kSubs; ++i) {
        SqlFilter f;
        f.expression = "region = 'r" + std::to_string(i % kRegions) + "' AND priority > 3";
        if (auto r = rig.addSubscription(i, f); !r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
    }
    std::vector<Message> templates;
    for (int k = 0; k < kRegions; ++k) {
        Message m = makeMessage(k);
        m.applicationProperties.set("region", Value::string("r" + std::to_string(k)));
        templates.push_back(std::move(m));
    }
    std::vector<int> all(kSubs);
    for (int i = 0; i < kSubs; ++i)
        all[static_cast<std::size_t>(i)] = i;

    std::int64_t messages = 0;
    std::int64_t copies = 0;
    for (auto _ : state) {
        for (int sent = 0; sent < kRound; sent += batchSize) {
            std::vector<Message> batch;
            batch.reserve(static_cast<std::size_t>(batchSize));
            for (int i = 0; i < batchSize; ++i)
                batch.push_back(templates[static_cast<std::size_t>((sent + i) % kRegions)]);
            if (!rig.engine.send(rig.topic, std::move(batch))) {
                state.SkipWithError("send failed");
                return;
            }
        }
        state.PauseTiming();
        const std::int64_t stored = rig.purge(all);
        state.ResumeTiming();
        if (stored != static_cast<std::int64_t>(kRound) * kMatchesPerMessage) {
            state.SkipWithError("unexpected number of routed copies");
            return;
        }
        messages += kRound;
        copies += stored;
    }
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
    state.counters["copies"] = benchmark::Counter(static_cast<double>(copies), benchmark::Counter::kIsRate);
}

/**
 * A topic with 5,000 subscriptions, each with a correlation filter. Subscription i matches
 * correlation id (arg 0 = 0) or application property `tenant` (arg 0 = 1) equal to i / 3, so every
 * message matches exactly 3 subscriptions. Messages cycle through all 1,667 keys; each round routes
 * 100 messages, then purges the 300 subscriptions that got copies (timer paused).
 */
void BM_Topic_Correlation5000(benchmark::State &state)
{
    constexpr int kSubs = 5'000;
    constexpr int kPerKey = 3;
    constexpr int kKeys = (kSubs + kPerKey - 1) / kPerKey;
    const bool byProperty = state.range(0) != 0;
    VirtualClock clock;
    TopicRig rig(clock);
    if (auto r = rig.createTopic(); !r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    for (int i = 0; i < kSubs; ++i) {
        CorrelationFilter f;
        if (byProperty)
            f.properties.set("tenant", Value::int64(i / kPerKey));
        else
            f.correlationId = "c" + std::to_string(i / kPerKey);
        if (auto r = rig.addSubscription(i, f); !r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
    }
    const Message templ = makeMessage(1);
    auto messageFor = [&](int key) {
        Message m = templ;
        if (byProperty)
            m.applicationProperties.set("tenant", Value::int64(key));
        else
            m.correlationId = Value::string("c" + std::to_string(key));
        return m;
    };
    auto matchCount = [&](int key) { return std::min(kPerKey, kSubs - key * kPerKey); };

    int nextKey = 0;
    std::int64_t messages = 0;
    std::int64_t copies = 0;
    std::vector<int> touched;
    for (auto _ : state) {
        const int firstKey = nextKey;
        for (int n = 0; n < kRound; ++n) {
            std::vector<Message> batch;
            batch.push_back(messageFor(nextKey));
            nextKey = (nextKey + 1) % kKeys;
            if (!rig.engine.send(rig.topic, std::move(batch))) {
                state.SkipWithError("send failed");
                return;
            }
        }
        state.PauseTiming();
        touched.clear();
        std::int64_t expected = 0;
        for (int n = 0; n < kRound; ++n) {
            const int key = (firstKey + n) % kKeys;
            for (int j = 0; j < matchCount(key); ++j)
                touched.push_back(key * kPerKey + j);
            expected += matchCount(key);
        }
        const std::int64_t stored = rig.purge(touched);
        state.ResumeTiming();
        if (stored != expected) {
            state.SkipWithError("unexpected number of routed copies");
            return;
        }
        messages += kRound;
        copies += stored;
    }
    state.SetItemsProcessed(messages);
    state.counters["msgs"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
    state.counters["copies"] = benchmark::Counter(static_cast<double>(copies), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK(BM_Queue_SendReceiveComplete)
    ->ArgNames({"batch", "sysclock"})
    ->Args({1, 0})
    ->Args({10, 0})
    ->Args({100, 0})
    ->Args({100, 1});
BENCHMARK(BM_Queue_SendReceiveAndDelete)->ArgName("batch")->Arg(1)->Arg(100);
BENCHMARK(BM_Queue_Peek);
BENCHMARK(BM_DurableQueue_SendReceiveComplete)
    ->ArgNames({"batch", "round", "group", "fullsync"})
    ->Args({100, 100, 1, 1})
    ->Args({100, 1000, 1, 1})
    ->Args({1, 1000, 1, 1})
    ->Args({100, 100, 1, 0})
    ->Args({100, 1000, 1, 0})
    ->Args({100, 100, 0, 1})
    ->UseRealTime(); // fsync waits are not CPU time: the durable figure is wall-clock
BENCHMARK(BM_Topic_Sql100)->ArgName("batch")->Arg(1)->Arg(100);
BENCHMARK(BM_Topic_Correlation5000)->ArgName("property")->Arg(0)->Arg(1);

BENCHMARK_MAIN();
