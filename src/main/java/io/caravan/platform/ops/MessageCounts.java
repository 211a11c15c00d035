package io.caravan.platform.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Recent message counts per queue, from the counters Caravan already keeps
 * ({@code caravan.messages.accepted|stored|retried|dead_lettered}, tagged {@code queue}). Counters only
 * ever grow, so "in the last minutes" is the difference between now and a sample taken about
 * {@code caravan.ops.console.window} ago; the route {@code ops.message-counts} calls {@link #sample()}
 * every {@code caravan.ops.console.sample-interval}. Until the first sample has aged out of the window
 * the counts reach back to this instance's start. Counts are per instance, like the counters.
 */
@Component("messageCounts")
public class MessageCounts {

    /** The counters, by the name the counts carry in JSON. */
    static final Map<String, String> COUNTERS = Map.of(
            "accepted", "caravan.messages.accepted",
            "stored", "caravan.messages.stored",
            "retried", "caravan.messages.retried",
            "dead_lettered", "caravan.messages.dead_lettered");

    /** What the counters said at one moment: kind → queue tag → total. */
    private record Sample(Instant at, Map<String, Map<String, Double>> totals) { }

    /**
     * Counts over a window.
     *
     * @param since   the start of the window (the sample it is measured from, or this instance's start)
     * @param seconds the window's length
     * @param counts  kind ({@code accepted}, {@code stored}, {@code retried}, {@code dead_lettered}) → queue → messages
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Recent(Instant since, long seconds, Map<String, Map<String, Long>> counts) {

        /** Messages of this kind on any of these queues (or exchanges, for {@code accepted}). */
        public long of(String kind, List<String> queues) {
            Map<String, Long> byQueue = counts.getOrDefault(kind, Map.of());
            return queues.stream().distinct().mapToLong(q -> byQueue.getOrDefault(q, 0L)).sum();
        }
    }

    private final MeterRegistry meters;
    private final Duration window;
    private final Clock clock;
    private final Instant started;
    private final Deque<Sample> samples = new ArrayDeque<>();
    /** Whether a sample has been dropped, i.e. the window no longer reaches back to the start. */
    private boolean trimmed;

    @Autowired
    public MessageCounts(MeterRegistry meters, ConsoleProperties console) {
        this(meters, console, Clock.systemUTC());
    }

    MessageCounts(MeterRegistry meters, ConsoleProperties console, Clock clock) {
        this.meters = meters;
        this.window = console.window();
        this.clock = clock;
        this.started = clock.instant();
    }

    /** Takes a sample of the counters, and forgets those no longer needed to measure the window. */
    public synchronized void sample() {
        Instant now = clock.instant();
        samples.addLast(new Sample(now, totals()));
        // keep the newest sample at or before (now - window) as the base; drop everything older
        Instant edge = now.minus(window);
        while (samples.size() > 1 && !samples.stream().skip(1).findFirst().orElseThrow().at().isAfter(edge)) {
            samples.removeFirst();
            trimmed = true;
        }
    }

    /** Messages per kind and queue over about the last {@code window}. */
    public synchronized Recent recent() {
        Instant now = clock.instant();
        Map<String, Map<String, Double>> current = totals();
        Instant since = started;
        Map<String, Map<String, Double>> base = Map.of();
        if (trimmed && !samples.isEmpty()) {
            since = samples.peekFirst().at();
            base = samples.peekFirst().totals();
        }
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        for (String kind : COUNTERS.keySet()) {
            Map<String, Long> byQueue = new TreeMap<>();
            Map<String, Double> before = base.getOrDefault(kind, Map.of());
            current.getOrDefault(kind, Map.of()).forEach((queue, total) ->
                    byQueue.put(queue, Math.max(0, Math.round(total - before.getOrDefault(queue, 0.0)))));
            counts.put(kind, byQueue);
        }
        return new Recent(since, Duration.between(since, now).toSeconds(), counts);
    }

    private Map<String, Map<String, Double>> totals() {
        return totals(meters);
    }

    /** What the counters say now: kind ({@code accepted}, …) → queue tag → total over all other tags. */
    static Map<String, Map<String, Double>> totals(MeterRegistry meters) {
        Map<String, Map<String, Double>> totals = new TreeMap<>();
        COUNTERS.forEach((kind, name) -> {
            Map<String, Double> byQueue = new TreeMap<>();
            // one counter per tag combination (e.g. via=broker|outbox, failure=poison|transient): summed per queue
            for (Counter counter : meters.find(name).counters()) {
                String queue = counter.getId().getTag("queue");
                if (queue != null) {
                    byQueue.merge(queue, counter.count(), Double::sum);
                }
            }
            totals.put(kind, byQueue);
        });
        return totals;
    }
}
