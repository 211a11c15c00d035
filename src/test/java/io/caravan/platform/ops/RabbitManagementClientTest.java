package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

/** How the management API's URLs are built: the vhost and queue name are one path segment each. */
class RabbitManagementClientTest {

    @Test
    void theDefaultVhostIsEncoded() {
        URI uri = RabbitManagementClient.queueUri(URI.create("http://127.0.0.1:15672"), "/", "chat_history.dlq");

        assertThat(uri.getRawPath()).isEqualTo("/api/queues/%2F/chat_history.dlq");
        assertThat(uri.getRawQuery()).startsWith("columns=name,messages_ready,");
    }

    @Test
    void aVhostOrQueueWithReservedCharactersStaysOneSegment() {
        URI uri = RabbitManagementClient.queueUri(URI.create("http://rabbitmq:15672/"), "team a/b", "q#1?x");

        assertThat(uri.getRawPath()).isEqualTo("/api/queues/team%20a%2Fb/q%231%3Fx");
    }

    @Test
    void aBaseUrlWithAPathPrefixIsKept() {
        URI uri = RabbitManagementClient.queuesUri(URI.create("https://ops.example/rabbitmq/"), "caravan-queues");

        assertThat(uri.toString()).startsWith("https://ops.example/rabbitmq/api/queues/caravan-queues?columns=");
    }
}
