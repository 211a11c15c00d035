package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Health per dependency, probes, Prometheus route metrics, Hawtio/Jolokia, OpenAPI, the flows endpoint. */
class ObservabilityTest extends CaravanTest {

    @LocalServerPort
    int port;
    Http http;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    @Test
    void healthHasAComponentPerDependency() {
        var health = http.get("/actuator/health").json();

        for (String dependency : new String[] {"db", "rabbit", "redis", "neo4j", "outbox"}) {
            assertThat(health.at("/components/" + dependency + "/status").asText()).as(dependency).isEqualTo("UP");
        }
        assertThat(health.at("/components/qdrant/status").asText()).isNotEmpty();
        assertThat(health.at("/components/camelHealth/status").asText()).isEqualTo("UP");
    }

    @Test
    void livenessAndReadinessGroupsAnswer() {
        var liveness = http.get("/actuator/health/liveness");
        var readiness = http.get("/actuator/health/readiness");

        assertThat(liveness.status()).isEqualTo(200);
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.json().at("/components/rabbit/status").asText()).isEqualTo("UP");
        assertThat(readiness.json().at("/components/db/status").asText()).isEqualTo("UP");
    }

    @Test
    void prometheusHasCamelRouteMetricsByRouteId() {
        assertThat(http.postJson("/chat", Map.of("user_id", "obs-" + UUID.randomUUID(), "message", "hi")).status()).isEqualTo(200);

        String metrics = http.get("/actuator/prometheus").text();

        assertThat(metrics).containsPattern("camel_exchanges_total\\{[^}]*routeId=\"chat-history.ingress\"");
        assertThat(metrics).containsPattern("camel_route_policy_seconds_count\\{[^}]*routeId=\"chat-history.ingress\"");
    }

    @Test
    void prometheusHasCaravansMessageMetrics() {
        assertThat(http.postJson("/chat", Map.of("user_id", "obs-" + UUID.randomUUID(), "message", "hi")).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String metrics = http.get("/actuator/prometheus").text();
            assertThat(metrics).containsPattern("caravan_messages_accepted_total\\{[^}]*queue=\"chat_history\"[^}]*via=\"broker\"");
            assertThat(metrics).containsPattern("caravan_messages_stored_total\\{[^}]*queue=\"chat_history\"");
            assertThat(metrics).containsPattern("caravan_dlq_depth\\{[^}]*queue=\"chat_history\"");
            assertThat(metrics).contains("caravan_outbox_depth");
        });
    }

    @Test
    void hawtioServesItsConsoleAndJolokiaListsEveryRouteById() {
        var console = http.get("/actuator/hawtio/");
        var routes = http.get("/actuator/jolokia/search/org.apache.camel:type=routes,*").text();

        assertThat(console.status()).isEqualTo(200);
        assertThat(console.contentType()).startsWith("text/html");
        for (String id : new String[] {"chat-history.ingress", "chat-history.consume", "chat-history.store",
                "chat-history.history", "responder.reply", "responder.rules"}) {
            assertThat(routes).contains("name=\\\"" + id + "\\\"");
        }
    }

    @Test
    void theRestApiHasAnOpenApiDocument() {
        var doc = http.get("/api-doc").json();

        assertThat(doc.at("/openapi").asText()).startsWith("3.");
        assertThat(doc.at("/paths").has("/chat")).isTrue();
        assertThat(doc.at("/paths").has("/chat/history/{user_id}")).isTrue();
    }

    @Test
    void theFlowsEndpointNamesTheFileEachRouteCameFrom() {
        var routes = http.get("/actuator/flows").json();

        assertThat(routes.findValuesAsText("id")).contains("chat-history.ingress", "responder.reply");
        for (var route : routes) {
            if (route.get("id").asText().startsWith("chat-history.") && !route.get("id").asText().endsWith(".consume")) {
                assertThat(route.get("source").asText()).as(route.get("id").asText()).startsWith("chat-history.yaml");
            }
            if (route.get("id").asText().equals("chat-history.consume")) {
                assertThat(route.get("source").asText()).isEqualTo("route template");
            }
        }
    }
}
