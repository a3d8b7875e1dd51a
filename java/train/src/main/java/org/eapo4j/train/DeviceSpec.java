package org.eapo4j.train;

import java.util.Locale;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * The {@code device} setting: {@code cpu}, {@code cuda} (device 0) or {@code cuda:K}. {@link #require()} refuses a
 * CUDA device that this LibTorch cannot reach (the CPU build of the presets, no driver, K out of range) with one
 * line, before the run touches a tensor.
 *
 * @param cuda  a CUDA device
 * @param index the CUDA device index (0 for cpu)
 */
public record DeviceSpec(boolean cuda, int index) {
    public static final DeviceSpec CPU = new DeviceSpec(false, 0);

    /** @throws IllegalArgumentException not cpu, cuda or cuda:K with K >= 0 */
    public static DeviceSpec parse(String text) {
        if (text == null) throw new IllegalArgumentException("must be cpu, cuda or cuda:K, got null");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return new DeviceSpec(true, 0);
        if (t.startsWith("cuda:")) {
            try {
                int k = Integer.parseInt(t.substring(5));
                if (k >= 0) return new DeviceSpec(true, k);
            } catch (NumberFormatException e) {
                // fall through to the one message
            }
        }
        throw new IllegalArgumentException("must be cpu, cuda or cuda:K (K >= 0), got '" + text + "'");
    }

    /** This device, checked against the LibTorch in use; a LibTorch {@link Device} the caller owns. */
    public Device require() {
        if (!cuda) return new Device(torch.DeviceType.CPU);
        if (!torch.cuda_is_available())
            throw new ConfigException("device", "device " + this + ": this LibTorch has no CUDA (the CPU build of "
                    + "org.bytedeco:pytorch, or no NVIDIA driver); add the GPU build (classifier "
                    + "linux-x86_64-gpu, docs/TRAINING.md, GPU) or use --device cpu");
        long n = torch.cuda_device_count();
        if (index >= n)
            throw new ConfigException("device", "device " + this + ": only " + n + " CUDA device(s) visible");
        return new Device(torch.DeviceType.CUDA, (byte) index);
    }

    @Override
    public String toString() {
        return cuda ? "cuda:" + index : "cpu";
    }
}
