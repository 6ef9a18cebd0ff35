/* Asynchronous getaddrinfo (see resolve.h). */
#include <stdlib.h>
#include <string.h>

#include "net/resolve.h"

struct nsx_resolve {
  uv_getaddrinfo_t req;
  nsx_resolve_cb cb;
  void *ud;
  int cancelled;
};

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  struct nsx_resolve *r = req->data;

  if (!r->cancelled) r->cb(r->ud, status, res);
  if (res) uv_freeaddrinfo(res);
  free(r);
}

struct nsx_resolve *nsx_resolve_start(uv_loop_t *loop, const char *name,
                                      int family, nsx_resolve_cb cb,
                                      void *ud, int *err) {
  struct nsx_resolve *r = calloc(1, sizeof *r);
  struct addrinfo hints;
  int rc;

  if (!r) {
    *err = UV_ENOMEM;
    return NULL;
  }
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  r->cb = cb;
  r->ud = ud;
  r->req.data = r;
  rc = uv_getaddrinfo(loop, &r->req, on_resolved, name, NULL, &hints);
  if (rc < 0) {
    free(r);
    *err = rc;
    return NULL;
  }
  return r;
}

void nsx_resolve_cancel(struct nsx_resolve *r) {
  /* The request may already be running; on_resolved frees it either way
   * (uv_cancel makes it complete with UV_ECANCELED if it had not). */
  r->cancelled = 1;
  uv_cancel((uv_req_t *)&r->req);
}

const char *nsx_resolve_strerror(int status) {
  switch (status) {
  case UV_EAI_NONAME: return "Name or service not known";
  case UV_EAI_AGAIN: return "Temporary failure in name resolution";
  case UV_EAI_FAIL: return "Non-recoverable failure in name resolution";
  case UV_EAI_NODATA: return "No address associated with hostname";
  case UV_EAI_FAMILY: return "ai_family not supported";
  case UV_EAI_MEMORY: return "Memory allocation failure";
  case UV_EAI_SERVICE: return "Servname not supported for ai_socktype";
  case UV_EAI_ADDRFAMILY: return "Address family for hostname not supported";
  default: return uv_strerror(status);
  }
}
