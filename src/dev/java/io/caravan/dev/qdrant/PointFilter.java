package io.caravan.dev.qdrant;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.FieldCondition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.Match;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.Common.ValuesCount;
import io.qdrant.client.grpc.JsonWithInt.Value;

/**
 * Compiles a Qdrant {@link Filter} into a predicate over stored points, following Qdrant's
 * unindexed payload checks: a condition on an array matches if any element matches, a missing
 * key matches only {@code is_empty} / {@code is_null == false}, {@code a.b} walks objects and
 * {@code a[].b} walks every element of the array {@code a}.
 *
 * <p>Compilation rejects what the test server cannot evaluate (geo and datetime conditions)
 * up front, so a compiled predicate never throws while a collection lock is held.
 */
final class PointFilter {

    private PointFilter() {
    }

    /**
     * A condition the filter's {@code must} list requires, which a payload index can answer: the value at
     * {@code key} is one of {@code values} (all {@link String} or all {@link Long}, as {@code kind} says);
     * {@code key} null means the point id is one of {@code values} ({@link PointId}s).
     */
    record Lookup(String key, Class<?> kind, Set<Object> values) {
    }

    /**
     * The {@code must} conditions of the filter that an index can narrow the candidates by; every point
     * the filter matches satisfies each of them. The filter is still tested on every candidate.
     */
    static List<Lookup> lookups(Filter filter) {
        List<Lookup> lookups = new ArrayList<>();
        for (Condition condition : filter.getMustList()) {
            if (condition.getConditionOneOfCase() == Condition.ConditionOneOfCase.HAS_ID) {
                Set<Object> ids = new HashSet<>();
                condition.getHasId().getHasIdList().forEach(id -> ids.add(PointIds.canonical(id)));
                lookups.add(new Lookup(null, PointId.class, ids));
                continue;
            }
            if (condition.getConditionOneOfCase() != Condition.ConditionOneOfCase.FIELD) {
                continue;
            }
            FieldCondition field = condition.getField();
            // counting and emptiness checks take precedence over the match (see field(FieldCondition)); a range is an alternative
            if (!field.hasMatch() || field.hasRange() || field.hasValuesCount() || field.hasIsEmpty() || field.hasIsNull()) {
                continue;
            }
            Match match = field.getMatch();
            switch (match.getMatchValueCase()) {
                case KEYWORD -> lookups.add(new Lookup(field.getKey(), String.class, Set.of(match.getKeyword())));
                case INTEGER -> lookups.add(new Lookup(field.getKey(), Long.class, Set.of(match.getInteger())));
                case KEYWORDS -> lookups.add(new Lookup(field.getKey(), String.class, Set.copyOf(match.getKeywords().getStringsList())));
                case INTEGERS -> lookups.add(new Lookup(field.getKey(), Long.class, Set.copyOf(match.getIntegers().getIntegersList())));
                default -> { }
            }
        }
        return lookups;
    }

    static Predicate<StoredPoint> compile(Filter filter) {
        Check check = filter(filter);
        return point -> check.test(point.payload(), point);
    }

    @FunctionalInterface
    private interface Check {
        boolean test(Map<String, Value> payload, StoredPoint point);
    }

    /** Checks one value found at the condition's key; arrays arrive whole. */
    private interface FieldCheck {
        boolean test(Value value);

        /** Answer for a point that has nothing at the key. */
        boolean whenMissing();
    }

    private static Check filter(Filter filter) {
        List<Check> must = conditions(filter.getMustList());
        List<Check> mustNot = conditions(filter.getMustNotList());
        List<Check> should = conditions(filter.getShouldList());
        List<Check> minShould = filter.hasMinShould() ? conditions(filter.getMinShould().getConditionsList()) : null;
        long minCount = filter.hasMinShould() ? filter.getMinShould().getMinCount() : 0;
        return (payload, point) -> {
            for (Check c : must) {
                if (!c.test(payload, point)) {
                    return false;
                }
            }
            for (Check c : mustNot) {
                if (c.test(payload, point)) {
                    return false;
                }
            }
            if (!should.isEmpty() && should.stream().noneMatch(c -> c.test(payload, point))) {
                return false;
            }
            return minShould == null || minShould.stream().filter(c -> c.test(payload, point)).count() >= minCount;
        };
    }

    private static List<Check> conditions(List<Condition> conditions) {
        return conditions.stream().map(PointFilter::condition).toList();
    }

