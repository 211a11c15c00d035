package io.caravan.platform.rest;

import java.io.ByteArrayInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The door of every HTTP endpoint, REST DSL routes and Spring controllers alike: a request body is read
 * once, through {@link StrictJson}, before anything else sees it, and refused with 400 problem+json
 * naming the field if a store could not keep it as it is. What passes goes on as the same bytes, so the
 * flow's JSON Schema and unmarshalling read exactly the one document that was checked. It runs after
 * authentication and authorization (a caller without the right gets 401/403, not a lecture on their
 * JSON). Form posts (the console login) are not JSON and pass untouched; an empty body passes too, for
 * the endpoints that take none, and is refused by the flow's JSON Schema where one is required.
 */
public class JsonBodyFilter extends OncePerRequestFilter {

    /**
     * The most a body may hold. Above the longest string Jackson reads (20 million characters, refused as
     * a 400 naming the field), so that limit still speaks first; a body is held in memory to be checked.
     */
    static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final StrictJson strictJson;
    private final ProblemWriter problems;

    public JsonBodyFilter(StrictJson strictJson, ProblemWriter problems) {
        this.strictJson = strictJson;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String method = request.getMethod();
        if (!("POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method))) {
            return true;
        }
        String type = request.getContentType();
        return type != null && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            problems.write(request, response, HttpStatus.PAYLOAD_TOO_LARGE,
                    "A request body may have at most " + MAX_BODY_BYTES + " bytes; nothing was accepted.");
            return;
        }
        if (body.length > 0) {
            try {
                strictJson.read(body);
            } catch (InvalidRequestException e) {
                problems.badRequest(request, response, e.errors());
                return;
            }
        }
        chain.doFilter(new ReadAgain(request, body), response);
    }

    /** The request with its body, already read, to be read again. */
    private static final class ReadAgain extends HttpServletRequestWrapper {
        private final byte[] body;

        ReadAgain(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body was read already");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
