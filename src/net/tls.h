/* TLS client connections over nsx sockets, with OpenSSL memory BIOs: the
 * socket reads ciphertext from the network into OpenSSL and hands back
 * plaintext, so reads and writes work the same with or without TLS. The
 * client accepts any certificate and any protocol version and cipher the
 * library still has, because a scanner must talk to old and broken
 * servers; nothing is verified. */
#ifndef NSX_TLS_H
#define NSX_TLS_H

#include <openssl/x509.h>

#include "net/sock.h"

/* Starts a TLS handshake on a connected TCP socket. 'sni' (may be NULL)
 * is sent as server name. Returns 0 and calls 'cb' when the handshake
 * ends (status 0 or NSX_ETLS, NSX_ETIMEDOUT, ...), or < 0 at once. Bytes
 * not yet read from the socket are dropped. */
int nsx_tls_start(struct nsx_sock *s, const char *sni, int timeout_ms,
                  nsx_sock_cb cb, void *ud);

/* The peer's certificate (a new reference for the caller to free), or
 * NULL. */
X509 *nsx_tls_peer_cert(struct nsx_sock *s);

/* Whether OpenSSL is usable (always, in this build). */
int nsx_tls_available(void);

#endif
