/* Names the engine writes into Lua tables for every thread (the host and
 * port tables, a thread's environment) and the constant values among
 * them, as Lua strings made once and kept in a registry array
 * (E->keys_ref). Pushing one is an array read; lua_setfield and
 * lua_pushstring with a C string look it up again each time (a hash of
 * the pointer, a strcmp, and on a miss the string table): 10% of the
 * instructions of a banner thread went there. */
#ifndef NSX_KEYS_H
#define NSX_KEYS_H

#include <lua.h>

#define NSX_KEY_LIST(X)                                                 \
  X(IP, "ip") X(NAME, "name") X(TARGETNAME, "targetname")               \
  X(REASON, "reason") X(REASON_TTL, "reason_ttl") X(BIN_IP, "bin_ip")   \
  X(BIN_IP_SRC, "bin_ip_src") X(INTERFACE_MTU, "interface_mtu")         \
  X(TIMES, "times") X(SRTT, "srtt") X(RTTVAR, "rttvar")                 \
  X(TIMEOUT, "timeout") X(REGISTRY, "registry") X(TARGET, "_Target")    \
  X(NUMBER, "number") X(PROTOCOL, "protocol") X(SERVICE, "service")     \
  X(STATE, "state") X(VERSION, "version")                               \
  X(NAME_CONFIDENCE, "name_confidence")                                 \
  X(SERVICE_DTYPE, "service_dtype") X(SERVICE_TUNNEL, "service_tunnel") \
  X(PRODUCT, "product") X(EXTRAINFO, "extrainfo")                       \
  X(HOSTNAME, "hostname") X(OSTYPE, "ostype")                           \
  X(DEVICETYPE, "devicetype") X(SERVICE_FP, "service_fp") X(CPE, "cpe") \
  X(SCRIPT_PATH, "SCRIPT_PATH") X(SCRIPT_NAME, "SCRIPT_NAME")           \
  X(SCRIPT_TYPE, "SCRIPT_TYPE")                                         \
  X(TABLE, "table") X(PROBED, "probed") X(NONE, "none") X(SSL, "ssl")   \
  X(USER_SET, "user-set")                                               \
  /* in the order of enum nsx_proto */                                  \
  X(TCP, "tcp") X(UDP, "udp") X(SCTP, "sctp")                           \
  /* in the order of enum nsx_port_state */                             \
  X(OPEN, "open") X(CLOSED, "closed") X(FILTERED, "filtered")           \
  X(UNFILTERED, "unfiltered") X(OPEN_FILTERED, "open|filtered")         \
  X(CLOSED_FILTERED, "closed|filtered")

enum nsx_key {
  NSX_K_NONE_ = 0,               /* Lua arrays start at 1 */
#define NSX_KEY_ENUM(e, s) NSX_K_##e,
  NSX_KEY_LIST(NSX_KEY_ENUM)
#undef NSX_KEY_ENUM
  NSX_K_COUNT
};

/* Makes the array and returns its registry reference. [-0, +0, m] */
int nsx_keys_open(lua_State *L);

#endif