    private static Check condition(Condition condition) {
        return switch (condition.getConditionOneOfCase()) {
            case FIELD -> field(condition.getField());
            case IS_EMPTY -> field(condition.getIsEmpty().getKey(), emptyCheck(true));
            case IS_NULL -> field(condition.getIsNull().getKey(), nullCheck(true));
            case HAS_ID -> hasId(condition.getHasId().getHasIdList());
            case HAS_VECTOR -> {
                String name = condition.getHasVector().getHasVector();
                yield (payload, point) -> point.vectors().containsKey(name);
            }
            case FILTER -> filter(condition.getFilter());
            case NESTED -> nested(condition.getNested().getKey(), filter(condition.getNested().getFilter()));
            case CONDITIONONEOF_NOT_SET -> throw TestServerStatus.wrongInput("filter condition is empty");
        };
    }

    private static Check hasId(List<PointId> ids) {
        Set<PointId> wanted = new HashSet<>();
        ids.forEach(id -> wanted.add(PointIds.canonical(id)));
        return (payload, point) -> wanted.contains(point.id());
    }

    /** Nested conditions evaluate the whole inner filter against each object of the array. */
    private static Check nested(String key, Check inner) {
        return (payload, point) -> {
            for (Value value : valuesAt(payload, key)) {
                List<Value> elements = value.getKindCase() == Value.KindCase.LIST_VALUE
                        ? value.getListValue().getValuesList() : List.of(value);
                for (Value element : elements) {
                    if (element.getKindCase() == Value.KindCase.STRUCT_VALUE
                            && inner.test(element.getStructValue().getFieldsMap(), point)) {
                        return true;
                    }
                }
            }
            return false;
        };
    }

    private static Check field(FieldCondition condition) {
        if (condition.hasGeoBoundingBox() || condition.hasGeoRadius() || condition.hasGeoPolygon()) {
            throw TestServerStatus.unsupported("Geo filter conditions");
        }
        if (condition.hasDatetimeRange()) {
            throw TestServerStatus.unsupported("Datetime range filter conditions");
        }
        // Qdrant gives the counting and emptiness checks precedence over value checks.
        if (condition.hasValuesCount()) {
            return field(condition.getKey(), valuesCount(condition.getValuesCount()));
        }
        if (condition.hasIsEmpty()) {
            return field(condition.getKey(), emptyCheck(condition.getIsEmpty()));
        }
        if (condition.hasIsNull()) {
            return field(condition.getKey(), nullCheck(condition.getIsNull()));
        }
        List<Predicate<Value>> alternatives = new ArrayList<>();
        if (condition.hasMatch()) {
            alternatives.add(match(condition.getMatch()));
        }
        if (condition.hasRange()) {
            alternatives.add(range(condition.getRange()));
        }
        if (alternatives.isEmpty()) {
            throw TestServerStatus.wrongInput("field condition on `" + condition.getKey() + "` has no condition");
        }
        Predicate<Value> any = value -> alternatives.stream().anyMatch(p -> p.test(value));
        return field(condition.getKey(), new FieldCheck() {
            @Override
            public boolean test(Value value) {
                if (value.getKindCase() == Value.KindCase.LIST_VALUE) {
                    return value.getListValue().getValuesList().stream().anyMatch(any);
                }
                return any.test(value);
            }

            @Override
            public boolean whenMissing() {
                return false;
            }
        });
    }

    private static Check field(String key, FieldCheck check) {
        return (payload, point) -> {
            List<Value> values = valuesAt(payload, key);
            if (values.isEmpty()) {
                return check.whenMissing();
            }
            return values.stream().anyMatch(check::test);
        };
    }

    private static Predicate<Value> match(Match match) {
        return switch (match.getMatchValueCase()) {
            case KEYWORD -> {
                String keyword = match.getKeyword();
                yield v -> isString(v) && v.getStringValue().equals(keyword);
            }
            case INTEGER -> {
                long integer = match.getInteger();
                yield v -> isInteger(v) && v.getIntegerValue() == integer;
            }
            case BOOLEAN -> {
                boolean bool = match.getBoolean();
                yield v -> v.getKindCase() == Value.KindCase.BOOL_VALUE && v.getBoolValue() == bool;
            }
            case TEXT -> contains(match.getText());
            case PHRASE -> contains(match.getPhrase());
            case TEXT_ANY -> {
                List<String> tokens = List.of(match.getTextAny().trim().split("\\s+"));
                yield v -> isString(v) && tokens.stream().anyMatch(t -> !t.isEmpty() && v.getStringValue().contains(t));
            }
            case KEYWORDS -> {
                Set<String> keywords = Set.copyOf(match.getKeywords().getStringsList());
                yield v -> isString(v) && keywords.contains(v.getStringValue());
            }
            case INTEGERS -> {
                Set<Long> integers = Set.copyOf(match.getIntegers().getIntegersList());
                yield v -> isInteger(v) && integers.contains(v.getIntegerValue());
            }
            // Qdrant: null never matches "except", values of another type always do.
            case EXCEPT_KEYWORDS -> {
                Set<String> excluded = Set.copyOf(match.getExceptKeywords().getStringsList());
                yield v -> !isNullValue(v) && !(isString(v) && excluded.contains(v.getStringValue()));
            }
            case EXCEPT_INTEGERS -> {
                Set<Long> excluded = Set.copyOf(match.getExceptIntegers().getIntegersList());
                yield v -> !isNullValue(v) && !(isInteger(v) && excluded.contains(v.getIntegerValue()));
            }
            case MATCHVALUE_NOT_SET -> throw TestServerStatus.wrongInput("match condition has no value");
        };
    }

