// The CUDA runtime as seen by the eapo4j kernels and tests, answered on the host (see emu_cuda.h): one emulated
// device whose "device memory" is host memory tracked in a table (so cudaPointerGetAttributes can tell device from
// host pointers), and kernel launches that run each block's threads as std::threads.
#include "emu_cuda.h"

#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace emu {

namespace {

struct Warp {
    std::barrier<> bar{32};
    float val[32];
};

constexpr size_t kStaticBytes = 64 * 1024;

struct Block {
    std::unique_ptr<std::barrier<>> bar;
    std::vector<std::unique_ptr<Warp>> warps;
    std::vector<uint4> smem;     // dynamic shared memory
    std::vector<uint4> statics;  // static shared state (EAPO_BLOCK_SHARED)
};

struct Cluster {
    int size = 1;
    std::unique_ptr<std::barrier<>> bar;
    std::vector<Block*> blocks;
};

thread_local Block* t_block = nullptr;
thread_local Cluster* t_cluster = nullptr;
thread_local unsigned t_rank = 0;
thread_local std::optional<std::barrier<>::arrival_token> t_token;

std::map<const void*, Thunk>& registry() {
    static std::map<const void*, Thunk> r;
    return r;
}

std::mutex g_mem_mutex;
std::map<uintptr_t, size_t> g_allocs;  // "device" allocations: start -> bytes
size_t g_in_use = 0;
const size_t kTotal = size_t(8) << 30;
cudaError_t g_last = cudaSuccess;

void* dev_alloc(size_t bytes) {
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!p) return nullptr;
    std::memset(p, 0xA5, bytes);  // garbage, like fresh device memory
    std::lock_guard<std::mutex> g(g_mem_mutex);
    g_allocs[(uintptr_t)p] = bytes;
    g_in_use += bytes;
    return p;
}

cudaError_t dev_free(void* p) {
    if (!p) return cudaSuccess;
    std::lock_guard<std::mutex> g(g_mem_mutex);
    auto it = g_allocs.find((uintptr_t)p);
    if (it == g_allocs.end()) return cudaErrorInvalidValue;
    g_in_use -= it->second;
    g_allocs.erase(it);
    std::free(p);
    return cudaSuccess;
}

bool is_device(const void* p) {
    std::lock_guard<std::mutex> g(g_mem_mutex);
    auto it = g_allocs.upper_bound((uintptr_t)p);
    if (it == g_allocs.begin()) return false;
    --it;
    return (uintptr_t)p < it->first + it->second;
}

}  // namespace

Register::Register(const void* kernel, Thunk thunk) { registry()[kernel] = thunk; }

void syncthreads() { t_block->bar->arrive_and_wait(); }

float shfl_xor(float v, int lane_mask) {
    Warp& w = *t_block->warps[threadIdx.x / 32];
    const int lane = threadIdx.x % 32;
    w.val[lane] = v;
    w.bar.arrive_and_wait();
    float r = w.val[lane ^ lane_mask];
    w.bar.arrive_and_wait();
    return r;
}

void* dynamic_smem_ptr() { return t_block->smem.data(); }
void* block_static_area() { return t_block->statics.data(); }
const void* remote_static(const void* local, int rank) {
    const char* base = reinterpret_cast<const char*>(t_block->statics.data());
    const ptrdiff_t off = reinterpret_cast<const char*>(local) - base;
    if (off < 0 || off >= (ptrdiff_t)kStaticBytes || rank < 0 || rank >= t_cluster->size) {
        std::fprintf(stderr, "emu: bad DSMEM mapping (offset %td, rank %d)\n", off, rank);
        std::abort();
    }
    return reinterpret_cast<const char*>(t_cluster->blocks[rank]->statics.data()) + off;
}
unsigned cluster_rank() { return t_rank; }
int cluster_size() { return t_cluster->size; }
void cluster_arrive() {
    if (t_token) {
        std::fprintf(stderr, "emu: cluster arrive twice without a wait\n");
        std::abort();
    }
    t_token.emplace(t_cluster->bar->arrive());
}
void cluster_wait() {
    if (!t_token) {
        std::fprintf(stderr, "emu: cluster wait without an arrive\n");
        std::abort();
    }
    t_cluster->bar->wait(std::move(*t_token));
    t_token.reset();
}

}  // namespace emu

using namespace emu;

