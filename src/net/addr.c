/* Numeric socket addresses (see addr.h). */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "net/addr.h"

int nsx_addr_parse(const char *text, int family, int port,
                   struct sockaddr_storage *out) {
  struct sockaddr_in *in4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
  char tmp[NSX_ADDRSTRLEN];
  const char *zone;
  size_t n;

  memset(out, 0, sizeof *out);
  if (family != AF_INET6 && inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((unsigned short)port);
    return 0;
  }
  if (family == AF_INET) return -1;
  zone = strchr(text, '%');
  n = zone ? (size_t)(zone - text) : strlen(text);
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, text, n);
  tmp[n] = '\0';
  if (inet_pton(AF_INET6, tmp, &in6->sin6_addr) != 1) return -1;
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons((unsigned short)port);
  if (zone) {
    in6->sin6_scope_id = if_nametoindex(zone + 1);
    if (in6->sin6_scope_id == 0) return -1;
  }
  return 0;
}

const char *nsx_addr_ntop(const struct sockaddr *sa, char *buf, size_t len) {
  char ifname[IF_NAMESIZE];
  size_t n;

  buf[0] = '\0';
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
              (socklen_t)len);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)len);
    if (in6->sin6_scope_id && if_indextoname(in6->sin6_scope_id, ifname)) {
      n = strlen(buf);
      if (n + 1 + strlen(ifname) < len) {
        buf[n] = '%';
        strcpy(buf + n + 1, ifname);
      }
    }
  }
  return buf;
}

int nsx_addr_port(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return ntohs(((const struct sockaddr_in *)sa)->sin_port);
  if (sa->sa_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
  return 0;
}

void nsx_addr_set_port(struct sockaddr_storage *ss, int port) {
  if (ss->ss_family == AF_INET)
    ((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)port);
  else if (ss->ss_family == AF_INET6)
    ((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)port);
}

size_t nsx_addr_len(const struct sockaddr *sa) {
  return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                   : sizeof(struct sockaddr_in);
}

const void *nsx_addr_bytes(const struct sockaddr *sa, size_t *len) {
  if (sa->sa_family == AF_INET6) {
    *len = 16;
    return &((const struct sockaddr_in6 *)sa)->sin6_addr;
  }
  *len = 4;
  return &((const struct sockaddr_in *)sa)->sin_addr;
}

int nsx_addr_cmp(const struct sockaddr *a, const struct sockaddr *b) {
  size_t la, lb;
  const void *pa, *pb;
  int d;

  if (a->sa_family != b->sa_family) return a->sa_family - b->sa_family;
  pa = nsx_addr_bytes(a, &la);
  pb = nsx_addr_bytes(b, &lb);
  d = memcmp(pa, pb, la);
  if (d) return d;
  return nsx_addr_port(a) - nsx_addr_port(b);
}
