/* Error codes of the network layer: 0 or a negative code, either a libuv
 * code (negated errno) or one of nsx's own below. nsx_strerror names any
 * of them. The Lua layer maps them to Nmap's status strings. */
#ifndef NSX_ERRORS_H
#define NSX_ERRORS_H

/* X(name, value, message) */
#define NSX_ERRNO_MAP(X)                                              \
  X(ETIMEDOUT, -30001, "operation timed out")                         \
  X(EEOF, -30002, "end of file")                                      \
  X(ECANCELED, -30003, "operation cancelled")                         \
  X(ETLS, -30004, "TLS failure")                                      \
  X(ETOOBIG, -30005, "data exceeds the receive limit")                \
  X(ECLOSED, -30006, "socket closed")

enum {
#define X(name, value, msg) NSX_##name = value,
  NSX_ERRNO_MAP(X)
#undef X
};

/* A static message for any code: nsx's own or libuv's. */
const char *nsx_strerror(int code);

#endif
