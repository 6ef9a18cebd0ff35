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

/* Adds a writer of normal (Nmap-style text) output to 'f'. 'screen'
 * selects the screen variant (a "Starting" line) over the file variant
 * ('#' header and footer lines). Returns 0 or -1 if there are too many. */
int nsx_out_add_normal(struct nsx_output *o, FILE *f, int own, int screen);

/* Adds a writer of Nmap-compatible XML (-oX, out_xml.c) to 'f', valid
 * against Nmap's nmap.dtd. Returns 0 or -1 if there are too many. */
int nsx_out_add_xml(struct nsx_output *o, FILE *f, int own);

/* Adds a writer of JSON Lines (-oJ, out_json.c; records described by
 * doc/nsx-jsonl.schema.json) to 'f'. Returns 0 or -1 if there are too
 * many. */
int nsx_out_add_json(struct nsx_output *o, FILE *f, int own);

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
