package io.caravan.platform.broker;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The PostgreSQL outbox (table {@code outbox}): where an accepted message waits when the broker could
 * not take it during the request. {@link #relay()} (route {@code outbox.relay}) publishes waiting
 * messages with confirms, oldest first; a key (exchange + routing key) whose oldest message fails is
 * not overtaken by its younger ones. One instance relays at a time (a PostgreSQL advisory lock).
 *
 * <p>While the outbox may hold messages ({@link #mayHaveBacklog()}), new messages for a key that has
 * some wait behind them, so order per key holds within an instance.
 */
@Component("outbox")
public class Outbox {

    /** Any constant: the advisory lock that makes one instance the relay at a time. */
    private static final long RELAY_LOCK = 0x63617261L;
    private static final int RELAY_BATCH = 200;
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ConfirmedPublisher publisher;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    /** True until a relay run saw the table empty with no write meanwhile; starts true (rows may be left from before). */
    private final AtomicBoolean mayHaveBacklog = new AtomicBoolean(true);
    private final AtomicLong writes = new AtomicLong();

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
    }

    /** Whether any message may be waiting (cheap, in memory); false only after a relay found the outbox empty. */
    public boolean mayHaveBacklog() {
        return mayHaveBacklog.get();
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

    /** Publishes waiting messages, oldest first; returns how many were handed to the broker. */
    public int relay() {
        if (!mayHaveBacklog.get()) {
            return 0;
        }
        long writesBefore = writes.get();
        Integer relayed = transactions.execute(tx -> {
            if (!Boolean.TRUE.equals(jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)", Boolean.class, RELAY_LOCK))) {
                return 0; // another instance is relaying
            }
            List<Waiting> batch = jdbc.query("SELECT seq, exchange, routing_key, message_id, content_type, headers, body, attempts "
                    + "FROM outbox ORDER BY seq LIMIT ? FOR UPDATE", this::waiting, RELAY_BATCH);
            Set<String> blocked = new HashSet<>();
            int count = 0;
            for (Waiting w : batch) {
                String key = w.exchange() + '\u0000' + w.routingKey();
                if (blocked.contains(key)) {
                    continue;
                }
                try {
                    publisher.publish(w.exchange(), w.routingKey(), w.message());
                    jdbc.update("DELETE FROM outbox WHERE seq = ?", w.seq());
                    meters.counter("caravan.messages.published", "queue", DurablePublisher.destination(w.exchange(), w.routingKey()),
                            "via", "outbox").increment();
                    count++;
                } catch (PublishFailedException e) {
                    blocked.add(key);
                    jdbc.update("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", e.getMessage(), w.seq());
                    if (w.attempts() % 30 == 0) {
                        LOG.warn("Outbox: broker still does not take message {} for '{}' (attempt {}): {}",
                                w.message().getMessageProperties().getMessageId(), w.routingKey(), w.attempts() + 1, e.getMessage());
                    }
                }
            }
            if (batch.isEmpty() || (count == batch.size() && batch.size() < RELAY_BATCH
                    && !Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM outbox)", Boolean.class)))) {
                if (writes.get() == writesBefore) {
                    mayHaveBacklog.compareAndSet(true, false);
                }
            }
            return count;
        });
        if (relayed != null && relayed > 0) {
            LOG.info("Outbox: relayed {} message(s) to the broker", relayed);
        }
        return relayed == null ? 0 : relayed;
    }

    private record Waiting(long seq, String exchange, String routingKey, Message message, int attempts) { }

    private Waiting waiting(ResultSet rs, int row) throws SQLException {
        MessageProperties props = new MessageProperties();
        props.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        props.setMessageId(rs.getString("message_id"));
        props.setContentType(rs.getString("content_type"));
        headersFromJson(rs.getString("headers")).forEach(props::setHeader);
        return new Waiting(rs.getLong("seq"), rs.getString("exchange"), rs.getString("routing_key"),
                new Message(rs.getBytes("body"), props), rs.getInt("attempts"));
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
