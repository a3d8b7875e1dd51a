package org.eapo4j.tensors;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Copies between Java arrays and LibTorch tensors, and small allocation helpers. Every tensor returned owns its
 * memory (no view of a Java array survives the call) and must be closed by the caller.
 */
public final class HostTensors {
    private HostTensors() {}

    public static Tensor fromFloats(float[] data, long... shape) {
        try (FloatPointer p = new FloatPointer(data)) {
            return copyOut(p, shape, ScalarType.Float);
        }
    }

    /** A uint8 tensor of the given shape. */
    public static Tensor fromBytes(byte[] data, long... shape) {
        try (BytePointer p = new BytePointer(data)) {
            return copyOut(p, shape, ScalarType.Byte);
        }
    }

    /** A host tensor moved to the device of {@code like} (the host copy is closed); the same tensor on the CPU. */
    public static Tensor toDeviceOf(Tensor host, Tensor like) {
        if (like.is_cpu()) return host;
        try (Tensor h = host; Device d = like.device()) {
            return h.to(d, h.scalar_type());
        }
    }

    /** A float32 tensor of the given shape filled with one value. */
    public static Tensor full(float value, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        float[] data = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(data, value);
        return fromFloats(data, shape);
    }

    public static Tensor fromLongs(long[] data, long... shape) {
        try (LongPointer p = new LongPointer(data)) {
            return copyOut(p, shape, ScalarType.Long);
        }
    }

    private static Tensor copyOut(Pointer p, long[] shape, ScalarType dtype) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n != p.limit()) throw new IllegalArgumentException("shape holds " + n + " elements, data has " + p.limit());
        try (TensorOptions o = new TensorOptions(dtype); Tensor view = torch.from_blob(p, shape, o)) {
            return view.clone();
        }
    }

    /** The elements of a float32 tensor (any device, any strides) in row-major order. */
    public static float[] toFloats(Tensor t) {
        try (Tensor c = hostContiguous(t, ScalarType.Float); FloatPointer p = new FloatPointer(c.data_ptr())) {
            float[] out = new float[(int) c.numel()];
            p.get(out);
            return out;
        }
    }

    /** The elements of an integer tensor (any device, any strides) as longs, in row-major order. */
    public static long[] toLongs(Tensor t) {
        try (Tensor c = hostContiguous(t, ScalarType.Long); LongPointer p = new LongPointer(c.data_ptr())) {
            long[] out = new long[(int) c.numel()];
            p.get(out);
            return out;
        }
    }

    public static byte[] toBytes(Tensor t) {
        try (Tensor c = hostContiguous(t, ScalarType.Byte); BytePointer p = new BytePointer(c.data_ptr())) {
            byte[] out = new byte[(int) c.numel()];
            p.get(out);
            return out;
        }
    }

    private static Tensor hostContiguous(Tensor t, ScalarType dtype) {
        try (Tensor cpu = t.is_cpu() ? t.alias() : t.cpu(); Tensor typed = cpu.to(dtype)) {
            return typed.contiguous();
        }
    }

    /** An uninitialised tensor of the given shape and dtype on the device of {@code like}. */
    public static Tensor emptyLike(long[] shape, ScalarType dtype, Tensor like) {
        try (Device d = like.device(); DeviceOptional dopt = new DeviceOptional(d);
             TensorOptions base = new TensorOptions(dtype); TensorOptions o = base.device(dopt)) {
            return torch.empty(shape, o, null);
        }
    }
}
