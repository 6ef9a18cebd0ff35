/* The certificate object of spec/nmap-api.md §6: an X509 in a userdata
 * whose fields (subject, issuer, sig_algorithm, validity, pem, extensions,
 * pubkey) are decoded once, when the object is made, into a table kept as
 * the userdata's user value, and read through __index like Nmap's. Getting
 * certificates off TLS sockets is the socket layer's business. */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "lua/cert.h"
#include "lua/lopenssl.h"

/* Nmap's name for the type; scripts see it in tostring(cert). */
#define CERT_MT "SSL_CERT"

enum { CERT_UV_FIELDS = 1 };

struct cert {
  X509 *x509;  /* owned reference; NULL once closed */
  BIO *bio;    /* scratch memory BIO while the fields are built, else NULL */
};

/* Returns the open certificate at 'idx' or raises. [-0, +0, v] */
static struct cert *check_cert(lua_State *L, int idx) {
  struct cert *c = luaL_checkudata(L, idx, CERT_MT);

  luaL_argcheck(L, c->x509 != NULL, idx, "certificate has been freed");
  return c;
}

/* cert:digest(alg) -> the binary digest of the DER certificate. Like Nmap,
 * returns nothing for an unknown or unusable algorithm. [-0, +(0|1), v] */
static int lcert_digest(lua_State *L) {
  struct cert *c = check_cert(L, 1);
  const char *alg = luaL_checkstring(L, 2);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD *fetched;
  const EVP_MD *md = nsx_openssl_md(alg, &fetched);
  int ok;

  if (md == NULL) return 0;
  ok = X509_digest(c->x509, md, out, &n);
  EVP_MD_free(fetched);
  if (!ok) {
    ERR_clear_error();
    return 0;
  }
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

/* __index(cert, key): a decoded field, else a method. Upvalue 1 is the
 * method table. [-0, +1, v] */
static int lcert__index(lua_State *L) {
  check_cert(L, 1);
  lua_getiuservalue(L, 1, CERT_UV_FIELDS);  /* fields */
  if (lua_istable(L, -1)) {
    lua_pushvalue(L, 2);  /* key */
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  }
  lua_pushvalue(L, 2);  /* key */
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

/* __gc and __close: drops the X509 reference and any scratch BIO left by
 * an interrupted build; idempotent. [-0, +0, -] */
static int lcert__gc(lua_State *L) {
  struct cert *c = luaL_checkudata(L, 1, CERT_MT);

  BIO_free(c->bio);
  c->bio = NULL;
  X509_free(c->x509);
  c->x509 = NULL;
  return 0;
}

/* __tostring: "SSL_CERT: 0x...", as Nmap prints it. [-0, +1, m] */
static int lcert__tostring(lua_State *L) {
  lua_pushfstring(L, "%s: %p", CERT_MT, lua_touserdata(L, 1));
  return 1;
}

static const luaL_Reg cert_meta[] = {
  {"__gc", lcert__gc},
  {"__close", lcert__gc},
  {"__tostring", lcert__tostring},
  {NULL, NULL}
};

static const luaL_Reg cert_methods[] = {
  {"digest", lcert_digest},
  {NULL, NULL}
};

/* Pushes a new certificate userdata with no X509 yet. It is complete and
 * collectable from the start, so a memory error later leaks nothing.
 * [-0, +1, m] */
static struct cert *cert_new(lua_State *L) {
  struct cert *c = lua_newuserdatauv(L, sizeof *c, 1);

  c->x509 = NULL;
  c->bio = NULL;
  if (luaL_newmetatable(L, CERT_MT)) {
    luaL_setfuncs(L, cert_meta, 0);
    luaL_newlib(L, cert_methods);
    lua_pushcclosure(L, lcert__index, 1);
    lua_setfield(L, -2, "__index");
  }
  lua_setmetatable(L, -2);
  return c;
}

/* Pushes the text form of 'obj': its long name when OpenSSL knows it and
 * 'numeric' is 0, else the dotted OID. [-0, +1, m] */
static void push_oid_text(lua_State *L, const ASN1_OBJECT *obj, int numeric) {
  char small[96];
  luaL_Buffer b;
  int n = OBJ_obj2txt(small, sizeof small, obj, numeric);

  if (n < 0) n = 0;
  if ((size_t)n < sizeof small) {
    lua_pushlstring(L, small, (size_t)n);
    return;
  }
  OBJ_obj2txt(luaL_buffinitsize(L, &b, (size_t)n + 1), n + 1, obj, numeric);
  luaL_pushresultsize(&b, (size_t)n);
}

/* Pushes the key under which a name attribute is stored: the long name
 * ("commonName"), or for an OID OpenSSL does not know, an array of its
 * arcs as strings ({"1", "3", "6", ...}), as Nmap does. [-0, +1, m] */
static void push_attr_key(lua_State *L, const ASN1_OBJECT *obj) {
  int nid = OBJ_obj2nid(obj);
  const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
  const char *s, *dot;
  lua_Integer i = 1;

  if (ln != NULL) {
    lua_pushstring(L, ln);
    return;
  }
  push_oid_text(L, obj, 1);
  s = lua_tostring(L, -1);
  lua_newtable(L);
  while (*s != '\0') {
    dot = strchr(s, '.');
    if (dot == NULL) dot = s + strlen(s);
    lua_pushlstring(L, s, (size_t)(dot - s));
    lua_rawseti(L, -2, i++);
    s = *dot == '.' ? dot + 1 : dot;
  }
  lua_remove(L, -2);  /* the dotted text */
}

/* Pushes a distinguished name as a table from attribute to value. Values
 * are the raw bytes of the ASN.1 string (a BMPString stays UTF-16, which
 * ssl-cert decodes itself); a repeated attribute keeps its last value.
 * [-0, +1, m] */
static void push_name(lua_State *L, const X509_NAME *name) {
  int i, n = X509_NAME_entry_count(name);

  lua_createtable(L, 0, n > 0 ? n : 0);
  for (i = 0; i < n; i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);

    push_attr_key(L, X509_NAME_ENTRY_get_object(e));
    lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(v),
                    (size_t)ASN1_STRING_length(v));
    lua_settable(L, -3);
  }
}

