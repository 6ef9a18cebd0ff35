/* Transport protocols that a port number belongs to, as nmap-services and
 * the -p syntax know them. Only names live here; port sets are in
 * portspec.h and the services table in services.h. */
#ifndef NSX_PROTO_H
#define NSX_PROTO_H

#include <string.h>

enum nsx_proto { NSX_PROTO_TCP, NSX_PROTO_UDP, NSX_PROTO_SCTP };

/* Number of members of 'enum nsx_proto', for arrays indexed by it. */
#define NSX_PROTO_COUNT 3

/* The lower-case name ("tcp", "udp", "sctp"), or "?" for a bad value. */
static inline const char *nsx_proto_name(enum nsx_proto proto) {
  switch (proto) {
  case NSX_PROTO_TCP: return "tcp";
  case NSX_PROTO_UDP: return "udp";
  case NSX_PROTO_SCTP: return "sctp";
  }
  return "?";
}

/* The protocol called 'name' (exact, lower case), or -1 if none is. */
static inline int nsx_proto_parse(const char *name) {
  if (strcmp(name, "tcp") == 0) return NSX_PROTO_TCP;
  if (strcmp(name, "udp") == 0) return NSX_PROTO_UDP;
  if (strcmp(name, "sctp") == 0) return NSX_PROTO_SCTP;
  return -1;
}

#endif
