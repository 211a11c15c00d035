package io.caravan.platform.security;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Makes the authenticated caller visible to Camel routes as request headers: Camel's routes may run
 * on another thread than the servlet's, where Spring Security's context is not set. Headers of these
 * names sent by a client are dropped, so they can be trusted.
 */
public class CallerHeaders extends OncePerRequestFilter {

    public static final String USER = "Caravan-User";
    public static final String ROLES = "Caravan-Roles";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Map<String, String> caller = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.isAuthenticated()) {
            caller.put(USER, auth.getName());
            caller.put(ROLES, auth.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                    .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring(5)).collect(Collectors.joining(",")));
        }
        chain.doFilter(new Wrapped(request, caller), response);
    }

    /**
     * The request with the caller's headers, and every other header read once, when the request is wrapped.
     * Spring Security's firewall, below, checks a header's name and value each time one is read (a regular
     * expression per read), and Camel's platform-http reads every header, some more than once: each is now
     * read through the firewall, and so checked, exactly once (a header it refuses refuses the request here,
     * answered by the {@code RequestRejectedHandler}).
     */
    private static final class Wrapped extends HttpServletRequestWrapper {
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final List<String> names = new ArrayList<>();

        Wrapped(HttpServletRequest request, Map<String, String> caller) {
            super(request);
            for (Enumeration<String> e = request.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!ours(name) && !headers.containsKey(name)) {
                    headers.put(name, Collections.list(request.getHeaders(name)));
                    names.add(name);
                }
            }
            caller.forEach((name, value) -> {
                headers.put(name, List.of(value));
                names.add(name);
            });
        }

        private static boolean ours(String name) {
            return USER.equalsIgnoreCase(name) || ROLES.equalsIgnoreCase(name);
        }

        @Override
        public String getHeader(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(headers.getOrDefault(name, List.of()));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(names);
        }

        @Override
        public int getIntHeader(String name) {
            String value = getHeader(name);
            return value == null ? -1 : Integer.parseInt(value);
        }
    }
}
