package org.eapo4j.hf.jinja;

import java.util.List;

/** Jinja2's {@code loop} variable inside a for loop (not recursive: depth is always 1). */
final class LoopInfo {
    private final List<Object> items;
    int index0;
    private Object lastChanged = NONE;
    private static final Object NONE = new Object();

    LoopInfo(List<Object> items) {
        this.items = items;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> new PyCallable() {
                @Override
                public Object call(List<Object> args, java.util.Map<String, Object> kwargs) {
                    if (args.isEmpty()) throw PyError.type("no items for cycling given");
                    return args.get(index0 % args.size());
                }

                @Override
                public String name() {
                    return "loop.cycle";
                }
            };
            case "changed" -> new PyCallable() {
                @Override
                public Object call(List<Object> args, java.util.Map<String, Object> kwargs) {
                    Object v = new PyTuple(args);
                    if (lastChanged != NONE && Py.eq(lastChanged, v)) return false;
                    lastChanged = v;
                    return true;
                }

                @Override
                public String name() {
                    return "loop.changed";
                }
            };
            default -> throw PyError.unsupported("loop." + name);
        };
    }
}
