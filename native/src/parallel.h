// Splits [0, n) into contiguous chunks, one per worker thread, and runs fn(begin, end, chunk_index) on each.
// The calling thread takes the first chunk. Threads are short-lived: a kernel call on real shapes costs
// milliseconds, so spawning is noise, and nothing lingers between calls.
#ifndef EAPO4J_PARALLEL_H
#define EAPO4J_PARALLEL_H

#include <cstdint>
#include <thread>
#include <vector>

namespace eapo4j {

// Work below this many logits elements per thread is not worth a thread.
constexpr int64_t kMinElementsPerThread = 1 << 15;

template <typename Fn>
void parallel_rows(int64_t n_rows, int64_t row_cost, int max_threads, Fn fn) {
    int64_t by_work = (n_rows * row_cost) / kMinElementsPerThread;
    int64_t threads = max_threads;
    if (threads > n_rows) threads = n_rows;
    if (threads > by_work) threads = by_work;
    if (threads < 1) threads = 1;
    int64_t chunk = (n_rows + threads - 1) / threads;
    std::vector<std::thread> workers;
    workers.reserve((size_t)threads - 1);
    for (int64_t t = 1; t < threads; ++t) {
        int64_t b = t * chunk, e = b + chunk < n_rows ? b + chunk : n_rows;
        if (b >= e) break;
        workers.emplace_back([=, &fn] { fn(b, e, (int)t); });
    }
    fn(0, chunk < n_rows ? chunk : n_rows, 0);
    for (auto& w : workers) w.join();
}

}  // namespace eapo4j

#endif  // EAPO4J_PARALLEL_H
