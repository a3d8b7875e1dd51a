package org.eapo4j.kernels;

import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * LibTorch's current CUDA stream as a raw cudaStream_t address. Only touched for CUDA tensors, so the CPU-only
 * LibTorch build never loads its CUDA classes. The stream belongs to LibTorch; nothing here owns memory.
 */
final class TorchCudaStreams {
    private TorchCudaStreams() {}

    static long current(int deviceIndex) {
        try (CUDAStream s = torch_cuda.getCurrentCUDAStream((byte) deviceIndex)) {
            return s.stream().address();
        }
    }
}
