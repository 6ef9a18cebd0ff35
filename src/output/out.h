/* Output writers: the scan reports to every writer the user asked for
 * (the screen, -oN, -oX, -oJ), through one small interface. Each writer
 * writes and flushes a host's report as soon as the host is done, so a
 * crash or a kill loses at most the hosts still being scanned. */
#ifndef NSX_OUT_H
#define NSX_OUT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine/engine.h"
#include "output/results.h"

struct nsx_host;
struct nsx_portlist;
struct nsx_writer;

struct nsx_writer_ops {
  void (*begin)(struct nsx_writer *w, struct nsx_engine *E);
  void (*phase)(struct nsx_writer *w, struct nsx_engine *E,
                enum nsx_phase phase, const struct nsx_results *rs);
  void (*host)(struct nsx_writer *w, struct nsx_engine *E,
               struct nsx_host *h);
  void (*end)(struct nsx_writer *w, struct nsx_engine *E);
};

struct nsx_writer {
  const struct nsx_writer_ops *ops;
  struct nsx_output *out;
  FILE *f;
  unsigned own : 1;              /* close 'f' at the end */
  unsigned screen : 1;           /* stdout rather than a file */
};

enum { NSX_MAX_WRITERS = 8 };

struct nsx_output {
  struct nsx_writer w[NSX_MAX_WRITERS];
  size_t n;
  char *cmdline;                 /* the command line, for file headers */
  time_t start;
  uint64_t start_ms;
  /* The ports the scan probes, for XML <scaninfo>; NULL when there is no
   * port scan (-sn). Not owned; it must outlive the writers. */
  const struct nsx_portlist *ports;
};

/* The writers. Normal output (out_normal.c) is Nmap-style text; on the
 * screen it starts with a "Starting" line, in a file with '#' header and
 * footer lines. XML (-oX, out_xml.c) is valid against Nmap's nmap.dtd.
 * JSON Lines (-oJ, out_json.c) is described by doc/nsx-jsonl.schema.json. */
extern const struct nsx_writer_ops nsx_out_normal;
extern const struct nsx_writer_ops nsx_out_xml;
extern const struct nsx_writer_ops nsx_out_json;

/* Adds a writer of kind 'ops' to 'f', closed at the end if 'own'; 'screen'
 * marks stdout. Returns 0 or -1 if there are too many writers. */
int nsx_out_add(struct nsx_output *o, const struct nsx_writer_ops *ops,
                FILE *f, int own, int screen);

/* Calls every writer. */
void nsx_out_begin(struct nsx_output *o, struct nsx_engine *E);
void nsx_out_phase(struct nsx_output *o, struct nsx_engine *E,
                   enum nsx_phase phase, const struct nsx_results *rs);
void nsx_out_host(struct nsx_output *o, struct nsx_engine *E,
                  struct nsx_host *h);
void nsx_out_end(struct nsx_output *o, struct nsx_engine *E);

/* Closes the files of writers that own them. */
void nsx_out_close(struct nsx_output *o);

/* "0.00079": 'x' with two significant digits and no exponent, the way
 * Nmap prints latencies. */
const char *nsx_out_sigdigits(double x, char *buf, size_t len);

#endif
