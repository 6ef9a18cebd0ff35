/* The 'openssl' Lua module: digests, HMAC, symmetric ciphers, random bytes
 * and bignums on libcrypto's EVP and BN APIs, with the names, results and
 * error strings of Nmap's module (spec/libs.md §4). The certificate object
 * is in cert.c and shares the BIGNUM type through lopenssl.h.
 *
 * Lua allocations that can raise are made before any OpenSSL object is
 * acquired, so a memory error never leaks one. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "lua/lopenssl.h"
#include "lua/modules.h"

static CRYPTO_ONCE providers_once = CRYPTO_ONCE_STATIC_INIT;
static OSSL_PROVIDER *default_provider, *legacy_provider;

/* Runs at exit, before OpenSSL's own clean-up: OPENSSL_init_crypto
 * registered that one first, so it runs after this. Providers loaded by
 * hand and never unloaded are reported by LeakSanitizer when libssl is
 * linked in. NOTE: threads still using libcrypto at exit are not expected;
 * OpenSSL's own clean-up makes the same assumption. */
static void unload_providers(void) {
  if (legacy_provider != NULL) OSSL_PROVIDER_unload(legacy_provider);
  if (default_provider != NULL) OSSL_PROVIDER_unload(default_provider);
  legacy_provider = default_provider = NULL;
}

/* Loading any provider by hand stops OpenSSL from loading "default" by
 * itself, so both are loaded. */
static void load_providers(void) {
  OPENSSL_init_crypto(0, NULL);
  default_provider = OSSL_PROVIDER_load(NULL, "default");
  legacy_provider = OSSL_PROVIDER_load(NULL, "legacy");
  ERR_clear_error();
  atexit(unload_providers);
}

void nsx_openssl_init(void) {
  CRYPTO_THREAD_run_once(&providers_once, load_providers);
}

/* Raises "OpenSSL error: <oldest queued error>" and empties the thread's
 * error queue. [-0, +0, e] */
static int raise_openssl(lua_State *L) {
  char msg[256];

  ERR_error_string_n(ERR_get_error(), msg, sizeof msg);
  ERR_clear_error();
  return luaL_error(L, "OpenSSL error: %s", msg);
}

/* Pushes the light userdata argument as a string. [-1, +1, m] */
static int pushstring_boxed(lua_State *L) {
  lua_pushstring(L, lua_touserdata(L, 1));
  return 1;
}

/* Pushes 's', a string allocated by OpenSSL, and frees it, also when the
 * push raises a memory error (the push runs under lua_pcall, and light C
 * functions and light userdata cost no allocation). [-0, +1, m] */
static void push_ossl_string(lua_State *L, char *s) {
  int status;

  if (!lua_checkstack(L, 2)) {
    OPENSSL_free(s);
    luaL_error(L, "stack overflow");
  }
  lua_pushcfunction(L, pushstring_boxed);
  lua_pushlightuserdata(L, s);
  status = lua_pcall(L, 1, 1, 0);
  OPENSSL_free(s);
  if (status != LUA_OK) lua_error(L);
}

const EVP_MD *nsx_openssl_md(const char *name, EVP_MD **fetched) {
  nsx_openssl_init();
  ERR_set_mark();
  *fetched = EVP_MD_fetch(NULL, name, NULL);
  ERR_pop_to_mark();
  if (*fetched != NULL) return *fetched;
  /* Aliases such as "RSA-SHA1" live only in the static name table. */
  return EVP_get_digestbyname(name);
}

/* Looks up cipher 'name' the way nsx_openssl_md looks up digests. */
static const EVP_CIPHER *get_cipher(const char *name, EVP_CIPHER **fetched) {
  nsx_openssl_init();
  ERR_set_mark();
  *fetched = EVP_CIPHER_fetch(NULL, name, NULL);
  ERR_pop_to_mark();
  if (*fetched != NULL) return *fetched;
  return EVP_get_cipherbyname(name);
}

