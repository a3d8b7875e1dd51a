# Included by native/CMakeLists.txt when nvcc is available (EAPO4J_HAVE_CUDA): adds the CUDA kernels to libeapo4j.so
# and builds the GPU test and benchmark programs (cuda/dev/). Only sm_80 and sm_90 machine code plus sm_90 PTX (for newer GPUs)
# are compiled, to keep builds short. The CUDA runtime is linked statically: libeapo4j.so needs libcuda.so (the
# driver, loaded at run time by cudart) but not libcudart.so, so it loads on machines without the CUDA toolkit.
# No --use_fast_math: -inf logits must stay exact; the kernels use __expf only where -inf still gives 0.
set(EAPO4J_CUDA_DIR ${EAPO4J_ROOT}/cuda)
set(EAPO4J_CUDA_ARCHS "80-real;90-real;90-virtual" CACHE STRING
    "CUDA architectures of the eapo4j kernels (CMake CUDA_ARCHITECTURES syntax)")
message(STATUS "eapo4j: building the CUDA kernels for ${EAPO4J_CUDA_ARCHS} (${CMAKE_CUDA_COMPILER_VERSION})")

set(EAPO4J_CUDA_SOURCES
  ${EAPO4J_CUDA_DIR}/api_cuda.cu
  ${EAPO4J_CUDA_DIR}/token_stats.cu
  ${EAPO4J_CUDA_DIR}/policy_loss.cu
  ${EAPO4J_CUDA_DIR}/sampling.cu
  ${EAPO4J_CUDA_DIR}/adamw.cu)
target_sources(eapo4j PRIVATE ${EAPO4J_CUDA_SOURCES})
target_include_directories(eapo4j PRIVATE ${EAPO4J_CUDA_DIR})
set_target_properties(eapo4j PROPERTIES
  CUDA_ARCHITECTURES "${EAPO4J_CUDA_ARCHS}"
  CUDA_STANDARD 17
  CUDA_STANDARD_REQUIRED ON
  CUDA_RUNTIME_LIBRARY Static)
target_compile_options(eapo4j PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 --Werror=all-warnings -Xcompiler=-fno-math-errno>)
# cudart_static needs these at link time; -Wl,--no-undefined (native/CMakeLists.txt) checks it.
target_link_libraries(eapo4j PRIVATE ${CMAKE_DL_LIBS} rt)

if(EAPO4J_TESTS)
  # GPU test: the CPU-kernel test cases through the CUDA kernels, against the CPU kernels and the float64 reference
  # (tests/native/reference_f64.h).
  # Prints "SKIPPED: no CUDA device" and exits 0 on machines without a GPU.
  add_executable(eapo4j_gpu_test ${EAPO4J_CUDA_DIR}/dev/gpu_test.cu)
  # GPU benchmark: copy-bandwidth roofline, the kernels, bytes moved, GB/s, fraction of copy bandwidth.
  add_executable(eapo4j_gpu_bench ${EAPO4J_CUDA_DIR}/dev/gpu_bench.cu)
  # Sampling: CUDA against the CPU float64 full-sort reference (native/src/sampling_reference.h), and its time.
  add_executable(eapo4j_sampling_gpu_test ${EAPO4J_CUDA_DIR}/dev/sampling_gpu_test.cu)
  target_include_directories(eapo4j_sampling_gpu_test PRIVATE ${EAPO4J_ROOT}/native/src)
  # The fused AdamW step: CUDA against the CPU kernel, bit for bit; --bench times it against a D2D copy.
  add_executable(eapo4j_adamw_gpu_test ${EAPO4J_CUDA_DIR}/dev/adamw_gpu_test.cu)
  foreach(t eapo4j_gpu_test eapo4j_gpu_bench eapo4j_sampling_gpu_test eapo4j_adamw_gpu_test)
    target_link_libraries(${t} PRIVATE eapo4j)
    target_include_directories(${t} PRIVATE ${EAPO4J_CUDA_DIR} ${EAPO4J_ROOT}/native/include
                                            ${EAPO4J_ROOT}/tests/native)
    set_target_properties(${t} PROPERTIES
      CUDA_ARCHITECTURES "${EAPO4J_CUDA_ARCHS}"
      CUDA_STANDARD 17
      CUDA_STANDARD_REQUIRED ON
      CUDA_RUNTIME_LIBRARY Static)
  endforeach()
endif()