/* Pushes a validity date as an os.date("!*t")-like table without wday,
 * yday and isdst, or as the raw string if it does not parse, or nil if
 * absent. [-0, +1, m] */
static void push_time(lua_State *L, const ASN1_TIME *t) {
  struct tm tm;

  if (t == NULL) {
    lua_pushnil(L);
    return;
  }
  memset(&tm, 0, sizeof tm);
  if (!ASN1_TIME_to_tm(t, &tm)) {
    ERR_clear_error();
    lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(t),
                    (size_t)ASN1_STRING_length(t));
    return;
  }
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)tm.tm_year + 1900);
  lua_setfield(L, -2, "year");
  lua_pushinteger(L, tm.tm_mon + 1);
  lua_setfield(L, -2, "month");
  lua_pushinteger(L, tm.tm_mday);
  lua_setfield(L, -2, "day");
  lua_pushinteger(L, tm.tm_hour);
  lua_setfield(L, -2, "hour");
  lua_pushinteger(L, tm.tm_min);
  lua_setfield(L, -2, "min");
  lua_pushinteger(L, tm.tm_sec);
  lua_setfield(L, -2, "sec");
}

/* Pushes what the scratch BIO holds and empties it. [-0, +1, m] */
static void push_bio(lua_State *L, BIO *bio) {
  char *p = NULL;
  long n = BIO_get_mem_data(bio, &p);

  lua_pushlstring(L, p, n > 0 ? (size_t)n : 0);
  (void)BIO_reset(bio);
}

/* Pushes the extensions as an array of {name, value, critical = true
 * (only if critical), error = true (instead of value, when OpenSSL cannot
 * print it)}, or nothing and returns 0 if there are none. [-0, +(0|1), m] */
static int push_extensions(lua_State *L, struct cert *c) {
  int i, n = X509_get_ext_count(c->x509);

  if (n <= 0) return 0;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    X509_EXTENSION *ext = X509_get_ext(c->x509, i);

    lua_createtable(L, 0, 3);
    push_oid_text(L, X509_EXTENSION_get_object(ext), 0);
    lua_setfield(L, -2, "name");
    if (X509_EXTENSION_get_critical(ext) > 0) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "critical");
    }
    if (X509V3_EXT_print(c->bio, ext, 0, 0) > 0) {
      push_bio(L, c->bio);
      lua_setfield(L, -2, "value");
    } else {
      ERR_clear_error();
      (void)BIO_reset(c->bio);
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "error");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* Sets field 'field' of the table on top to bignum parameter 'param' of
 * 'pkey', if the key has it. [-0, +0, m] */
static void set_bn_param(lua_State *L, const EVP_PKEY *pkey,
                         const char *param, const char *field) {
  BIGNUM *bn = NULL;

  if (!EVP_PKEY_get_bn_param(pkey, param, &bn)) {
    ERR_clear_error();
    return;
  }
  nsx_bignum_push(L, bn);
  lua_setfield(L, -2, field);
}

/* Pushes pubkey.ecdhparams: {curve_params = {ec_curve_type, curve}}. A
 * curve OpenSSL can name, even one spelled out as explicit parameters, is
 * "namedcurve" with its short name ("prime256v1"), as in Nmap; other
 * explicit curves get the type names tls.lua uses, "explicit_prime" or
 * "explicit_char2", and no curve. [-0, +1, m] */