/* Pushes the digest of 'len' bytes at 's' with 'md', then releases
 * 'fetched'; raises the OpenSSL error if digesting fails. [-0, +1, e] */
static int push_digest(lua_State *L, const EVP_MD *md, EVP_MD *fetched,
                       const char *s, size_t len) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  int ok;

  ok = EVP_Digest(s, len, out, &n, md, NULL);
  EVP_MD_free(fetched);
  if (!ok) return raise_openssl(L);
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

/* Digests argument 1 with the named algorithm. [-0, +1, e] */
static int digest_named(lua_State *L, const char *alg) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  EVP_MD *fetched;
  const EVP_MD *md = nsx_openssl_md(alg, &fetched);

  if (md == NULL) return luaL_error(L, "Unknown digest algorithm: %s", alg);
  return push_digest(L, md, fetched, s, len);
}

/* openssl.md4(s) and friends. [-0, +1, e] */
static int lopenssl_md4(lua_State *L) { return digest_named(L, "MD4"); }
static int lopenssl_md5(lua_State *L) { return digest_named(L, "MD5"); }
static int lopenssl_sha1(lua_State *L) { return digest_named(L, "SHA1"); }
static int lopenssl_ripemd160(lua_State *L) {
  return digest_named(L, "RIPEMD160");
}

/* openssl.digest(alg, msg) -> raw digest. [-0, +1, e] */
static int lopenssl_digest(lua_State *L) {
  const char *alg = luaL_checkstring(L, 1);
  size_t len;
  const char *msg = luaL_checklstring(L, 2, &len);
  EVP_MD *fetched;
  const EVP_MD *md = nsx_openssl_md(alg, &fetched);

  if (md == NULL) return luaL_error(L, "Unknown digest algorithm: %s", alg);
  return push_digest(L, md, fetched, msg, len);
}

/* openssl.hmac(alg, key, msg) -> raw MAC. [-0, +1, e] */
static int lopenssl_hmac(lua_State *L) {
  const char *alg = luaL_checkstring(L, 1);
  size_t klen, mlen, n = 0;
  const char *key = luaL_checklstring(L, 2, &klen);
  const char *msg = luaL_checklstring(L, 3, &mlen);
  unsigned char out[EVP_MAX_MD_SIZE];
  EVP_MD *fetched;
  const EVP_MD *md = nsx_openssl_md(alg, &fetched);
  int ok;

  if (md == NULL) return luaL_error(L, "Unknown digest algorithm: %s", alg);
  ok = EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL, key, klen,
                 (const unsigned char *)msg, mlen, out, sizeof out,
                 &n) != NULL;
  EVP_MD_free(fetched);
  if (!ok) return raise_openssl(L);
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

/* Shared body of encrypt and decrypt (alg, key, iv, data, padding). An IV
 * that is nil, empty or starts with a NUL byte means "no IV", as in Nmap;
 * any other IV must have the cipher's IV length. [-0, +1, e] */
