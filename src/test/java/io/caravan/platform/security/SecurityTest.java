package io.caravan.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.caravan.CaravanApplication;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import io.caravan.support.TestNeo4j;
import io.caravan.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Bearer tokens and roles for every endpoint; problem+json for 401 and 403; Hawtio behind an admin login. */
class SecurityTest extends CaravanTest {

    @LocalServerPort
    int port;
    Http alice;

    @BeforeEach
    void setUp() {
        alice = Http.as(port, "alice", "user");
    }

    @Test
    void noTokenIs401ProblemJson() {
        var response = Http.anonymous(port).postJson("/chat", Map.of("user_id", "alice", "message", "hi"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(response.json().get("status").asInt()).isEqualTo(401);
    }

    @Test
    void aForeignOrExpiredTokenIs401() {
        var foreign = new Http(port, Tokens.foreign("alice", "user")).get("/chat/history/alice");
        var expired = new Http(port, Tokens.expired("alice", "user")).get("/chat/history/alice");

        assertThat(foreign.status()).isEqualTo(401);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.contentType()).isEqualTo("application/problem+json");
    }

    @Test
    void aUserChatsAndReadsAsThemselves() {
        assertThat(alice.postJson("/chat", Map.of("user_id", "alice", "message", "hi")).status()).isEqualTo(200);
        assertThat(alice.get("/chat/history/alice").status()).isEqualTo(200);
    }

    @Test
    void aUserMayNotActForAnotherUser() {
        var post = alice.postJson("/chat", Map.of("user_id", "bob", "message", "hi"));
        var read = alice.get("/chat/history/bob");

        assertThat(post.status()).isEqualTo(403);
        assertThat(post.contentType()).isEqualTo("application/problem+json");
        assertThat(read.status()).isEqualTo(403);
        assertThat(Http.as(port, "root", "admin").get("/chat/history/bob").status()).isEqualTo(200);
    }

    @Test
    void callerHeadersSentByAClientAreIgnored() {
        var spoofed = alice.getWithHeaders("/chat/history/bob", Map.of("Caravan-User", "bob", "Caravan-Roles", "admin"));

        assertThat(spoofed.status()).isEqualTo(403);
    }

    @Test
    void aHeaderTheFirewallRefusesRefusesTheRequestAndTheOthersAreReadAsSent() throws Exception {
        String token = Tokens.of("alice", "user");
        // byte 0x85 is, read as ISO-8859-1, the C1 control NEL: Tomcat passes it, Spring Security's firewall does not
        String refused = rawPost(token, "X-Note: a\u0085b\r\n");
        String passed = rawPost(token, "X-Note: one\r\nX-Note: two\r\nAccept: application/json\r\n");

        assertThat(refused).startsWith("HTTP/1.1 400").contains("application/problem+json");
        assertThat(passed).startsWith("HTTP/1.1 200").contains("\"interaction_id\"");
    }

    /** POST /chat over a plain socket, with header lines an HTTP client would not send; the whole answer. */
    private String rawPost(String token, String extraHeaders) throws Exception {
        byte[] body = "{\"user_id\":\"alice\",\"message\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        String head = "POST /chat HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n"
                + extraHeaders + "\r\n";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void operationsNeedTheAdminRole() {
        for (String path : new String[] {"/actuator/flows", "/ops/dead-letters", "/actuator/prometheus", "/actuator/health"}) {
            var response = alice.get(path);
            assertThat(response.status()).as(path).isEqualTo(403);
            assertThat(response.contentType()).as(path).isEqualTo("application/problem+json");
        }
        assertThat(alice.post("/actuator/flows", null).status()).isEqualTo(403);
        assertThat(alice.post("/rabbitmq/queues/chat_history/purge", null).status()).isEqualTo(403);
        assertThat(alice.post("/ops/dead-letters/chat_history.dlq/replay", "{\"all\": true}").status()).isEqualTo(403);
        assertThat(alice.delete("/ops/dead-letters/chat_history.dlq/messages/any-id").status()).isEqualTo(403);
        assertThat(alice.get("/rabbitmq/queues/chat_history").status()).as("queue statistics are for users").isEqualTo(200);
        assertThat(Http.as(port, "root", "admin").get("/actuator/flows").status()).isEqualTo(200);
    }

    @Test
    void livenessAndReadinessAndTheApiDocumentAreOpen() {
        Http anonymous = Http.anonymous(port);

        assertThat(anonymous.get("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(anonymous.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(anonymous.get("/api-doc").status()).isEqualTo(200);
        assertThat(anonymous.get("/actuator/health").status()).isEqualTo(401);
    }

    @Test
    void jolokiaTakesAnAdminTokenAndRefusesAUserToken() {
        String search = "/actuator/jolokia/search/org.apache.camel:type=routes,*";

        assertThat(Http.as(port, "root", "admin").get(search).status()).isEqualTo(200);
        assertThat(alice.get(search).status()).isEqualTo(403);
        assertThat(Http.anonymous(port).get(search).status()).isIn(302, 401);
    }

    @Test
    void hawtiosConsoleWorksAfterLoggingInAsAdmin() throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        URI base = URI.create("http://127.0.0.1:" + port);

        var before = browser.send(HttpRequest.newBuilder(base.resolve("/actuator/hawtio/")).build(), HttpResponse.BodyHandlers.ofString());
        var loginPage = browser.send(HttpRequest.newBuilder(base.resolve("/login")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(loginPage.body());
        assertThat(csrf.find()).as(loginPage.body()).isTrue();
        var login = browser.send(HttpRequest.newBuilder(base.resolve("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=console-admin&password=console-password-for-tests&_csrf="
                        + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        var console = browser.send(HttpRequest.newBuilder(base.resolve("/actuator/hawtio/")).build(), HttpResponse.BodyHandlers.ofString());
        var jolokia = browser.send(HttpRequest.newBuilder(base.resolve("/actuator/jolokia/version")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(before.statusCode()).isIn(302, 401);
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElse("")).doesNotContain("error");
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).containsIgnoringCase("hawtio");
        assertThat(jolokia.statusCode()).isEqualTo(200);
        assertThat(jolokia.body()).contains("\"agent\"");
    }

    @Test
    void productionRefusesToStartWithoutAKey() {
        // command-line arguments: they outrank ./application.yaml (builder properties are defaults and would lose
        // to its DB_URL); the database is created if missing, so the test needs nothing an earlier run left behind
        assertThatThrownBy(() -> new SpringApplicationBuilder(CaravanApplication.class)
                .profiles("prod")
                .run("--server.port=0",
                        "--spring.datasource.url=${TEST_DB_URL:jdbc:postgresql://127.0.0.1:5432/caravan_test}",
                        "--caravan.dev.create-database=true",
                        "--spring.neo4j.uri=" + TestNeo4j.boltUri(),
                        "--caravan.security.jwt.secret=",
                        "--caravan.broker.queues.chat-history.name=chat_history.prod-test")
                .close())
                .rootCause()
                .hasMessageContaining("No JWT key configured")
                .hasMessageContaining("CARAVAN_JWT_SECRET");
    }
}
