// Error reporting for the C API: a status code plus a message copied into the caller's buffer.
#ifndef EAPO4J_STATUS_H
#define EAPO4J_STATUS_H

#include <cstdarg>
#include <cstdio>

namespace eapo4j {

__attribute__((format(printf, 4, 5))) inline int set_error(char* err, int err_len, int code, const char* fmt, ...) {
    if (err != nullptr && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(err, (size_t)err_len, fmt, ap);
        va_end(ap);
    }
    return code;
}

}  // namespace eapo4j

#endif  // EAPO4J_STATUS_H