extern "C" {

cudaError_t CUDARTAPI cudaLaunchKernelExC(const cudaLaunchConfig_t* cfg, const void* func, void** args) {
    auto it = registry().find(func);
    if (it == registry().end()) {
        std::fprintf(stderr, "emu: launch of an unregistered kernel\n");
        std::abort();
    }
    unsigned K = 1;
    for (unsigned i = 0; i < cfg->numAttrs; ++i)
        if (cfg->attrs[i].id == cudaLaunchAttributeClusterDimension) K = cfg->attrs[i].val.clusterDim.x;
    const unsigned nthr = cfg->blockDim.x, grid = cfg->gridDim.x;
    if (nthr == 0 || nthr > 1024 || nthr % 32 != 0 || grid == 0 || K == 0 || K > 8 || grid % K != 0)
        return g_last = cudaErrorInvalidConfiguration;
    // The kernels stride over rows (or clusters) by gridDim.x: fewer emulated blocks still cover every row.
    const unsigned groups = grid / K;
    const unsigned emu_groups = groups < (K > 1 ? 2u : 3u) ? groups : (K > 1 ? 2u : 3u);
    for (unsigned g = 0; g < emu_groups; ++g) {
        Cluster cl;
        cl.size = (int)K;
        cl.bar = std::make_unique<std::barrier<>>((std::ptrdiff_t)(K * nthr));
        std::vector<std::unique_ptr<Block>> blocks;
        for (unsigned k = 0; k < K; ++k) {
            auto blk = std::make_unique<Block>();
            blk->bar = std::make_unique<std::barrier<>>((std::ptrdiff_t)nthr);
            for (unsigned w = 0; w < nthr / 32; ++w) blk->warps.push_back(std::make_unique<Warp>());
            blk->smem.resize(cfg->dynamicSmemBytes / 16 + 1);
            std::memset((void*)blk->smem.data(), 0x5A, blk->smem.size() * 16);  // garbage, like real shared memory
            blk->statics.resize(kStaticBytes / 16);
            std::memset((void*)blk->statics.data(), 0x5A, kStaticBytes);
            cl.blocks.push_back(blk.get());
            blocks.push_back(std::move(blk));
        }
        std::vector<std::thread> threads;
        threads.reserve(K * nthr);
        for (unsigned t = 0; t < K * nthr; ++t) {
            threads.emplace_back([&, t, g] {
                const unsigned rank = t / nthr;
                t_block = cl.blocks[rank];
                t_cluster = &cl;
                t_rank = rank;
                t_token.reset();
                threadIdx = make_uint3(t % nthr, 0, 0);
                blockIdx = make_uint3(g * K + rank, 0, 0);
                blockDim = dim3(nthr, 1, 1);
                gridDim = dim3(emu_groups * K, 1, 1);
                it->second(args);
                if (t_token) {
                    std::fprintf(stderr, "emu: thread exited with a cluster arrive not waited for\n");
                    std::abort();
                }
            });
        }
        for (auto& th : threads) th.join();
    }
    return cudaSuccess;
}

cudaError_t CUDARTAPI cudaGetDeviceCount(int* count) {
    *count = 1;
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGetLastError(void) {
    cudaError_t e = g_last;
    g_last = cudaSuccess;
    return e;
}
const char* CUDARTAPI cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated error"; }
const char* CUDARTAPI cudaGetErrorName(cudaError_t e) { return e == cudaSuccess ? "cudaSuccess" : "cudaErrorEmulated"; }
cudaError_t CUDARTAPI cudaPointerGetAttributes(struct cudaPointerAttributes* a, const void* p) {
    std::memset(a, 0, sizeof *a);
    a->type = is_device(p) ? cudaMemoryTypeDevice : cudaMemoryTypeUnregistered;
    a->device = 0;
    a->devicePointer = is_device(p) ? const_cast<void*>(p) : nullptr;
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGetDevice(int* d) {
    *d = 0;
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMalloc(void** p, size_t n) {
    *p = dev_alloc(n ? n : 1);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t CUDARTAPI cudaMallocAsync(void** p, size_t n, cudaStream_t) { return cudaMalloc(p, n); }
cudaError_t CUDARTAPI cudaFree(void* p) { return dev_free(p); }
cudaError_t CUDARTAPI cudaFreeAsync(void* p, cudaStream_t) { return dev_free(p); }
cudaError_t CUDARTAPI cudaMemcpy(void* dst, const void* src, size_t n, enum cudaMemcpyKind) {
    std::memcpy(dst, src, n);
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemcpyAsync(void* dst, const void* src, size_t n, enum cudaMemcpyKind, cudaStream_t) {
    std::memcpy(dst, src, n);
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemset(void* p, int v, size_t n) {
    std::memset(p, v, n);
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaDeviceSynchronize(void) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
    *s = reinterpret_cast<cudaStream_t>(new int(0));
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamDestroy(cudaStream_t s) {
    delete reinterpret_cast<int*>(s);
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaDeviceGetAttribute(int* v, enum cudaDeviceAttr attr, int) {
    // An sm_90-like device with H100's opt-in shared memory (227 KB per block).
    if (attr == cudaDevAttrComputeCapabilityMajor) *v = 9;
    else if (attr == cudaDevAttrMaxSharedMemoryPerBlockOptin) *v = 232448;
    else *v = 0;
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaFuncSetAttribute(const void*, enum cudaFuncAttribute, int) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaOccupancyMaxActiveClusters(int* n, const void*, const cudaLaunchConfig_t*) {
    *n = 1;  // clusters are emulated (see cudaLaunchKernelExC)
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemGetInfo(size_t* free_b, size_t* total) {
    std::lock_guard<std::mutex> g(g_mem_mutex);
    *total = kTotal;
    *free_b = kTotal - g_in_use;
    return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGetDeviceProperties(struct cudaDeviceProp* prop, int) {
    std::memset(prop, 0, sizeof *prop);
    std::snprintf(prop->name, sizeof prop->name, "host emulation (no GPU)");
    prop->major = 9;
    prop->minor = 0;
    prop->multiProcessorCount = 1;
    prop->sharedMemPerBlockOptin = 232448;
    prop->l2CacheSize = 0;
    return cudaSuccess;
}

}  // extern "C"
