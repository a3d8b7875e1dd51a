package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eapo4j.model.ModelConfig;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The training settings as flags. One flag per {@link RlConfig} setting is made from its {@code @Setting}
 * declaration ({@link Transformer}: name, aliases, type, help), so a setting is written once; a flag that is not
 * given keeps the config file's (or the task's default, or a resumed run's) value. Validation is
 * {@link RlConfig#validate()}'s alone: the CLI only maps its errors back to the flags ({@link #FLAGS}). The built-in
 * model's size flags are declared here: they are the built-in model's, not RlConfig's.
 */
public final class TrainOptions {
    /** RlConfig JSON name (or another field name of a message) to the flag that sets it. */
    public static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        for (Settings.Entry e : Settings.all()) if (e.flag() != null) FLAGS.put(e.json(), e.flag());
        String[][] more = {
            {"config", "--config"}, {"out", "--out"}, {"resume", "--resume"}, {"init_from", "--init-from"},
            {"d_model", "--d-model"}, {"layers", "--layers"}, {"heads", "--heads"}, {"d_ff", "--d-ff"},
            {"max_len", "--max-len"}, {"nproc", "--nproc"}, {"task", "--task"}, {"model", "--model"},
            {"model_name_or_path", "--model"}, {"adapter", "--adapter"},
        };
        for (String[] p : more) FLAGS.put(p[0], p[1]);
    }

    /** Values of the setting flags given on the command line, by JSON name (typed by picocli). */
    private final Map<String, Object> given = new LinkedHashMap<>();

    @Option(names = "--config", description = "JSON file of RlConfig settings (snake_case names, see docs/TRAINING.md); "
            + "flags override it")
    Path config;
    @Option(names = "--no-std-scale", description = "advantages r - mean (Dr. GRPO): --scale-rewards none")
    Boolean noStdScale;
    @Option(names = "--d-model", description = "built-in model (--task medqa): width of the residual stream")
    Integer dModel;
    @Option(names = "--layers", description = "built-in model: transformer blocks") Integer layers;
    @Option(names = "--heads", description = "built-in model: attention heads") Integer heads;
    @Option(names = "--d-ff", description = "built-in model: MLP width") Integer dFf;
    @Option(names = "--max-len", description = "built-in model: longest prompt + answer") Integer maxLen;

    /**
     * Adds one option per {@link RlConfig} setting that has a flag to a command that mixes in {@link TrainOptions}
     * as {@code opts} ({@code @Command(modelTransformer = TrainOptions.Transformer.class)}).
     */
    public static final class Transformer implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            TrainOptions target = (TrainOptions) spec.mixins().get("opts").userObject();
            for (Settings.Entry e : Settings.all()) {
                if (e.flag() == null) continue;
                Class<?> type = box(e.type());
                OptionSpec.Builder b = OptionSpec.builder(e.flags().toArray(String[]::new)).type(type)
                        .description((e.decl().help() + " (default: " + shown(e.defaultValue()) + ")")
                                .replace("%", "%%"))   // picocli formats descriptions: a bare % is a format error
                        .paramLabel("<" + e.json() + ">").hasInitialValue(false)
                        .setter(new CommandLine.Model.ISetter() {
                            @Override
                            public <T> T set(T value) {
                                if (value != null) target.given.put(e.json(), value);
                                return null;
                            }
                        });
                if (type == Boolean.class) b.arity("0..1");   // --flag, or --flag false
                spec.addOption(b.build());
            }
            return spec;
        }

        private static Class<?> box(Class<?> t) {
            if (t == int.class) return Integer.class;
            if (t == long.class) return Long.class;
            if (t == double.class) return Double.class;
            if (t == boolean.class) return Boolean.class;
            return t;
        }

        private static String shown(Object v) {
            return v instanceof String s && s.isEmpty() ? "\"\"" : String.valueOf(v);
        }
    }

    /**
     * Refuses the flags that only the built-in model has (its size, the fact corpus) where no built-in model trains
     * ({@code why} says what trains instead): they would otherwise be ignored without a word.
     */
    void refuseBuiltinOnly(String why) {
        Object[][] only = {{"fact_warmup_steps", given.get("fact_warmup_steps")},
                {"sft_partial_points", given.get("sft_partial_points")}, {"d_model", dModel}, {"layers", layers},
                {"heads", heads}, {"d_ff", dFf}, {"max_len", maxLen}};
        for (Object[] o : only)
            if (o[1] != null)
                throw new ConfigException((String) o[0], FLAGS.get((String) o[0]) + " sets the built-in model (or "
                        + "its fact-corpus warm-up), which trains with --task medqa and no --model; " + why);
    }

    /** The built-in model's shape: the defaults ({@link ModelConfig#small}) with the size flags applied. */
    ModelConfig builtinModel(int vocab) {
        return builtinModel(ModelConfig.small(vocab));
    }

    /** {@code d} with the size flags applied. */
    ModelConfig builtinModel(ModelConfig d) {
        int dm = dModel != null ? dModel : d.dModel(), h = heads != null ? heads : d.heads();
        if (dm < 1 || dm > 8192) throw new ConfigException("d_model", "must be in [1, 8192], got " + dm);
        if (h < 1 || h > 8192) throw new ConfigException("heads", "must be in [1, 8192], got " + h);
        if (dm % h != 0)
            throw new ConfigException(List.of("d_model", "heads"), "d_model (" + dm
                    + ") must be divisible by heads (" + h + ")");
        int l = layers != null ? layers : d.layers(), ff = dFf != null ? dFf : d.dFf();
        int len = maxLen != null ? maxLen : d.maxLen();
        if (l < 1 || l > 64) throw new ConfigException("layers", "must be in [1, 64], got " + l);
        if (ff < 1 || ff > 32768) throw new ConfigException("d_ff", "must be in [1, 32768], got " + ff);
        if (len < 2 || len > 8192) throw new ConfigException("max_len", "must be in [2, 8192], got " + len);
        return new ModelConfig(d.vocab(), dm, l, h, ff, len);
    }

    /**
     * {@code base} (e.g. a task's defaults or a resumed run's stored settings) with the fields the --config file
     * names and then the given flags applied; validated. {@code base} itself is not changed.
     */
    public RlConfig applyOver(RlConfig base) {
        RlConfig c = config == null ? base.copy() : base.overlay(config);
        given.forEach((json, v) -> Settings.get(json).set(c, v));
        if (noStdScale != null && noStdScale) {
            Object s = given.get("scale_rewards");
            if (s != null && !"none".equalsIgnoreCase((String) s))
                throw new ConfigException("scale_rewards", "--no-std-scale contradicts --scale-rewards " + s);
            c.scaleRewards = "none";
        }
        return c.validate();
    }
}
