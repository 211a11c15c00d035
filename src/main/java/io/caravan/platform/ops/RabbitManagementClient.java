package io.caravan.platform.ops;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.boot.autoconfigure.amqp.RabbitProperties;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Reads queue statistics from RabbitMQ's management HTTP API ({@link RabbitManagementProperties}), in
 * the vhost and with the credentials Caravan's AMQP connection uses ({@code spring.rabbitmq.*}).
 * Read only. Every method throws {@link RestClientException} when the API does not answer with data
 * (unreachable, refused, unknown queue); callers then ask the broker over AMQP instead.
 */
@Component
public class RabbitManagementClient {

    /** Only the fields Caravan shows, so a queue with many consumers is still a small answer. */
    static final String QUEUE_COLUMNS = "name,messages_ready,messages_unacknowledged,consumers,"
            + "message_stats.publish_details.rate,message_stats.deliver_get_details.rate";

    /**
     * One queue as the management API reports it. Counts are null until the broker has emitted
     * statistics for a new queue; rates are messages per second over the last sample.
     *
     * @param deliverRate deliveries to consumers plus {@code basic.get}s (RabbitMQ's {@code deliver_get})
     */
    public record QueueCounts(String name, Long messagesReady, Long messagesUnacknowledged, Integer consumers,
                              Double publishRate, Double deliverRate) { }

    private final RestClient http;
    private final URI url;
    private final String vhost;

    public RabbitManagementClient(RabbitManagementProperties settings, RabbitProperties rabbit, RestClient.Builder builder) {
        this.url = settings.url();
        String virtualHost = rabbit.determineVirtualHost();
        this.vhost = virtualHost == null || virtualHost.isEmpty() ? "/" : virtualHost;
        this.http = builder
                .requestFactory(ClientHttpRequestFactoryBuilder.detect().build(ClientHttpRequestFactorySettings.defaults()
                        .withTimeouts(settings.connectTimeout(), settings.readTimeout())))
                .defaultHeaders(headers -> headers.setBasicAuth(rabbit.determineUsername(), rabbit.determinePassword()))
                .build();
    }

    /** The API's base URL, for messages. */
    public URI url() {
        return url;
    }

    /** The broker's RabbitMQ version as the API reports it; answers only if the API is usable. */
    public String version() {
        JsonNode overview = get(UriComponentsBuilder.fromUri(url).pathSegment("api", "overview")
                .queryParam("columns", "rabbitmq_version").build().encode().toUri());
        return overview.path("rabbitmq_version").asText(null);
    }

    /** One queue of Caravan's vhost. */
    public QueueCounts queue(String name) {
        return counts(get(queueUri(url, vhost, name)));
    }

    /** Every queue of Caravan's vhost, by name. */
    public Map<String, QueueCounts> queues() {
        Map<String, QueueCounts> queues = new LinkedHashMap<>();
        for (JsonNode queue : get(queuesUri(url, vhost))) {
            QueueCounts counts = counts(queue);
            queues.put(counts.name(), counts);
        }
        return queues;
    }

    /** {@code <url>/api/queues/<vhost>/<name>}: the vhost and name are each one encoded path segment ({@code /} is {@code %2F}). */
    static URI queueUri(URI base, String vhost, String name) {
        return UriComponentsBuilder.fromUri(base).pathSegment("api", "queues", vhost, name)
                .queryParam("columns", QUEUE_COLUMNS).build().encode().toUri();
    }

    /** {@code <url>/api/queues/<vhost>}, vhost encoded as one path segment. */
    static URI queuesUri(URI base, String vhost) {
        return UriComponentsBuilder.fromUri(base).pathSegment("api", "queues", vhost)
                .queryParam("columns", QUEUE_COLUMNS).build().encode().toUri();
    }

    private JsonNode get(URI uri) {
        JsonNode body = http.get().uri(uri).accept(MediaType.APPLICATION_JSON).retrieve().body(JsonNode.class);
        if (body == null) {
            throw new RestClientException("empty answer from " + uri);
        }
        return body;
    }

    private static QueueCounts counts(JsonNode queue) {
        JsonNode stats = queue.path("message_stats");
        return new QueueCounts(queue.path("name").asText(),
                queue.hasNonNull("messages_ready") ? queue.get("messages_ready").asLong() : null,
                queue.hasNonNull("messages_unacknowledged") ? queue.get("messages_unacknowledged").asLong() : null,
                queue.hasNonNull("consumers") ? queue.get("consumers").asInt() : null,
                // no message_stats means the broker saw no such traffic: a rate of zero
                stats.path("publish_details").path("rate").asDouble(0.0),
                stats.path("deliver_get_details").path("rate").asDouble(0.0));
    }
}
