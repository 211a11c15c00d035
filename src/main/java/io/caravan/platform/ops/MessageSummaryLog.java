package io.caravan.platform.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The INFO view of the message traffic: every {@code caravan.logging.summary-interval} (60 s) one line per
 * queue that saw messages since the last line, e.g.
 * <pre>
 * Last 60 s, chat_history: accepted 1204, stored 1198
 * Last 60 s, events.qdrant: stored 310, retried 2, dead-lettered 1
 * </pre>
 * counted from the message counters ({@code caravan.messages.accepted|stored|retried|dead_lettered}, as
 * {@link MessageCounts}), so the log and the metrics agree. Each message is logged on its own at DEBUG only
 * (the flows' {@code log} steps), dead letters and failures at WARN as they happen. The timer route is
 * {@code ops.message-summary}.
 */
@Component("messageSummaryLog")
public class MessageSummaryLog extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(MessageSummaryLog.class);

    /** The kinds in the order a line names them, with the word it uses. */
    private static final Map<String, String> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("accepted", "accepted");
        KINDS.put("stored", "stored");
        KINDS.put("retried", "retried");
        KINDS.put("dead_lettered", "dead-lettered");
    }

    private final MeterRegistry meters;
    private final LoggingProperties logging;
    private Map<String, Map<String, Double>> last;

    public MessageSummaryLog(MeterRegistry meters, LoggingProperties logging) {
        this.meters = meters;
        this.logging = logging;
        this.last = MessageCounts.totals(meters);
    }

    @Override
    public void configure() {
        long period = logging.summaryInterval().toMillis();
        if (period > 0) {
            from("timer:message-summary?period=" + period + "&delay=" + period)
                    .routeId("ops.message-summary")
                    .process(exchange -> logSummary());
        }
    }

    /** Logs what happened since the last call, one line per queue with any messages; nothing if none had any. */
    public synchronized void logSummary() {
        for (String line : summarySinceLast()) {
            LOG.info(line);
        }
    }

    /** The summary lines for the messages counted since the last call (and forgets them). */
    synchronized List<String> summarySinceLast() {
        Map<String, Map<String, Double>> now = MessageCounts.totals(meters);
        Map<String, Map<String, Long>> byQueue = new TreeMap<>();
        for (String kind : KINDS.keySet()) {
            Map<String, Double> before = last.getOrDefault(kind, Map.of());
            now.getOrDefault(kind, Map.of()).forEach((queue, total) -> {
                long delta = Math.round(total - before.getOrDefault(queue, 0.0));
                if (delta > 0) {
                    byQueue.computeIfAbsent(queue, q -> new TreeMap<>()).put(kind, delta);
                }
            });
        }
        last = now;
        long seconds = logging.summaryInterval().toSeconds();
        List<String> lines = new ArrayList<>();
        for (String queue : new TreeSet<>(byQueue.keySet())) {
            Map<String, Long> counts = byQueue.get(queue);
            StringBuilder line = new StringBuilder("Last ").append(seconds).append(" s, ").append(queue).append(':');
            String separator = " ";
            for (Map.Entry<String, String> kind : KINDS.entrySet()) {
                Long n = counts.get(kind.getKey());
                if (n != null) {
                    line.append(separator).append(kind.getValue()).append(' ').append(n);
                    separator = ", ";
                }
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
