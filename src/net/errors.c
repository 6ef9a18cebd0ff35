/* Messages for the error codes of errors.h. */
#include <uv.h>

#include "net/errors.h"

const char *nsx_strerror(int code) {
  switch (code) {
#define X(name, value, msg) case value: return msg;
    NSX_ERRNO_MAP(X)
#undef X
  default:
    return uv_strerror(code);
  }
}