static void push_ecdhparams(lua_State *L, const EVP_PKEY *pkey) {
  char group[80], field[40] = "";
  const char *type = "namedcurve", *curve = NULL;
  int nid;

  if (EVP_PKEY_get_group_name(pkey, group, sizeof group, NULL)) {
    nid = OBJ_txt2nid(group);
    if (nid == NID_undef) nid = EC_curve_nist2nid(group);
    curve = nid != NID_undef ? OBJ_nid2sn(nid) : group;
  } else {
    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_FIELD_TYPE, field,
                                   sizeof field, NULL);
    type = strcmp(field, SN_X9_62_characteristic_two_field) == 0
      ? "explicit_char2" : "explicit_prime";
  }
  ERR_clear_error();
  lua_createtable(L, 0, 1);      /* ecdhparams */
  lua_createtable(L, 0, 2);      /* curve_params */
  lua_pushstring(L, type);
  lua_setfield(L, -2, "ec_curve_type");
  if (curve != NULL) {
    lua_pushstring(L, curve);
    lua_setfield(L, -2, "curve");
  }
  lua_setfield(L, -2, "curve_params");
}

/* Pushes the pubkey table: type "rsa", "dsa", "dh", "ec" or "unknown",
 * bits, and for RSA 'modulus' and 'exponent' as bignums, for EC
 * 'ecdhparams'. A key OpenSSL cannot decode is "unknown" with 0 bits.
 * [-0, +1, m] */
static void push_pubkey(lua_State *L, X509 *x) {
  EVP_PKEY *pkey = X509_get0_pubkey(x);  /* owned by 'x' */
  const char *type = "unknown";

  if (pkey == NULL) ERR_clear_error();
  else if (EVP_PKEY_is_a(pkey, "RSA")) type = "rsa";
  else if (EVP_PKEY_is_a(pkey, "DSA")) type = "dsa";
  else if (EVP_PKEY_is_a(pkey, "DH") || EVP_PKEY_is_a(pkey, "DHX"))
    type = "dh";
  else if (EVP_PKEY_is_a(pkey, "EC")) type = "ec";
  lua_createtable(L, 0, 4);
  lua_pushstring(L, type);
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, pkey != NULL ? EVP_PKEY_get_bits(pkey) : 0);
  lua_setfield(L, -2, "bits");
  if (strcmp(type, "rsa") == 0) {
    set_bn_param(L, pkey, OSSL_PKEY_PARAM_RSA_N, "modulus");
    set_bn_param(L, pkey, OSSL_PKEY_PARAM_RSA_E, "exponent");
  } else if (strcmp(type, "ec") == 0) {
    push_ecdhparams(L, pkey);
    lua_setfield(L, -2, "ecdhparams");
  }
}

/* Decodes every field of the certificate userdata on top of the stack and
 * stores them as its user value. [-0, +0, m] */
static void cert_build(lua_State *L, struct cert *c) {
  int obj = lua_gettop(L);
  const X509_ALGOR *alg = NULL;
  const ASN1_OBJECT *alg_obj = NULL;

  lua_createtable(L, 0, 8);  /* fields */
  push_name(L, X509_get_subject_name(c->x509));
  lua_setfield(L, -2, "subject");
  push_name(L, X509_get_issuer_name(c->x509));
  lua_setfield(L, -2, "issuer");
  X509_get0_signature(NULL, &alg, c->x509);
  X509_ALGOR_get0(&alg_obj, NULL, NULL, alg);
  push_oid_text(L, alg_obj, 0);
  lua_setfield(L, -2, "sig_algorithm");
  lua_createtable(L, 0, 2);  /* validity */
  push_time(L, X509_get0_notBefore(c->x509));
  lua_setfield(L, -2, "notBefore");
  push_time(L, X509_get0_notAfter(c->x509));
  lua_setfield(L, -2, "notAfter");
  lua_setfield(L, -2, "validity");

  c->bio = BIO_new(BIO_s_mem());
  if (c->bio == NULL) luaL_error(L, "not enough memory");
  if (!PEM_write_bio_X509(c->bio, c->x509)) {
    ERR_clear_error();
    luaL_error(L, "cannot PEM-encode the certificate");
  }
  push_bio(L, c->bio);
  lua_setfield(L, -2, "pem");
  if (push_extensions(L, c)) lua_setfield(L, -2, "extensions");
  BIO_free(c->bio);
  c->bio = NULL;

  push_pubkey(L, c->x509);
  lua_setfield(L, -2, "pubkey");
  lua_setiuservalue(L, obj, CERT_UV_FIELDS);
}

int nsx_cert_push(lua_State *L, X509 *cert) {
  struct cert *c = cert_new(L);

  nsx_openssl_init();
  X509_up_ref(cert);
  c->x509 = cert;
  cert_build(L, c);
  return 1;
}

int nsx_cert_parse(lua_State *L) {
  size_t len;
  const unsigned char *der =
    (const unsigned char *)luaL_checklstring(L, 1, &len);
  struct cert *c;

  nsx_openssl_init();
  c = cert_new(L);
  c->x509 = d2i_X509(NULL, &der, len > LONG_MAX ? LONG_MAX : (long)len);
  if (c->x509 == NULL) {
    ERR_clear_error();
    lua_pushnil(L);
    return 1;
  }
  cert_build(L, c);
  return 1;
}
