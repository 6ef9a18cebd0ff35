/* TLS over nsx sockets with OpenSSL memory BIOs (see tls.h). Ciphertext
 * from the network goes into 'rbio'; what OpenSSL wants to send appears in
 * 'wbio' and is written to the socket as is. Plaintext lands in the
 * socket's read buffer, so the read logic of sock.c serves both. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include "net/sock_int.h"
#include "net/tls.h"

struct nsx_tls {
  SSL *ssl;
  BIO *rbio, *wbio;
  unsigned handshaking : 1;
};

static SSL_CTX *client_ctx;

/* One client context for the process: no verification, legacy
 * renegotiation allowed, and the ClientHello Nmap 7.93's nsock sends: its
 * fast ciphers first (those OpenSSL 3 still has), then the rest, at
 * OpenSSL's default security level. Servers choose certificates and
 * suites from it, so scripts such as ssl-cert see what they see under
 * Nmap (an ECDSA-first list makes a dual-certificate server hand out its
 * ECDSA one). Scripts that probe protocol versions and ciphers
 * (ssl-enum-ciphers, sslv2) build their own handshakes (tls.lua) and do
 * not depend on this. */
static SSL_CTX *get_ctx(void) {
  if (client_ctx) return client_ctx;
  client_ctx = SSL_CTX_new(TLS_client_method());
  if (!client_ctx) return NULL;
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_cipher_list(client_ctx, "DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:"
                          "AES256-SHA:AES128-SHA:ALL");
  SSL_CTX_set_options(client_ctx, SSL_OP_ALL | SSL_OP_LEGACY_SERVER_CONNECT);
  SSL_CTX_set_mode(client_ctx, SSL_MODE_AUTO_RETRY);
  return client_ctx;
}

int nsx_tls_available(void) {
  return get_ctx() != NULL;
}

/* Writes what OpenSSL produced for the network. Returns 1 if all of it
 * went out at once, 0 if some was queued, < 0 on error. */
static int flush(struct nsx_sock *s) {
  char buf[16384];
  int n, rc, all = 1;

  while ((n = BIO_read(s->tls->wbio, buf, sizeof buf)) > 0) {
    rc = nsx__sock_write_raw(s, buf, (size_t)n, -1, NULL, NULL);
    if (rc < 0) return rc;
    if (rc == 0) all = 0;
  }
  return all;
}

/* Moves every plaintext byte OpenSSL can give into the read buffer. */
static void drain(struct nsx_sock *s) {
  char buf[16384];
  int n, err;

  for (;;) {
    n = SSL_read(s->tls->ssl, buf, sizeof buf);
    if (n > 0) {
      if (nsx_buf_append(&s->rbuf, buf, (size_t)n) < 0) {
        nsx__sock_finish(s, UV_ENOMEM);
        return;
      }
      continue;
    }
    err = SSL_get_error(s->tls->ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN) {
      s->eof = 1;
    } else {
      s->error = NSX_ETLS;
    }
    ERR_clear_error();
    break;
  }
  if (flush(s) < 0 && !s->error) s->error = NSX_ETLS;
  if (s->kind == NSX_READ_LINES) {
    s->lines = 0;
    for (size_t i = 0; i < s->rbuf.len; i++) s->lines += s->rbuf.data[i] == '\n';
  }
  nsx__sock_check_read(s, 0);
  if (s->op == NSX_OP_READ && (s->eof || s->error))
    nsx__sock_finish(s, s->error ? s->error : NSX_EEOF);
}

/* Advances the handshake; ends the handshake operation when it is over. */
static void handshake(struct nsx_sock *s) {
  struct nsx_tls *tls = s->tls;
  int r = SSL_do_handshake(tls->ssl), err;

  if (flush(s) < 0) {
    ERR_clear_error();
    nsx__sock_finish(s, NSX_ETLS);
    return;
  }
  if (r == 1) {
    tls->handshaking = 0;
    nsx__sock_stop_reading(s);
    nsx__sock_finish(s, 0);
    return;
  }
  err = SSL_get_error(tls->ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
  ERR_clear_error();
  nsx__sock_finish(s, NSX_ETLS);
}

int nsx__tls_handshaking(const struct nsx_sock *s) {
  return s->tls && s->tls->handshaking;
}

void nsx__tls_input(struct nsx_sock *s, const char *data, size_t n) {
  struct nsx_tls *tls = s->tls;

  if (BIO_write(tls->rbio, data, (int)n) != (int)n) {
    nsx__sock_finish(s, UV_ENOMEM);
    return;
  }
  if (tls->handshaking) {
    handshake(s);
    if (tls->handshaking) return;
  }
  drain(s);
}

int nsx__tls_write(struct nsx_sock *s, const char *data, size_t len,
                   int timeout_ms, nsx_sock_cb cb, void *ud) {
  int rc;

  if (s->tls->handshaking) return UV_EBUSY;
  if (len > 0 && SSL_write(s->tls->ssl, data, (int)len) <= 0) {
    ERR_clear_error();
    return NSX_ETLS;
  }
  rc = flush(s);
  if (rc != 0) return rc;
  nsx__sock_begin(s, NSX_OP_WRITE, timeout_ms, cb, ud);
  return 0;
}

int nsx_tls_start(struct nsx_sock *s, const char *sni, int timeout_ms,
                  nsx_sock_cb cb, void *ud) {
  SSL_CTX *ctx = get_ctx();
  struct nsx_tls *tls;
  int rc;

  if (s->proto != NSX_SOCK_TCP || !s->connected) return UV_ENOTCONN;
  if (s->op != NSX_OP_NONE) return UV_EBUSY;
  if (!ctx) return NSX_ETLS;
  nsx__tls_free(s);
  tls = calloc(1, sizeof *tls);
  if (!tls) return UV_ENOMEM;
  tls->ssl = SSL_new(ctx);
  tls->rbio = BIO_new(BIO_s_mem());
  tls->wbio = BIO_new(BIO_s_mem());
  if (!tls->ssl || !tls->rbio || !tls->wbio) {
    SSL_free(tls->ssl);
    BIO_free(tls->rbio);
    BIO_free(tls->wbio);
    free(tls);
    return UV_ENOMEM;
  }
  BIO_set_mem_eof_return(tls->rbio, -1);
  SSL_set_bio(tls->ssl, tls->rbio, tls->wbio);
  if (sni) SSL_set_tlsext_host_name(tls->ssl, sni);
  SSL_set_connect_state(tls->ssl);
  tls->handshaking = 1;
  s->tls = tls;
  nsx_sock_consume(s, s->rbuf.len);
  /* The first step only writes the ClientHello. */
  SSL_do_handshake(tls->ssl);
  rc = flush(s);
  if (rc < 0) {
    ERR_clear_error();
    return rc;
  }
  rc = nsx__sock_read_raw(s);
  if (rc < 0) return rc;
  nsx__sock_begin(s, NSX_OP_CONNECT, timeout_ms, cb, ud);
  return 0;
}

X509 *nsx_tls_peer_cert(struct nsx_sock *s) {
  if (!s->tls || s->tls->handshaking) return NULL;
  return SSL_get1_peer_certificate(s->tls->ssl);
}

void nsx__tls_free(struct nsx_sock *s) {
  if (!s->tls) return;
  SSL_free(s->tls->ssl);   /* frees both BIOs */
  free(s->tls);
  s->tls = NULL;
}
