package io.caravan.platform.broker;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The PostgreSQL outbox (table {@code outbox}): where an accepted message waits when the broker could
 * not take it during the request. {@link #relay()} (route {@code outbox.relay}) publishes waiting
 * messages oldest first, in batches whose confirms are awaited together, and goes on batch after batch
 * until the outbox is empty (the timer only starts a run), so it drains several times faster than
 * requests fill it; a row is deleted only once the broker confirmed its message. A key (exchange +
 * routing key) whose oldest message fails is not overtaken by its younger ones. One instance relays at
 * a time (a PostgreSQL advisory lock).
 *
 * <p>While the outbox may hold messages ({@link #mayHaveBacklog()}), new messages for a key that has
 * some wait behind them, so order per key holds within an instance.
 */
@Component("outbox")
public class Outbox implements ApplicationListener<ContextClosedEvent> {

    /** Any constant: the advisory lock that makes one instance the relay at a time. */
    private static final long RELAY_LOCK = 0x63617261L;
    /** Rows per relay transaction; their confirms are awaited together. */
    private static final int RELAY_BATCH = 500;
    /** How long a relay run that drained the outbox waits for requests still writing behind the backlog. */
    private static final long LINGER_MILLIS = 250;
    /** A batch smaller than this is the tail of a backlog: quick, so new requests wait for it (see {@link #mustQueueBehind}). */
    private static final int TAIL = 100;
    private static final long TAIL_WAIT_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    /** True until a relay run saw the table empty with no write meanwhile; starts true (rows may be left from before). */
    private final AtomicBoolean mayHaveBacklog = new AtomicBoolean(true);
    private final AtomicLong writes = new AtomicLong();
    /** Held by the relay while a batch is in flight: requests at the tail of a backlog wait for it. */
    private final ReentrantLock relaying = new ReentrantLock();
    /** Messages the last batch relayed. */
    private volatile int lastBatch = RELAY_BATCH;
    /** Notified when messages were stored, for a relay run that lingers after a drain. */
    private final Object written = new Object();
    /** Set when the application closes: a relay run ends after its current batch instead of draining on. */
    private volatile boolean stopping;

    public Outbox(JdbcTemplate jdbc, TransactionTemplate transactions, ConfirmedPublisher publisher, ObjectMapper json,
                  MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.publisher = publisher;
        this.json = json;
        this.meters = meters;
        Gauge.builder("caravan.outbox.depth", this, Outbox::depth)
                .description("messages accepted but not yet handed to the broker").register(meters);
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        stopping = true;
    }

    /** Stores messages to be relayed, all or none (one transaction); throws if PostgreSQL does not take them. */
    public void storeAll(String exchange, String routingKey, List<Message> messages) {
        mayHaveBacklog.set(true);
        transactions.executeWithoutResult(tx -> jdbc.batchUpdate(
                "INSERT INTO outbox (exchange, routing_key, message_id, content_type, headers, body) VALUES (?, ?, ?, ?, ?::jsonb, ?)",
                messages.stream().map(m -> new Object[] {exchange, routingKey, m.getMessageProperties().getMessageId(),
                        m.getMessageProperties().getContentType(), headersJson(m.getMessageProperties().getHeaders()), m.getBody()})
                        .toList()));
        writes.incrementAndGet();
        mayHaveBacklog.set(true);
        synchronized (written) {
            written.notifyAll();
        }
    }

    /** Whether any message may be waiting (cheap, in memory); false only after a relay found the outbox empty. */
    public boolean mayHaveBacklog() {
        return mayHaveBacklog.get();
    }

    /**
     * Whether a new message for this exchange and routing key must queue up behind waiting ones, to keep
     * their order. When the relay is down to the tail of a backlog (its last batch was small, so it is
     * quick), the caller first waits for the batch in flight to be confirmed and deleted and then looks
     * again: otherwise, under steady load, every request that sees the few messages in flight would add
     * one more, and the outbox would never empty.
     */
    public boolean mustQueueBehind(String exchange, String routingKey) {
        if (!mayHaveBacklog() || !hasBacklog(exchange, routingKey)) {
            return false;
        }
        if (lastBatch >= TAIL || relaying.isHeldByCurrentThread()) {
            return true;
        }
        try {
            if (relaying.tryLock(TAIL_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                relaying.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
        return hasBacklog(exchange, routingKey);
    }

    /** Whether messages for this exchange and routing key are waiting (one indexed query). */
    public boolean hasBacklog(String exchange, String routingKey) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE exchange = ? AND routing_key = ?)", Boolean.class, exchange, routingKey));
    }

    /** Messages waiting. */
    public long depth() {
        Long depth = jdbc.queryForObject("SELECT count(*) FROM outbox", Long.class);
        return depth == null ? 0 : depth;
    }

    /** How long the oldest waiting message has waited, or zero. */
    public Duration oldestAge() {
        Timestamp oldest = jdbc.queryForObject("SELECT min(created_at) FROM outbox", Timestamp.class);
        return oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), Instant.now());
    }

    /**
     * Publishes waiting messages, oldest first, batch after batch until the outbox is empty, a batch
     * relays nothing (the broker is away) or the application stops; returns how many were handed to the
     * broker. The timer only starts a run: while a backlog remains the relay does not wait for the next
     * tick. After a drain it lingers {@value #LINGER_MILLIS} ms for requests that saw the backlog and are
     * still writing behind it; otherwise, under steady load, each of them would keep the next requests
     * queueing behind it until the next tick, and the outbox would never empty.
     */
    public int relay() {
        int total = 0;
        long started = System.nanoTime();
        while (!stopping) {
            if (!mayHaveBacklog.get()) {
                if (total == 0 || !awaitWrite()) {
                    break;
                }
                continue;
            }
            Batch batch = relayBatch();
            total += batch.relayed();
            if (!batch.drainOn() && mayHaveBacklog.get()) {
                break; // the broker is away, or another instance relays
            }
        }
        if (total > 0) {
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            LOG.info("Outbox: relayed {} message(s) to the broker in {} ms", total, millis);
        }
        return total;
    }

    /** Waits up to {@value #LINGER_MILLIS} ms for a message to be stored; whether one was. */
    private boolean awaitWrite() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        synchronized (written) {
            long left;
            while (!mayHaveBacklog.get() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(written, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return mayHaveBacklog.get();
    }

    /** What one batch did: how many were relayed, and whether to go on with the next batch at once. */
    private record Batch(int relayed, boolean drainOn) { }

    /**
     * One batch in one transaction: the oldest {@value #RELAY_BATCH} rows, locked, published together
     * with their confirms awaited at once, the confirmed ones deleted.
     *
     * <p>Per-key order: the batch goes out in {@code seq} order on one channel. A key whose oldest
     * message failed before ({@code attempts > 0}) first sends that message alone; only if the broker
     * confirms it do the key's younger messages follow, and if the broker had refused it (rather than
     * being unreachable) one confirm at a time for the rest of the batch, so a key the broker keeps
     * refusing is never overtaken by its own younger messages. (A key's first
     * refusal can only come in a bulk batch: if the queue freed space at that very moment, a younger
     * message of the same batch may already be confirmed behind it; it is not sent twice.)
     */
    private Batch relayBatch() {
        relaying.lock();
        try {
            Batch done = relayBatchLocked();
            // a batch that relayed nothing (broker away, or nothing left) is no quick tail to wait for
            lastBatch = done.relayed() > 0 ? done.relayed() : RELAY_BATCH;
            return done;
        } finally {
            relaying.unlock();
        }
    }

    private Batch relayBatchLocked() {
        long writesBefore = writes.get();
        Batch done = transactions.execute(tx -> {
            if (!Boolean.TRUE.equals(jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)", Boolean.class, RELAY_LOCK))) {
                return new Batch(0, false); // another instance is relaying
            }
            List<Waiting> batch = jdbc.query("SELECT seq, exchange, routing_key, message_id, content_type, headers, body, attempts, last_error "
                    + "FROM outbox ORDER BY seq LIMIT ? FOR UPDATE", this::waiting, RELAY_BATCH);
            if (batch.isEmpty()) {
                if (writes.get() == writesBefore) {
                    mayHaveBacklog.compareAndSet(true, false);
                    return new Batch(0, false);
                }
                // written meanwhile: requests still queue up behind the backlog, so look again at once
                // rather than at the next tick, or under steady load the outbox would never empty
                return new Batch(0, true);
            }
            Set<String> seen = new HashSet<>();
            List<Waiting> probes = new ArrayList<>();
            for (Waiting w : batch) {
                if (seen.add(w.key()) && w.attempts() > 0) {
                    probes.add(w); // the oldest of its key, and it failed before: alone first
                }
            }
            Set<String> careful = new HashSet<>();
            probes.stream().filter(Waiting::refused).forEach(w -> careful.add(w.key()));
            Set<String> blocked = new HashSet<>();
            List<Long> relayed = new ArrayList<>();
            Map<String, Integer> perDestination = new HashMap<>();
            publish(probes, blocked, relayed, perDestination);
            List<Waiting> rest = batch.stream()
                    .filter(w -> !blocked.contains(w.key()) && !probes.contains(w))
                    .toList();
            publish(rest.stream().filter(w -> !careful.contains(w.key())).toList(), blocked, relayed, perDestination);
            // a key the broker refused lately (a full queue) goes one confirm at a time for the rest of this
            // batch and stops at its first refusal: nothing of it is confirmed behind a refused message
            for (Waiting w : rest) {
                if (careful.contains(w.key()) && !blocked.contains(w.key())) {
                    publish(List.of(w), blocked, relayed, perDestination);
                }
            }
            if (!relayed.isEmpty()) {
                jdbc.update("DELETE FROM outbox WHERE seq = ANY (?)", (Object) relayed.toArray(Long[]::new));
            }
            perDestination.forEach((destination, n) ->
                    meters.counter("caravan.messages.published", "queue", destination, "via", "outbox").increment(n));
            // a key the broker refuses does not hold up the others: go on while batches make progress
            return new Batch(relayed.size(), !relayed.isEmpty());
        });
        return done == null ? new Batch(0, false) : done;
    }

    /** Publishes {@code waiting} as one confirmed batch; records relayed seqs and the keys that failed. */
    private void publish(List<Waiting> waiting, Set<String> blocked, List<Long> relayed, Map<String, Integer> perDestination) {
        List<ConfirmedPublisher.Outcome> outcomes = publisher.publishAll(waiting.stream()
                .map(w -> new ConfirmedPublisher.Outgoing(w.exchange(), w.routingKey(), w.message())).toList());
        List<Object[]> failures = new ArrayList<>();
        for (int i = 0; i < waiting.size(); i++) {
            Waiting w = waiting.get(i);
            ConfirmedPublisher.Outcome outcome = outcomes.get(i);
            if (outcome.confirmed()) {
                // confirmed is on its queue, even behind a failed one of its key (deleting it avoids a duplicate)
                relayed.add(w.seq());
                perDestination.merge(DurablePublisher.destination(w.exchange(), w.routingKey()), 1, Integer::sum);
                continue;
            }
            if (!blocked.add(w.key())) {
                continue; // the key's first failure is the one counted
            }
            failures.add(new Object[] {outcome.reason(), w.seq()});
            if (w.attempts() % 30 == 0) {
                LOG.warn("Outbox: broker does not take message {} for '{}' (attempt {}): {}",
                        w.message().getMessageProperties().getMessageId(), w.routingKey(), w.attempts() + 1, outcome.reason());
            }
        }
        if (!failures.isEmpty()) {
            jdbc.batchUpdate("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", failures);
        }
    }

    private record Waiting(long seq, String exchange, String routingKey, Message message, int attempts, String lastError) {

        /** Its last attempt was refused by the broker (a full queue), not lost with the connection. */
        boolean refused() {
            return lastError != null && lastError.startsWith(ConfirmedPublisher.REFUSED);
        }

        /** Order is kept per exchange and routing key. */
        String key() {
            return exchange + '\u0000' + routingKey;
        }
    }

    private Waiting waiting(ResultSet rs, int row) throws SQLException {
        MessageProperties props = new MessageProperties();
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        props.setMessageId(rs.getString("message_id"));
        props.setContentType(rs.getString("content_type"));
        headersFromJson(rs.getString("headers")).forEach(props::setHeader);
        return new Waiting(rs.getLong("seq"), rs.getString("exchange"), rs.getString("routing_key"),
                new Message(rs.getBytes("body"), props), rs.getInt("attempts"), rs.getString("last_error"));
    }

    private String headersJson(Map<String, Object> headers) {
        try {
            return json.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("message headers cannot be stored as JSON", e);
        }
    }

    private Map<String, Object> headersFromJson(String text) {
        try {
            return json.readValue(text, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox row has unreadable headers", e);
        }
    }
}
