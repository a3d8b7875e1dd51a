package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.Map;

/** A {@code macro} bound to the scope it was defined in; calling it renders its body to a string. */
final class Macro implements PyCallable {
    private final Node.Macro def;
    private final Scope defined;
    private final Renderer renderer;

    Macro(Node.Macro def, Scope defined, Renderer renderer) {
        this.def = def;
        this.defined = defined;
        this.renderer = renderer;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        List<String> params = def.params();
        if (args.size() > params.size())
            throw PyError.type("macro '" + def.name() + "' takes not more than " + params.size() + " argument(s)");
        Scope scope = new Scope(defined);
        scope.set("varargs", new PyTuple(List.of()));
        scope.set("kwargs", new java.util.LinkedHashMap<String, Object>());
        int firstDefault = params.size() - def.defaults().size();
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            Object v;
            if (i < args.size()) {
                if (kwargs.containsKey(p)) throw PyError.type("macro '" + def.name() + "' got multiple values for '" + p + "'");
                v = args.get(i);
            } else if (kwargs.containsKey(p)) {
                v = kwargs.get(p);
            } else if (i >= firstDefault) {
                v = renderer.eval(def.defaults().get(i - firstDefault), scope);
            } else {
                v = new Undefined("parameter '" + p + "' was not provided");
            }
            scope.set(p, v);
        }
        for (String k : kwargs.keySet()) {
            if (!params.contains(k)) throw PyError.type("macro '" + def.name() + "' takes no keyword argument '" + k + "'");
        }
        StringBuilder out = new StringBuilder();
        renderer.renderBody(def.body(), scope, out);
        return out.toString();
    }

    @Override
    public String name() {
        return "macro '" + def.name() + "'";
    }
}