    private static Predicate<Value> contains(String text) {
        return v -> isString(v) && v.getStringValue().contains(text);
    }

    private static Predicate<Value> range(Range range) {
        return v -> {
            double number;
            if (isInteger(v)) {
                number = v.getIntegerValue();
            } else if (v.getKindCase() == Value.KindCase.DOUBLE_VALUE) {
                number = v.getDoubleValue();
            } else {
                return false;
            }
            return (!range.hasLt() || number < range.getLt())
                    && (!range.hasLte() || number <= range.getLte())
                    && (!range.hasGt() || number > range.getGt())
                    && (!range.hasGte() || number >= range.getGte());
        };
    }

    private static FieldCheck valuesCount(ValuesCount count) {
        return new FieldCheck() {
            @Override
            public boolean test(Value value) {
                long n = switch (value.getKindCase()) {
                    case NULL_VALUE -> 0;
                    case LIST_VALUE -> value.getListValue().getValuesCount();
                    default -> 1;
                };
                return (!count.hasLt() || n < count.getLt())
                        && (!count.hasLte() || n <= count.getLte())
                        && (!count.hasGt() || n > count.getGt())
                        && (!count.hasGte() || n >= count.getGte());
            }

            @Override
            public boolean whenMissing() {
                return false;
            }
        };
    }

    private static FieldCheck emptyCheck(boolean expected) {
        return new FieldCheck() {
            @Override
            public boolean test(Value value) {
                boolean empty = switch (value.getKindCase()) {
                    case NULL_VALUE -> true;
                    case LIST_VALUE -> value.getListValue().getValuesCount() == 0;
                    default -> false;
                };
                return empty == expected;
            }

            @Override
            public boolean whenMissing() {
                return expected;
            }
        };
    }

    private static FieldCheck nullCheck(boolean expected) {
        return new FieldCheck() {
            @Override
            public boolean test(Value value) {
                boolean isNull = switch (value.getKindCase()) {
                    case NULL_VALUE -> true;
                    case LIST_VALUE -> value.getListValue().getValuesList().stream().anyMatch(PointFilter::isNullValue);
                    default -> false;
                };
                return isNull == expected;
            }

            @Override
            public boolean whenMissing() {
                return !expected;
            }
        };
    }

    private static boolean isString(Value v) {
        return v.getKindCase() == Value.KindCase.STRING_VALUE;
    }

    private static boolean isInteger(Value v) {
        return v.getKindCase() == Value.KindCase.INTEGER_VALUE;
    }

    private static boolean isNullValue(Value v) {
        return v.getKindCase() == Value.KindCase.NULL_VALUE;
    }

    /** The values a key path points at; an array at the end of the path is returned whole. */
    static List<Value> valuesAt(Map<String, Value> payload, String key) {
        List<Value> found = new ArrayList<>();
        collect(payload, key.split("\\."), 0, found);
        return found;
    }

    private static void collect(Map<String, Value> object, String[] path, int index, List<Value> found) {
        String segment = path[index];
        boolean eachElement = segment.endsWith("[]");
        Value child = object.get(eachElement ? segment.substring(0, segment.length() - 2) : segment);
        if (child == null) {
            return;
        }
        List<Value> children = eachElement && child.getKindCase() == Value.KindCase.LIST_VALUE
                ? child.getListValue().getValuesList() : List.of(child);
        for (Value value : children) {
            if (index == path.length - 1) {
                found.add(value);
            } else if (value.getKindCase() == Value.KindCase.STRUCT_VALUE) {
                collect(value.getStructValue().getFieldsMap(), path, index + 1, found);
            }
        }
    }
}
