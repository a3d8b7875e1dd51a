package org.eapo4j.kernels.cuda;

import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Device buffers, host/device copies and streams through the JavaCPP CUDA presets ({@code org.bytedeco:cuda},
 * {@code org.bytedeco.cuda.global.cudart}), so that a Java program can drive {@link CudaRawKernels} end to end
 * without LibTorch. Ownership is explicit: {@link Buffer} and {@link Stream} are {@link AutoCloseable}; use them in
 * try-with-resources.
 *
 * <p>The presets' native part (jnicudart and libcudart) ships in the platform jar
 * {@code org.bytedeco:cuda:13.1-9.19-1.5.13:linux-x86_64} (or {@code cuda-platform-redist}), which eapo4j does not
 * depend on by default. {@link #isAvailable()} says whether it could be loaded and {@link #unavailableReason()} why
 * not; nothing here is touched (and no CUDA native is loaded) unless a CUDA device is present.
 */
public final class CudaMemory {
    private CudaMemory() {}

    private static volatile String unavailable;  // null: not probed yet; "": available
    private static final Object LOCK = new Object();

    /**
     * True when a CUDA device is present (per libeapo4j) and the JavaCPP cudart natives load. Never throws; the
     * first call loads the natives.
     */
    public static boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /** Empty when available, otherwise why not (no device, or the presets' natives missing, with the fix). */
    public static String unavailableReason() {
        String r = unavailable;
        if (r != null) return r;
        synchronized (LOCK) {
            if (unavailable == null) unavailable = probe();
            return unavailable;
        }
    }

    private static String probe() {
        if (!CudaRawKernels.isAvailable())
            return "no CUDA device (or libeapo4j built without CUDA): EapoNative.eapo_cuda_device_count() == 0";
        try {
            Loader.load(cudart.class);
            int[] n = {0};
            int st = cudart.cudaGetDeviceCount(n);
            if (st != cudart.cudaSuccess) return "cudaGetDeviceCount failed via the JavaCPP presets: " + errorString(st);
            return n[0] > 0 ? "" : "the JavaCPP cudart presets see no CUDA device";
        } catch (Throwable t) {  // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            return "the JavaCPP CUDA presets' natives are not loadable (" + t.getClass().getSimpleName() + ": "
                    + t.getMessage() + "); add org.bytedeco:cuda:13.1-9.19-1.5.13 with classifier linux-x86_64 "
                    + "(or org.bytedeco:cuda-platform-redist) to the class path";
        }
    }

    private static void requireAvailable() {
        String r = unavailableReason();
        if (!r.isEmpty()) throw new IllegalStateException("CUDA memory helpers unavailable: " + r);
    }

    static String errorString(int status) {
        try {
            BytePointer s = cudart.cudaGetErrorString(status);
            return (s == null ? "?" : s.getString()) + " (CUDA error " + status + ")";
        } catch (Throwable t) {
            return "CUDA error " + status;
        }
    }

    static void check(int status, String what) {
        if (status != cudart.cudaSuccess) throw new IllegalStateException(what + " failed: " + errorString(status));
    }

    /** A raw address as a JavaCPP pointer (no ownership). */
    static Pointer at(long deviceAddress) {
        // Not named "address": inside the anonymous subclass that name is Pointer's own field, which shadows a
        // parameter of the same name (the pointer would silently stay null).
        return new Pointer() {
            {
                address = deviceAddress;
            }
        };
    }

    /** A device allocation (cudaMalloc / cudaFree). */
    public static final class Buffer implements AutoCloseable {
        private long address;
        private final long bytes;

        private Buffer(long address, long bytes) {
            this.address = address;
            this.bytes = bytes;
        }

        /** Allocates {@code bytes} (> 0) of device memory on the current device. */
        public static Buffer allocate(long bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("bytes must be > 0, got " + bytes);
            requireAvailable();
            Pointer p = new Pointer();
            check(cudart.cudaMalloc(p, bytes), "cudaMalloc(" + bytes + ")");
            return new Buffer(p.address(), bytes);
        }

        public static Buffer of(float[] host) {
            Buffer b = allocate(4L * Math.max(1, host.length));
            b.upload(host);
            return b;
        }

        public static Buffer of(long[] host) {
            Buffer b = allocate(8L * Math.max(1, host.length));
            b.upload(host);
            return b;
        }

        /** Raw 16-bit values (bf16 or fp16 bit patterns). */
        public static Buffer of(short[] host) {
            Buffer b = allocate(2L * Math.max(1, host.length));
            b.upload(host);
            return b;
        }

        /** The device address, for {@link CudaRawKernels}. */
        public long address() {
            if (address == 0) throw new IllegalStateException("buffer is closed");
            return address;
        }

        public long bytes() {
            return bytes;
        }

        public void upload(float[] host) {
            try (FloatPointer p = new FloatPointer(host)) {
                copy(at(address()), p, 4L * host.length, cudart.cudaMemcpyHostToDevice);
            }
        }

        public void upload(long[] host) {
            try (LongPointer p = new LongPointer(host)) {
                copy(at(address()), p, 8L * host.length, cudart.cudaMemcpyHostToDevice);
            }
        }

        public void upload(short[] host) {
            try (ShortPointer p = new ShortPointer(host)) {
                copy(at(address()), p, 2L * host.length, cudart.cudaMemcpyHostToDevice);
            }
        }

        public float[] downloadFloats(int n) {
            float[] out = new float[n];
            try (FloatPointer p = new FloatPointer(n)) {
                copy(p, at(address()), 4L * n, cudart.cudaMemcpyDeviceToHost);
                p.get(out);
            }
            return out;
        }

        public short[] downloadShorts(int n) {
            short[] out = new short[n];
            try (ShortPointer p = new ShortPointer(n)) {
                copy(p, at(address()), 2L * n, cudart.cudaMemcpyDeviceToHost);
                p.get(out);
            }
            return out;
        }

        public byte[] downloadBytes(int n) {
            byte[] out = new byte[n];
            try (BytePointer p = new BytePointer(n)) {
                copy(p, at(address()), n, cudart.cudaMemcpyDeviceToHost);
                p.get(out);
            }
            return out;
        }

        /** Sets every byte to {@code value}. */
        public void fill(int value) {
            check(cudart.cudaMemset(at(address()), value, bytes), "cudaMemset");
        }

        private void copy(Pointer dst, Pointer src, long n, int kind) {
            if (n > bytes) throw new IllegalArgumentException("copy of " + n + " bytes exceeds the buffer (" + bytes + ")");
            // cudaMemcpy synchronises with the legacy default stream; kernels on other streams need Stream.synchronize.
            check(cudart.cudaMemcpy(dst, src, n, kind), "cudaMemcpy");
        }

        @Override
        public void close() {
            if (address != 0) {
                long a = address;
                address = 0;
                check(cudart.cudaFree(at(a)), "cudaFree");
            }
        }
    }

    /** A CUDA stream (cudaStreamCreate / cudaStreamDestroy). */
    public static final class Stream implements AutoCloseable {
        private CUstream_st stream;

        public Stream() {
            requireAvailable();
            CUstream_st s = new CUstream_st();
            check(cudart.cudaStreamCreate(s), "cudaStreamCreate");
            stream = s;
        }

        /** The cudaStream_t address, for {@link CudaRawKernels}. */
        public long address() {
            if (stream == null) throw new IllegalStateException("stream is closed");
            return stream.address();
        }

        public void synchronize() {
            if (stream == null) throw new IllegalStateException("stream is closed");
            check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        }

        @Override
        public void close() {
            if (stream != null) {
                CUstream_st s = stream;
                stream = null;
                check(cudart.cudaStreamDestroy(s), "cudaStreamDestroy");
            }
        }
    }
}
