package io.caravan.platform.security;

import java.util.Arrays;
import java.util.Objects;

import io.caravan.platform.rest.ForbiddenException;
import org.springframework.stereotype.Component;

/**
 * Checks in flows about who is calling. {@link CallerHeaders} puts the authenticated caller on every
 * request as the headers {@value CallerHeaders#USER} (the token's subject) and
 * {@value CallerHeaders#ROLES} (comma-separated), which a client can never set itself.
 */
@Component("caller")
public class Caller {

    /** Passes when the caller is {@code userId} or an admin; else {@link ForbiddenException}. */
    public void requireSelfOrAdmin(Object userId, String caller, String roles) {
        if (!isSelfOrAdmin(userId, caller, roles)) {
            throw new ForbiddenException("user '" + caller + "' may not act for user '" + userId + "'");
        }
    }

    /** Whether the caller is {@code userId} or an admin. */
    public boolean isSelfOrAdmin(Object userId, String caller, String roles) {
        return caller != null && Objects.equals(String.valueOf(userId), caller) || isAdmin(roles);
    }

    public static boolean isAdmin(String roles) {
        return roles != null && Arrays.stream(roles.split(",")).map(String::trim).anyMatch("admin"::equals);
    }
}
