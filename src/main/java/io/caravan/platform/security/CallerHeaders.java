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

    private static final class Wrapped extends HttpServletRequestWrapper {
        private final Map<String, String> caller;

        Wrapped(HttpServletRequest request, Map<String, String> caller) {
            super(request);
            this.caller = caller;
        }

        private static boolean ours(String name) {
            return USER.equalsIgnoreCase(name) || ROLES.equalsIgnoreCase(name);
        }

        @Override
        public String getHeader(String name) {
            return ours(name) ? caller.get(name) : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (ours(name)) {
                String value = caller.get(name);
                return Collections.enumeration(value == null ? List.of() : List.of(value));
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!ours(name)) {
                    names.add(name);
                }
            }
            names.addAll(caller.keySet());
            return Collections.enumeration(names);
        }
    }
}