static int docrypt(lua_State *L, int enc) {
  const char *alg = luaL_checkstring(L, 1);
  size_t klen, ivlen = 0, dlen;
  const char *key = luaL_checklstring(L, 2, &klen);
  const char *iv = luaL_optlstring(L, 3, NULL, &ivlen);
  const char *data = luaL_checklstring(L, 4, &dlen);
  int padding = lua_toboolean(L, 5);
  const EVP_CIPHER *cipher;
  EVP_CIPHER *fetched;
  EVP_CIPHER_CTX *ctx;
  luaL_Buffer b;
  unsigned char *out;
  int n1 = 0, n2 = 0, ok;

  luaL_argcheck(L, klen <= INT_MAX, 2, "key too long");
  luaL_argcheck(L, dlen <= INT_MAX - EVP_MAX_BLOCK_LENGTH, 4, "too long");
  if (iv != NULL && (ivlen == 0 || iv[0] == '\0')) iv = NULL;
  out = (unsigned char *)luaL_buffinitsize(L, &b,
                                           dlen + EVP_MAX_BLOCK_LENGTH);
  cipher = get_cipher(alg, &fetched);
  if (cipher == NULL) return luaL_error(L, "Unknown cipher algorithm: %s", alg);
  if (iv != NULL && ivlen != (size_t)EVP_CIPHER_get_iv_length(cipher)) {
    int want = EVP_CIPHER_get_iv_length(cipher);

    EVP_CIPHER_free(fetched);
    return luaL_error(L, "Length of iv is %d; should be %d",
                      (int)(ivlen > INT_MAX ? INT_MAX : ivlen), want);
  }
  ctx = EVP_CIPHER_CTX_new();
  ok = ctx != NULL
    && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc)
    && EVP_CIPHER_CTX_set_key_length(ctx, (int)klen)
    && EVP_CipherInit_ex(ctx, NULL, NULL, (const unsigned char *)key,
                         (const unsigned char *)iv, enc)
    && EVP_CIPHER_CTX_set_padding(ctx, padding)
    && EVP_CipherUpdate(ctx, out, &n1, (const unsigned char *)data,
                        (int)dlen)
    && EVP_CipherFinal_ex(ctx, out + n1, &n2);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(fetched);
  if (!ok) return raise_openssl(L);
  luaL_pushresultsize(&b, (size_t)n1 + (size_t)n2);
  return 1;
}

/* openssl.encrypt(alg, key, iv, data, padding=false). [-0, +1, e] */
static int lopenssl_encrypt(lua_State *L) { return docrypt(L, 1); }

/* openssl.decrypt(alg, key, iv, data, padding=false). [-0, +1, e] */
static int lopenssl_decrypt(lua_State *L) { return docrypt(L, 0); }

/* openssl.rand_bytes(n) and rand_pseudo_bytes(n): both draw from the
 * default DRBG, since OpenSSL 3 deprecates the "pseudo" variant.
 * [-0, +1, e] */
