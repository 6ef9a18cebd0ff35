/* The certificate object that scripts get from sock:get_ssl_certificate()
 * and nmap.socket.parse_ssl_certificate(der) (spec/nmap-api.md §6). */
#ifndef NSX_LUA_CERT_H
#define NSX_LUA_CERT_H

#include <lua.h>
#include <openssl/x509.h>

/* Pushes a new certificate object for 'cert'. The object takes its own
 * reference (X509_up_ref); the caller keeps and frees its own. All fields
 * are decoded now, so the object never fails later. Returns 1, the number
 * of values pushed, so a lua_CFunction can end with
 * 'return nsx_cert_push(L, x);'. [-0, +1, m] */
int nsx_cert_push(lua_State *L, X509 *cert);

/* lua_CFunction for nmap.socket.parse_ssl_certificate(der): returns a
 * certificate object, or nil if the string does not hold a DER X.509
 * certificate. Bytes after the certificate are ignored, as in Nmap.
 * [-0, +1, m] */
int nsx_cert_parse(lua_State *L);

#endif
