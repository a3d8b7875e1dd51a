// Splits [0, n) into contiguous chunks, one per worker thread, and runs fn(begin, end, chunk_index) on each.
// The calling thread takes the first chunk; the others go to a pool of threads that live as long as the library
// (sleeping on a condition variable between calls, never spinning: they must not steal cores from LibTorch's own
// threads). A decode step makes ~200 kernel calls of ~0.1-1 ms each, where starting threads per call cost 5-20% of
// the step. A call that finds the pool busy (another Java thread is inside a kernel) starts its own threads.
#ifndef EAPO4J_PARALLEL_H
#define EAPO4J_PARALLEL_H

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eapo4j {

// Work below this many logits elements per thread is not worth a thread.
constexpr int64_t kMinElementsPerThread = 1 << 15;

class WorkerPool {
public:
    // Never destroyed: worker threads must not outlive a destroyed pool at process exit.
    static WorkerPool& instance() {
        static WorkerPool* pool = new WorkerPool();
        return *pool;
    }

    // Runs job(t) for t in [1, count] on pool threads while the caller runs its own share; false (nothing run) when
    // another caller holds the pool. Rethrows the first exception a worker threw.
    bool run(int count, const std::function<void(int)>& job, const std::function<void()>& own) {
        std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
        if (!owner.owns_lock()) return false;
        {
            std::lock_guard<std::mutex> g(m_);
            while ((int)workers_.size() < count) {
                int index = (int)workers_.size() + 1;
                workers_.emplace_back([this, index] { loop(index); });
            }
            job_ = &job;
            active_ = count;
            pending_ = count;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        std::exception_ptr own_error;
        try {
            own();
        } catch (...) {
            own_error = std::current_exception();
        }
        std::unique_lock<std::mutex> lock(m_);
        done_.wait(lock, [this] { return pending_ == 0; });
        job_ = nullptr;
        if (own_error) std::rethrow_exception(own_error);
        if (error_) std::rethrow_exception(error_);
        return true;
    }

private:
    WorkerPool() = default;

    void loop(int index) {
        uint64_t seen = 0;
        std::unique_lock<std::mutex> lock(m_);
        for (;;) {
            wake_.wait(lock, [&] { return generation_ != seen; });
            seen = generation_;
            if (index > active_) continue;
            const std::function<void(int)>* job = job_;
            lock.unlock();
            std::exception_ptr err;
            try {
                (*job)(index);
            } catch (...) {
                err = std::current_exception();
            }
            lock.lock();
            if (err && !error_) error_ = err;
            if (--pending_ == 0) done_.notify_one();
        }
    }

    std::mutex owner_;   // held by the one caller using the pool
    std::mutex m_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    uint64_t generation_ = 0;
    int active_ = 0, pending_ = 0;
    std::exception_ptr error_;
};

template <typename Fn>
void parallel_rows(int64_t n_rows, int64_t row_cost, int max_threads, Fn fn) {
    int64_t by_work = (n_rows * row_cost) / kMinElementsPerThread;
    int64_t threads = max_threads;
    if (threads > n_rows) threads = n_rows;
    if (threads > by_work) threads = by_work;
    if (threads < 1) threads = 1;
    const int64_t chunk = (n_rows + threads - 1) / threads;
    auto range = [&](int64_t t) {
        int64_t b = t * chunk, e = b + chunk < n_rows ? b + chunk : n_rows;
        if (b < e) fn(b, e, (int)t);
    };
    if (threads == 1) {
        range(0);
        return;
    }
    std::function<void(int)> job = [&](int t) { range(t); };
    std::function<void()> own = [&] { range(0); };
    if (WorkerPool::instance().run((int)threads - 1, job, own)) return;
    std::vector<std::thread> workers;   // the pool is busy: threads of our own, as before the pool
    workers.reserve((size_t)threads - 1);
    for (int64_t t = 1; t < threads; ++t) workers.emplace_back([&, t] { range(t); });
    range(0);
    for (auto& w : workers) w.join();
}

}  // namespace eapo4j

#endif  // EAPO4J_PARALLEL_H