static int lopenssl_rand_bytes(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_Buffer b;
  unsigned char *p;

  luaL_argcheck(L, n >= 0 && n <= INT_MAX, 1, "size out of range");
  p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  if (n > 0 && RAND_bytes(p, (int)n) != 1) return raise_openssl(L);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* openssl.DES_string_to_key(s7): spreads 56 key bits over 8 bytes, 7 bits
 * each in the high bits. The low (parity) bit is left clear, as Nmap does,
 * whatever its documentation says. [-0, +1, e] */
static int lopenssl_DES_string_to_key(lua_State *L) {
  size_t len;
  const unsigned char *in =
    (const unsigned char *)luaL_checklstring(L, 1, &len);
  unsigned char out[8];
  int i;

  if (len != 7) return luaL_error(L, "String must have length of 7 bytes.");
  out[0] = in[0];
  for (i = 1; i < 7; i++)
    out[i] = (unsigned char)((in[i - 1] << (8 - i)) | (in[i] >> i));
  out[7] = (unsigned char)(in[6] << 1);
  for (i = 0; i < 8; i++) out[i] &= 0xFE;
  lua_pushlstring(L, (const char *)out, sizeof out);
  return 1;
}

/* The names handed out by EVP_*_do_all_sorted: a first pass counts them
 * into 'n' with 'names' NULL, a second stores up to 'n' pointers. The
 * strings are OpenSSL's static name table and outlive the call. */
struct namelist {
  const char **names;
  size_t n, count;
};

static void add_name(struct namelist *nl, const char *name) {
  if (nl->names == NULL) nl->n++;
  else if (nl->count < nl->n) nl->names[nl->count++] = name;
}

static void add_cipher(const EVP_CIPHER *c, const char *from, const char *to,
                       void *arg) {
  (void)c;
  (void)to;
  add_name(arg, from);
}

static void add_md(const EVP_MD *md, const char *from, const char *to,
                   void *arg) {
  (void)md;
  (void)to;
  add_name(arg, from);
}

/* Pushes an array of the names collected in 'nl'. No Lua call happens
 * inside OpenSSL's iteration, so a memory error cannot unwind through it
 * while it holds a lock. [-0, +1, m] */
static int push_names(lua_State *L, int ciphers) {
  struct namelist nl = {NULL, 0, 0};
  size_t i;

  nsx_openssl_init();
  if (ciphers) EVP_CIPHER_do_all_sorted(add_cipher, &nl);
  else EVP_MD_do_all_sorted(add_md, &nl);
  nl.names = lua_newuserdatauv(L, (nl.n ? nl.n : 1) * sizeof *nl.names, 0);
  if (ciphers) EVP_CIPHER_do_all_sorted(add_cipher, &nl);
  else EVP_MD_do_all_sorted(add_md, &nl);
  lua_createtable(L, (int)nl.count, 0);
  for (i = 0; i < nl.count; i++) {
    lua_pushstring(L, nl.names[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_remove(L, -2);  /* the name array */
  return 1;
}

/* openssl.supported_digests() / supported_ciphers(). [-0, +1, m] */
static int lopenssl_supported_digests(lua_State *L) { return push_names(L, 0); }
static int lopenssl_supported_ciphers(lua_State *L) { return push_names(L, 1); }

BIGNUM *nsx_bignum_check(lua_State *L, int idx) {
  BIGNUM **p = luaL_checkudata(L, idx, NSX_BIGNUM_MT);

  luaL_argcheck(L, *p != NULL, idx, "BIGNUM has been freed");
  return *p;
}

/* __gc and __close: frees the BIGNUM once; clears it first, since bignums
 * may hold Diffie-Hellman secrets. [-0, +0, -] */
static int lbignum__gc(lua_State *L) {
  BIGNUM **p = luaL_checkudata(L, 1, NSX_BIGNUM_MT);

  BN_clear_free(*p);
  *p = NULL;
  return 0;
}

/* Takes a bit position argument. Returns it, or -1 for a negative position,
 * which Nmap treats as a bit that is never set and cannot be changed.
 * [-0, +0, v] */
static int check_bit(lua_State *L, int idx) {
  lua_Integer n = luaL_checkinteger(L, idx);

  luaL_argcheck(L, n <= INT_MAX, idx, "bit position out of range");
  return n < 0 ? -1 : (int)n;
}

/* bignum_num_bits(b), bignum_num_bytes(b). [-0, +1, v] */
static int lbignum_num_bits(lua_State *L) {
  lua_pushinteger(L, BN_num_bits(nsx_bignum_check(L, 1)));
  return 1;
}

static int lbignum_num_bytes(lua_State *L) {
  lua_pushinteger(L, BN_num_bytes(nsx_bignum_check(L, 1)));
  return 1;
}

/* bignum_is_bit_set(b, i) -> boolean. [-0, +1, v] */
static int lbignum_is_bit_set(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  int bit = check_bit(L, 2);

  lua_pushboolean(L, bit >= 0 && BN_is_bit_set(bn, bit));
  return 1;
}

/* bignum_set_bit(b, i): changes 'b' in place, returns nothing.
 * [-0, +0, e] */
static int lbignum_set_bit(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  int bit = check_bit(L, 2);

  if (bit >= 0 && !BN_set_bit(bn, bit)) return raise_openssl(L);
  return 0;
}

/* bignum_clear_bit(b, i): changes 'b' in place; a bit past the top is
 * already clear. Returns nothing. [-0, +0, v] */
static int lbignum_clear_bit(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  int bit = check_bit(L, 2);

  if (bit >= 0 && bit < BN_num_bits(bn)) BN_clear_bit(bn, bit);
  return 0;
}

/* Returns 1 if 'bn' is probably prime (error rate below 2^-128), 0 if not;
 * raises on an OpenSSL failure. [-0, +0, e] */
static int probably_prime(lua_State *L, const BIGNUM *bn, BN_CTX *ctx) {
  int r = BN_check_prime(bn, ctx, NULL);

  if (r < 0) {
    BN_CTX_free(ctx);
    raise_openssl(L);
  }
  return r;
}

/* bignum_is_prime(b) -> boolean. [-0, +1, e] */
static int lbignum_is_prime(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  BN_CTX *ctx = BN_CTX_new();

  if (ctx == NULL) return raise_openssl(L);
  lua_pushboolean(L, probably_prime(L, bn, ctx));
  BN_CTX_free(ctx);
  return 1;
}

/* bignum_is_safe_prime(p) -> is_safe, is_prime: 'p' is safe if it and
 * (p-1)/2 are both prime. [-0, +2, e] */
static int lbignum_is_safe_prime(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *q;
  int prime, safe = 0;

  if (ctx == NULL) return raise_openssl(L);
  prime = probably_prime(L, bn, ctx);
  if (prime) {
    BN_CTX_start(ctx);
    q = BN_CTX_get(ctx);
    if (q == NULL || !BN_sub(q, bn, BN_value_one()) || !BN_rshift1(q, q)) {
      BN_CTX_end(ctx);
      BN_CTX_free(ctx);
      return raise_openssl(L);
    }
    safe = probably_prime(L, q, ctx);
    BN_CTX_end(ctx);
  }
  BN_CTX_free(ctx);
  lua_pushboolean(L, safe);
  lua_pushboolean(L, prime);
  return 2;
}

/* bignum_bn2bin(b) -> big-endian magnitude, "" for zero. [-0, +1, m] */
static int lbignum_tobin(lua_State *L) {
  BIGNUM *bn = nsx_bignum_check(L, 1);
  int n = BN_num_bytes(bn);
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);

  BN_bn2bin(bn, p);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* bignum_bn2hex(b) and __tostring: upper-case hex with whole bytes ("FF",
 * "010001"), "0" for zero and a leading "-" when negative, which is what
 * OpenSSL's BN_bn2hex prints. Built here so no OpenSSL string can leak.
 * [-0, +1, m] */
static int lbignum_tohex(lua_State *L) {
  static const char digits[] = "0123456789ABCDEF";
  BIGNUM *bn = nsx_bignum_check(L, 1);
  int i, n = BN_num_bytes(bn);
  luaL_Buffer b;
  unsigned char *bin;
  char *p;

  if (n == 0) {
    lua_pushliteral(L, "0");
    return 1;
  }
  bin = lua_newuserdatauv(L, (size_t)n, 0);
  BN_bn2bin(bn, bin);
  p = luaL_buffinitsize(L, &b, 2 * (size_t)n + 1);
  if (BN_is_negative(bn)) *p++ = '-';
  for (i = 0; i < n; i++) {
    *p++ = digits[bin[i] >> 4];
    *p++ = digits[bin[i] & 0x0F];
  }
  luaL_pushresultsize(&b, 2 * (size_t)n + (BN_is_negative(bn) ? 1 : 0));
  lua_remove(L, -2);  /* the binary scratch */
  return 1;
}

/* bignum_bn2dec(b) -> decimal text. [-0, +1, e] */
static int lbignum_todec(lua_State *L) {
  char *s = BN_bn2dec(nsx_bignum_check(L, 1));

  if (s == NULL) return raise_openssl(L);
  push_ossl_string(L, s);
  return 1;
}

static const luaL_Reg bignum_methods[] = {
  {"__gc", lbignum__gc},
  {"__close", lbignum__gc},
  {"__tostring", lbignum_tohex},
  {"tobin", lbignum_tobin},
  {"todec", lbignum_todec},
  {"tohex", lbignum_tohex},
  {"num_bits", lbignum_num_bits},
  {"num_bytes", lbignum_num_bytes},
  {"is_bit_set", lbignum_is_bit_set},
  {"set_bit", lbignum_set_bit},
  {"clear_bit", lbignum_clear_bit},
  {"is_prime", lbignum_is_prime},
  {"is_safe_prime", lbignum_is_safe_prime},
  {NULL, NULL}
};

/* Pushes the BIGNUM metatable, creating it on first use: both the module
 * and the certificate object (which may come first) make bignums.
 * [-0, +1, m] */
static void bignum_metatable(lua_State *L) {
  if (luaL_newmetatable(L, NSX_BIGNUM_MT)) {
    luaL_setfuncs(L, bignum_methods, 0);
    lua_pushvalue(L, -1);  /* metatable */
    lua_setfield(L, -2, "__index");
  }
}

/* Pushes a bignum userdata holding a new zero BIGNUM and returns the slot
 * that owns it. The userdata is made and given its metatable while empty,
 * so a memory error leaves nothing to free. [-0, +1, m] */
static BIGNUM **bignum_new(lua_State *L) {
  BIGNUM **p = lua_newuserdatauv(L, sizeof *p, 0);

  *p = NULL;
  bignum_metatable(L);
  lua_setmetatable(L, -2);
  *p = BN_new();
  if (*p == NULL) luaL_error(L, "not enough memory");
  return p;
}

/* Wraps the light userdata argument, a BIGNUM, in a new bignum.
 * [-1, +1, m] */
static int bignum_box(lua_State *L) {
  BIGNUM *bn = lua_touserdata(L, 1);
  BIGNUM **p = lua_newuserdatauv(L, sizeof *p, 0);

  *p = NULL;
  bignum_metatable(L);
  lua_setmetatable(L, -2);
  *p = bn;
  return 1;
}

void nsx_bignum_push(lua_State *L, BIGNUM *bn) {
  int status;

  if (!lua_checkstack(L, 2)) {
    BN_clear_free(bn);
    luaL_error(L, "stack overflow");
  }
  lua_pushcfunction(L, bignum_box);
  lua_pushlightuserdata(L, bn);
  status = lua_pcall(L, 1, 1, 0);
  if (status != LUA_OK) {
    BN_clear_free(bn);
    lua_error(L);
  }
}

/* bignum_bin2bn(s) -> bignum of the big-endian unsigned bytes.
 * [-0, +1, e] */
static int lopenssl_bignum_bin2bn(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  BIGNUM **p;

  luaL_argcheck(L, len <= INT_MAX, 1, "too long");
  p = bignum_new(L);
  if (BN_bin2bn((const unsigned char *)s, (int)len, *p) == NULL)
    return raise_openssl(L);
  return 1;
}

/* bignum_dec2bn(s), bignum_hex2bn(s): text with an optional '-'. Like
 * Nmap, the number stops at the first character that is not a digit, and
 * text with no digits at all gives zero. [-0, +1, m] */
static int lopenssl_bignum_dec2bn(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  BIGNUM **p = bignum_new(L);

  if (!BN_dec2bn(p, s)) ERR_clear_error();
  return 1;
}

static int lopenssl_bignum_hex2bn(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  BIGNUM **p = bignum_new(L);

  if (!BN_hex2bn(p, s)) ERR_clear_error();
  return 1;
}

/* bignum_rand(bits), bignum_pseudo_rand(bits): a random number below
 * 2^bits, top bit not forced. A negative size gives zero, as in Nmap.
 * [-0, +1, e] */
static int lopenssl_bignum_rand(lua_State *L) {
  lua_Integer bits = luaL_checkinteger(L, 1);
  BIGNUM **p;

  luaL_argcheck(L, bits <= INT_MAX, 1, "size out of range");
  p = bignum_new(L);
  if (bits >= 0
      && !BN_rand(*p, (int)bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
    return raise_openssl(L);
  return 1;
}

/* bignum_add(a, b) -> a + b. [-0, +1, e] */
static int lopenssl_bignum_add(lua_State *L) {
  BIGNUM *a = nsx_bignum_check(L, 1);
  BIGNUM *b = nsx_bignum_check(L, 2);
  BIGNUM **r = bignum_new(L);

  if (!BN_add(*r, a, b)) return raise_openssl(L);
  return 1;
}

/* bignum_div(a, d) -> quotient, remainder (truncating, so the remainder
 * has the sign of 'a'). Dividing by zero gives 0, 0, as in Nmap.
 * [-0, +2, e] */
static int lopenssl_bignum_div(lua_State *L) {
  BIGNUM *a = nsx_bignum_check(L, 1);
  BIGNUM *d = nsx_bignum_check(L, 2);
  BIGNUM **q = bignum_new(L);
  BIGNUM **r = bignum_new(L);
  BN_CTX *ctx;
  int ok;

  if (BN_is_zero(d)) return 2;
  ctx = BN_CTX_new();
  ok = ctx != NULL && BN_div(*q, *r, a, d, ctx);
  BN_CTX_free(ctx);
  if (!ok) return raise_openssl(L);
  return 2;
}

/* bignum_mod_exp(a, p, m) -> a^p mod m, non-negative. A zero modulus
 * gives 0, as in Nmap. [-0, +1, e] */
static int lopenssl_bignum_mod_exp(lua_State *L) {
  BIGNUM *a = nsx_bignum_check(L, 1);
  BIGNUM *e = nsx_bignum_check(L, 2);
  BIGNUM *m = nsx_bignum_check(L, 3);
  BIGNUM **r = bignum_new(L);
  BN_CTX *ctx;
  int ok;

  if (BN_is_zero(m)) return 1;
  ctx = BN_CTX_new();
  ok = ctx != NULL && BN_mod_exp(*r, a, e, m, ctx);
  BN_CTX_free(ctx);
  if (!ok) return raise_openssl(L);
  return 1;
}

static const luaL_Reg openssl_funcs[] = {
  {"md4", lopenssl_md4},
  {"md5", lopenssl_md5},
  {"sha1", lopenssl_sha1},
  {"ripemd160", lopenssl_ripemd160},
  {"digest", lopenssl_digest},
  {"hmac", lopenssl_hmac},
  {"encrypt", lopenssl_encrypt},
  {"decrypt", lopenssl_decrypt},
  {"rand_bytes", lopenssl_rand_bytes},
  {"rand_pseudo_bytes", lopenssl_rand_bytes},
  {"DES_string_to_key", lopenssl_DES_string_to_key},
  {"supported_digests", lopenssl_supported_digests},
  {"supported_ciphers", lopenssl_supported_ciphers},
  {"bignum_bin2bn", lopenssl_bignum_bin2bn},
  {"bignum_dec2bn", lopenssl_bignum_dec2bn},
  {"bignum_hex2bn", lopenssl_bignum_hex2bn},
  {"bignum_rand", lopenssl_bignum_rand},
  {"bignum_pseudo_rand", lopenssl_bignum_rand},
  {"bignum_add", lopenssl_bignum_add},
  {"bignum_div", lopenssl_bignum_div},
  {"bignum_mod_exp", lopenssl_bignum_mod_exp},
  {"bignum_bn2bin", lbignum_tobin},
  {"bignum_bn2dec", lbignum_todec},
  {"bignum_bn2hex", lbignum_tohex},
  {"bignum_num_bits", lbignum_num_bits},
  {"bignum_num_bytes", lbignum_num_bytes},
  {"bignum_is_bit_set", lbignum_is_bit_set},
  {"bignum_set_bit", lbignum_set_bit},
  {"bignum_clear_bit", lbignum_clear_bit},
  {"bignum_is_prime", lbignum_is_prime},
  {"bignum_is_safe_prime", lbignum_is_safe_prime},
  {NULL, NULL}
};

/* Opens the module: the function table, plus the BIGNUM metatable in the
 * registry. [-0, +1, m] */
int luaopen_openssl(lua_State *L) {
  nsx_openssl_init();
  bignum_metatable(L);
  lua_pop(L, 1);
  luaL_newlib(L, openssl_funcs);
  return 1;
}
