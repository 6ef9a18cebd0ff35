/* Internals shared by sock.c and tls.c only. */
#ifndef NSX_SOCK_INT_H
#define NSX_SOCK_INT_H

#include "net/sock.h"

void nsx__sock_begin(struct nsx_sock *s, int op, int timeout_ms,
                     nsx_sock_cb cb, void *ud);
void nsx__sock_finish(struct nsx_sock *s, int status);
/* Appends plaintext to the read buffer and ends a satisfied read. */
void nsx__sock_got_data(struct nsx_sock *s, const char *data, size_t n,
                        size_t datagrams);
void nsx__sock_check_read(struct nsx_sock *s, size_t datagrams);
/* Writes bytes to the network as they are (ciphertext for TLS). */
int nsx__sock_write_raw(struct nsx_sock *s, const char *data, size_t len,
                        int timeout_ms, nsx_sock_cb cb, void *ud);
/* Starts reading from the network if not reading yet. */
int nsx__sock_read_raw(struct nsx_sock *s);
void nsx__sock_stop_reading(struct nsx_sock *s);

/* tls.c: network bytes in, plaintext out; plaintext in, network out. */
void nsx__tls_input(struct nsx_sock *s, const char *data, size_t n);
int nsx__tls_write(struct nsx_sock *s, const char *data, size_t len,
                   int timeout_ms, nsx_sock_cb cb, void *ud);
void nsx__tls_free(struct nsx_sock *s);
int nsx__tls_handshaking(const struct nsx_sock *s);

#endif
