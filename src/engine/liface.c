/* nmap.list_interfaces and nmap.get_interface_info, from getifaddrs(3):
 * one table per interface address, with the fields nmap.luadoc lists. */
#include <ifaddrs.h>
#include <lauxlib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "engine/nmaplib.h"
#include "net/addr.h"

static int prefix_bits(const struct sockaddr *mask) {
  size_t len;
  const unsigned char *p = nsx_addr_bytes(mask, &len);
  int bits = 0;

  for (size_t i = 0; i < len; i++)
    for (int b = 7; b >= 0; b--) bits += (p[i] >> b) & 1;
  return bits;
}

/* The MAC address of 'name' from the AF_PACKET entries, if any. */
static int find_mac(struct ifaddrs *all, const char *name,
                    unsigned char mac[6]) {
  for (struct ifaddrs *a = all; a; a = a->ifa_next) {
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_PACKET &&
        strcmp(a->ifa_name, name) == 0) {
      struct sockaddr_ll *ll = (struct sockaddr_ll *)a->ifa_addr;
      if (ll->sll_halen != 6) return 0;
      memcpy(mac, ll->sll_addr, 6);
      return 1;
    }
  }
  return 0;
}

static int get_mtu(const char *name) {
  struct ifreq ifr;
  int fd = socket(AF_INET, SOCK_DGRAM, 0), mtu = 0;

  if (fd < 0) return 0;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFMTU, &ifr) == 0) mtu = ifr.ifr_mtu;
  close(fd);
  return mtu;
}

/* Pushes the table for one address of an interface. [-0, +1, m] */
static void push_iface(lua_State *L, struct ifaddrs *all,
                       struct ifaddrs *a) {
  char buf[NSX_ADDRSTRLEN];
  unsigned char mac[6];
  int ethernet = find_mac(all, a->ifa_name, mac);
  const char *link = (a->ifa_flags & IFF_LOOPBACK) ? "loopback"
                     : (a->ifa_flags & IFF_POINTOPOINT) ? "p2p"
                     : ethernet ? "ethernet" : "other";

  lua_createtable(L, 0, 9);
  lua_pushstring(L, a->ifa_name);
  lua_setfield(L, -2, "device");
  lua_pushstring(L, a->ifa_name);
  lua_setfield(L, -2, "shortname");
  if (a->ifa_netmask) {
    lua_pushinteger(L, prefix_bits(a->ifa_netmask));
    lua_setfield(L, -2, "netmask");
  }
  lua_pushstring(L, nsx_addr_ntop(a->ifa_addr, buf, sizeof buf));
  lua_setfield(L, -2, "address");
  lua_pushstring(L, link);
  lua_setfield(L, -2, "link");
  if (strcmp(link, "ethernet") == 0) {
    lua_pushlstring(L, (const char *)mac, 6);
    lua_setfield(L, -2, "mac");
    if (a->ifa_addr->sa_family == AF_INET && a->ifa_broadaddr &&
        (a->ifa_flags & IFF_BROADCAST)) {
      lua_pushstring(L, nsx_addr_ntop(a->ifa_broadaddr, buf, sizeof buf));
      lua_setfield(L, -2, "broadcast");
    }
  }
  lua_pushstring(L, (a->ifa_flags & IFF_UP) ? "up" : "down");
  lua_setfield(L, -2, "up");
  lua_pushinteger(L, get_mtu(a->ifa_name));
  lua_setfield(L, -2, "mtu");
}

static int is_ip(const struct ifaddrs *a) {
  return a->ifa_addr && (a->ifa_addr->sa_family == AF_INET ||
                         a->ifa_addr->sa_family == AF_INET6);
}

/* nmap.list_interfaces() [-0, +(1|2), m] */
int nsx_nmap_list_interfaces(lua_State *L) {
  struct ifaddrs *all;
  lua_Integer n = 0;

  if (getifaddrs(&all) < 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "failed to list interfaces");
    return 2;
  }
  lua_newtable(L);
  for (struct ifaddrs *a = all; a; a = a->ifa_next) {
    if (!is_ip(a)) continue;
    push_iface(L, all, a);
    lua_rawseti(L, -2, ++n);
  }
  freeifaddrs(all);
  return 1;
}

/* nmap.get_interface_info(name) [-0, +(1|2), m] */
int nsx_nmap_get_interface_info(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  struct ifaddrs *all;

  if (getifaddrs(&all) == 0) {
    /* IPv4 first, as dnet reports the primary address. */
    for (int pass = 0; pass < 2; pass++) {
      for (struct ifaddrs *a = all; a; a = a->ifa_next) {
        if (!is_ip(a) || strcmp(a->ifa_name, name) != 0) continue;
        if ((a->ifa_addr->sa_family == AF_INET) != (pass == 0)) continue;
        push_iface(L, all, a);
        freeifaddrs(all);
        return 1;
      }
    }
    freeifaddrs(all);
  }
  lua_pushboolean(L, 0);
  lua_pushliteral(L, "failed to find interface");
  return 2;
}
