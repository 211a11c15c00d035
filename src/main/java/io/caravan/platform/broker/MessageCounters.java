package io.caravan.platform.broker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Caravan's message counters ({@code caravan.messages.*}, tagged {@code queue}), resolved once per tag set
 * and then kept: counting a message is an increment, not a search of the registry (a
 * {@code micrometer:counter:} step or {@code MeterRegistry.counter(name, tags)} looks the meter up on every
 * message). Routes call it as the bean {@code messageCounters}, e.g. {@code stored('chat_history')}.
 *
 * <p>The names and tags are those of docs/failures.md: {@code accepted{queue,via}},
 * {@code published{queue,via}}, {@code stored{queue}}, {@code retried{queue,step}},
 * {@code dead_lettered{queue,failure}}; {@code caravan.responses.cache{result}} for chat-relay's answer cache.
 */
@Component("messageCounters")
public class MessageCounters {

    public static final String ACCEPTED = "caravan.messages.accepted";
    public static final String PUBLISHED = "caravan.messages.published";
    public static final String STORED = "caravan.messages.stored";
    public static final String RETRIED = "caravan.messages.retried";
    public static final String DEAD_LETTERED = "caravan.messages.dead_lettered";
    public static final String RESPONSES_CACHE = "caravan.responses.cache";

    private static final String CONTEXT_TAG = "camelContext";

    /** One counter: its name and its tags as (key, value) pairs. */
    private record Key(String name, String tag1, String value1, String tag2, String value2) { }

    private final MeterRegistry meters;
    private final String camelContext;
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();

    @Autowired
    public MessageCounters(MeterRegistry meters, CamelContext camel) {
        this(meters, camel.getName());
    }

    /**
     * @param camelContext the Camel context's name: {@code stored} and {@code responses.cache} were counted by
     *                     Camel's {@code micrometer:} component, which tags them {@code camelContext}; they keep
     *                     that tag, so a scrape sees one set of tag keys per name whoever counts
     */
    public MessageCounters(MeterRegistry meters, String camelContext) {
        this.meters = meters;
        this.camelContext = camelContext;
    }

    /** Messages an ingress handed on, by where they went ({@code broker} or {@code outbox}). */
    public Counter accepted(String queue, String via) {
        return counter(ACCEPTED, "queue", queue, "via", via);
    }

    /** Messages published to the broker, by who published them ({@code ingress} or {@code outbox}). */
    public Counter published(String queue, String via) {
        return counter(PUBLISHED, "queue", queue, "via", via);
    }

    /** Counts one message of {@code queue} stored by its sink (the consumer's last step). */
    public void stored(String queue) {
        counter(STORED, "queue", queue, CONTEXT_TAG, camelContext).increment();
    }

    /** Counts {@code count} messages of {@code queue} stored together (a batch sink). */
    public void stored(String queue, int count) {
        counter(STORED, "queue", queue, CONTEXT_TAG, camelContext).increment(count);
    }

    /** Messages of {@code queue} sent up the retry ladder to {@code step}. */
    public Counter retried(String queue, int step) {
        return counter(RETRIED, "queue", queue, "step", String.valueOf(step));
    }

    /** Messages of {@code queue} parked in its dead-letter queue, by failure ({@code poison}, {@code transient}). */
    public Counter deadLettered(String queue, String failure) {
        return counter(DEAD_LETTERED, "queue", queue, "failure", failure);
    }

    /** Counts one lookup of chat-relay's answer cache, {@code hit} or {@code miss}. */
    public void responseCache(String result) {
        counter(RESPONSES_CACHE, "result", result, CONTEXT_TAG, camelContext).increment();
    }

    private Counter counter(String name, String tag1, String value1, String tag2, String value2) {
        Key id = new Key(name, tag1, value1, tag2, value2);
        Counter counter = counters.get(id);
        return counter != null ? counter
                : counters.computeIfAbsent(id, key -> meters.counter(key.name(), key.tag1(), key.value1(), key.tag2(), key.value2()));
    }
}
