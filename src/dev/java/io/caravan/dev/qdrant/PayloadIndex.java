package io.caravan.dev.qdrant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;

/**
 * A payload index on one field, as {@code create_field_index} asks for: for a keyword (or uuid) index
 * every string value at the field, for an integer index every integer value, maps to the ids of the
 * points holding it, in scroll order. Arrays count element by element, like Qdrant's index. A filter
 * that must match a value of an indexed field then visits only those points instead of the whole
 * collection. Other field types are accepted and reported (payload schema) but not used for lookups.
 * Not thread-safe: its {@link StoredCollection} guards it with its lock.
 */
final class PayloadIndex {

    private final String field;
    private final PayloadSchemaType type;
    private final Map<Object, NavigableSet<PointId>> points = new HashMap<>();
    private long indexed;

    PayloadIndex(String field, PayloadSchemaType type) {
        this.field = field;
        this.type = type;
    }

    PayloadSchemaType type() {
        return type;
    }

    /** How many points have at least one indexed value. */
    long indexedPoints() {
        return indexed;
    }

    /** Whether lookups of this kind of value ({@link String} or {@link Long}) can use the index. */
    boolean serves(Class<?> kind) {
        return switch (type) {
            case Keyword, Uuid -> kind == String.class;
            case Integer -> kind == Long.class;
            default -> false;
        };
    }

    void add(StoredPoint point) {
        boolean any = false;
        for (Object key : keys(point)) {
            any |= points.computeIfAbsent(key, k -> new TreeSet<>(PointIds.ORDER)).add(point.id());
        }
        if (any) {
            indexed++;
        }
    }

    void remove(StoredPoint point) {
        boolean any = false;
        for (Object key : keys(point)) {
            NavigableSet<PointId> ids = points.get(key);
            if (ids != null && ids.remove(point.id())) {
                any = true;
                if (ids.isEmpty()) {
                    points.remove(key);
                }
            }
        }
        if (any) {
            indexed--;
        }
    }

    /** The ids of the points holding this value, in scroll order; empty when none. Do not modify. */
    NavigableSet<PointId> lookup(Object value) {
        NavigableSet<PointId> ids = points.get(value);
        return ids == null ? Collections.emptyNavigableSet() : ids;
    }

    private List<Object> keys(StoredPoint point) {
        List<Value> found = PointFilter.valuesAt(point.payload(), field);
        if (found.isEmpty()) {
            return List.of();
        }
        List<Object> keys = new ArrayList<>(found.size());
        for (Value value : found) {
            if (value.getKindCase() == Value.KindCase.LIST_VALUE) {
                value.getListValue().getValuesList().forEach(element -> addKey(keys, element));
            } else {
                addKey(keys, value);
            }
        }
        return keys;
    }

    private void addKey(List<Object> keys, Value value) {
        if (value.getKindCase() == Value.KindCase.STRING_VALUE && serves(String.class)) {
            keys.add(value.getStringValue());
        } else if (value.getKindCase() == Value.KindCase.INTEGER_VALUE && serves(Long.class)) {
            keys.add(value.getIntegerValue());
        }
    }
}
