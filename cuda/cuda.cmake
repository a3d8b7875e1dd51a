# Included by native/CMakeLists.txt when nvcc is available. Placeholder until the CUDA kernels land (issue 3):
# the CUDA entry points report "no device".
target_sources(eapo4j PRIVATE ${EAPO4J_ROOT}/native/src/api_cuda_absent.cpp)
