package io.caravan.dev.qdrant;

import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

import io.qdrant.client.grpc.Common.PointId;

/** Canonical form and ordering of point ids, as Qdrant keeps them. */
final class PointIds {

    /** Numeric ids sort before UUIDs, numbers as unsigned 64-bit values, UUIDs by their bytes. */
    static final Comparator<PointId> ORDER = PointIds::compare;

    private static final Pattern HYPHENATED = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern SIMPLE = Pattern.compile("[0-9a-f]{32}");

    private PointIds() {
    }

    /**
     * Qdrant accepts UUIDs in hyphenated, simple, braced and URN form and always answers with the
     * lower-case hyphenated form, so ids are stored that way to make lookups form-independent.
     */
    static PointId canonical(PointId id) {
        return switch (id.getPointIdOptionsCase()) {
            case NUM -> id;
            case UUID -> PointId.newBuilder().setUuid(canonicalUuid(id.getUuid())).build();
            case POINTIDOPTIONS_NOT_SET -> throw TestServerStatus.wrongInput("point id is missing");
        };
    }

    static String describe(PointId id) {
        return switch (id.getPointIdOptionsCase()) {
            case NUM -> Long.toUnsignedString(id.getNum());
            case UUID -> id.getUuid();
            case POINTIDOPTIONS_NOT_SET -> "<none>";
        };
    }

    private static String canonicalUuid(String text) {
        String candidate = text.trim().toLowerCase(Locale.ROOT);
        if (candidate.startsWith("urn:uuid:")) {
            candidate = candidate.substring("urn:uuid:".length());
        }
        if (candidate.length() == 38 && candidate.startsWith("{") && candidate.endsWith("}")) {
            candidate = candidate.substring(1, 37);
        }
        if (SIMPLE.matcher(candidate).matches()) {
            candidate = candidate.substring(0, 8) + "-" + candidate.substring(8, 12) + "-"
                    + candidate.substring(12, 16) + "-" + candidate.substring(16, 20) + "-" + candidate.substring(20);
        }
        if (!HYPHENATED.matcher(candidate).matches()) {
            throw TestServerStatus.wrongInput("Unable to parse UUID: " + text);
        }
        return UUID.fromString(candidate).toString();
    }

    private static int compare(PointId a, PointId b) {
        boolean aNum = a.getPointIdOptionsCase() == PointId.PointIdOptionsCase.NUM;
        boolean bNum = b.getPointIdOptionsCase() == PointId.PointIdOptionsCase.NUM;
        if (aNum && bNum) {
            return Long.compareUnsigned(a.getNum(), b.getNum());
        }
        if (aNum != bNum) {
            return aNum ? -1 : 1;
        }
        // Canonical lower-case hex compares like the underlying 128-bit value.
        return a.getUuid().compareTo(b.getUuid());
    }
}
