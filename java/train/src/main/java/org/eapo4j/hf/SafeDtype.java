package org.eapo4j.hf;

import org.bytedeco.pytorch.global.torch.ScalarType;

/** The safetensors element types this reader and writer handle, with their LibTorch counterparts. */
public enum SafeDtype {
    F64(8, ScalarType.Double),
    F32(4, ScalarType.Float),
    BF16(2, ScalarType.BFloat16),
    F16(2, ScalarType.Half),
    I64(8, ScalarType.Long),
    I32(4, ScalarType.Int),
    U8(1, ScalarType.Byte),
    BOOL(1, ScalarType.Bool);

    public final int bytes;
    public final ScalarType scalarType;

    SafeDtype(int bytes, ScalarType scalarType) {
        this.bytes = bytes;
        this.scalarType = scalarType;
    }

    /** The safetensors name ("F32", "BF16", ...), or null when it is not one of ours. */
    public static SafeDtype parse(String name) {
        for (SafeDtype d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    public static SafeDtype of(ScalarType t) {
        for (SafeDtype d : values()) if (d.scalarType == t.intern()) return d;
        throw new IllegalArgumentException("no safetensors dtype for LibTorch " + t);
    }

    /** The name {@code transformers} writes as {@code torch_dtype} in config.json, for the float types. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalStateException("not a float dtype: " + this);
        };
    }

    /** The float dtype of a config.json {@code torch_dtype} value, or null when it is not a float type we load. */
    public static SafeDtype ofTorchName(String name) {
        return switch (name) {
            case "float32", "float" -> F32;
            case "bfloat16" -> BF16;
            case "float16", "half" -> F16;
            default -> null;
        };
    }
}
