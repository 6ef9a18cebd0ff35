/* What the 'openssl' Lua module (lopenssl.c) shares with other C code: the
 * BIGNUM userdata type, digest lookup by name, and the one-time loading of
 * OpenSSL's providers. The certificate object (cert.c) uses all three. */
#ifndef NSX_LUA_LOPENSSL_H
#define NSX_LUA_LOPENSSL_H

#include <lua.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

/* Metatable name of bignums, as in Nmap: scripts see it in error messages
 * ("BIGNUM expected, got string") and in tostring(getmetatable(b)). */
#define NSX_BIGNUM_MT "BIGNUM"

/* Loads OpenSSL's "default" and "legacy" providers into the default
 * library context, once per process; later calls do nothing. A legacy
 * provider that cannot load is not an error: MD4, single DES and CAST5 then
 * fail when used, with OpenSSL's own error. Thread-safe. */
void nsx_openssl_init(void);

/* Pushes a new bignum userdata that owns 'bn' (non-NULL). Ownership passes
 * at the call: if pushing raises a memory error, 'bn' has been freed.
 * [-0, +1, m] */
void nsx_bignum_push(lua_State *L, BIGNUM *bn);

/* Returns the BIGNUM held by the bignum userdata at 'idx'; raises a
 * standard argument error if the value is not one. The BIGNUM stays owned
 * by the userdata. [-0, +0, v] */
BIGNUM *nsx_bignum_check(lua_State *L, int idx);

/* Looks up the digest 'name' in any case ("sha1", "SHA256", "RSA-SHA1",
 * "md4"). Returns NULL if OpenSSL knows no such name. Otherwise returns a
 * digest usable with EVP_Digest* and sets '*fetched' to what the caller
 * must release with EVP_MD_free (NULL when the digest came from OpenSSL's
 * static table; a legacy algorithm whose provider is missing is returned
 * that way and fails at use with an OpenSSL error). Calls nsx_openssl_init. */
const EVP_MD *nsx_openssl_md(const char *name, EVP_MD **fetched);

#endif
