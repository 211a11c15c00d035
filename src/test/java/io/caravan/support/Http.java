package io.caravan.support;

import java.net.http.HttpClient;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * A small HTTP client for tests: every status is an answer, never an exception, and never retried. By
 * default it calls as an operator (a bearer token with roles user and admin); {@link #as} and
 * {@link #anonymous} call as someone else.
 */
public final class Http {

    private final RestClient client;
    private final ObjectMapper json = new ObjectMapper();

    public Http(int port) {
        this(port, Tokens.operator());
    }

    /** Calls with {@code token} as bearer token; none when null. */
    public Http(int port, String token) {
        this(token == null
                ? RestClient.builder().baseUrl("http://127.0.0.1:" + port)
                : RestClient.builder().baseUrl("http://127.0.0.1:" + port).defaultHeader("Authorization", "Bearer " + token));
    }

    private Http(RestClient.Builder builder) {
        // the JDK client: Apache HttpClient (also on the classpath) would silently re-send a request answered
        // 503 with Retry-After, hiding the answer under test and slowing the test down
        this.client = builder
                .requestFactory(new JdkClientHttpRequestFactory(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()))
                .defaultStatusHandler(status -> true, (request, response) -> { }).build();
    }

    /** Calls as {@code user} with {@code roles}. */
    public static Http as(int port, String user, String... roles) {
        return new Http(port, Tokens.of(user, roles));
    }

    /** Calls without a token. */
    public static Http anonymous(int port) {
        return new Http(port, null);
    }

    /** A client for another HTTP server (e.g. RabbitMQ's management API) with basic authentication. */
    public static Http withBasicAuth(String baseUrl, String username, String password) {
        return new Http(RestClient.builder().baseUrl(baseUrl).defaultHeaders(headers -> headers.setBasicAuth(username, password)));
    }

    /** A response: status, content type and body as text. */
    public record Response(int status, String contentType, String text, org.springframework.http.HttpHeaders headers) {

        public String header(String name) {
            return headers.getFirst(name);
        }

        public JsonNode json() {
            try {
                return new ObjectMapper().readTree(text);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }
    }

    public Response get(String path) {
        return client.get().uri(path).exchange((req, res) -> response(res));
    }

    /** GET with URI template variables, each encoded as a whole (a "/" in one becomes %2F). */
    public Response get(String pathTemplate, Object... uriVariables) {
        return client.get().uri(pathTemplate, uriVariables).exchange((req, res) -> response(res));
    }

    /** GET with extra request headers. */
    public Response getWithHeaders(String path, Map<String, String> headers) {
        return client.get().uri(path).headers(h -> headers.forEach(h::add)).exchange((req, res) -> response(res));
    }

    public Response post(String path, String jsonBody) {
        return client.post().uri(path).contentType(MediaType.APPLICATION_JSON).body(jsonBody == null ? "" : jsonBody)
                .exchange((req, res) -> response(res));
    }

    public Response postJson(String path, Object body) {
        return post(path, write(body));
    }

    public Response put(String path, String jsonBody) {
        return client.put().uri(path).contentType(MediaType.APPLICATION_JSON).body(jsonBody == null ? "" : jsonBody)
                .exchange((req, res) -> response(res));
    }

    public Response putJson(String path, Object body) {
        return put(path, write(body));
    }

    public Response delete(String path) {
        return client.delete().uri(path).exchange((req, res) -> response(res));
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Response response(org.springframework.http.client.ClientHttpResponse res) throws java.io.IOException {
        var type = res.getHeaders().getContentType();
        return new Response(res.getStatusCode().value(), type == null ? null : type.toString(),
                new String(res.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), res.getHeaders());
    }
}
