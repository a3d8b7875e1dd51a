package org.eapo4j.train;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one declaration of a setting of {@link RlConfig} (as TRL's GRPOConfig fields carry their help): what it means,
 * where it comes from, its CLI flag and its range. The JSON name is the field's snake_case; validation
 * ({@link Settings#checkRanges}), the CLI's options and the docs/TRAINING.md table are made from these declarations
 * (SettingsDocTest checks the table).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Setting {
    /** One sentence: what the setting does (the CLI help and the docs table). */
    String help();

    /** Where the name and meaning come from: "TRL", "verl", "PEFT", "EAPO" (our reconstruction), "eapo4j". */
    String source() default "eapo4j";

    /** The CLI flag; empty = {@code --} + the JSON name with dashes; "-" = no flag (set otherwise). */
    String flag() default "";

    /** More CLI spellings of the same flag. */
    String[] aliases() default {};

    /** Smallest allowed value (numbers; NaN = no bound). */
    double min() default Double.NaN;

    /** Largest allowed value (numbers; NaN = no bound). */
    double max() default Double.NaN;

    /** The bounds exclude themselves: (min, max) instead of [min, max]. */
    boolean minExclusive() default false;

    boolean maxExclusive() default false;

    /** The allowed values of a string setting (empty = free text). */
    String[] choices() default {};
}
